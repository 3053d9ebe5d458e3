/* lucid-store-key.c — the audit log's Ed25519 key files: parsing (the
 * content is untrusted: tests/fuzz/fuzz-audit-key.c feeds it), loading with
 * a permission check, and generating a pair.
 *
 * Format (docs/audit.md, "Keys"): UTF-8/ASCII text, one key line
 *   ed25519-secret-key <64 hex digits: the 32-byte Ed25519 seed>
 *   ed25519-public-key <64 hex digits: the 32-byte public key>
 * plus any number of blank lines and lines starting with '#'. Leading and
 * trailing blanks on a line are ignored, CRLF too. Exactly one key line.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "lucid-store"

#include "lucid-store-log.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lucid-error.h"

#define SECRET_TAG "ed25519-secret-key"
#define PUBLIC_TAG "ed25519-public-key"
#define MAX_KEY_FILE_BYTES 65536

void
lucid_audit_key_clear (LucidAuditKey *key)
{
  sodium_memzero (key, sizeof (*key));
}

static gboolean
is_blank (char c)
{
  return c == ' ' || c == '\t' || c == '\r';
}

static gboolean key_parse (const char *data, gsize len, gboolean want_secret,
                           const char *label, LucidAuditKey *key,
                           GError **error);

/* On every error the key is zeroed: a secret line parsed before the error
 * (a second key line, a public key wanted...) leaves nothing behind. */
gboolean
lucid_audit_key_parse (const char *data, gsize len, gboolean want_secret,
                       const char *label, LucidAuditKey *key, GError **error)
{
  if (key_parse (data, len, want_secret, label, key, error))
    return TRUE;
  lucid_audit_key_clear (key);
  return FALSE;
}

static gboolean
key_parse (const char *data, gsize len, gboolean want_secret, const char *label,
           LucidAuditKey *key, GError **error)
{
  gsize pos = 0;
  guint line_no = 0, key_line = 0;
  guint8 raw[32];
  gboolean is_secret = FALSE;

  memset (key, 0, sizeof (*key));
  if (sodium_init () < 0) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_UNSUPPORTED,
                 "%s: libsodium cannot be initialised", label);
    return FALSE;
  }
  if (len > MAX_KEY_FILE_BYTES) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
                 "%s: %" G_GSIZE_FORMAT " bytes is too large for a key file",
                 label, len);
    return FALSE;
  }
  while (pos < len) {
    gsize start = pos, end, word_end, hex_start;
    const char *tag;
    gboolean secret;

    while (pos < len && data[pos] != '\n')
      pos++;
    end = pos;
    if (pos < len)
      pos++; /* the newline */
    line_no++;
    while (start < end && is_blank (data[start]))
      start++;
    while (end > start && is_blank (data[end - 1]))
      end--;
    if (start == end || data[start] == '#')
      continue;
    if (memchr (data + start, '\0', end - start)) {
      g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
                   "%s:%u: NUL byte in a key file", label, line_no);
      return FALSE;
    }

    word_end = start;
    while (word_end < end && !is_blank (data[word_end]))
      word_end++;
    if (word_end - start == strlen (SECRET_TAG)
        && memcmp (data + start, SECRET_TAG, word_end - start) == 0) {
      tag = SECRET_TAG;
      secret = TRUE;
    } else if (word_end - start == strlen (PUBLIC_TAG)
               && memcmp (data + start, PUBLIC_TAG, word_end - start) == 0) {
      tag = PUBLIC_TAG;
      secret = FALSE;
    } else {
      g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
                   "%s:%u: expected \"" SECRET_TAG " HEX\" or \"" PUBLIC_TAG
                   " HEX\"",
                   label, line_no);
      return FALSE;
    }
    if (key_line != 0) {
      g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
                   "%s:%u: a second key (the first is on line %u); a key file "
                   "holds one key",
                   label, line_no, key_line);
      return FALSE;
    }
    hex_start = word_end;
    while (hex_start < end && is_blank (data[hex_start]))
      hex_start++;
    if (hex_start == word_end
        || !lucid_audit_unhex (data + hex_start, end - hex_start, raw, 32)) {
      g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
                   "%s:%u: %s must be followed by exactly 64 hex digits (32 "
                   "bytes)",
                   label, line_no, tag);
      sodium_memzero (raw, sizeof (raw));
      return FALSE;
    }
    key_line = line_no;
    is_secret = secret;
    if (secret) {
      crypto_sign_seed_keypair (key->public_key, key->secret_key, raw);
      key->has_secret = TRUE;
    } else {
      memcpy (key->public_key, raw, 32);
    }
    sodium_memzero (raw, sizeof (raw));
  }

  if (key_line == 0) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_MISSING,
                 "%s: no key in the file (expected a line \"%s HEX\")", label,
                 want_secret ? SECRET_TAG : PUBLIC_TAG);
    return FALSE;
  }
  if (want_secret && !is_secret) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
                 "%s: holds a public key; signing needs the secret key file",
                 label);
    return FALSE;
  }
  if (!want_secret && is_secret) {
    /* A verifier only needs the public half: forget the secret at once. */
    sodium_memzero (key->secret_key, sizeof (key->secret_key));
    key->has_secret = FALSE;
  }
  return TRUE;
}

/* Reads all of @fd (at most MAX_KEY_FILE_BYTES) into a new buffer. */
static char *
read_key_fd (int fd, const char *path, gsize *len, GError **error)
{
  char *data = g_malloc (MAX_KEY_FILE_BYTES + 1);
  gsize done = 0;

  for (;;) {
    ssize_t n = read (fd, data + done, MAX_KEY_FILE_BYTES + 1 - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      int err = errno;
      g_set_error (error, LUCID_ERROR, LUCID_ERROR_IO,
                   "%s: cannot read the key file: %s", path, g_strerror (err));
      sodium_memzero (data, done);
      g_free (data);
      return NULL;
    }
    if (n == 0)
      break;
    done += (gsize)n;
    if (done > MAX_KEY_FILE_BYTES) {
      g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
                   "%s: larger than %d bytes, too large for a key file", path,
                   MAX_KEY_FILE_BYTES);
      sodium_memzero (data, done);
      g_free (data);
      return NULL;
    }
  }
  *len = done;
  return data;
}

/* The permissions are checked and the content read on one descriptor, so
 * the file checked is the file read (no re-open by name), and the size is
 * refused before anything is read. */
gboolean
lucid_audit_key_load (const char *path, gboolean want_secret,
                      LucidAuditKey *key, GError **error)
{
  char *data;
  gsize len = 0;
  struct stat st;
  gboolean ok;
  int fd, err;

  memset (key, 0, sizeof (*key));
  fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    err = errno;
    g_set_error (error, LUCID_ERROR,
                 err == ENOENT ? LUCID_ERROR_MISSING : LUCID_ERROR_IO,
                 "%s: cannot open the key file: %s", path, g_strerror (err));
    return FALSE;
  }
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode)) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_IO,
                 "%s: not a regular file, expected a key file", path);
    close (fd);
    return FALSE;
  }
  if (st.st_size > MAX_KEY_FILE_BYTES) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
                 "%s: %" G_GINT64_FORMAT " bytes, too large for a key file "
                 "(at most %d)",
                 path, (gint64)st.st_size, MAX_KEY_FILE_BYTES);
    close (fd);
    return FALSE;
  }
  data = read_key_fd (fd, path, &len, error);
  close (fd);
  if (data == NULL)
    return FALSE;
  ok = lucid_audit_key_parse (data, len, want_secret, path, key, error);
  sodium_memzero (data, len);
  g_free (data);
  if (ok && want_secret && (st.st_mode & 077) != 0) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_IO,
                 "%s: the secret key file has permissions %04o; it must not "
                 "be readable by group or others (chmod 600 %s)",
                 path, (unsigned)(st.st_mode & 07777), path);
    lucid_audit_key_clear (key);
    return FALSE;
  }
  return ok;
}

static gboolean
write_key_file (const char *path, int flags, mode_t mode, const char *text,
                GError **error)
{
  gsize len = strlen (text), done = 0;
  int fd = open (path, flags | O_WRONLY | O_CLOEXEC, mode), err;

  if (fd < 0) {
    err = errno;
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_IO, "%s: cannot create: %s",
                 path, g_strerror (err));
    return FALSE;
  }
  while (done < len) {
    ssize_t n = write (fd, text + done, len - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      err = errno;
      g_set_error (error, LUCID_ERROR, LUCID_ERROR_IO, "%s: write: %s", path,
                   g_strerror (err));
      close (fd);
      return FALSE;
    }
    done += (gsize)n;
  }
  if (fsync (fd) != 0 || close (fd) != 0) {
    err = errno;
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_IO, "%s: %s", path,
                 g_strerror (err));
    return FALSE;
  }
  return TRUE;
}

gboolean
lucid_audit_key_generate (const char *secret_path, const char *public_path,
                          GError **error)
{
  guint8 seed[32], pk[32], sk[64];
  g_autofree char *pk_hex = NULL;
  char *seed_hex, *secret_text;
  g_autofree char *public_text = NULL;
  gboolean ok;

  if (sodium_init () < 0) {
    g_set_error_literal (error, LUCID_ERROR, LUCID_ERROR_UNSUPPORTED,
                         "libsodium cannot be initialised");
    return FALSE;
  }
  randombytes_buf (seed, sizeof (seed));
  crypto_sign_seed_keypair (pk, sk, seed);
  seed_hex = lucid_audit_hex (seed, sizeof (seed));
  pk_hex = lucid_audit_hex (pk, sizeof (pk));
  secret_text = g_strdup_printf (
      "# Lucid audit log signing key (Ed25519 seed). Keep it secret.\n"
      "# Public key: %s\n" SECRET_TAG " %s\n",
      pk_hex, seed_hex);
  public_text = g_strdup_printf (
      "# Lucid audit log public key (Ed25519)\n" PUBLIC_TAG " %s\n", pk_hex);
  ok = write_key_file (secret_path, O_CREAT | O_EXCL, 0600, secret_text, error)
       && write_key_file (public_path, O_CREAT | O_TRUNC, 0644, public_text,
                          error);
  sodium_memzero (seed, sizeof (seed));
  sodium_memzero (sk, sizeof (sk));
  sodium_memzero (seed_hex, strlen (seed_hex));
  sodium_memzero (secret_text, strlen (secret_text));
  g_free (seed_hex);
  g_free (secret_text);
  return ok;
}
