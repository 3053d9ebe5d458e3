/* lucid-tokenizer-bpe-normalize.c — step 2 of the byte-level BPE pipeline
 * (see lucid-tokenizer-bpe.c): CLIP's normalizer Sequence (NFC,
 * Replace(\s+ → " "), Lowercase), each step keeping every character tied to
 * the original bytes it came from, with NormalizedString::transform's rule.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "lucid-tokenizer-private.h"

#include <string.h>

#include "lucid-tokenizer-bpe-private.h"

/* ------------------------------------------------------------------------
 * Normalizer steps: s->a → s->b, then swapped
 * ------------------------------------------------------------------------ */

static inline void
push_norm (NormChar **v, gsize *n, gsize *cap, gunichar c, gint32 start,
           gint32 end)
{
  if (G_UNLIKELY (*n == *cap))
    lucid_tokenizer_grow (v, cap, *n + 1, sizeof (NormChar));
  (*v)[*n].c = c;
  (*v)[*n].start = start;
  (*v)[*n].end = end;
  (*n)++;
}

static void
swap_ab (Scratch *s)
{
  NormChar *t = s->a;
  gsize cap = s->a_cap;

  s->a = s->b;
  s->a_cap = s->b_cap;
  s->na = s->nb;
  s->b = t;
  s->b_cap = cap;
  s->nb = 0;
}

static void
step_lowercase (Scratch *s)
{
  gsize i;

  s->nb = 0;
  for (i = 0; i < s->na; i++) {
    const NormChar *x = &s->a[i];
    gunichar c = x->c;

    if (c == 0x130) {
      push_norm (&s->b, &s->nb, &s->b_cap, 'i', x->start, x->end);
      push_norm (&s->b, &s->nb, &s->b_cap, 0x307, x->start, x->end);
      continue;
    }
    push_norm (&s->b, &s->nb, &s->b_cap, lucid_uc_to_lower (c), x->start,
               x->end);
  }
}

/* Replace(Regex("\s+"), " "): the ' ' is inserted after the removed run,
 * so it takes the alignment of the run's last character. */
static void
step_ws_replace (Scratch *s)
{
  gsize i = 0;

  s->nb = 0;
  while (i < s->na) {
    if (!lucid_bpe_is_space (s->a[i].c)) {
      push_norm (&s->b, &s->nb, &s->b_cap, s->a[i].c, s->a[i].start,
                 s->a[i].end);
      i++;
      continue;
    }
    while (i + 1 < s->na && lucid_bpe_is_space (s->a[i + 1].c))
      i++;
    push_norm (&s->b, &s->nb, &s->b_cap, ' ', s->a[i].start, s->a[i].end);
    i++;
  }
}

/* The canonical combining class as tokenizers' normalizer sees it:
 * GLib's, except for marks newer than that crate's Unicode (class 0
 * there, so never reordered — U+0898 and U+08CA ... from Unicode 14). */
static guint8
ccc_of (gunichar c)
{
  guint8 ccc;

  if (c < 0x300)
    return 0;
  ccc = (guint8)g_unichar_combining_class (c);
  if (ccc > 1
      && !lucid_bpe_in_ranges (c, lucid_bpe_reorder_ranges,
                               lucid_bpe_n_reorder_ranges))
    return 0;
  return ccc;
}

/* One composition step, with unicode-normalization's table: GLib's, minus
 * what that crate's older Unicode does not know (U+11938 DIVES AKURU
 * VOWEL SIGN O, Unicode 13; see lucid_uc_decompose). */
static gboolean
compose_pair (gunichar a, gunichar b, gunichar *out)
{
  if (!g_unichar_compose (a, b, out))
    return FALSE;
  return *out != 0x11938;
}

static void
emit_nfc (Scratch *s, const NfcChar *x, gsize *consumed)
{
  gsize i = *consumed;

  if (x->count > 0 && i < s->na) {
    push_norm (&s->b, &s->nb, &s->b_cap, x->c, s->a[i].start, s->a[i].end);
    *consumed = MIN (s->na, i + x->count);
  } else {
    const NormChar *last = &s->a[i > 0 ? i - 1 : 0];

    push_norm (&s->b, &s->nb, &s->b_cap, x->c, last->start, last->end);
  }
}

static void
step_nfc (Scratch *s)
{
  gsize i, n = 0, consumed = 0, k;
  NfcChar composee = { 0 }, *buffer;
  gboolean have_composee = FALSE;
  gint last_ccc = -1; /* -1: nothing buffered since the composee */
  gsize nbuf = 0, bstart;

  /* Canonical decomposition: the first character of each consumes its
   * source character. */
  for (i = 0; i < s->na; i++) {
    gunichar buf[G_UNICHAR_MAX_DECOMPOSITION_LENGTH];
    gsize m = lucid_uc_decompose (s->a[i].c, buf);

    lucid_tokenizer_grow (&s->nfc, &s->nfc_cap, 2 * (n + m) + 1,
                          sizeof (NfcChar));
    for (k = 0; k < m; k++) {
      s->nfc[n].c = buf[k];
      s->nfc[n].ccc = ccc_of (buf[k]);
      s->nfc[n].count = k == 0 ? 1 : 0;
      n++;
    }
  }
  /* Canonical ordering: stable sort of each run of non-starters. */
  for (i = 0; i < n;) {
    gsize run_end, j;

    if (s->nfc[i].ccc == 0) {
      i++;
      continue;
    }
    for (run_end = i; run_end < n && s->nfc[run_end].ccc != 0; run_end++)
      ;
    for (j = i + 1; j < run_end; j++) {
      NfcChar x = s->nfc[j];
      gsize q = j;

      while (q > i && s->nfc[q - 1].ccc > x.ccc) {
        s->nfc[q] = s->nfc[q - 1];
        q--;
      }
      s->nfc[q] = x;
    }
    i = run_end;
  }

  /* Canonical composition (unicode-normalization's Recompositions); the
   * blocked characters wait in the second half of s->nfc. */
  s->nb = 0;
  bstart = n;
  buffer = s->nfc + bstart;
  for (i = 0; i < n; i++) {
    NfcChar ch = s->nfc[i];
    gunichar r;

    if (!have_composee) {
      if (ch.ccc != 0) {
        emit_nfc (s, &ch, &consumed);
        continue;
      }
      composee = ch;
      have_composee = TRUE;
      continue;
    }
    if (last_ccc < 0) {
      if (compose_pair (composee.c, ch.c, &r)) {
        composee.c = r;
        composee.ccc = ccc_of (r);
        composee.count += ch.count;
        continue;
      }
      if (ch.ccc == 0) {
        emit_nfc (s, &composee, &consumed);
        composee = ch;
        continue;
      }
      last_ccc = ch.ccc;
      buffer[nbuf++] = ch;
      continue;
    }
    if (last_ccc >= ch.ccc) {
      if (ch.ccc == 0) {
        emit_nfc (s, &composee, &consumed);
        for (k = 0; k < nbuf; k++)
          emit_nfc (s, &buffer[k], &consumed);
        nbuf = 0;
        last_ccc = -1;
        composee = ch;
        continue;
      }
      last_ccc = ch.ccc;
      buffer[nbuf++] = ch;
      continue;
    }
    if (compose_pair (composee.c, ch.c, &r)) {
      composee.c = r;
      composee.ccc = ccc_of (r);
      composee.count += ch.count;
      continue;
    }
    last_ccc = ch.ccc;
    buffer[nbuf++] = ch;
  }
  if (have_composee)
    emit_nfc (s, &composee, &consumed);
  for (k = 0; k < nbuf; k++)
    emit_nfc (s, &buffer[k], &consumed);
}

/* Normalizes text[begin, end) into s->b (one NormChar per character). */
void
lucid_tokenizer_bpe_normalize_piece (const LucidTokenizer *tok, Scratch *s,
                                     const char *text, gsize begin, gsize end)
{
  const char *p = text + begin, *stop = text + end;
  guint i;

  s->na = 0;
  while (p < stop) {
    const char *next = g_utf8_next_char (p);
    gunichar c = *p ? g_utf8_get_char (p) : 0;

    if (next > stop) /* cannot happen: the text is valid UTF-8 */
      next = stop;
    push_norm (&s->a, &s->na, &s->a_cap, c, (gint32)(p - text),
               (gint32)(next - text));
    p = next;
  }
  for (i = 0; i < tok->bpe.n_norm; i++) {
    switch (tok->bpe.norm[i]) {
      case BPE_NORM_NFC:
        step_nfc (s);
        break;
      case BPE_NORM_WS_REPLACE:
        step_ws_replace (s);
        break;
      case BPE_NORM_LOWERCASE:
        step_lowercase (s);
        break;
    }
    swap_ab (s);
  }
  /* The result (in s->a after the last swap) goes to s->b. */
  {
    NormChar *t = s->b;
    gsize cap = s->b_cap;

    s->b = s->a;
    s->b_cap = s->a_cap;
    s->nb = s->na;
    s->a = t;
    s->a_cap = cap;
    s->na = 0;
  }
}
