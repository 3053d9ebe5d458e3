/* lucid-tokenizer-bpe-private.h — the character classes the byte-level BPE
 * normalizer and pre-tokenizer share: tables generated from tokenizers
 * (lucid-tokenizer-bpe-tables.c) and the lookups over them.  Not installed.
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

/* ------------------------------------------------------------------------
 * Character classes (Oniguruma's, see the tables)
 * ------------------------------------------------------------------------ */

static inline gboolean
lucid_bpe_in_ranges (gunichar c, const LucidUcRange *r, gsize n)
{
  gsize lo = 0, hi = n;

  while (lo < hi) {
    gsize mid = (lo + hi) / 2;

    if (c < r[mid].lo)
      hi = mid;
    else if (c > r[mid].hi)
      lo = mid + 1;
    else
      return TRUE;
  }
  return FALSE;
}

static inline gboolean
lucid_bpe_is_letter (gunichar c)
{
  if (c < 0x80)
    return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
  return lucid_bpe_in_ranges (c, lucid_bpe_letter_ranges,
                              lucid_bpe_n_letter_ranges);
}

static inline gboolean
lucid_bpe_is_number (gunichar c)
{
  if (c < 0x80)
    return c >= '0' && c <= '9';
  return lucid_bpe_in_ranges (c, lucid_bpe_number_ranges,
                              lucid_bpe_n_number_ranges);
}

static inline gboolean
lucid_bpe_is_space (gunichar c)
{
  if (c < 0x80)
    return c == ' ' || (c >= 0x9 && c <= 0xD);
  return lucid_bpe_in_ranges (c, lucid_bpe_space_ranges,
                              lucid_bpe_n_space_ranges);
}

/* [^\s\p{L}\p{N}] */
static inline gboolean
lucid_bpe_is_other (gunichar c)
{
  return !lucid_bpe_is_space (c) && !lucid_bpe_is_letter (c)
         && !lucid_bpe_is_number (c);
}

G_END_DECLS
