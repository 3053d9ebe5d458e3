/* lucid-latency-buckets.h — upper bounds (seconds) of the encoder latency
 * histogram: lucid-worker counts into them, lucidd exports them as the
 * Prometheus histogram lucid_encoder_latency_seconds (last bucket: +Inf).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

static const double lucid_latency_bounds[]
    = { 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0 };
#define LUCID_LATENCY_N_BUCKETS (G_N_ELEMENTS (lucid_latency_bounds) + 1)
