/* test-sink.c — lucidsink: rows, times, extras, embeddings, provenance,
 * shared writer, EOS durability and error messages, checked with SQL on the
 * database the element wrote.
 *
 * The unwritable-location case runs this program again as `nobody` (through
 * setpriv when we are root, as in CI), because root ignores file
 * permissions.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "lucid-build-config.h"

#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <sqlite3.h>

#include "lucidelements.h"
#include "lucidmeta.h"
#include "lucid-store.h"

#define SHA_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define SHA_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define MS (GST_MSECOND)

static gchar *tmp_dir;
static gchar *db_path;
static gchar *model_dir;

/* ---- fixtures --------------------------------------------------------- */

static void
rm_rf (const gchar *path)
{
  GDir *dir = g_dir_open (path, 0, NULL);

  if (dir) {
    const gchar *name;
    g_chmod (path, 0700);
    while ((name = g_dir_read_name (dir))) {
      gchar *child = g_build_filename (path, name, NULL);
      rm_rf (child);
      g_free (child);
    }
    g_dir_close (dir);
    g_rmdir (path);
  } else {
    g_unlink (path);
  }
}

static void
setup (void)
{
  GError *error = NULL;
  gchar *config;

  tmp_dir = g_dir_make_tmp ("lucid-sink-XXXXXX", &error);
  g_assert_no_error (error);
  db_path = g_build_filename (tmp_dir, "out.db", NULL);
  model_dir = g_build_filename (tmp_dir, "model", NULL);
  g_mkdir (model_dir, 0755);
  config = g_build_filename (model_dir, "config.json", NULL);
  g_file_set_contents (config, "{\"model_type\": \"bert\", \"hidden_size\": 4}",
                       -1, &error);
  g_assert_no_error (error);
  g_free (config);
}

static void
teardown (void)
{
  rm_rf (tmp_dir);
  g_clear_pointer (&tmp_dir, g_free);
  g_clear_pointer (&db_path, g_free);
  g_clear_pointer (&model_dir, g_free);
}

/* ---- SQL helpers ------------------------------------------------------ */

static sqlite3 *
db_open (void)
{
  sqlite3 *db = NULL;

  fail_unless_equals_int (
      sqlite3_open_v2 (db_path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
  sqlite3_busy_timeout (db, 5000);
  return db;
}

static gint64
sql_int (const gchar *sql)
{
  sqlite3 *db = db_open ();
  sqlite3_stmt *stmt = NULL;
  gint64 v;

  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) != SQLITE_OK)
    g_error ("%s: %s", sql, sqlite3_errmsg (db));
  fail_unless_equals_int (sqlite3_step (stmt), SQLITE_ROW);
  v = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return v;
}

/* NULL when the value is NULL. */
static gchar *
sql_text (const gchar *sql)
{
  sqlite3 *db = db_open ();
  sqlite3_stmt *stmt = NULL;
  gchar *v;

  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) != SQLITE_OK)
    g_error ("%s: %s", sql, sqlite3_errmsg (db));
  fail_unless_equals_int (sqlite3_step (stmt), SQLITE_ROW);
  v = g_strdup ((const gchar *)sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return v;
}

#define assert_sql_int(expected, ...)                                          \
  G_STMT_START                                                                 \
  {                                                                            \
    gchar *_sql = g_strdup_printf (__VA_ARGS__);                               \
    gint64 _v = sql_int (_sql);                                                \
    if (_v != (expected))                                                      \
      g_error ("%s: got %" G_GINT64_FORMAT ", expected %" G_GINT64_FORMAT,     \
               _sql, _v, (gint64)(expected));                                  \
    g_free (_sql);                                                             \
  }                                                                            \
  G_STMT_END

#define assert_sql_text(expected, ...)                                         \
  G_STMT_START                                                                 \
  {                                                                            \
    gchar *_sql = g_strdup_printf (__VA_ARGS__);                               \
    gchar *_v = sql_text (_sql);                                               \
    if (g_strcmp0 (_v, (expected)) != 0)                                       \
      g_error ("%s: got '%s', expected '%s'", _sql, _v, (expected));           \
    g_free (_v);                                                               \
    g_free (_sql);                                                             \
  }                                                                            \
  G_STMT_END

/* ---- buffers with results --------------------------------------------- */

static const float embedding_a[4] = { 0.5f, -1.25f, 3.0f, 1e-7f };

/* A text buffer carrying what lucidtextenc would attach: a tensor meta with
 * one [4] float32 embedding and a lucid-result structure. */
static GstBuffer *
result_buffer (GstClockTime pts, const gchar *label, gdouble score)
{
  GstBuffer *buf = gst_buffer_new_memdup ("hello", 5);
  LucidTensor **tensors = g_new (LucidTensor *, 1);
  const gsize dims[1] = { 4 };
  GValue labels = G_VALUE_INIT, scores = G_VALUE_INIT, v = G_VALUE_INIT;
  GstStructure *s;

  GST_BUFFER_PTS (buf) = pts;
  GST_BUFFER_DURATION (buf) = 40 * MS;
  tensors[0] = lucid_tensor_new_f32 (
      g_quark_from_static_string ("lucid-text-embedding"), embedding_a, 1,
      dims);
  lucid_buffer_add_tensor_meta (buf, SHA_A, 1, tensors);

  gst_value_array_init (&labels, 2);
  g_value_init (&v, G_TYPE_STRING);
  g_value_set_string (&v, label);
  gst_value_array_append_value (&labels, &v);
  g_value_set_string (&v, "other");
  gst_value_array_append_value (&labels, &v);
  g_value_unset (&v);
  gst_value_array_init (&scores, 2);
  g_value_init (&v, G_TYPE_DOUBLE);
  g_value_set_double (&v, score);
  gst_value_array_append_value (&scores, &v);
  g_value_set_double (&v, NAN);
  gst_value_array_append_value (&scores, &v);
  g_value_unset (&v);

  s = gst_structure_new (
      LUCID_RESULT_STRUCTURE_NAME, "element", G_TYPE_STRING, "enc", "kind",
      G_TYPE_STRING, "labels", "model-id", G_TYPE_STRING, SHA_A, "model-dir",
      G_TYPE_STRING, model_dir, "model-family", G_TYPE_STRING, "hint",
      "tensor-index", G_TYPE_UINT, 0, "label", G_TYPE_STRING, label, "score",
      G_TYPE_DOUBLE, score, "text", G_TYPE_STRING, "hello", "custom-count",
      G_TYPE_INT, 7, NULL);
  gst_structure_take_value (s, "labels", &labels);
  gst_structure_take_value (s, "scores", &scores);
  lucid_buffer_add_result (buf, s);
  return buf;
}

static GstElement *
make_sink (gboolean store_embeddings)
{
  GstElement *sink = gst_element_factory_make ("lucidsink", "sink");

  fail_unless (sink != NULL);
  g_object_set (sink, "location", db_path, "store-embeddings", store_embeddings,
                "run-label", "unit", "pipeline-description",
                "appsrc ! lucidtextenc ! lucidsink", NULL);
  return sink;
}

static GstHarness *
harness_with_segment (GstElement *sink)
{
  GstHarness *h = gst_harness_new_with_element (sink, "sink", NULL);
  GstSegment segment;

  gst_object_unref (sink); /* the harness holds its own reference */

  gst_harness_set_src_caps_str (h, "text/x-raw, format=(string)utf8");
  /* Stream time = pts - 1 s + 10 s; running time = pts - 1 s. */
  gst_segment_init (&segment, GST_FORMAT_TIME);
  segment.start = GST_SECOND;
  segment.time = 10 * GST_SECOND;
  fail_unless (gst_harness_push_event (h, gst_event_new_segment (&segment)));
  return h;
}

/* ---- tests: rows ------------------------------------------------------ */

GST_START_TEST (test_rows_times_labels_extras)
{
  GstHarness *h = harness_with_segment (make_sink (TRUE));
  GstBuffer *plain = gst_buffer_new_memdup ("no results", 10);

  GST_BUFFER_PTS (plain) = 1200 * MS;
  fail_unless_equals_int (
      gst_harness_push (h, result_buffer (1500 * MS, "greeting", 0.75)),
      GST_FLOW_OK);
  fail_unless_equals_int (gst_harness_push (h, plain), GST_FLOW_OK);
  fail_unless_equals_int (
      gst_harness_push (h, result_buffer (2000 * MS, "farewell", NAN)),
      GST_FLOW_OK);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));

  /* EOS was handled: every row is committed, before teardown. */
  assert_sql_int (2, "SELECT count(*) FROM results");
  assert_sql_int (1, "SELECT count(*) FROM runs WHERE status = 'eos' AND "
                     "ended_at IS NOT NULL AND label = 'unit'");
  assert_sql_int (1500 * MS, "SELECT pts FROM results WHERE label = "
                             "'greeting'");
  assert_sql_int (40 * MS, "SELECT duration FROM results WHERE label = "
                           "'greeting'");
  assert_sql_int (10500 * MS, "SELECT stream_time FROM results WHERE label = "
                              "'greeting'");
  assert_sql_int (500 * MS, "SELECT running_time FROM results WHERE label = "
                            "'greeting'");
  assert_sql_int (11000 * MS, "SELECT stream_time FROM results WHERE label = "
                              "'farewell'");
  assert_sql_text ("0.75", "SELECT score FROM results WHERE label = "
                           "'greeting'");
  assert_sql_int (1, "SELECT score IS NULL AND score_null_reason = 'nan' FROM "
                     "results WHERE label = 'farewell'");
  assert_sql_text ("enc|labels", "SELECT element || '|' || kind FROM results "
                                 "LIMIT 1");

  /* Extras: every unmapped field, NaN as JSON null. */
  assert_sql_text ("hello", "SELECT json_extract(extras, '$.text') FROM "
                            "results WHERE label = 'greeting'");
  assert_sql_int (7, "SELECT json_extract(extras, '$.\"custom-count\"') FROM "
                     "results WHERE label = 'greeting'");
  assert_sql_text ("[\"greeting\",\"other\"]",
                   "SELECT json_extract(extras, "
                   "'$.labels') FROM results WHERE label = 'greeting'");
  assert_sql_text ("null", "SELECT json_type(extras, '$.scores[1]') FROM "
                           "results WHERE label = 'greeting'");
  assert_sql_int (
      0, "SELECT count(*) FROM results WHERE json_type(extras, "
         "'$.label') IS NOT NULL OR json_type(extras, '$.\"model-id\"') IS NOT "
         "NULL");

  /* One model row, family from config.json, config text stored. */
  assert_sql_int (1, "SELECT count(*) FROM models");
  assert_sql_text ("bert",
                   "SELECT family FROM models WHERE sha256 = '" SHA_A "'");
  assert_sql_int (4, "SELECT json_extract(config, '$.hidden_size') FROM "
                     "models");
  assert_sql_text (model_dir, "SELECT model_dir FROM results_with_provenance "
                              "WHERE label = 'greeting'");

  /* One stream row, with the STREAM_START id and the caps. */
  assert_sql_int (1, "SELECT count(*) FROM streams");
  assert_sql_int (1,
                  "SELECT count(*) FROM streams WHERE stream_id IS NOT "
                  "NULL AND caps LIKE 'text/x-raw%%' AND sink_name = 'sink'");
  assert_sql_int (2, "SELECT count(*) FROM results r JOIN streams s ON s.id = "
                     "r.stream_id");

  /* Embeddings: float32 little-endian. */
  assert_sql_int (2, "SELECT count(*) FROM embeddings WHERE dim = 4");
  {
    sqlite3 *db = db_open ();
    sqlite3_stmt *stmt = NULL;
    const guint8 *blob;

    fail_unless_equals_int (sqlite3_prepare_v2 (db,
                                                "SELECT vector FROM "
                                                "embeddings LIMIT 1",
                                                -1, &stmt, NULL),
                            SQLITE_OK);
    fail_unless_equals_int (sqlite3_step (stmt), SQLITE_ROW);
    fail_unless_equals_int (sqlite3_column_bytes (stmt, 0), 16);
    blob = sqlite3_column_blob (stmt, 0);
    for (guint i = 0; i < 4; i++) {
      guint32 bits = GUINT32_FROM_LE (((guint32)blob[4 * i])
                                      | ((guint32)blob[4 * i + 1] << 8)
                                      | ((guint32)blob[4 * i + 2] << 16)
                                      | ((guint32)blob[4 * i + 3] << 24));
      guint32 expect;
      memcpy (&expect, &embedding_a[i], 4);
      fail_unless_equals_uint64 (GUINT32_FROM_LE (bits), expect);
    }
    sqlite3_finalize (stmt);
    sqlite3_close (db);
  }

  gst_harness_teardown (h);
  /* Stopping after EOS keeps the run's EOS status. */
  assert_sql_int (1, "SELECT count(*) FROM runs WHERE status = 'eos'");
}

GST_END_TEST;

GST_START_TEST (test_embeddings_only_when_enabled)
{
  GstHarness *h = harness_with_segment (make_sink (FALSE));

  fail_unless_equals_int (
      gst_harness_push (h, result_buffer (1500 * MS, "a", 0.5)), GST_FLOW_OK);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  assert_sql_int (1, "SELECT count(*) FROM results");
  assert_sql_int (0, "SELECT count(*) FROM embeddings");
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Results carried by a serialized custom event (no buffer), with their own
 * pts and duration; a malformed result is skipped with a warning. */
GST_START_TEST (test_event_results_and_malformed)
{
  GstHarness *h = harness_with_segment (make_sink (TRUE));
  GstStructure *s = gst_structure_new (
      LUCID_RESULT_STRUCTURE_NAME, "element", G_TYPE_STRING, "audit", "kind",
      G_TYPE_STRING, "window", "pts", G_TYPE_UINT64, (guint64)(3 * GST_SECOND),
      "duration", G_TYPE_UINT64, (guint64)(2 * GST_SECOND), "partial",
      G_TYPE_BOOLEAN, TRUE, NULL);
  GstBuffer *bad = gst_buffer_new_memdup ("x", 1);

  lucid_buffer_add_result (bad, gst_structure_new (LUCID_RESULT_STRUCTURE_NAME,
                                                   "element", G_TYPE_STRING,
                                                   "enc", NULL));
  fail_unless_equals_int (gst_harness_push (h, bad), GST_FLOW_OK);
  fail_unless (gst_harness_push_event (
      h, gst_event_new_custom (GST_EVENT_CUSTOM_DOWNSTREAM, s)));
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));

  assert_sql_int (1, "SELECT count(*) FROM results");
  assert_sql_int (3 * GST_SECOND, "SELECT pts FROM results WHERE kind = "
                                  "'window'");
  assert_sql_int (2 * GST_SECOND, "SELECT duration FROM results");
  assert_sql_int (12 * GST_SECOND, "SELECT stream_time FROM results");
  assert_sql_int (1, "SELECT model_id IS NULL AND score_null_reason = "
                     "'absent' FROM results");
  assert_sql_text ("true", "SELECT json_type(extras, '$.partial') FROM "
                           "results");
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Stopped without EOS: queued rows are committed, the run is 'stopped'. */
GST_START_TEST (test_stop_without_eos)
{
  GstHarness *h = harness_with_segment (make_sink (FALSE));

  for (guint i = 0; i < 50; i++)
    fail_unless_equals_int (
        gst_harness_push (h, result_buffer (1000 * MS + i * 40 * MS, "x", 0.1)),
        GST_FLOW_OK);
  gst_harness_teardown (h);
  assert_sql_int (50, "SELECT count(*) FROM results");
  assert_sql_int (1, "SELECT count(*) FROM runs WHERE status = 'stopped' AND "
                     "ended_at IS NOT NULL");
}

GST_END_TEST;

/* ---- tests: pipelines ------------------------------------------------- */

/* Runs @desc (an appsrc named src feeding lucidsinks), pushes @n result
 * buffers, ends the stream and waits for EOS (or fails on ERROR). While
 * PLAYING, *n_users (if set) gets the number of store handles on db_path. */
static void
run_pipeline (const gchar *desc, guint n, guint *n_users)
{
  GError *error = NULL;
  GstElement *pipeline = gst_parse_launch (desc, &error);
  GstElement *src;
  GstBus *bus;
  GstMessage *msg;
  GstFlowReturn flow;

  g_assert_no_error (error);
  src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  fail_unless (src != NULL);
  fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_PLAYING),
                          GST_STATE_CHANGE_ASYNC);
  if (n_users) {
    /* The sinks opened their store handles in start() (READY→PAUSED),
     * within set_state(). */
    LucidStore *store = lucid_store_open (db_path, NULL, &error);
    g_assert_no_error (error);
    *n_users = lucid_store_get_n_users (store);
    lucid_store_close (store);
  }
  for (guint i = 0; i < n; i++) {
    GstBuffer *buf = result_buffer (i * 40 * MS, i % 2 ? "odd" : "even", 0.5);
    /* The action signal refs the buffer; it does not take ours. */
    g_signal_emit_by_name (src, "push-buffer", buf, &flow);
    gst_buffer_unref (buf);
    fail_unless_equals_int (flow, GST_FLOW_OK);
  }
  g_signal_emit_by_name (src, "end-of-stream", &flow);

  bus = gst_element_get_bus (pipeline);
  msg = gst_bus_timed_pop_filtered (bus, 20 * GST_SECOND,
                                    GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  fail_unless (msg != NULL, "no EOS within 20 s");
  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
    gchar *debug = NULL;
    gst_message_parse_error (msg, &error, &debug);
    g_error ("%s (%s)", error->message, debug);
  }
  gst_message_unref (msg);
  gst_object_unref (bus);
  fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_NULL),
                          GST_STATE_CHANGE_SUCCESS);
  gst_object_unref (src);
  gst_object_unref (pipeline);
}

GST_START_TEST (test_run_provenance)
{
  gchar *desc = g_strdup_printf (
      "appsrc name=src format=time "
      "caps=text/x-raw,format=utf8 ! queue name=q max-size-buffers=7 ! "
      "lucidsink name=sink location=%s run-label=prov",
      db_path);
  gchar *exe = g_file_read_link ("/proc/self/exe", NULL);
  gchar *exe_base = g_path_get_basename (exe);
  gchar *pattern
      = g_strdup_printf ("SELECT pipeline LIKE '%%%s%%' FROM runs", exe_base);

  run_pipeline (desc, 5, NULL);

  assert_sql_int (5, "SELECT count(*) FROM results");
  /* pipeline-description unset: the process's command line. */
  assert_sql_int (1, "%s", pattern);
  assert_sql_text ("prov|eos", "SELECT label || '|' || status FROM runs");
  assert_sql_text (LUCID_VERSION, "SELECT lucid_version FROM runs");
  assert_sql_int (1, "SELECT gst_version LIKE '1.%%' AND host IS NOT NULL AND "
                     "host != '' FROM runs");
  /* Non-default settings of every element, keyed by element name. */
  assert_sql_text ("queue", "SELECT json_extract(properties, '$.q.factory') "
                            "FROM runs");
  assert_sql_int (7, "SELECT json_extract(properties, "
                     "'$.q.properties.\"max-size-buffers\"') FROM runs");
  assert_sql_int (1, "SELECT json_type(properties, "
                     "'$.q.properties.\"max-size-bytes\"') IS NULL FROM runs");
  assert_sql_text (db_path, "SELECT json_extract(properties, "
                            "'$.sink.properties.location') FROM runs");
  assert_sql_text ("time", "SELECT json_extract(properties, "
                           "'$.src.properties.format') FROM runs");
  /* One join answers "which model and settings produced this row?". */
  assert_sql_int (5, "SELECT count(*) FROM results_with_provenance WHERE "
                     "model_sha256 = '" SHA_A "' AND json_extract(properties, "
                     "'$.q.properties.\"max-size-buffers\"') = 7");

  g_free (pattern);
  g_free (exe_base);
  g_free (exe);
  g_free (desc);
}

GST_END_TEST;

GST_START_TEST (test_two_sinks_share_one_writer_and_reruns_append)
{
  gchar *desc = g_strdup_printf (
      "appsrc name=src format=time caps=text/x-raw,format=utf8 ! tee name=t "
      "t. ! queue ! lucidsink name=s1 location=%s "
      "t. ! queue ! lucidsink name=s2 location=%s store-embeddings=true",
      db_path, db_path);
  guint n_users = 0;

  run_pipeline (desc, 6, &n_users);
  /* The two sinks and this test's handle share one writer. */
  fail_unless_equals_int (n_users, 3);
  assert_sql_int (2, "SELECT count(*) FROM runs WHERE status = 'eos'");
  assert_sql_int (12, "SELECT count(*) FROM results");
  assert_sql_int (6, "SELECT count(*) FROM results r JOIN streams s ON "
                     "s.id = r.stream_id WHERE s.sink_name = 's1'");
  assert_sql_int (6, "SELECT count(*) FROM results r JOIN streams s ON "
                     "s.id = r.stream_id WHERE s.sink_name = 's2'");
  assert_sql_int (2, "SELECT count(DISTINCT run_id) FROM results");
  assert_sql_int (6, "SELECT count(*) FROM embeddings");
  assert_sql_int (1, "SELECT count(*) FROM models");

  /* Running again appends a new pair of runs; nothing is replaced. */
  run_pipeline (desc, 6, NULL);
  assert_sql_int (4, "SELECT count(*) FROM runs");
  assert_sql_int (24, "SELECT count(*) FROM results");
  assert_sql_int (4, "SELECT count(DISTINCT run_id) FROM results");
  assert_sql_int (1, "SELECT count(*) FROM models");
  g_free (desc);
}

GST_END_TEST;

/* ---- tests: errors ---------------------------------------------------- */

/* Sets a pipeline holding only @sink to PAUSED; returns the error message
 * posted (NULL if none). */
static gchar *
start_error_message (GstElement *sink)
{
  GstElement *pipeline = gst_pipeline_new (NULL);
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *msg;
  gchar *text = NULL;

  /* g_assert, not fail_unless: the --helper-start process runs this
   * outside the check framework. */
  gst_bin_add (GST_BIN (pipeline), sink);
  g_assert_cmpint (gst_element_set_state (pipeline, GST_STATE_PAUSED), ==,
                   GST_STATE_CHANGE_FAILURE);
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  if (msg) {
    GError *error = NULL;
    gst_message_parse_error (msg, &error, NULL);
    text = g_strdup (error->message);
    g_error_free (error);
    gst_message_unref (msg);
  }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
  return text;
}

GST_START_TEST (test_error_unset_location)
{
  GstElement *sink = gst_element_factory_make ("lucidsink", NULL);
  gchar *text = start_error_message (sink);

  fail_unless (text != NULL);
  fail_unless (strstr (text, "location") != NULL, "%s", text);
  g_free (text);
}

GST_END_TEST;

GST_START_TEST (test_error_unopenable_location)
{
  gchar *file = g_build_filename (tmp_dir, "plain-file", NULL);
  gchar *below_file = g_build_filename (file, "out.db", NULL);
  const gchar *cases[] = { tmp_dir, below_file, NULL };

  g_file_set_contents (file, "x", 1, NULL);
  for (guint i = 0; cases[i]; i++) {
    GstElement *sink = gst_element_factory_make ("lucidsink", NULL);
    gchar *text;

    g_object_set (sink, "location", cases[i], NULL);
    text = start_error_message (sink);
    fail_unless (text != NULL);
    GST_INFO ("%s", text);
    fail_unless (strstr (text, cases[i]) != NULL, "%s", text);
    g_free (text);
  }
  g_free (below_file);
  g_free (file);
}

GST_END_TEST;

/* A secret key file for tests: any 32 bytes are an Ed25519 seed. */
static gchar *
write_key (const gchar *name, const gchar *seed_hex, int mode)
{
  gchar *path = g_build_filename (tmp_dir, name, NULL);
  gchar *text = g_strdup_printf ("# test key\ned25519-secret-key %s\n",
                                 seed_hex);

  fail_unless (g_file_set_contents (path, text, -1, NULL));
  fail_unless (g_chmod (path, mode) == 0);
  g_free (text);
  return path;
}

#define SEED_A "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define SEED_B "1f1e1d1c1b1a191817161514131211100f0e0d0c0b0a09080706050403020100"

GST_START_TEST (test_audit_signing_key_signs_checkpoints)
{
  gchar *key = write_key ("a.key", SEED_A, 0600);
  GstElement *sink = make_sink (FALSE);
  GstHarness *h;

  g_object_set (sink, "audit-signing-key", key, "audit-checkpoint-entries", 1,
                NULL);
  h = harness_with_segment (sink);
  fail_unless_equals_int (gst_harness_push (h, result_buffer (GST_SECOND, "a",
                                                              0.5)),
                          GST_FLOW_OK);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  gst_harness_teardown (h);

  /* Entries: run-start, model, run-end; with a checkpoint after each
   * (audit-checkpoint-entries=1), all signed with the key. */
  assert_sql_int (0, "SELECT count(*) FROM audit_checkpoints WHERE NOT signed");
  assert_sql_int (2, "SELECT count(*) FROM audit_checkpoints "
                     "WHERE reason = 'interval'");
  assert_sql_int (1, "SELECT count(*) FROM audit_checkpoints "
                     "WHERE reason = 'run-end'");
  /* One signer: every checkpoint names the same public key. */
  assert_sql_int (1, "SELECT count(DISTINCT json_extract(payload, "
                     "'$.public_key')) FROM audit_log WHERE kind = "
                     "'checkpoint'");

  /* A second run without the key would append unsigned checkpoints, and
   * lucid-verify --public-key would fail the file: refused, naming it. */
  {
    GstElement *unsigned_sink = make_sink (FALSE);
    gchar *text = start_error_message (unsigned_sink);
    fail_unless (text != NULL);
    fail_unless (strstr (text, db_path) != NULL, "%s", text);
    fail_unless (strstr (text, "checkpoints are signed") != NULL, "%s", text);
    g_free (text);
    assert_sql_int (0, "SELECT count(*) FROM audit_checkpoints "
                       "WHERE NOT signed");
    assert_sql_int (1, "SELECT count(*) FROM runs");
  }
  g_free (key);
}

GST_END_TEST;

/* Every unusable key file stops the sink with an error naming the file. */
GST_START_TEST (test_error_audit_signing_key)
{
  gchar *missing = g_build_filename (tmp_dir, "missing.key", NULL);
  gchar *open_key = write_key ("open.key", SEED_A, 0644);
  gchar *malformed = write_key ("bad.key", "not-hex", 0600);
  gchar *pub = g_build_filename (tmp_dir, "a.pub", NULL);
  const gchar *cases[][2] = {
    { missing, "No such file" },
    { open_key, "chmod 600" },
    { malformed, "bad.key" },
    { pub, "public key" },
    { tmp_dir, "not a regular file" },
  };

  fail_unless (g_file_set_contents (
      pub,
      "ed25519-public-key "
      "03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8\n",
      -1, NULL));
  g_chmod (pub, 0600);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    GstElement *sink = make_sink (FALSE);
    gchar *text;

    g_object_set (sink, "audit-signing-key", cases[i][0], NULL);
    text = start_error_message (sink);
    fail_unless (text != NULL, "%s: no error", cases[i][0]);
    GST_INFO ("%s", text);
    fail_unless (strstr (text, cases[i][0]) != NULL, "%s", text);
    fail_unless (strstr (text, cases[i][1]) != NULL, "%s", text);
    g_free (text);
  }
  g_free (missing);
  g_free (open_key);
  g_free (malformed);
  g_free (pub);
}

GST_END_TEST;

/* A second sink on a database that this process already writes with
 * another key (or without one) is refused, naming its key file. */
GST_START_TEST (test_error_audit_signing_key_differs)
{
  gchar *key_a = write_key ("a.key", SEED_A, 0600);
  gchar *key_b = write_key ("b.key", SEED_B, 0600);
  LucidStoreOptions options = { 0 };
  GError *error = NULL;
  LucidStore *store;

  for (guint first_signed = 0; first_signed < 2; first_signed++) {
    GstElement *sink = make_sink (FALSE);
    gchar *text;

    options.log_signing_key = first_signed ? key_a : NULL;
    store = lucid_store_open (db_path, &options, &error);
    g_assert_no_error (error);
    g_object_set (sink, "audit-signing-key", key_b, NULL);
    text = start_error_message (sink);
    fail_unless (text != NULL);
    GST_INFO ("%s", text);
    fail_unless (strstr (text, key_b) != NULL, "%s", text);
    fail_unless (strstr (text, first_signed ? "another signing key"
                                            : "without a signing key")
                     != NULL,
                 "%s", text);
    g_free (text);

    /* The same key is fine. */
    if (first_signed) {
      sink = make_sink (FALSE);
      g_object_set (sink, "audit-signing-key", key_a, NULL);
      GstHarness *h = harness_with_segment (sink);
      fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
      gst_harness_teardown (h);
    }
    lucid_store_close (store);
  }
  assert_sql_int (0, "SELECT count(*) FROM audit_checkpoints WHERE NOT signed");
  assert_sql_int (1, "SELECT count(*) FROM runs WHERE status = 'eos'");
  g_free (key_a);
  g_free (key_b);
}

GST_END_TEST;

/* TRUE when every directory from @dir up to / lets others through (o+x). */
static gboolean
others_can_traverse (const gchar *dir)
{
  gchar *d = g_canonicalize_filename (dir, NULL);
  gboolean ok = TRUE;

  for (;;) {
    GStatBuf st;
    gchar *parent;

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

/* As nobody, a database in a directory nobody may write: the bus error names
 * the path and the reason. */
GST_START_TEST (test_error_unwritable_location)
{
  gchar *exe = g_file_read_link ("/proc/self/exe", NULL);
  gchar *setpriv = g_find_program_in_path ("setpriv");
  gchar *locked = g_build_filename (tmp_dir, "locked", NULL);
  gchar *target = g_build_filename (locked, "out.db", NULL);
  gchar *scratch = g_build_filename (tmp_dir, "scratch", NULL);
  gchar *registry = g_build_filename (scratch, "registry.bin", NULL);
  GPtrArray *argv = g_ptr_array_new ();
  gchar **envp = g_get_environ ();
  gchar *out = NULL, *err = NULL;
  GError *error = NULL;
  gint status = 0;

  g_chmod (tmp_dir, 0755);
  g_mkdir (locked, geteuid () == 0 ? 0755 : 0555);
  g_mkdir (scratch, 0777);
  g_chmod (scratch, 0777);
  if (geteuid () == 0) {
    gchar *exe_dir = g_path_get_dirname (exe);
    gboolean reachable = others_can_traverse (exe_dir)
                         && others_can_traverse (g_get_tmp_dir ());

    g_free (exe_dir);
    if (setpriv == NULL || !reachable) {
      /* gst-check has no "skipped" verdict: say so loudly in the log. */
      g_printerr (
          "SKIPPED test_error_unwritable_location: %s\n",
          setpriv == NULL
              ? "running as root without setpriv"
              : "this program or the temporary directory is not reachable by "
                "nobody");
      goto done;
    }
    g_ptr_array_add (argv, setpriv);
    g_ptr_array_add (argv, (gpointer) "--reuid=nobody");
    g_ptr_array_add (argv, (gpointer) "--regid=nogroup");
    g_ptr_array_add (argv, (gpointer) "--clear-groups");
  }
  g_ptr_array_add (argv, exe);
  g_ptr_array_add (argv, (gpointer) "--helper-start");
  g_ptr_array_add (argv, target);
  g_ptr_array_add (argv, NULL);
  /* A registry nobody can write, and no plugin scan: the helper registers
   * lucidsink itself. */
  envp = g_environ_setenv (envp, "GST_REGISTRY", registry, TRUE);
  envp = g_environ_setenv (envp, "GST_PLUGIN_PATH", scratch, TRUE);
  envp = g_environ_setenv (envp, "GST_PLUGIN_SYSTEM_PATH_1_0", scratch, TRUE);
  envp = g_environ_setenv (envp, "GST_REGISTRY_FORK", "no", TRUE);

  g_spawn_sync (NULL, (gchar **)argv->pdata, envp, G_SPAWN_DEFAULT, NULL, NULL,
                &out, &err, &status, &error);
  g_assert_no_error (error);
  GST_INFO ("helper: %s / %s", out, err);
  fail_unless (WIFEXITED (status) && WEXITSTATUS (status) == 0,
               "helper failed: %s %s", out, err);
  fail_unless (g_str_has_prefix (out, "ERROR "), "%s", out);
  fail_unless (strstr (out, target) != NULL, "%s", out);
  fail_unless (strstr (out, "not writable") != NULL, "%s", out);

done:
  g_free (out);
  g_free (err);
  g_strfreev (envp);
  g_ptr_array_unref (argv);
  g_free (registry);
  g_free (scratch);
  g_free (target);
  g_free (locked);
  g_free (setpriv);
  g_free (exe);
}

GST_END_TEST;

/* ---- tests: back-pressure --------------------------------------------- */

typedef struct {
  GstHarness *h;
  GstFlowReturn last;
  gint pushed; /* atomic */
} PushArgs;

static gpointer
push_until_refused (gpointer data)
{
  PushArgs *args = data;

  for (guint i = 0; i < 20000; i++) {
    args->last = gst_harness_push (
        args->h, result_buffer (GST_SECOND + i * MS, "p", 0.5));
    if (args->last != GST_FLOW_OK)
      break;
    g_atomic_int_inc (&args->pushed);
  }
  return NULL;
}

/* While another connection holds the write lock, the store queue fills
 * and render() blocks; a flush (unlock) releases it. */
GST_START_TEST (test_flush_releases_blocked_render)
{
  GstHarness *h = harness_with_segment (make_sink (FALSE));
  PushArgs args = { h, GST_FLOW_OK, 0 };
  sqlite3 *locker = db_open ();
  GThread *thread;
  gint before;

  /* The first result records the model and stream rows: synchronous
   * requests, which the lock below would hold up (for up to busy_timeout),
   * not the queue this test is about. */
  fail_unless_equals_int (
      gst_harness_push (h, result_buffer (GST_SECOND, "p", 0.5)), GST_FLOW_OK);
  fail_unless_equals_int (
      sqlite3_exec (locker, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
  thread = g_thread_new ("pusher", push_until_refused, &args);
  /* Wait until the pusher is stuck on the full queue. */
  do {
    before = g_atomic_int_get (&args.pushed);
    g_usleep (200 * 1000);
  } while (g_atomic_int_get (&args.pushed) != before);
  fail_unless (args.pushed < 20000);
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_start ()));
  g_thread_join (thread);
  fail_unless_equals_int (args.last, GST_FLOW_FLUSHING);

  fail_unless_equals_int (sqlite3_exec (locker, "ROLLBACK", NULL, NULL, NULL),
                          SQLITE_OK);
  sqlite3_close (locker);
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_stop (TRUE)));
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  /* Everything accepted before the flush is committed. */
  assert_sql_int (args.pushed + 1, "SELECT count(*) FROM results");
  gst_harness_teardown (h);
}

GST_END_TEST;

/* ---- main ------------------------------------------------------------- */

/* --helper-start DB: starts a lucidsink on DB, prints the bus error. */
static int
helper_start (const gchar *path)
{
  GstElement *sink = gst_element_factory_make ("lucidsink", NULL);
  gchar *text;

  g_object_set (sink, "location", path, NULL);
  text = start_error_message (sink);
  g_print ("%s %s\n", text ? "ERROR" : "STARTED", text ? text : "");
  g_free (text);
  return 0;
}

static void
register_elements (void)
{
  GstElementFactory *factory;

  lucid_meta_init ();
  /* Statically when the plugin in GST_PLUGIN_PATH is not (yet) loadable. */
  factory = gst_element_factory_find ("lucidsink");
  if (factory)
    gst_object_unref (factory);
  else
    GST_ELEMENT_REGISTER (lucidsink, NULL);
}

static Suite *
lucidsink_suite (void)
{
  Suite *s = suite_create ("lucidsink");
  TCase *tc = tcase_create ("general");

  tcase_set_timeout (tc, 60);
  tcase_add_checked_fixture (tc, setup, teardown);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_rows_times_labels_extras);
  tcase_add_test (tc, test_embeddings_only_when_enabled);
  tcase_add_test (tc, test_event_results_and_malformed);
  tcase_add_test (tc, test_stop_without_eos);
  tcase_add_test (tc, test_run_provenance);
  tcase_add_test (tc, test_two_sinks_share_one_writer_and_reruns_append);
  tcase_add_test (tc, test_error_unset_location);
  tcase_add_test (tc, test_error_unopenable_location);
  tcase_add_test (tc, test_audit_signing_key_signs_checkpoints);
  tcase_add_test (tc, test_error_audit_signing_key);
  tcase_add_test (tc, test_error_audit_signing_key_differs);
  tcase_add_test (tc, test_error_unwritable_location);
  tcase_add_test (tc, test_flush_releases_blocked_render);
  return s;
}

int
main (int argc, char **argv)
{
  if (argc == 3 && strcmp (argv[1], "--helper-start") == 0) {
    gst_init (NULL, NULL);
    register_elements ();
    return helper_start (argv[2]);
  }
  gst_check_init (&argc, &argv);
  register_elements ();
  return gst_check_run_suite (lucidsink_suite (), "lucidsink", __FILE__);
}
