/* replay-main.c — runs a libFuzzer target over files, without libFuzzer.
 *
 * Linked with one fuzz-*.c target, this is the program the 'fuzz' test suite
 * runs: every regular file in each directory argument (sorted by name, not
 * recursing), and every file argument, is passed to LLVMFuzzerTestOneInput()
 * once.  Each input is copied into a buffer of exactly its size, so that
 * AddressSanitizer (-Db_sanitize=address) catches a read one byte past the
 * end, as libFuzzer would.  A crash is the failure; the exit status is 0
 * after all inputs ran, 1 when an argument could not be read.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <glib.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static gboolean
replay_file (const char *path, guint *n_inputs)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *contents = NULL;
  g_autofree guint8 *exact = NULL;
  gsize len;

  if (!g_file_get_contents (path, &contents, &len, &error)) {
    g_printerr ("replay: %s\n", error->message);
    return FALSE;
  }
  /* g_file_get_contents() adds a NUL that the target must not rely on */
  exact = g_malloc (len ? len : 1);
  memcpy (exact, contents, len);
  if (g_getenv ("LUCID_REPLAY_VERBOSE"))
    g_printerr ("replay: %s (%" G_GSIZE_FORMAT " bytes)\n", path, len);
  LLVMFuzzerTestOneInput (exact, len);
  (*n_inputs)++;
  return TRUE;
}

static int
compare_paths (gconstpointer a, gconstpointer b)
{
  /* g_ptr_array_sort() passes pointers to the elements */
  return strcmp (*(char *const *)a, *(char *const *)b);
}

static gboolean
replay_dir (const char *path, guint *n_inputs)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GDir) dir = g_dir_open (path, 0, &error);
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;
  gboolean ok = TRUE;

  if (dir == NULL) {
    g_printerr ("replay: %s\n", error->message);
    return FALSE;
  }
  while ((name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_build_filename (path, name, NULL));
  g_ptr_array_sort (names, compare_paths);
  for (guint i = 0; i < names->len; i++) {
    const char *file = g_ptr_array_index (names, i);

    if (g_file_test (file, G_FILE_TEST_IS_REGULAR))
      ok &= replay_file (file, n_inputs);
  }
  return ok;
}

int
main (int argc, char **argv)
{
  gboolean ok = TRUE;
  guint n_inputs = 0;

  if (argc < 2) {
    g_printerr ("usage: %s DIR|FILE...\n", argv[0]);
    return 2;
  }
  for (int i = 1; i < argc; i++) {
    if (g_file_test (argv[i], G_FILE_TEST_IS_DIR))
      ok &= replay_dir (argv[i], &n_inputs);
    else
      ok &= replay_file (argv[i], &n_inputs);
  }
  printf ("replayed %u inputs\n", n_inputs);
  return ok ? 0 : 1;
}
