/* test-store.c — the SQLite store (core/lucid-store.c): migrations, the
 * shared writer thread, batching, flush and its errors, NaN and embedding
 * encoding, crash safety and the read-only connection.
 *
 * Some cases run this program again as a helper process (argv[1] ==
 * "--helper"): to open a database as an unprivileged user (CI runs as root,
 * and root ignores file permissions, so those cases run the helper as
 * `nobody` through setpriv), to fill the disk under RLIMIT_FSIZE, and to be
 * SIGKILLed in the middle of writing.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <sqlite3.h>

#include "lucid-error.h"
#include "lucid-store.h"
#include "lucid-test-util.h"

/* ---- helpers ---------------------------------------------------------- */

typedef struct {
  char *dir; /* fresh temporary directory, removed after */
  char *db;  /* dir/test.db (not created) */
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->dir = g_dir_make_tmp ("lucid-store-XXXXXX", &error);
  g_assert_no_error (error);
  f->db = g_build_filename (f->dir, "test.db", NULL);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  lucid_test_remove_dir (f->dir);
  g_free (f->dir);
  g_free (f->db);
}

/* A plain connection, as a user of the database would open one. */
static sqlite3 *
open_plain (const char *path)
{
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE, NULL), ==,
                   SQLITE_OK);
  sqlite3_busy_timeout (db, 5000);
  return db;
}

static gint64
query_int (sqlite3 *db, const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  gint64 v;

  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) != SQLITE_OK)
    g_error ("%s: %s", sql, sqlite3_errmsg (db));
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  v = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return v;
}

static char *
query_text (sqlite3 *db, const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  char *v;

  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) != SQLITE_OK)
    g_error ("%s: %s", sql, sqlite3_errmsg (db));
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  v = g_strdup ((const char *)sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  return v;
}

static gint64
count_rows (const char *path, const char *sql)
{
  sqlite3 *db = open_plain (path);
  gint64 n = query_int (db, sql);

  sqlite3_close (db);
  return n;
}

static gint64
begin_test_run (LucidStore *store)
{
  LucidRunInfo info = { .pipeline = "fakesrc ! lucidsink",
                        .properties_json = "{}",
                        .lucid_version = "test",
                        .gst_version = "none",
                        .host = "localhost",
                        .label = "unit" };
  g_autoptr (GError) error = NULL;
  gint64 run = lucid_store_begin_run (store, &info, &error);

  g_assert_no_error (error);
  g_assert_cmpint (run, >, 0);
  return run;
}

static void
append_labelled (LucidStore *store, gint64 run, const char *label, double score)
{
  g_autoptr (GError) error = NULL;
  LucidResultRow row;

  lucid_store_result_row_init (&row);
  row.run_id = run;
  row.element = "enc";
  row.kind = "labels";
  row.label = label;
  row.has_score = TRUE;
  row.score = score;
  g_assert_true (lucid_store_append_result (store, &row, NULL, &error));
  g_assert_no_error (error);
}

static char *
self_exe (void)
{
  g_autoptr (GError) error = NULL;
  char *exe = g_file_read_link ("/proc/self/exe", &error);

  g_assert_no_error (error);
  return exe;
}

/* TRUE when every directory from @dir up to / lets others through (o+x):
 * nobody must reach this program and the temporary directory. */
static gboolean
others_can_traverse (const char *dir)
{
  char *d = g_canonicalize_filename (dir, NULL);
  gboolean ok = TRUE;

  for (;;) {
    GStatBuf st;
    char *parent;

    if (g_stat (d, &st) != 0 || !(st.st_mode & S_IXOTH)) {
      ok = FALSE;
      break;
    }
    if (strcmp (d, "/") == 0)
      break;
    parent = g_path_get_dirname (d);
    g_free (d);
    d = parent;
  }
  g_free (d);
  return ok;
}

/* Runs "self --helper ARGS..." and returns its stdout; *status is the wait
 * status. With @unprivileged and euid 0, runs it as nobody (setpriv);
 * returns NULL (test skipped) when that is impossible. */
static char *
run_helper (gboolean unprivileged, int *status, const char *const *args)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GError) error = NULL;
  g_autofree char *err = NULL;
  char *out = NULL;

  if (unprivileged && geteuid () == 0) {
    g_autofree char *setpriv = g_find_program_in_path ("setpriv");
    if (setpriv == NULL) {
      g_test_skip (
          "running as root without setpriv: cannot run the "
          "permission case as an unprivileged user, and as root it would "
          "test nothing");
      return NULL;
    }
    {
      g_autofree char *exe = self_exe ();
      g_autofree char *exe_dir = g_path_get_dirname (exe);
      if (!others_can_traverse (exe_dir)
          || !others_can_traverse (g_get_tmp_dir ())) {
        g_test_skip ("this program or the temporary directory is not "
                     "reachable by nobody (a directory above lacks o+x)");
        return NULL;
      }
    }
    g_ptr_array_add (argv, g_steal_pointer (&setpriv));
    g_ptr_array_add (argv, g_strdup ("--reuid=nobody"));
    g_ptr_array_add (argv, g_strdup ("--regid=nogroup"));
    g_ptr_array_add (argv, g_strdup ("--clear-groups"));
  }
  g_ptr_array_add (argv, self_exe ());
  g_ptr_array_add (argv, g_strdup ("--helper"));
  for (const char *const *a = args; *a; a++)
    g_ptr_array_add (argv, g_strdup (*a));
  g_ptr_array_add (argv, NULL);

  g_spawn_sync (NULL, (char **)argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                &out, &err, status, &error);
  g_assert_no_error (error);
  if (err && *err)
    g_test_message ("helper stderr: %s", err);
  return out;
}

/* Makes @dir traversable by others (nobody must reach files in it). */
static void
open_dir_for_others (const char *dir)
{
  g_assert_cmpint (g_chmod (dir, 0755), ==, 0);
}

/* ---- helper process modes --------------------------------------------- */

/* open DB: prints "OPENED" or "ERROR <code> <message>". */
static int
helper_open (const char *path)
{
  g_autoptr (GError) error = NULL;
  LucidStore *store = lucid_store_open (path, NULL, &error);

  if (store == NULL) {
    g_print ("ERROR %d %s\n", error->code, error->message);
    return 0;
  }
  lucid_store_close (store);
  g_print ("OPENED\n");
  return 0;
}

/* append-forever DB: commits small batches until killed. */
static int
helper_append_forever (const char *path)
{
  LucidStoreOptions opts = { .commit_interval_ms = 5, .batch_rows = 16 };
  g_autoptr (GError) error = NULL;
  LucidStore *store = lucid_store_open (path, &opts, &error);
  gint64 run;

  if (store == NULL) {
    g_printerr ("%s\n", error->message);
    return 1;
  }
  run = begin_test_run (store);
  for (guint64 i = 1;; i++) {
    g_autofree char *label = g_strdup_printf ("row-%" G_GUINT64_FORMAT, i);
    append_labelled (store, run, label, (double)i);
  }
  return 1;
}

/* disk-full DB: writes under a 1 MiB file size limit; prints
 * "FLUSH-ERROR <message>" or "FLUSH-OK". */
static int
helper_disk_full (const char *path)
{
  LucidStoreOptions opts = { .batch_rows = 64 };
  g_autoptr (GError) error = NULL;
  LucidStore *store = lucid_store_open (path, &opts, &error);
  struct rlimit lim = { 1 << 20, 1 << 20 };
  g_autofree char *big = NULL;
  g_autofree char *extras = NULL;
  gboolean failed = FALSE;
  gint64 run;

  if (store == NULL) {
    g_printerr ("%s\n", error->message);
    return 1;
  }
  run = begin_test_run (store);
  append_labelled (store, run, "before-the-limit", 1.0);
  if (!lucid_store_flush (store, &error)) {
    g_printerr ("%s\n", error->message);
    return 1;
  }

  /* Past the limit write() fails with EFBIG instead of raising SIGXFSZ. */
  signal (SIGXFSZ, SIG_IGN);
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &lim), ==, 0);
  big = g_strnfill (4000, 'x');
  extras = g_strdup_printf ("{\"padding\":\"%s\"}", big);
  for (int i = 0; i < 2000 && !failed; i++) {
    LucidResultRow row;
    lucid_store_result_row_init (&row);
    row.run_id = run;
    row.element = "enc";
    row.kind = "labels";
    row.extras_json = extras;
    failed = !lucid_store_append_result (store, &row, NULL, &error);
  }
  if (failed) {
    /* The error is sticky: flush reports it too. */
    g_autoptr (GError) flush_error = NULL;
    if (lucid_store_flush (store, &flush_error))
      g_print ("APPEND-ERROR-BUT-FLUSH-OK %s\n", error->message);
    else
      g_print ("FLUSH-ERROR %s\n", flush_error->message);
  } else if (!lucid_store_flush (store, &error)) {
    g_print ("FLUSH-ERROR %s\n", error->message);
  } else {
    g_print ("FLUSH-OK\n");
  }
  lucid_store_close (store);
  return 0;
}

static int
helper_main (int argc, char **argv)
{
  if (argc == 4 && strcmp (argv[2], "open") == 0)
    return helper_open (argv[3]);
  if (argc == 4 && strcmp (argv[2], "append-forever") == 0)
    return helper_append_forever (argv[3]);
  if (argc == 4 && strcmp (argv[2], "disk-full") == 0)
    return helper_disk_full (argv[3]);
  g_printerr ("unknown helper mode\n");
  return 2;
}

/* ---- migrations ------------------------------------------------------- */

static void
test_migrate_fresh (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *mode = NULL;
  g_autofree char *wal = g_strconcat (f->db, "-wal", NULL);
  LucidStore *store = lucid_store_open (f->db, NULL, &error);
  sqlite3 *db;
  GStatBuf st;

  g_assert_no_error (error);
  g_assert_nonnull (store);
  g_assert_cmpint (lucid_store_schema_version (), >=, 1);

  db = open_plain (f->db);
  g_assert_cmpint (query_int (db, "PRAGMA user_version"), ==,
                   lucid_store_schema_version ());
  mode = query_text (db, "PRAGMA journal_mode");
  g_assert_cmpstr (mode, ==, "wal");
  g_assert_cmpint (
      query_int (db, "SELECT count(*) FROM sqlite_schema WHERE "
                     "type = 'table' AND name IN ('runs', 'models', 'streams', "
                     "'results', 'embeddings')"),
      ==, 5);
  g_assert_cmpint (
      query_int (
          db, "SELECT count(*) FROM sqlite_schema WHERE "
              "type = 'view' AND name IN ('results_with_provenance', "
              "'latest_results', 'label_counts', 'embeddings_with_provenance', "
              "'run_summary')"),
      ==, 5);
  sqlite3_close (db);

  lucid_store_close (store);
  /* The last close checkpoints with TRUNCATE: the WAL is gone or empty. */
  if (g_stat (wal, &st) == 0)
    g_assert_cmpint (st.st_size, ==, 0);
}

static void
test_migrate_reopen_is_noop (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  LucidStore *store = lucid_store_open (f->db, NULL, &error);
  gint64 schema_version, user_version;
  sqlite3 *db;

  g_assert_no_error (error);
  lucid_store_close (store);
  db = open_plain (f->db);
  schema_version = query_int (db, "PRAGMA schema_version");
  user_version = query_int (db, "PRAGMA user_version");
  sqlite3_close (db);

  store = lucid_store_open (f->db, NULL, &error);
  g_assert_no_error (error);
  lucid_store_close (store);

  /* schema_version changes with any DDL; re-opening must run none. */
  db = open_plain (f->db);
  g_assert_cmpint (query_int (db, "PRAGMA schema_version"), ==, schema_version);
  g_assert_cmpint (query_int (db, "PRAGMA user_version"), ==, user_version);
  sqlite3_close (db);
}

static void
test_migrate_refuses_newer (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *mode = NULL;
  g_autofree char *expect_versions = NULL;
  sqlite3 *db = NULL;
  LucidStore *store;

  g_assert_cmpint (sqlite3_open (f->db, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db,
                                 "CREATE TABLE future (x); "
                                 "PRAGMA user_version = 999",
                                 NULL, NULL, NULL),
                   ==, SQLITE_OK);
  sqlite3_close (db);

  store = lucid_store_open (f->db, NULL, &error);
  g_assert_null (store);
  g_assert_error (error, LUCID_ERROR, LUCID_ERROR_SCHEMA_TOO_NEW);
  g_assert_nonnull (strstr (error->message, f->db));
  g_assert_nonnull (strstr (error->message, "999"));
  expect_versions = g_strdup_printf ("(%d)", lucid_store_schema_version ());
  g_assert_nonnull (strstr (error->message, expect_versions));

  /* Refused before writing anything: still the rollback journal, and no
   * Lucid table was created. */
  db = open_plain (f->db);
  mode = query_text (db, "PRAGMA journal_mode");
  g_assert_cmpstr (mode, ==, "delete");
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM sqlite_schema WHERE "
                                  "name = 'runs'"),
                   ==, 0);
  g_assert_cmpint (query_int (db, "PRAGMA user_version"), ==, 999);
  sqlite3_close (db);
}

/* Several processes migrating one fresh file at once: all succeed, the
 * schema is applied once. */
static void
test_migrate_concurrent_processes (Fixture *f, gconstpointer data)
{
  g_autofree char *exe = self_exe ();
  GPid pids[6];
  int out_fds[G_N_ELEMENTS (pids)];

  for (guint i = 0; i < G_N_ELEMENTS (pids); i++) {
    const char *argv[] = { exe, "--helper", "open", f->db, NULL };
    g_autoptr (GError) error = NULL;
    g_spawn_async_with_pipes (NULL, (char **)argv, NULL,
                              G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &pids[i],
                              NULL, &out_fds[i], NULL, &error);
    g_assert_no_error (error);
  }
  for (guint i = 0; i < G_N_ELEMENTS (pids); i++) {
    char buf[512] = { 0 };
    int status = 0;
    ssize_t n = read (out_fds[i], buf, sizeof (buf) - 1);
    g_assert_cmpint (n, >, 0);
    g_assert_cmpint (waitpid (pids[i], &status, 0), ==, pids[i]);
    g_assert_true (WIFEXITED (status) && WEXITSTATUS (status) == 0);
    g_assert_cmpstr (g_strchomp (buf), ==, "OPENED");
    close (out_fds[i]);
    g_spawn_close_pid (pids[i]);
  }
  g_assert_cmpint (count_rows (f->db, "PRAGMA user_version"), ==,
                   lucid_store_schema_version ());
  g_assert_cmpint (count_rows (f->db, "SELECT count(*) FROM sqlite_schema "
                                      "WHERE name = 'results'"),
                   ==, 1);
}

/* ---- opening errors --------------------------------------------------- */

static void
assert_open_fails (const char *path, gint code, const char *what)
{
  g_autoptr (GError) error = NULL;
  LucidStore *store = lucid_store_open (path, NULL, &error);

  g_assert_null (store);
  g_assert_error (error, LUCID_ERROR, code);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, path));
  g_assert_nonnull (strstr (error->message, what));
}

static void
test_open_directory (Fixture *f, gconstpointer data)
{
  assert_open_fails (f->dir, LUCID_ERROR_IO, "is a directory");
}

static void
test_open_not_a_database (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *junk = g_strnfill (8192, 'j');

  g_file_set_contents (f->db, junk, -1, &error);
  g_assert_no_error (error);
  assert_open_fails (f->db, LUCID_ERROR_DB, "file is not a database");
}

static void
test_open_missing_directory (Fixture *f, gconstpointer data)
{
  g_autofree char *path
      = g_build_filename (f->dir, "no-such-dir", "x.db", NULL);

  assert_open_fails (path, LUCID_ERROR_IO, "No such file or directory");
}

static void
test_open_empty_path (void)
{
  g_autoptr (GError) error = NULL;

  g_assert_null (lucid_store_open ("", NULL, &error));
  g_assert_error (error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT);
}

/* Runs "open" as nobody and asserts the error names @path and says @what. */
static void
assert_unprivileged_open_fails (const char *path, const char *what)
{
  const char *args[] = { "open", path, NULL };
  g_autofree char *out = NULL;
  int status = 0;

  out = run_helper (TRUE, &status, args);
  if (out == NULL)
    return; /* skipped */
  g_test_message ("helper: %s", out);
  g_assert_true (WIFEXITED (status) && WEXITSTATUS (status) == 0);
  g_assert_true (g_str_has_prefix (out, "ERROR "));
  g_assert_nonnull (strstr (out, path));
  g_assert_nonnull (strstr (out, what));
}

static void
test_open_readonly_file (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  LucidStore *store = lucid_store_open (f->db, NULL, &error);

  g_assert_no_error (error);
  lucid_store_close (store);
  open_dir_for_others (f->dir);
  g_assert_cmpint (g_chmod (f->db, 0444), ==, 0);
  /* The directory stays writable for root only; make it writable for all so
   * that only the file's mode is in the way. */
  g_assert_cmpint (g_chmod (f->dir, 0777), ==, 0);
  assert_unprivileged_open_fails (f->db, "read-only");
}

static void
test_open_unwritable_directory (Fixture *f, gconstpointer data)
{
  open_dir_for_others (f->dir);
  if (geteuid () != 0)
    g_assert_cmpint (g_chmod (f->dir, 0555), ==, 0);
  assert_unprivileged_open_fails (f->db, "Permission denied");
}

/* A writable database file in a directory where SQLite cannot create its
 * -wal and -shm files. */
static void
test_open_existing_in_unwritable_directory (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  LucidStore *store = lucid_store_open (f->db, NULL, &error);
  const char *args[] = { "open", f->db, NULL };
  g_autofree char *out = NULL;
  int status = 0;

  g_assert_no_error (error);
  lucid_store_close (store);
  g_assert_cmpint (g_chmod (f->db, 0666), ==, 0);
  open_dir_for_others (f->dir);
  if (geteuid () != 0)
    g_assert_cmpint (g_chmod (f->dir, 0555), ==, 0);
  out = run_helper (TRUE, &status, args);
  if (out == NULL)
    return;
  g_test_message ("helper: %s", out);
  g_assert_true (g_str_has_prefix (out, "ERROR "));
  g_assert_nonnull (strstr (out, f->db));
  g_assert_nonnull (strstr (out, "not writable"));
}

/* ---- the shared writer ------------------------------------------------ */

static void
test_writer_shared_per_file (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dotted = g_build_filename (f->dir, ".", "test.db", NULL);
  g_autofree char *link = g_build_filename (f->dir, "link.db", NULL);
  g_autofree char *other = g_build_filename (f->dir, "other.db", NULL);
  LucidStore *a, *b, *c, *d;
  gint64 run_a, run_b;

  a = lucid_store_open (f->db, NULL, &error);
  g_assert_no_error (error);
  b = lucid_store_open (dotted, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (symlink (f->db, link), ==, 0);
  c = lucid_store_open (link, NULL, &error);
  g_assert_no_error (error);
  d = lucid_store_open (other, NULL, &error);
  g_assert_no_error (error);

  g_assert_true (lucid_store_shares_writer (a, b));
  g_assert_true (lucid_store_shares_writer (a, c));
  g_assert_false (lucid_store_shares_writer (a, d));
  g_assert_cmpuint (lucid_store_get_n_users (a), ==, 3);
  g_assert_cmpuint (lucid_store_get_n_users (d), ==, 1);

  run_a = begin_test_run (a);
  run_b = begin_test_run (b);
  g_assert_cmpint (run_a, !=, run_b);
  append_labelled (a, run_a, "from-a", 0.1);
  append_labelled (b, run_b, "from-b", 0.2);
  /* One flush covers every row queued before it, whichever handle. */
  g_assert_true (lucid_store_flush (c, &error));
  g_assert_no_error (error);
  g_assert_cmpint (count_rows (f->db, "SELECT count(*) FROM results"), ==, 2);

  lucid_store_close (c);
  g_assert_cmpuint (lucid_store_get_n_users (a), ==, 2);
  lucid_store_close (b);
  lucid_store_close (a);
  lucid_store_close (d);
}

typedef struct {
  const char *path;
  const char *prefix;
  guint n;
  gint64 run;
} ProducerArgs;

static gpointer
producer_thread (gpointer data)
{
  ProducerArgs *args = data;
  g_autoptr (GError) error = NULL;
  LucidStore *store = lucid_store_open (args->path, NULL, &error);

  g_assert_no_error (error);
  for (guint i = 1; i <= args->n; i++) {
    g_autofree char *label = g_strdup_printf ("%s-%u", args->prefix, i);
    append_labelled (store, args->run, label, i);
  }
  g_assert_true (lucid_store_flush (store, &error));
  g_assert_no_error (error);
  lucid_store_close (store);
  return NULL;
}

static void
test_writer_two_threads_10000_rows (Fixture *f, gconstpointer data)
{
  /* A small queue: the producers block on back-pressure many times. */
  LucidStoreOptions opts = { .queue_rows = 64, .batch_rows = 500 };
  g_autoptr (GError) error = NULL;
  LucidStore *keeper = lucid_store_open (f->db, &opts, &error);
  gint64 run;
  ProducerArgs a = { f->db, "a", 5000, 0 }, b = { f->db, "b", 5000, 0 };
  GThread *ta, *tb;
  sqlite3 *db;

  g_assert_no_error (error);
  run = begin_test_run (keeper);
  a.run = b.run = run;
  ta = g_thread_new ("producer-a", producer_thread, &a);
  tb = g_thread_new ("producer-b", producer_thread, &b);
  g_thread_join (ta);
  g_thread_join (tb);

  /* Counted on a separate connection while the writer is still open. */
  db = open_plain (f->db);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM results"), ==, 10000);
  g_assert_cmpint (query_int (db, "SELECT count(DISTINCT label) FROM results"),
                   ==, 10000);
  /* Each producer's rows were committed in the order it appended them. */
  g_assert_cmpint (
      query_int (
          db, "SELECT count(*) FROM (SELECT score, "
              "lag(score) OVER (PARTITION BY substr(label, 1, 1) ORDER BY id) "
              "AS prev FROM results) WHERE prev IS NOT NULL AND "
              "score != prev + 1"),
      ==, 0);
  sqlite3_close (db);
  lucid_store_close (keeper);
}

/* Without flush, a row is committed within about commit-interval. */
static void
test_writer_commits_on_interval (Fixture *f, gconstpointer data)
{
  LucidStoreOptions opts = { .commit_interval_ms = 20 };
  g_autoptr (GError) error = NULL;
  LucidStore *store = lucid_store_open (f->db, &opts, &error);
  gint64 run, deadline;
  gint64 n = 0;

  g_assert_no_error (error);
  run = begin_test_run (store);
  append_labelled (store, run, "lonely", 1.0);
  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (g_get_monotonic_time () < deadline) {
    n = count_rows (f->db, "SELECT count(*) FROM results");
    if (n == 1)
      break;
    g_usleep (10000);
  }
  g_assert_cmpint (n, ==, 1);
  lucid_store_close (store);
}

typedef struct {
  LucidStore *store;
  gint64 run;
  GCancellable *cancellable;
  guint appended;
  GError *error;
} BlockedArgs;

static gpointer
blocked_producer (gpointer data)
{
  BlockedArgs *args = data;

  for (guint i = 0; i < 1000; i++) {
    LucidResultRow row;
    lucid_store_result_row_init (&row);
    row.run_id = args->run;
    row.element = "enc";
    row.kind = "labels";
    if (!lucid_store_append_result (args->store, &row, args->cancellable,
                                    &args->error))
      break;
    args->appended++;
  }
  return NULL;
}

/* A producer blocked on a full queue is released by its cancellable, and
 * nothing it had appended is lost. */
static void
test_writer_backpressure_cancel (Fixture *f, gconstpointer data)
{
  LucidStoreOptions opts = { .queue_rows = 4, .batch_rows = 1 };
  g_autoptr (GError) error = NULL;
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  LucidStore *store = lucid_store_open (f->db, &opts, &error);
  BlockedArgs args = { 0 };
  sqlite3 *locker;
  GThread *t;

  g_assert_no_error (error);
  args.store = store;
  args.run = begin_test_run (store);
  args.cancellable = cancellable;

  /* Another connection holds the write lock: the writer waits in BEGIN
   * IMMEDIATE, the queue fills, the producer blocks. */
  locker = open_plain (f->db);
  g_assert_cmpint (sqlite3_exec (locker, "BEGIN IMMEDIATE", NULL, NULL, NULL),
                   ==, SQLITE_OK);
  t = g_thread_new ("blocked", blocked_producer, &args);
  g_usleep (300 * 1000);
  g_cancellable_cancel (cancellable);
  g_thread_join (t);
  g_assert_error (args.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&args.error);
  g_assert_cmpuint (args.appended, <, 1000);
  g_assert_cmpuint (args.appended, >=, 4);

  g_assert_cmpint (sqlite3_exec (locker, "ROLLBACK", NULL, NULL, NULL), ==,
                   SQLITE_OK);
  sqlite3_close (locker);
  g_assert_true (lucid_store_flush (store, &error));
  g_assert_no_error (error);
  g_assert_cmpint (count_rows (f->db, "SELECT count(*) FROM results"), ==,
                   args.appended);
  lucid_store_close (store);
}

/* ---- row encoding ----------------------------------------------------- */

static void
test_rows_nan_score_is_null_with_reason (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  LucidStore *store = lucid_store_open (f->db, NULL, &error);
  LucidResultRow row;
  sqlite3 *db;
  gint64 run;

  g_assert_no_error (error);
  run = begin_test_run (store);
  append_labelled (store, run, "nan", NAN);
  append_labelled (store, run, "half", 0.5);
  lucid_store_result_row_init (&row);
  row.run_id = run;
  row.element = "enc";
  row.kind = "embedding";
  row.label = "absent";
  g_assert_true (lucid_store_append_result (store, &row, NULL, &error));
  g_assert_true (lucid_store_flush (store, &error));
  g_assert_no_error (error);

  db = open_plain (f->db);
  g_assert_cmpint (
      query_int (db,
                 "SELECT score IS NULL AND "
                 "score_null_reason = 'nan' FROM results WHERE label = 'nan'"),
      ==, 1);
  g_assert_cmpint (query_int (db, "SELECT score = 0.5 AND score_null_reason "
                                  "IS NULL FROM results WHERE label = 'half'"),
                   ==, 1);
  g_assert_cmpint (
      query_int (
          db,
          "SELECT score IS NULL AND "
          "score_null_reason = 'absent' FROM results WHERE label = 'absent'"),
      ==, 1);
  /* Unknown times are NULL, not -1. */
  g_assert_cmpint (
      query_int (db, "SELECT count(*) FROM results WHERE pts IS "
                     "NULL AND duration IS NULL AND stream_time IS NULL AND "
                     "running_time IS NULL"),
      ==, 3);
  sqlite3_close (db);
  lucid_store_close (store);
}

static void
test_rows_embedding_roundtrip (Fixture *f, gconstpointer data)
{
  const float values[]
      = { 1.0f, -0.0f, 3.5e-38f, -1234.5678f, 1e30f, 0.333333343f, INFINITY };
  g_autoptr (GError) error = NULL;
  LucidStore *store = lucid_store_open (f->db, NULL, &error);
  LucidResultRow row;
  sqlite3 *db;
  sqlite3_stmt *stmt = NULL;
  const guint8 *blob;
  gint64 run;

  g_assert_no_error (error);
  run = begin_test_run (store);
  lucid_store_result_row_init (&row);
  row.run_id = run;
  row.element = "enc";
  row.kind = "embedding";
  row.pts = 40 * G_GINT64_CONSTANT (1000000);
  row.embedding = values;
  row.embedding_dim = G_N_ELEMENTS (values);
  g_assert_true (lucid_store_append_result (store, &row, NULL, &error));
  g_assert_true (lucid_store_flush (store, &error));
  g_assert_no_error (error);

  db = open_plain (f->db);
  g_assert_cmpint (sqlite3_prepare_v2 (
                       db,
                       "SELECT e.dim, e.vector, r.pts "
                       "FROM embeddings e JOIN results r ON r.id = e.result_id",
                       -1, &stmt, NULL),
                   ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  g_assert_cmpint (sqlite3_column_int (stmt, 0), ==, G_N_ELEMENTS (values));
  g_assert_cmpint (sqlite3_column_bytes (stmt, 1), ==, sizeof (values));
  g_assert_cmpint (sqlite3_column_int64 (stmt, 2), ==, 40000000);
  blob = sqlite3_column_blob (stmt, 1);
  for (guint i = 0; i < G_N_ELEMENTS (values); i++) {
    /* Decode little-endian explicitly: the format, not the host order. */
    guint32 bits = (guint32)blob[4 * i] | (guint32)blob[4 * i + 1] << 8
                   | (guint32)blob[4 * i + 2] << 16
                   | (guint32)blob[4 * i + 3] << 24;
    guint32 expect;
    memcpy (&expect, &values[i], 4);
    g_assert_cmphex (bits, ==, expect);
  }
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_DONE);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  lucid_store_close (store);
}

/* A row that violates a constraint fails alone; its handle learns it. */
static void
test_rows_refused_row_is_reported (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  LucidStore *store = lucid_store_open (f->db, NULL, &error);
  LucidStore *other = lucid_store_open (f->db, NULL, &error);
  gint64 run;

  g_assert_no_error (error);
  run = begin_test_run (store);
  append_labelled (store, run, "good-1", 1);
  append_labelled (store, 4242, "orphan", 2); /* no such run */
  append_labelled (other, run, "good-2", 3);
  {
    /* Queued behind the refused row (unless the writer already reported
     * it): never committed, the handle's rows stay a prefix. */
    g_autoptr (GError) late = NULL;
    LucidResultRow row;
    lucid_store_result_row_init (&row);
    row.run_id = run;
    row.element = "enc";
    row.kind = "labels";
    row.label = "after-orphan";
    if (!lucid_store_append_result (store, &row, NULL, &late))
      g_assert_error (late, LUCID_ERROR, LUCID_ERROR_DB);
  }
  g_assert_false (lucid_store_flush (store, &error));
  g_assert_error (error, LUCID_ERROR, LUCID_ERROR_DB);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, f->db));
  g_assert_nonnull (strstr (error->message, "FOREIGN KEY"));
  g_clear_error (&error);

  /* Sticky for that handle; the other handle is unaffected. */
  g_assert_false (lucid_store_flush (store, &error));
  g_clear_error (&error);
  g_assert_true (lucid_store_flush (other, &error));
  g_assert_no_error (error);
  g_assert_cmpint (count_rows (f->db, "SELECT count(*) FROM results WHERE "
                                      "label IN ('good-1', 'good-2')"),
                   ==, 2);
  g_assert_cmpint (count_rows (f->db, "SELECT count(*) FROM results"), ==, 2);
  lucid_store_close (other);
  lucid_store_close (store);
}

/* A batch that fails as a whole (here an error inside a trigger of this
 * test's database, as a full disk or an I/O error would) stops its handle:
 * the rows that handle queued behind the batch are never committed (the
 * committed rows stay a prefix of what it appended), its next append and
 * flush report the original error, and the other handle goes on. The
 * test holds the write lock while appending so that every row is queued
 * before the first batch is written; batch_rows 2 and a long commit
 * interval fix the batches: [a-1 a-2] [boom a-4] [b-1 b-2] [a-5 a-6]
 * [b-3 b-4] [a-7 a-8]. */
static void
test_rows_failed_batch_stops_the_handle (Fixture *f, gconstpointer data)
{
  LucidStoreOptions opts = { .batch_rows = 2, .commit_interval_ms = 600000 };
  const struct {
    gboolean other;
    const char *label;
  } rows[] = {
    { FALSE, "a-1" }, { FALSE, "a-2" }, { FALSE, "boom" }, { FALSE, "a-4" },
    { TRUE, "b-1" },  { TRUE, "b-2" },  { FALSE, "a-5" },  { FALSE, "a-6" },
    { TRUE, "b-3" },  { TRUE, "b-4" },  { FALSE, "a-7" },  { FALSE, "a-8" },
  };
  g_autoptr (GError) error = NULL;
  g_autoptr (GError) flush_error = NULL;
  LucidStore *store = lucid_store_open (f->db, &opts, &error);
  LucidStore *other = lucid_store_open (f->db, &opts, &error);
  g_autofree char *labels = NULL;
  sqlite3 *db;
  gint64 run;

  g_assert_no_error (error);
  run = begin_test_run (store);
  db = open_plain (f->db);
  /* json('{') fails with SQLITE_ERROR ("malformed JSON"), which is not a
   * row-level error: the whole batch is rolled back. */
  g_assert_cmpint (sqlite3_exec (db,
                                 "CREATE TRIGGER boom BEFORE INSERT ON results "
                                 "WHEN NEW.label = 'boom' "
                                 "BEGIN SELECT json('{'); END",
                                 NULL, NULL, NULL),
                   ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "BEGIN IMMEDIATE", NULL, NULL, NULL), ==,
                   SQLITE_OK);
  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    append_labelled (rows[i].other ? other : store, run, rows[i].label, i);
  g_assert_cmpint (sqlite3_exec (db, "COMMIT", NULL, NULL, NULL), ==,
                   SQLITE_OK);

  g_assert_false (lucid_store_flush (store, &flush_error));
  g_assert_error (flush_error, LUCID_ERROR, LUCID_ERROR_DB);
  g_test_message ("%s", flush_error->message);
  g_assert_nonnull (strstr (flush_error->message, f->db));
  g_assert_nonnull (strstr (flush_error->message, "malformed JSON"));
  /* The next append reports the same (first) error. */
  {
    LucidResultRow row;
    lucid_store_result_row_init (&row);
    row.run_id = run;
    row.element = "enc";
    row.kind = "labels";
    row.label = "a-9";
    g_assert_false (lucid_store_append_result (store, &row, NULL, &error));
    g_assert_error (error, LUCID_ERROR, LUCID_ERROR_DB);
    g_assert_cmpstr (error->message, ==, flush_error->message);
    g_clear_error (&error);
  }
  g_assert_true (lucid_store_flush (other, &error));
  g_assert_no_error (error);

  labels = query_text (db, "SELECT group_concat(label, ' ') FROM "
                           "(SELECT label FROM results ORDER BY id)");
  g_assert_cmpstr (labels, ==, "a-1 a-2 b-1 b-2 b-3 b-4");
  sqlite3_close (db);
  lucid_store_close (other);
  lucid_store_close (store);
}

static void
test_requests_ids (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  LucidStore *store = lucid_store_open (f->db, NULL, &error);
  gint64 run, m1, m2, m3, s1, s2;
  sqlite3 *db;
  g_autofree char *status = NULL;
  g_autofree char *family = NULL;

  g_assert_no_error (error);
  run = begin_test_run (store);
  m1 = lucid_store_ensure_model (store, "/models/bert", "aa", "bert",
                                 "{\"model_type\":\"bert\"}", &error);
  g_assert_no_error (error);
  m2 = lucid_store_ensure_model (store, "/models/bert", "aa", "changed", NULL,
                                 &error);
  g_assert_no_error (error);
  m3 = lucid_store_ensure_model (store, "/models/bert", "bb", NULL, NULL,
                                 &error);
  g_assert_no_error (error);
  g_assert_cmpint (m1, >, 0);
  g_assert_cmpint (m1, ==, m2);
  g_assert_cmpint (m3, !=, m1);
  /* A config SQLite does not take for JSON is stored as NULL, the model
   * row is still recorded. */
  g_assert_cmpint (
      lucid_store_ensure_model (store, "/models/odd", "cc", NULL,
                                "{\"model_type\": 'single quotes'}", &error),
      >, 0);
  g_assert_no_error (error);

  s1 = lucid_store_add_stream (store, run, "abc/1", "text/x-raw", "sink",
                               &error);
  g_assert_no_error (error);
  s2 = lucid_store_add_stream (store, run, NULL, NULL, "sink", &error);
  g_assert_no_error (error);
  g_assert_cmpint (s1, >, 0);
  g_assert_cmpint (s2, >, s1);
  g_assert_cmpint (
      lucid_store_add_stream (store, 999, "x", NULL, "sink", &error), ==, 0);
  g_assert_error (error, LUCID_ERROR, LUCID_ERROR_DB);
  g_clear_error (&error);

  /* Ids are committed when returned: visible to another connection. */
  db = open_plain (f->db);
  family = query_text (db, "SELECT family FROM models WHERE sha256 = 'aa'");
  g_assert_cmpstr (family, ==, "bert");
  g_assert_cmpint (query_int (db, "SELECT config IS NULL FROM models WHERE "
                                  "sha256 = 'cc'"),
                   ==, 1);
  g_assert_cmpint (
      query_int (db,
                 "SELECT json_extract(config, "
                 "'$.model_type') = 'bert' FROM models WHERE sha256 = 'aa'"),
      ==, 1);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM streams"), ==, 2);
  sqlite3_close (db);

  g_assert_false (lucid_store_end_run (store, run, "finished", &error));
  g_assert_error (error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (lucid_store_end_run (store, 777, "eos", &error));
  g_assert_error (error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_true (lucid_store_end_run (store, run, "eos", &error));
  g_assert_no_error (error);

  db = open_plain (f->db);
  status = query_text (
      db, "SELECT status || '|' || (ended_at IS NOT NULL) "
          "|| '|' || (julianday(ended_at) >= julianday(started_at)) FROM runs");
  g_assert_cmpstr (status, ==, "eos|1|1");
  sqlite3_close (db);
  lucid_store_close (store);
}

/* ---- failures and crashes --------------------------------------------- */

static void
test_flush_reports_disk_full (Fixture *f, gconstpointer data)
{
  const char *args[] = { "disk-full", f->db, NULL };
  g_autofree char *out = NULL;
  int status = 0;

  out = run_helper (FALSE, &status, args);
  g_test_message ("helper: %s", out);
  g_assert_true (WIFEXITED (status) && WEXITSTATUS (status) == 0);
  g_assert_true (g_str_has_prefix (out, "FLUSH-ERROR "));
  g_assert_nonnull (strstr (out, f->db));
  g_assert_nonnull (strstr (out, "SQLite error"));

  /* What was committed before the failure is intact. */
  g_assert_cmpint (count_rows (f->db, "SELECT count(*) FROM results WHERE "
                                      "label = 'before-the-limit'"),
                   ==, 1);
  g_assert_cmpint (count_rows (f->db, "SELECT count(*) FROM pragma_quick_check "
                                      "WHERE quick_check != 'ok'"),
                   ==, 0);
}

static void
test_crash_keeps_a_committed_prefix (Fixture *f, gconstpointer data)
{
  g_autofree char *exe = self_exe ();
  const char *argv[] = { exe, "--helper", "append-forever", f->db, NULL };
  g_autoptr (GError) error = NULL;
  g_autofree char *check = NULL;
  gint64 deadline, n = 0, lo, hi, bad;
  int status = 0;
  GPid pid;
  sqlite3 *db;

  g_spawn_async (NULL, (char **)argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL,
                 NULL, &pid, &error);
  g_assert_no_error (error);

  /* Wait until batches are being committed, then kill mid-stream. */
  deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while (g_get_monotonic_time () < deadline) {
    if (g_file_test (f->db, G_FILE_TEST_EXISTS)) {
      sqlite3 *probe = NULL;
      sqlite3_stmt *stmt = NULL;
      if (sqlite3_open_v2 (f->db, &probe, SQLITE_OPEN_READONLY, NULL)
              == SQLITE_OK
          && sqlite3_prepare_v2 (probe, "SELECT count(*) FROM results", -1,
                                 &stmt, NULL)
                 == SQLITE_OK
          && sqlite3_step (stmt) == SQLITE_ROW)
        n = sqlite3_column_int64 (stmt, 0);
      sqlite3_finalize (stmt);
      sqlite3_close (probe);
    }
    if (n >= 2000)
      break;
    g_usleep (5000);
  }
  kill (pid, SIGKILL);
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_spawn_close_pid (pid);
  g_assert_true (WIFSIGNALED (status) && WTERMSIG (status) == SIGKILL);
  g_assert_cmpint (n, >=, 2000);

  db = open_plain (f->db);
  check = query_text (db, "PRAGMA integrity_check");
  g_assert_cmpstr (check, ==, "ok");
  n = query_int (db, "SELECT count(*) FROM results");
  lo = query_int (db, "SELECT min(id) FROM results");
  hi = query_int (db, "SELECT max(id) FROM results");
  /* ids 1..k contiguous, and row i is the i-th row appended. */
  bad = query_int (db, "SELECT count(*) FROM results WHERE "
                       "label != 'row-' || id OR score != id");
  g_test_message ("%" G_GINT64_FORMAT " rows survived the crash", n);
  g_assert_cmpint (lo, ==, 1);
  g_assert_cmpint (hi, ==, n);
  g_assert_cmpint (bad, ==, 0);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM runs"), ==, 1);
  sqlite3_close (db);
}

/* ---- read-only access ------------------------------------------------- */

static void
assert_refused (sqlite3 *db, const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL);

  if (rc == SQLITE_OK)
    rc = sqlite3_step (stmt);
  sqlite3_finalize (stmt);
  g_test_message ("%s -> %s", sql, sqlite3_errmsg (db));
  g_assert_true (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW);
}

static void
test_readonly_authorizer (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *copy = g_build_filename (f->dir, "copy.db", NULL);
  g_autofree char *attach = NULL;
  g_autofree char *vacuum = NULL;
  LucidStore *store = lucid_store_open (f->db, NULL, &error);
  sqlite3 *ro;
  gint64 run;

  g_assert_no_error (error);
  run = begin_test_run (store);
  append_labelled (store, run, "cat", 0.9);
  g_assert_true (lucid_store_flush (store, &error));
  lucid_store_close (store);

  ro = lucid_store_open_readonly (f->db, &error);
  g_assert_no_error (error);
  g_assert_nonnull (ro);

  /* Reads work, views, functions and recursive CTEs included. */
  g_assert_cmpint (
      query_int (ro, "SELECT count(*) FROM "
                     "results_with_provenance WHERE run_label = 'unit'"),
      ==, 1);
  g_assert_cmpint (query_int (ro, "SELECT n FROM label_counts WHERE label = "
                                  "'cat'"),
                   ==, 1);
  g_assert_cmpint (
      query_int (ro, "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL "
                     "SELECT x + 1 FROM c WHERE x < 5) SELECT sum(x) FROM c"),
      ==, 15);
  g_assert_cmpint (query_int (ro, "PRAGMA user_version"), ==,
                   lucid_store_schema_version ());
  g_assert_cmpint (query_int (ro, "SELECT count(*) FROM (SELECT 1)"), ==, 1);

  /* Everything else is refused. */
  assert_refused (ro, "INSERT INTO runs (started_at, lucid_version) VALUES "
                      "('now', 'x')");
  assert_refused (ro, "DELETE FROM results");
  assert_refused (ro, "UPDATE results SET label = 'dog'");
  assert_refused (ro, "CREATE TABLE t (x)");
  assert_refused (ro, "DROP VIEW label_counts");
  assert_refused (ro, "PRAGMA user_version = 5");
  assert_refused (ro, "PRAGMA journal_mode = DELETE");
  attach = g_strdup_printf ("ATTACH DATABASE '%s' AS other", copy);
  assert_refused (ro, attach);
  vacuum = g_strdup_printf ("VACUUM INTO '%s'", copy);
  assert_refused (ro, vacuum);
  g_assert_false (g_file_test (copy, G_FILE_TEST_EXISTS));
  sqlite3_close (ro);

  g_assert_cmpint (count_rows (f->db, "PRAGMA user_version"), ==,
                   lucid_store_schema_version ());
  g_assert_cmpint (count_rows (f->db, "SELECT count(*) FROM results"), ==, 1);
}

static void
test_readonly_open_errors (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *junk = g_build_filename (f->dir, "junk", NULL);

  g_assert_null (lucid_store_open_readonly (f->db, &error));
  g_assert_error (error, LUCID_ERROR, LUCID_ERROR_IO);
  g_assert_nonnull (strstr (error->message, f->db));
  g_clear_error (&error);

  g_assert_null (lucid_store_open_readonly (f->dir, &error));
  g_assert_error (error, LUCID_ERROR, LUCID_ERROR_IO);
  g_clear_error (&error);

  g_file_set_contents (
      junk,
      "this is not a database, not at all, no.........."
      "..................................................................",
      -1, &error);
  g_assert_no_error (error);
  g_assert_null (lucid_store_open_readonly (junk, &error));
  g_assert_error (error, LUCID_ERROR, LUCID_ERROR_DB);
  g_assert_nonnull (strstr (error->message, "not a database"));
}

int
main (int argc, char **argv)
{
  if (argc >= 2 && strcmp (argv[1], "--helper") == 0)
    return helper_main (argc, argv);

  g_test_init (&argc, &argv, NULL);

#define ADD(path, fn)                                                          \
  g_test_add (path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)

  ADD ("/store/migrate/fresh", test_migrate_fresh);
  ADD ("/store/migrate/reopen-is-noop", test_migrate_reopen_is_noop);
  ADD ("/store/migrate/refuses-newer", test_migrate_refuses_newer);
  ADD ("/store/migrate/concurrent-processes",
       test_migrate_concurrent_processes);
  ADD ("/store/open/directory", test_open_directory);
  ADD ("/store/open/not-a-database", test_open_not_a_database);
  ADD ("/store/open/missing-directory", test_open_missing_directory);
  g_test_add_func ("/store/open/empty-path", test_open_empty_path);
  ADD ("/store/open/readonly-file", test_open_readonly_file);
  ADD ("/store/open/unwritable-directory", test_open_unwritable_directory);
  ADD ("/store/open/existing-in-unwritable-directory",
       test_open_existing_in_unwritable_directory);
  ADD ("/store/writer/shared-per-file", test_writer_shared_per_file);
  ADD ("/store/writer/two-threads-10000-rows",
       test_writer_two_threads_10000_rows);
  ADD ("/store/writer/commits-on-interval", test_writer_commits_on_interval);
  ADD ("/store/writer/backpressure-cancel", test_writer_backpressure_cancel);
  ADD ("/store/rows/nan-score-is-null-with-reason",
       test_rows_nan_score_is_null_with_reason);
  ADD ("/store/rows/embedding-roundtrip", test_rows_embedding_roundtrip);
  ADD ("/store/rows/refused-row-is-reported",
       test_rows_refused_row_is_reported);
  ADD ("/store/rows/failed-batch-stops-the-handle",
       test_rows_failed_batch_stops_the_handle);
  ADD ("/store/requests/ids", test_requests_ids);
  ADD ("/store/flush/reports-disk-full", test_flush_reports_disk_full);
  ADD ("/store/crash/keeps-a-committed-prefix",
       test_crash_keeps_a_committed_prefix);
  ADD ("/store/readonly/authorizer", test_readonly_authorizer);
  ADD ("/store/readonly/open-errors", test_readonly_open_errors);
#undef ADD

  return g_test_run ();
}
