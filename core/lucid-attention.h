/* lucid-attention.h — fused multi-head attention for the CPU backend.
 *
 * For each (sequence, head) of a packed batch, one kernel computes
 *
 *   S = scale · Q_h K_hᵀ  (masked keys, and keys after the query when
 *                          causal, get probability exactly 0)
 *   P = softmax_rows (S)
 *   O_h = P V_h           written straight into the context rows
 *
 * a block of query rows at a time (12 on AVX-512), so only that block's
 * scores live in memory (a few KiB per thread); all heads' probability
 * matrices are materialised only when the caller asks for them, and then
 * they are exactly the P that multiplied V. The micro-kernels (register
 * tiles for both products, a vectorised exp for the softmax) exist for
 * AVX-512, AVX2+FMA and portable C, the same set and the same choice as
 * lucid-gemm.h's. See docs/architecture.md, "Attention".
 *
 * Each output element is computed by one thread in one fixed order,
 * whatever the split of (sequence, head) blocks over threads, so results do
 * not depend on the number of threads.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include "lucid-gemm.h"

G_BEGIN_DECLS

/* Every sequence of a packed batch, all heads.
 * qkv: [T × 3·heads·head_dim], token t's row holding q | k | v, head h at
 *      columns h·head_dim of each third (T = seq_offset[n_seqs]).
 * out: [T × heads·head_dim], head h at columns h·head_dim.
 * seq_offset: [n_seqs + 1], token offsets (sequence s: tokens
 *      seq_offset[s] … seq_offset[s+1] − 1).
 * causal: query i attends to keys j ≤ i only (CLIP's text tower).
 * key_mask: NULL, or [T] with 0 for a key no query may attend to
 *      (padding); a query whose every key is masked gets a zero output row
 *      (and zero probabilities).
 * probs: NULL, or where the probabilities go: sequence s's
 *      [heads × len × len] block starts at probs + probs_offset[s], or,
 *      when probs_offset is NULL, right after sequence s−1's block. */
typedef struct {
  const float *qkv;
  float *out;
  const gsize *seq_offset;
  gsize n_seqs, heads, head_dim;
  gboolean causal;
  const guint8 *key_mask;
  float *probs;
  const gsize *probs_offset;
} LucidAttentionBatch;

/* Rough cost of the batch (multiply-adds), to decide on threads. */
double lucid_attention_batch_cost (const LucidAttentionBatch *batch);

/* Runs the (sequence, head) blocks of parts [part_begin, part_end) of
 * @n_parts: the blocks are cut into @n_parts runs of about equal cost, in
 * order, so calls for disjoint part ranges may run on different threads and
 * together compute the whole batch. @kernel must be supported
 * (lucid_gemm_kernel_supported). */
void lucid_attention_run (LucidGemmKernel kernel,
    const LucidAttentionBatch *batch, gsize part_begin, gsize part_end,
    gsize n_parts);

G_END_DECLS
