/* test-store-models.c — model provenance in the store: the files a model
 * directory holds besides its weights (core/lucid-model-files.c), the
 * models rows they key (lucid_store_ensure_model_info), and the migration
 * that added them to databases written before (schema/NNN_model_files.sql).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <sqlite3.h>

#include "lucid-error.h"
#include "lucid-model-files.h"
#include "lucid-store.h"
#include "lucid-test-util.h"

typedef struct {
  char *dir;
  char *db;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->dir = g_dir_make_tmp ("lucid-store-models-XXXXXX", &error);
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

static sqlite3 *
open_plain (const char *path)
{
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &db,
                                    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                                    NULL),
                   ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 5000);
  return db;
}

static void
exec (sqlite3 *db, const char *sql)
{
  char *msg = NULL;

  if (sqlite3_exec (db, sql, NULL, NULL, &msg) != SQLITE_OK)
    g_error ("%.60s…: %s", sql, msg);
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

/* NULL for an SQL NULL. */
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

static void
write_file (const char *dir, const char *name, const char *text)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autofree char *parent = g_path_get_dirname (path);
  g_autoptr (GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (parent, 0700), ==, 0);
  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
}

static gint64
begin_run (LucidStore *store)
{
  LucidRunInfo info = { .pipeline = "test", .lucid_version = "test" };
  g_autoptr (GError) error = NULL;
  gint64 id = lucid_store_begin_run (store, &info, &error);

  g_assert_no_error (error);
  return id;
}

/* ---- lucid_model_files_describe ---------------------------------------- */

static void
test_files_describe (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *model = g_build_filename (f->dir, "m", NULL);
  g_autofree char *json = NULL, *digest = NULL, *json2 = NULL;
  g_autofree char *digest2 = NULL, *want = NULL, *want_digest = NULL;
  g_autofree char *cfg_sha
      = g_compute_checksum_for_string (G_CHECKSUM_SHA256, "{\"a\": 1}", -1);
  g_autofree char *pre_sha
      = g_compute_checksum_for_string (G_CHECKSUM_SHA256, "{}", -1);
  g_autofree char *pool_sha
      = g_compute_checksum_for_string (G_CHECKSUM_SHA256, "[1]", -1);

  write_file (model, "config.json", "{\"a\": 1}");
  write_file (model, "preprocessor_config.json", "{}");
  write_file (model, "1_Pooling/config.json", "[1]");
  write_file (model, "model.safetensors", "not listed: the weights");
  write_file (model, "README.md", "not listed");

  json = lucid_model_files_describe (model, &digest, &error);
  g_assert_no_error (error);
  /* Listed files present, in the fixed (sorted) order, nothing else. */
  want = g_strdup_printf ("{\"1_Pooling/config.json\":\"%s\","
                          "\"config.json\":\"%s\","
                          "\"preprocessor_config.json\":\"%s\"}",
                          pool_sha, cfg_sha, pre_sha);
  g_assert_cmpstr (json, ==, want);
  want_digest = g_compute_checksum_for_string (G_CHECKSUM_SHA256, want, -1);
  g_assert_cmpstr (digest, ==, want_digest);

  /* One byte of preprocessing changed: another digest. */
  write_file (model, "preprocessor_config.json", "{ }");
  json2 = lucid_model_files_describe (model, &digest2, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json2, !=, json);
  g_assert_cmpstr (digest2, !=, digest);

  /* Not a directory (a head file): nothing to record, no error. */
  {
    g_autofree char *file = g_build_filename (model, "config.json", NULL);
    g_assert_null (lucid_model_files_describe (file, NULL, &error));
    g_assert_no_error (error);
  }
}

static void
test_files_unreadable (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *model = g_build_filename (f->dir, "m", NULL);
  g_autofree char *sub = g_build_filename (model, "tokenizer.json", NULL);

  /* A directory where a listed file should be: it exists but cannot be
   * read, and the error names it (root can read any file, not this). */
  g_assert_cmpint (g_mkdir_with_parents (sub, 0700), ==, 0);
  g_assert_null (lucid_model_files_describe (model, NULL, &error));
  g_assert_error (error, LUCID_ERROR, LUCID_ERROR_IO);
  g_assert_nonnull (strstr (error->message, sub));
}

/* ---- models rows ------------------------------------------------------- */

static void
test_rows_keyed_by_files (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  LucidStore *store = lucid_store_open (f->db, NULL, &error);
  LucidModelInfo a = { .dir = "/m",
                       .sha256 = "aa",
                       .family = "vit",
                       .files_json = "{\"preprocessor_config.json\":\"01\"}",
                       .files_sha256 = "f1",
                       .preprocessor_json = "{\"resample\": 2}" };
  LucidModelInfo b = a;
  gint64 legacy, ida, ida2, idb, bad;
  g_autofree char *pre = NULL, *files = NULL, *logged = NULL;
  sqlite3 *db;

  g_assert_no_error (error);
  begin_run (store);
  legacy = lucid_store_ensure_model (store, "/m", "aa", "vit", NULL, &error);
  g_assert_no_error (error);
  ida = lucid_store_ensure_model_info (store, &a, &error);
  g_assert_no_error (error);
  ida2 = lucid_store_ensure_model_info (store, &a, &error);
  g_assert_no_error (error);
  b.files_sha256 = "f2";
  b.preprocessor_json = "{\"resample\": 3}";
  idb = lucid_store_ensure_model_info (store, &b, &error);
  g_assert_no_error (error);
  b.files_sha256 = "f3";
  b.preprocessor_json = "{resample: 3}";
  bad = lucid_store_ensure_model_info (store, &b, &error);
  g_assert_no_error (error);

  g_assert_cmpint (legacy, >, 0);
  g_assert_cmpint (ida, !=, legacy);
  g_assert_cmpint (ida, ==, ida2);
  g_assert_cmpint (idb, !=, ida);
  g_assert_cmpint (bad, !=, idb);
  lucid_store_close (store);

  db = open_plain (f->db);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM models"), ==, 4);
  pre = query_text (db, "SELECT group_concat(json_extract(preprocessor, "
                        "'$.resample'), ',') FROM (SELECT preprocessor FROM "
                        "models ORDER BY id)");
  g_assert_cmpstr (pre, ==, "2,3");
  files = query_text (db, "SELECT files FROM models WHERE files_sha256 = 'f1'");
  g_assert_cmpstr (files, ==, a.files_json);
  /* Without files: '' digest, NULL files; invalid JSON stored as NULL. */
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM models WHERE "
                                  "files_sha256 = '' AND files IS NULL"),
                   ==, 1);
  g_assert_cmpint (query_int (db, "SELECT preprocessor IS NULL FROM models "
                                  "WHERE files_sha256 = 'f3'"),
                   ==, 1);
  /* Each new row is in the audit log with its files and preprocessing. */
  logged = query_text (db, "SELECT group_concat(json_extract(payload, "
                           "'$.files_sha256') || ':' || ifnull(json_extract("
                           "payload, '$.preprocessor.resample'), '-'), ',') "
                           "FROM (SELECT payload FROM audit_log WHERE kind = "
                           "'model' ORDER BY seq)");
  g_assert_cmpstr (logged, ==, ":-,f1:2,f2:3,f3:-");
  sqlite3_close (db);
}

/* ---- the migration ----------------------------------------------------- */

static gint
compare_paths (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(char *const *)a, *(char *const *)b);
}

/* The schema/NNN_*.sql files in order, and the index of the one that adds
 * model files (its number is not hard-coded: the lead may renumber it). */
static GPtrArray *
list_migrations (guint *model_files_index)
{
  const char *root = g_getenv ("LUCID_SOURCE_ROOT");
  g_autofree char *dir = NULL;
  g_autoptr (GDir) d = NULL;
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  if (root == NULL)
    return names;
  dir = g_build_filename (root, "schema", NULL);
  d = g_dir_open (dir, 0, NULL);
  g_assert_nonnull (d);
  while ((name = g_dir_read_name (d)))
    if (g_str_has_suffix (name, ".sql"))
      g_ptr_array_add (names, g_build_filename (dir, name, NULL));
  g_ptr_array_sort (names, compare_paths);
  *model_files_index = G_MAXUINT;
  for (guint i = 0; i < names->len; i++)
    if (g_str_has_suffix (g_ptr_array_index (names, i), "_model_files.sql"))
      *model_files_index = i;
  return names;
}

/* A database written before the migration, with a run, a model, a stream,
 * a result and an embedding, opened by this Lucid: the rows survive with
 * their ids, the foreign keys still hold and are enforced. */
static void
test_migrate_from_previous_version (Fixture *f, gconstpointer data)
{
  g_autoptr (GPtrArray) files = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *set_version = NULL;
  g_autofree char *config = NULL, *view = NULL, *fk = NULL;
  guint index = G_MAXUINT;
  LucidStore *store;
  LucidModelInfo same = { .dir = "/models/vit", .sha256 = "ab" };
  LucidResultRow row;
  sqlite3 *db;

  files = list_migrations (&index);
  if (files->len == 0) {
    g_test_skip ("LUCID_SOURCE_ROOT is not set");
    return;
  }
  g_assert_cmpuint (index, <, files->len);
  g_assert_cmpuint (files->len, ==, (guint)lucid_store_schema_version ());

  db = open_plain (f->db);
  for (guint i = 0; i < index; i++) {
    g_autofree char *sql = NULL;
    g_file_get_contents (g_ptr_array_index (files, i), &sql, NULL, &error);
    g_assert_no_error (error);
    exec (db, sql);
  }
  set_version = g_strdup_printf ("PRAGMA user_version = %u", index);
  exec (db, set_version);
  exec (db, "PRAGMA foreign_keys = ON;"
            "INSERT INTO runs (id, started_at, lucid_version) "
            "VALUES (1, '2026-01-01T00:00:00.000000Z', 'old');"
            "INSERT INTO models (id, dir, sha256, family, config, first_seen) "
            "VALUES (7, '/models/vit', 'ab', 'vit', '{\"image_size\": 32}', "
            "'2026-01-01T00:00:00.000000Z');"
            "INSERT INTO streams (id, run_id, sink_name) VALUES (1, 1, 's');"
            "INSERT INTO results (id, run_id, stream_id, model_id, element, "
            "kind, score_null_reason, created_at) VALUES (1, 1, 1, 7, 'enc', "
            "'embedding', 'absent', '2026-01-01T00:00:00.000000Z');"
            "INSERT INTO embeddings VALUES (1, 1, x'0000803f');");
  sqlite3_close (db);

  store = lucid_store_open (f->db, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (store);
  /* The old row is the same model when no files are given (legacy API),
   * a new one when they are. */
  g_assert_cmpint (lucid_store_ensure_model_info (store, &same, &error), ==, 7);
  g_assert_no_error (error);
  same.files_json = "{}";
  same.files_sha256 = "not empty";
  g_assert_cmpint (lucid_store_ensure_model_info (store, &same, &error), >, 7);
  g_assert_no_error (error);
  /* Foreign keys are enforced again after the migration: a row naming a
   * model that does not exist is refused (reported at flush). */
  lucid_store_result_row_init (&row);
  row.run_id = 1;
  row.model_id = 999;
  row.element = "enc";
  row.kind = "embedding";
  g_assert_true (lucid_store_append_result (store, &row, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (lucid_store_flush (store, &error));
  g_assert_error (error, LUCID_ERROR, LUCID_ERROR_DB);
  g_assert_nonnull (strstr (error->message, "FOREIGN KEY"));
  g_clear_error (&error);
  lucid_store_close (store);

  db = open_plain (f->db);
  g_assert_cmpint (query_int (db, "PRAGMA user_version"), ==,
                   lucid_store_schema_version ());
  config = query_text (db, "SELECT dir || ' ' || sha256 || ' ' || family || "
                           "' ' || config || ' ' || (files IS NULL) || ' ' "
                           "|| quote(files_sha256) FROM models WHERE id = 7");
  g_assert_cmpstr (config, ==, "/models/vit ab vit {\"image_size\": 32} 1 ''");
  view = query_text (db, "SELECT model_dir || ' ' || model_sha256 || ' ' || "
                         "(model_preprocessor IS NULL) FROM "
                         "results_with_provenance WHERE result_id = 1");
  g_assert_cmpstr (view, ==, "/models/vit ab 1");
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM "
                                  "embeddings_with_provenance WHERE "
                                  "model_sha256 = 'ab'"),
                   ==, 1);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM latest_results"), ==,
                   1);
  fk = query_text (db, "SELECT \"table\" FROM pragma_foreign_key_list("
                       "'results') WHERE \"from\" = 'model_id'");
  g_assert_cmpstr (fk, ==, "models");
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM "
                                  "pragma_foreign_key_check"),
                   ==, 0);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM sqlite_schema WHERE "
                                  "name = 'models_new'"),
                   ==, 0);
  sqlite3_close (db);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, fn)                                                          \
  g_test_add (path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)

  ADD ("/store-models/files/describe", test_files_describe);
  ADD ("/store-models/files/unreadable", test_files_unreadable);
  ADD ("/store-models/rows/keyed-by-files", test_rows_keyed_by_files);
  ADD ("/store-models/migrate/from-previous-version",
       test_migrate_from_previous_version);
#undef ADD

  return g_test_run ();
}
