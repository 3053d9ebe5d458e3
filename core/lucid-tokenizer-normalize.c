/* lucid-tokenizer-normalize.c — steps 1 to 3 of the pipeline (see
 * lucid-tokenizer.c): added tokens cut out of the text, and BertNormalizer
 * with the alignment bookkeeping that keeps every normalized character tied
 * to the original bytes it came from.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "lucid-tokenizer-private.h"

#include <string.h>

/* ------------------------------------------------------------------------
 * Normalization (BertNormalizer) with alignments
 * ------------------------------------------------------------------------ */

static inline void
push_a (Scratch *s, gunichar c, gint32 start, gint32 end)
{
  if (G_UNLIKELY (s->na == s->a_cap))
    lucid_tokenizer_grow (&s->a, &s->a_cap, s->na + 1, sizeof (NormChar));
  s->a[s->na].c = c;
  s->a[s->na].start = start;
  s->a[s->na].end = end;
  s->na++;
}

static inline void
push_b (Scratch *s, gunichar c, gint32 start, gint32 end)
{
  if (G_UNLIKELY (s->nb == s->b_cap))
    lucid_tokenizer_grow (&s->b, &s->b_cap, s->nb + 1, sizeof (NormChar));
  s->b[s->nb].c = c;
  s->b[s->nb].start = start;
  s->b[s->nb].end = end;
  s->nb++;
}

/* Lowercases @c (when asked) into s->b, every result character aligned
 * with [start, end): 'İ' gives 'i' (replacing) and U+0307 (inserted after
 * it, so aligned with the same source). */
static inline void
emit_final (const LucidTokenizer *tok, Scratch *s, gunichar c, gint32 start,
            gint32 end)
{
  if (tok->lowercase) {
    if (c < 0x80) {
      push_b (s, c >= 'A' && c <= 'Z' ? c + 32 : c, start, end);
      return;
    }
    if (G_UNLIKELY (c == 0x130)) {
      push_b (s, 'i', start, end);
      push_b (s, 0x307, start, end);
      return;
    }
    c = lucid_uc_to_lower (c);
  }
  push_b (s, c, start, end);
}

/* Stable sort of each maximal run of non-starters by combining class:
 * the canonical ordering step of NFD, as unicode-normalization does it. */
static void
canonical_order (DecompChar *d, gsize n)
{
  gsize i = 0;

  while (i < n) {
    gsize run_end, j;

    if (d[i].ccc == 0) {
      i++;
      continue;
    }
    for (run_end = i; run_end < n && d[run_end].ccc != 0; run_end++)
      ;
    for (j = i + 1; j < run_end; j++) { /* insertion sort: runs are tiny */
      DecompChar x = d[j];
      gsize k = j;

      while (k > i && d[k - 1].ccc > x.ccc) {
        d[k] = d[k - 1];
        k--;
      }
      d[k] = x;
    }
    i = run_end;
  }
}

/* NFD, canonical ordering, nonspacing-mark removal and lowercase for
 * s->a[from, to), a stretch of non-ASCII characters that starts the piece
 * or follows an ASCII character (so everything before it is consumed):
 * the first character of each decomposition replaces the next character of
 * s->a not yet consumed and takes its alignment, the others are inserted
 * and take the last consumed one's (NormalizedString::transform; positional
 * even where canonical ordering moved characters). */
static void
strip_accents_block (const LucidTokenizer *tok, Scratch *s, gsize from,
                     gsize to, gsize begin)
{
  gsize i, consumed = from;

  s->nd = 0;
  for (i = from; i < to; i++) {
    gunichar buf[G_UNICHAR_MAX_DECOMPOSITION_LENGTH];
    gsize k, n = lucid_uc_decompose (s->a[i].c, buf);

    lucid_tokenizer_grow (&s->d, &s->d_cap, s->nd + n, sizeof (DecompChar));
    for (k = 0; k < n; k++) {
      DecompChar *dc = &s->d[s->nd++];

      dc->c = buf[k];
      dc->ccc = buf[k] < 0x300 ? 0 : (guint8)g_unichar_combining_class (buf[k]);
      dc->first = k == 0;
    }
  }
  canonical_order (s->d, s->nd);

  for (i = 0; i < s->nd; i++) {
    gint32 st, en;

    if (s->d[i].first) {
      st = s->a[consumed].start;
      en = s->a[consumed].end;
      consumed++;
    } else if (consumed > 0) {
      st = s->a[consumed - 1].start;
      en = s->a[consumed - 1].end;
    } else {
      st = en = (gint32)begin;
    }
    if (lucid_uc_is_nonspacing_mark (s->d[i].c))
      continue;
    emit_final (tok, s, s->d[i].c, st, en);
  }
}

/* Normalizes text[begin, end) into s->b (s->nb characters). */
void
lucid_tokenizer_normalize_piece (const LucidTokenizer *tok, Scratch *s,
                                 const char *text, gsize begin, gsize end)
{
  gsize p, i, block;

  s->na = s->nb = 0;
  lucid_tokenizer_grow (&s->a, &s->a_cap, end - begin + 16, sizeof (NormChar));
  lucid_tokenizer_grow (&s->b, &s->b_cap, end - begin + 16, sizeof (NormChar));

  /* 1. clean_text and CJK padding, into s->a. */
  for (p = begin; p < end;) {
    gunichar c = (guchar)text[p];
    gsize q;

    if (c < 0x80) {
      q = p + 1;
      if (!tok->normalize) {
        push_b (s, c, (gint32)p, (gint32)q);
      } else if (c >= 0x20 && c != 0x7F) {
        push_a (s, c, (gint32)p, (gint32)q);
      } else if (!tok->clean_text) {
        push_a (s, c, (gint32)p, (gint32)q);
      } else if (c == '\t' || c == '\n' || c == '\r') {
        push_a (s, ' ', (gint32)p, (gint32)q);
      } /* other ASCII controls: removed */
      p = q;
      continue;
    }

    c = g_utf8_get_char (text + p);
    q = g_utf8_next_char (text + p) - text;
    if (!tok->normalize) {
      push_b (s, c, (gint32)p, (gint32)q);
      p = q;
      continue;
    }
    if (tok->clean_text) {
      if (c == 0xFFFD || lucid_uc_is_bert_control (c)) {
        p = q;
        continue;
      }
      if (lucid_uc_is_whitespace (c))
        c = ' ';
    }
    if (tok->handle_cjk && lucid_uc_is_cjk (c)) {
      /* Emitted as (' ', 0), (c, +1), (' ', +1): the first space replaces
       * the ideograph, so all three align with it. */
      push_a (s, ' ', (gint32)p, (gint32)q);
      push_a (s, c, (gint32)p, (gint32)q);
      push_a (s, ' ', (gint32)p, (gint32)q);
    } else {
      push_a (s, c, (gint32)p, (gint32)q);
    }
    p = q;
  }
  if (!tok->normalize)
    return;

  if (!tok->strip_accents) {
    /* 2'. lowercase only. */
    for (i = 0; i < s->na; i++)
      emit_final (tok, s, s->a[i].c, s->a[i].start, s->a[i].end);
    return;
  }

  /* 2. NFD, mark removal, lowercase.  An ASCII character neither
   * decomposes nor moves (combining class 0), and everything before it has
   * been consumed by then: it passes straight through, and the non-ASCII
   * stretches between such characters go through strip_accents_block. */
  block = 0;
  for (i = 0; i < s->na; i++) {
    gunichar c = s->a[i].c;

    if (c >= 0x80)
      continue;
    if (block < i)
      strip_accents_block (tok, s, block, i, begin);
    emit_final (tok, s, c, s->a[i].start, s->a[i].end);
    block = i + 1;
  }
  if (block < s->na)
    strip_accents_block (tok, s, block, s->na, begin);
}

/* ------------------------------------------------------------------------
 * Added tokens
 * ------------------------------------------------------------------------ */

static void
push_split (Scratch *s, gsize start, gsize end, gint32 id)
{
  if (s->n_splits == s->splits_cap)
    lucid_tokenizer_grow (&s->splits, &s->splits_cap, s->n_splits + 1,
                          sizeof (Split));
  s->splits[s->n_splits].start = start;
  s->splits[s->n_splits].end = end;
  s->splits[s->n_splits].id = id;
  s->n_splits++;
}

static gboolean
text_ends_with_word (const char *s, gsize pos)
{
  const char *prev;

  if (pos == 0)
    return FALSE;
  prev = g_utf8_find_prev_char (s, s + pos);
  return prev != NULL && lucid_uc_is_word_char (g_utf8_get_char (prev));
}

static gboolean
text_starts_with_word (const char *s, gsize pos, gsize len)
{
  return pos < len && lucid_uc_is_word_char (g_utf8_get_char (s + pos));
}

/* Start of the whitespace run ending at @pos (regex \s*$ on s[..pos]). */
static gsize
whitespace_run_start (const char *s, gsize pos)
{
  while (pos > 0) {
    const char *prev = g_utf8_find_prev_char (s, s + pos);

    if (prev == NULL || !lucid_uc_is_whitespace (g_utf8_get_char (prev)))
      break;
    pos = prev - s;
  }
  return pos;
}

/* End of the whitespace run starting at @pos (regex ^\s* on s[pos..]). */
static gsize
whitespace_run_end (const char *s, gsize pos, gsize len)
{
  while (pos < len && lucid_uc_is_whitespace (g_utf8_get_char (s + pos)))
    pos = g_utf8_next_char (s + pos) - s;
  return pos;
}

/* AddedVocabulary::find_matches: splits s[0, len) into added tokens (id
 * >= 0) and the text between them (id -1), into s->splits.  Matching is
 * leftmost-longest (aho-corasick MatchKind::LeftmostLongest); the search
 * resumes at the end of the pattern match whether or not single_word
 * rejected it and whatever rstrip added, as upstream. */
void
lucid_tokenizer_find_added (const LucidTokenizer *tok, const Matcher *m,
                            gboolean normalized, Scratch *scr, const char *s,
                            gsize len)
{
  gsize start_offset = 0, p = 0;

  scr->n_splits = 0;
  while (p < len) {
    guint b = (guchar)s[p], k, best = G_MAXUINT;
    gsize best_len = 0, mstart, mstop;
    const AddedToken *at;

    for (k = m->first[b]; k < m->first[b + 1]; k++) {
      const AddedToken *cand = &tok->added[m->idx[k]];
      const char *pat = normalized ? cand->norm : cand->content;
      gsize plen = normalized ? cand->norm_len : cand->len;

      if (plen > best_len && plen <= len - p
          && memcmp (s + p, pat, plen) == 0) {
        best = m->idx[k];
        best_len = plen;
      }
    }
    if (best == G_MAXUINT) {
      p++;
      continue;
    }
    at = &tok->added[best];
    mstart = p;
    mstop = p + best_len;
    p = mstop;
    if (at->single_word
        && (text_ends_with_word (s, mstart)
            || text_starts_with_word (s, mstop, len)))
      continue;
    if (at->lstrip)
      mstart = MAX (whitespace_run_start (s, mstart), start_offset);
    if (at->rstrip)
      mstop = whitespace_run_end (s, mstop, len);
    if (start_offset < mstart)
      push_split (scr, start_offset, mstart, -1);
    push_split (scr, mstart, mstop, at->id);
    start_offset = mstop;
  }
  if (start_offset < len)
    push_split (scr, start_offset, len, -1);
}
