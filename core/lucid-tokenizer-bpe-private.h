/* lucid-tokenizer-bpe-private.h — the character-class tables of the
 * byte-level BPE pre-tokenizer (generated: lucid-tokenizer-bpe-tables.c).
 * Not installed.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  gunichar lo, hi;
} LucidUcRange;

/* Sorted, disjoint ranges: Oniguruma's \p{L}, \p{N} and \s as tokenizers
 * 0.23.3 applies them (tools/make_bpe_tables.py). */
G_GNUC_INTERNAL extern const LucidUcRange lucid_bpe_letter_ranges[];
G_GNUC_INTERNAL extern const gsize lucid_bpe_n_letter_ranges;
G_GNUC_INTERNAL extern const LucidUcRange lucid_bpe_number_ranges[];
G_GNUC_INTERNAL extern const gsize lucid_bpe_n_number_ranges;
G_GNUC_INTERNAL extern const LucidUcRange lucid_bpe_space_ranges[];
G_GNUC_INTERNAL extern const gsize lucid_bpe_n_space_ranges;
/* Code points that tokenizers' Unicode normalization gives a combining
 * class above 1 (GLib knows more marks: the rest are starters there). */
G_GNUC_INTERNAL extern const LucidUcRange lucid_bpe_reorder_ranges[];
G_GNUC_INTERNAL extern const gsize lucid_bpe_n_reorder_ranges;

G_END_DECLS
