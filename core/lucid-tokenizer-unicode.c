/* lucid-tokenizer-unicode.c — the Unicode properties the tokenizer asks
 * about, answered as Hugging Face `tokenizers` 0.23 answers them: GLib's
 * tables corrected by exception tables (how they were derived: "UNICODE
 * PROPERTIES" in lucid-tokenizer.c).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "lucid-tokenizer-private.h"

/* ------------------------------------------------------------------------
 * Unicode properties, as tokenizers sees them
 * ------------------------------------------------------------------------ */

typedef struct {
  gunichar lo, hi;
} UcRange;

/* Cf characters that the crate does not call "other" (clean_text keeps
 * them). */
static const UcRange kept_format_chars[] = {
  { 0x890, 0x891 },
  { 0x8E2, 0x8E2 },
  { 0x110CD, 0x110CD },
  { 0x13430, 0x1343F },
};

/* P* characters (GLib) that the crate does not call punctuation. */
static const UcRange not_punctuation[] = {
  { 0x61D, 0x61D },     { 0x9FD, 0x9FD },     { 0xA76, 0xA76 },
  { 0xC77, 0xC77 },     { 0xC84, 0xC84 },     { 0x1B7D, 0x1B7E },
  { 0x2E43, 0x2E4F },   { 0x2E52, 0x2E5D },   { 0x10EAD, 0x10EAD },
  { 0x10F55, 0x10F59 }, { 0x10F86, 0x10F89 }, { 0x1144B, 0x1144F },
  { 0x1145A, 0x1145B }, { 0x1145D, 0x1145D }, { 0x11660, 0x1166C },
  { 0x116B9, 0x116B9 }, { 0x1183B, 0x1183B }, { 0x11944, 0x11946 },
  { 0x119E2, 0x119E2 }, { 0x11A3F, 0x11A46 }, { 0x11A9A, 0x11A9C },
  { 0x11A9E, 0x11AA2 }, { 0x11B00, 0x11B09 }, { 0x11C41, 0x11C45 },
  { 0x11C70, 0x11C71 }, { 0x11EF7, 0x11EF8 }, { 0x11F43, 0x11F4F },
  { 0x11FFF, 0x11FFF }, { 0x12FF1, 0x12FF2 }, { 0x16E97, 0x16E9A },
  { 0x16FE2, 0x16FE2 }, { 0x1E95E, 0x1E95F },
};

/* Mn characters (GLib) that the crate does not call nonspacing marks
 * (strip_accents keeps them). */
static const UcRange not_nonspacing_mark[] = {
  { 0x7FD, 0x7FD },     { 0x898, 0x89F },     { 0x8CA, 0x8E1 },
  { 0x9FE, 0x9FE },     { 0xAFA, 0xAFF },     { 0xB55, 0xB55 },
  { 0xC04, 0xC04 },     { 0xC3C, 0xC3C },     { 0xD00, 0xD00 },
  { 0xD3B, 0xD3C },     { 0xD81, 0xD81 },     { 0xEBA, 0xEBA },
  { 0xECE, 0xECE },     { 0x180F, 0x180F },   { 0x1885, 0x1886 },
  { 0x1ABF, 0x1ACE },   { 0x1DF6, 0x1DFB },   { 0xA82C, 0xA82C },
  { 0xA8C5, 0xA8C5 },   { 0xA8FF, 0xA8FF },   { 0xA9BD, 0xA9BD },
  { 0x10D24, 0x10D27 }, { 0x10EAB, 0x10EAC }, { 0x10EFD, 0x10EFF },
  { 0x10F46, 0x10F50 }, { 0x10F82, 0x10F85 }, { 0x11070, 0x11070 },
  { 0x11073, 0x11074 }, { 0x110C2, 0x110C2 }, { 0x111C9, 0x111C9 },
  { 0x111CF, 0x111CF }, { 0x1123E, 0x1123E }, { 0x11241, 0x11241 },
  { 0x1133B, 0x1133B }, { 0x11438, 0x1143F }, { 0x11442, 0x11444 },
  { 0x11446, 0x11446 }, { 0x1145E, 0x1145E }, { 0x1182F, 0x11837 },
  { 0x11839, 0x1183A }, { 0x1193B, 0x1193C }, { 0x1193E, 0x1193E },
  { 0x11943, 0x11943 }, { 0x119D4, 0x119D7 }, { 0x119DA, 0x119DB },
  { 0x119E0, 0x119E0 }, { 0x11A01, 0x11A0A }, { 0x11A33, 0x11A38 },
  { 0x11A3B, 0x11A3E }, { 0x11A47, 0x11A47 }, { 0x11A51, 0x11A56 },
  { 0x11A59, 0x11A5B }, { 0x11A8A, 0x11A96 }, { 0x11A98, 0x11A99 },
  { 0x11C30, 0x11C36 }, { 0x11C38, 0x11C3D }, { 0x11C3F, 0x11C3F },
  { 0x11C92, 0x11CA7 }, { 0x11CAA, 0x11CB0 }, { 0x11CB2, 0x11CB3 },
  { 0x11CB5, 0x11CB6 }, { 0x11D31, 0x11D36 }, { 0x11D3A, 0x11D3A },
  { 0x11D3C, 0x11D3D }, { 0x11D3F, 0x11D45 }, { 0x11D47, 0x11D47 },
  { 0x11D90, 0x11D91 }, { 0x11D95, 0x11D95 }, { 0x11D97, 0x11D97 },
  { 0x11EF3, 0x11EF4 }, { 0x11F00, 0x11F01 }, { 0x11F36, 0x11F3A },
  { 0x11F40, 0x11F40 }, { 0x11F42, 0x11F42 }, { 0x13440, 0x13440 },
  { 0x13447, 0x13455 }, { 0x16F4F, 0x16F4F }, { 0x16FE4, 0x16FE4 },
  { 0x1CF00, 0x1CF2D }, { 0x1CF30, 0x1CF46 }, { 0x1E000, 0x1E006 },
  { 0x1E008, 0x1E018 }, { 0x1E01B, 0x1E021 }, { 0x1E023, 0x1E024 },
  { 0x1E026, 0x1E02A }, { 0x1E08F, 0x1E08F }, { 0x1E130, 0x1E136 },
  { 0x1E2AE, 0x1E2AE }, { 0x1E2EC, 0x1E2EF }, { 0x1E4EC, 0x1E4EF },
  { 0x1E944, 0x1E94A },
};

/* The "Chinese character" ranges of tokenizers' BertNormalizer. */
static const UcRange cjk_ideographs[] = {
  { 0x3400, 0x4DBF },   { 0x4E00, 0x9FFF },   { 0xF900, 0xFAFF },
  { 0x20000, 0x2A6DF }, { 0x2A700, 0x2B73F }, { 0x2B740, 0x2B81F },
  { 0x2B920, 0x2CEAF }, { 0x2F800, 0x2FA1F },
};

/* Unicode White_Space (Rust's char::is_whitespace, regex \s). */
static const UcRange white_space[] = {
  { 0x9, 0xD },       { 0x20, 0x20 },     { 0x85, 0x85 },
  { 0xA0, 0xA0 },     { 0x1680, 0x1680 }, { 0x2000, 0x200A },
  { 0x2028, 0x2029 }, { 0x202F, 0x202F }, { 0x205F, 0x205F },
  { 0x3000, 0x3000 },
};

/* Other_Alphabetic characters that are not marks (regex \w needs them). */
static const UcRange alphabetic_symbols[] = {
  { 0x24B6, 0x24E9 },
  { 0x1F130, 0x1F149 },
  { 0x1F150, 0x1F169 },
  { 0x1F170, 0x1F189 },
};

/* Lowercase mappings Rust has and GLib 2.74 lacks: letter-like symbols
 * (Nl, So), which g_unichar_tolower leaves alone, and letters of Unicode
 * 16/17.  c in [lo, hi] lowercases to c + delta. */
typedef struct {
  gunichar lo, hi;
  gint32 delta;
} UcLowerRange;

static const UcLowerRange extra_lowercase[] = {
  { 0x1C89, 0x1C89, 1 },    { 0x2160, 0x216F, 16 },
  { 0x24B6, 0x24CF, 26 },   { 0xA7CB, 0xA7CB, -42343 },
  { 0xA7CC, 0xA7CC, 1 },    { 0xA7CE, 0xA7CE, 1 },
  { 0xA7D2, 0xA7D2, 1 },    { 0xA7D4, 0xA7D4, 1 },
  { 0xA7DA, 0xA7DA, 1 },    { 0xA7DC, 0xA7DC, -42561 },
  { 0x10D50, 0x10D65, 32 }, { 0x16EA0, 0x16EB8, 27 },
};

static gboolean
in_ranges (gunichar c, const UcRange *r, gsize n)
{
  gsize lo = 0, hi = n;

  if (n == 0 || c < r[0].lo || c > r[n - 1].hi)
    return FALSE;
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

#define IN_TABLE(c, t) in_ranges ((c), (t), G_N_ELEMENTS (t))

/* lucid_uc_is_whitespace() (lucid-tokenizer-private.h) past ASCII. */
gboolean
lucid_uc_is_whitespace_table (gunichar c)
{
  return IN_TABLE (c, white_space);
}

/* BertNormalizer's is_control: the crate's is_other() (Cc, Cf, Co), minus
 * \t \n \r, which clean_text turns into spaces instead. */
gboolean
lucid_uc_is_bert_control (gunichar c)
{
  if (c == '\t' || c == '\n' || c == '\r')
    return FALSE;
  switch (g_unichar_type (c)) {
    case G_UNICODE_CONTROL:
    case G_UNICODE_PRIVATE_USE:
      return TRUE;
    case G_UNICODE_FORMAT:
      return !IN_TABLE (c, kept_format_chars);
    default:
      return FALSE;
  }
}

/* ASCII punctuation: !"#$%&'()*+,-./:;<=>?@[\]^_`{|}~ */
static gboolean
ascii_is_punct (gunichar c)
{
  return (c >= 0x21 && c <= 0x2F) || (c >= 0x3A && c <= 0x40)
         || (c >= 0x5B && c <= 0x60) || (c >= 0x7B && c <= 0x7E);
}

/* BertPreTokenizer / Punctuation: ASCII punctuation or the crate's P*. */
gboolean
lucid_uc_is_bert_punct (gunichar c)
{
  if (c < 0x80)
    return ascii_is_punct (c);
  if (c == 0x166D || c == 0x111C9) /* Po in the crate's tables */
    return TRUE;
  switch (g_unichar_type (c)) {
    case G_UNICODE_CONNECT_PUNCTUATION:
    case G_UNICODE_DASH_PUNCTUATION:
    case G_UNICODE_CLOSE_PUNCTUATION:
    case G_UNICODE_FINAL_PUNCTUATION:
    case G_UNICODE_INITIAL_PUNCTUATION:
    case G_UNICODE_OTHER_PUNCTUATION:
    case G_UNICODE_OPEN_PUNCTUATION:
      return !IN_TABLE (c, not_punctuation);
    default:
      return FALSE;
  }
}

/* The crate's is_mark_nonspacing (what strip_accents drops after NFD). */
gboolean
lucid_uc_is_nonspacing_mark (gunichar c)
{
  if (c < 0x300)
    return FALSE;
  if (c == 0x1734) /* Mn in the crate, Mc since */
    return TRUE;
  return g_unichar_type (c) == G_UNICODE_NON_SPACING_MARK
         && !IN_TABLE (c, not_nonspacing_mark);
}

gboolean
lucid_uc_is_cjk (gunichar c)
{
  return c >= 0x3400 && IN_TABLE (c, cjk_ideographs);
}

/* Regex \w (Unicode): Alphabetic, marks, decimal digits, connector
 * punctuation, join controls.  For the single_word option of added
 * tokens. */
gboolean
lucid_uc_is_word_char (gunichar c)
{
  if (c < 0x80)
    return g_ascii_isalnum (c) || c == '_';
  if (c == 0x200C || c == 0x200D)
    return TRUE;
  switch (g_unichar_type (c)) {
    case G_UNICODE_LOWERCASE_LETTER:
    case G_UNICODE_MODIFIER_LETTER:
    case G_UNICODE_OTHER_LETTER:
    case G_UNICODE_TITLECASE_LETTER:
    case G_UNICODE_UPPERCASE_LETTER:
    case G_UNICODE_LETTER_NUMBER:
    case G_UNICODE_SPACING_MARK:
    case G_UNICODE_ENCLOSING_MARK:
    case G_UNICODE_NON_SPACING_MARK:
    case G_UNICODE_DECIMAL_NUMBER:
    case G_UNICODE_CONNECT_PUNCTUATION:
      return TRUE;
    default:
      return IN_TABLE (c, alphabetic_symbols);
  }
}

/* Canonical decomposition as unicode-normalization gives it (which lacks
 * U+11938's, added in Unicode 13).  @out holds
 * G_UNICHAR_MAX_DECOMPOSITION_LENGTH characters. */
gsize
lucid_uc_decompose (gunichar c, gunichar *out)
{
  if (c < 0xC0 || c == 0x11938) {
    out[0] = c;
    return 1;
  }
  return g_unichar_fully_decompose (c, FALSE, out,
                                    G_UNICHAR_MAX_DECOMPOSITION_LENGTH);
}

/* Rust's char::to_lowercase for everything but U+0130 (handled by the
 * caller: it is the one character whose lowercase is two characters). */
gunichar
lucid_uc_to_lower (gunichar c)
{
  gsize i;

  if (c < 0x80)
    return g_ascii_tolower (c);
  for (i = 0; c >= 0x1C89 && i < G_N_ELEMENTS (extra_lowercase); i++) {
    if (c >= extra_lowercase[i].lo && c <= extra_lowercase[i].hi)
      return (gunichar)((gint32)c + extra_lowercase[i].delta);
  }
  return g_unichar_tolower (c);
}
