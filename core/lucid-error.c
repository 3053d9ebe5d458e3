/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "lucid-error.h"

G_DEFINE_QUARK (lucid-error-quark, lucid_error)
