/* test-store-busy.c — the store's writer under lock contention: rows
 * handed to the writer while another process holds the database's write
 * lock for longer than the writer's bounded wait (3 x 5 s) are all
 * committed once the lock is free, in order, and neither append nor flush
 * reports an error ("Errors" in core/lucid-store.c).
 *
 * This is what lost 1001 rows of one daemon-load worker in CI (16 workers
 * writing one file on a loaded 2-core machine): its writer did not get the
 * lock for 15 s, dropped its batch of 1000 rows with "database is locked",
 * and the next append failed the pipeline.
 *
 * A flush, though, still gets its bounded answer while the lock stays
 * taken. The lock holder is this program again (argv[1] == "--helper"), a
 * process of its own like the other daemon workers.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <sqlite3.h>

#include "lucid-error.h"
#include "lucid-store.h"

/* Longer than the writer's bounded wait for the lock (3 x 5 s). */
#define HOLD_S 17
#define N_ROWS 300

/* --helper hold-lock DB SECONDS: takes the write lock, says "LOCKED" on
 * stdout, keeps it SECONDS, then lets it go without writing. */
static int
helper_main (int argc, char **argv)
{
  sqlite3 *db = NULL;

  if (argc != 5 || strcmp (argv[2], "hold-lock") != 0)
    return 2;
  if (sqlite3_open_v2 (argv[3], &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
    return 3;
  sqlite3_busy_timeout (db, 10000);
  if (sqlite3_exec (db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
    fprintf (stderr, "BEGIN IMMEDIATE: %s\n", sqlite3_errmsg (db));
    return 4;
  }
  printf ("LOCKED\n");
  fflush (stdout);
  g_usleep ((gulong)atoi (argv[4]) * G_USEC_PER_SEC);
  sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
  sqlite3_close (db);
  return 0;
}

static gint64
query_int (const char *path, const char *sql)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 v;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==,
                   SQLITE_OK);
  sqlite3_busy_timeout (db, 5000);
  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) != SQLITE_OK)
    g_error ("%s: %s", sql, sqlite3_errmsg (db));
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  v = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return v;
}

static char *
self_exe (void)
{
  return g_file_read_link ("/proc/self/exe", NULL);
}

/* Starts the helper holding @path's write lock for @seconds; returns once
 * it holds it. */
static GPid
hold_lock (const char *path, int seconds)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *exe = self_exe ();
  g_autofree char *secs = g_strdup_printf ("%d", seconds);
  const char *argv[] = { exe, "--helper", "hold-lock", path, secs, NULL };
  char line[16] = { 0 };
  int out_fd = -1;
  gssize got;
  GPid pid;

  g_spawn_async_with_pipes (NULL, (char **)argv, NULL,
                            G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &pid, NULL,
                            &out_fd, NULL, &error);
  g_assert_no_error (error);
  got = read (out_fd, line, sizeof (line) - 1);
  close (out_fd);
  g_assert_cmpint (got, >, 0);
  g_assert_cmpstr (line, ==, "LOCKED\n");
  return pid;
}

static void
append_rows (LucidStore *store, gint64 run, int n)
{
  g_autoptr (GError) error = NULL;

  for (int i = 1; i <= n; i++) {
    g_autofree char *label = g_strdup_printf ("row-%d", i);
    LucidResultRow row;
    lucid_store_result_row_init (&row);
    row.run_id = run;
    row.element = "test";
    row.kind = "label";
    row.label = label;
    row.has_score = TRUE;
    row.score = i;
    g_assert_true (lucid_store_append_result (store, &row, NULL, &error));
    g_assert_no_error (error);
  }
}

static void
remove_db (char *dir, char *path)
{
  for (guint i = 0; i < 3; i++) {
    static const char *const suffix[] = { "", "-wal", "-shm" };
    g_autofree char *file = g_strconcat (path, suffix[i], NULL);
    g_unlink (file);
  }
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

static void
test_rows_survive_a_long_held_lock (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("lucid-store-busy-XXXXXX", &error);
  g_autofree char *path = NULL;
  LucidStoreOptions opts = { .commit_interval_ms = 20 };
  LucidRunInfo info = { .lucid_version = "test", .label = "busy" };
  LucidStore *store;
  GPid pid;
  int status = 0;
  gint64 run, started;

  g_assert_no_error (error);
  path = g_build_filename (dir, "test.db", NULL);
  store = lucid_store_open (path, &opts, &error);
  g_assert_no_error (error);
  run = lucid_store_begin_run (store, &info, &error);
  g_assert_no_error (error);

  pid = hold_lock (path, HOLD_S);
  started = g_get_monotonic_time ();

  /* Every row is queued at once (the queue holds 4096): the writer meets
   * the held lock with its first batch. */
  append_rows (store, run, N_ROWS);

  /* The other process holds the lock (for HOLD_S s): nothing committed. */
  g_assert_cmpint (query_int (path, "SELECT count(*) FROM results"), ==, 0);

  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_spawn_close_pid (pid);
  g_assert_true (WIFEXITED (status) && WEXITSTATUS (status) == 0);
  g_test_message ("the lock was held for %.1f s",
                  (g_get_monotonic_time () - started) / 1e6);

  /* Everything is committed, without an error, once it let go. */
  g_assert_true (lucid_store_flush (store, &error));
  g_assert_no_error (error);
  g_assert_cmpint (query_int (path, "SELECT count(*) FROM results"), ==,
                   N_ROWS);
  /* In order: row i is the i-th appended. */
  g_assert_cmpint (query_int (path, "SELECT count(*) FROM results WHERE "
                                    "label != 'row-' || id OR score != id"),
                   ==, 0);
  g_assert_true (lucid_store_end_run (store, run, "eos", &error));
  g_assert_no_error (error);
  lucid_store_close (store);

  remove_db (dir, path);
}

/* Patience is for rows nobody waits for: a flush (what lucidsink does at
 * EOS) still gets its answer, "database is locked", after the bounded wait
 * (3 x 5 s), however long the other process keeps the lock: when it comes
 * with the rows (the writer takes it before it began to commit them), and
 * when it comes while the writer already waits for the lock for them. So
 * does the close after it. Nothing hangs (this test's timeout). */
static void
flush_fails_locked (LucidStore *store, const char *path, gint64 started)
{
  g_autoptr (GError) error = NULL;

  g_assert_false (lucid_store_flush (store, &error));
  g_assert_error (error, LUCID_ERROR, LUCID_ERROR_DB);
  g_test_message ("flush failed after %.1f s: %s",
                  (g_get_monotonic_time () - started) / 1e6, error->message);
  g_assert_nonnull (strstr (error->message, path));
  g_assert_nonnull (strstr (error->message, "database is locked"));
}

static void
test_flush_wait_is_bounded (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("lucid-store-busy-XXXXXX", &error);
  g_autofree char *path = NULL;
  LucidStoreOptions opts = { .commit_interval_ms = 20 };
  LucidRunInfo info = { .lucid_version = "test", .label = "busy" };
  LucidStore *store, *other;
  gint64 run;
  GPid pid;

  g_assert_no_error (error);
  path = g_build_filename (dir, "test.db", NULL);
  store = lucid_store_open (path, &opts, &error);
  g_assert_no_error (error);
  other = lucid_store_open (path, &opts, &error); /* the same writer */
  g_assert_no_error (error);
  run = lucid_store_begin_run (store, &info, &error);
  g_assert_no_error (error);

  pid = hold_lock (path, 600); /* far longer than this test's timeout */
  append_rows (store, run, 10);
  flush_fails_locked (store, path, g_get_monotonic_time ());

  /* The flush of a handle whose rows the writer already waits for (its
   * commit interval is 20 ms; the sleep only makes that likely, the
   * outcome is the same either way). */
  append_rows (other, run, 10);
  g_usleep (G_USEC_PER_SEC);
  flush_fails_locked (other, path, g_get_monotonic_time ());

  kill (pid, SIGKILL);
  g_assert_cmpint (waitpid (pid, NULL, 0), ==, pid);
  g_spawn_close_pid (pid);
  lucid_store_close (other);
  lucid_store_close (store);
  remove_db (dir, path);
}

int
main (int argc, char **argv)
{
  if (argc > 1 && strcmp (argv[1], "--helper") == 0)
    return helper_main (argc, argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/store/busy/rows-survive-a-long-held-lock",
                   test_rows_survive_a_long_held_lock);
  g_test_add_func ("/store/busy/flush-wait-is-bounded",
                   test_flush_wait_is_bounded);
  return g_test_run ();
}
