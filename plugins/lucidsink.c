/* lucidsink.c — the element that writes Lucid results to SQLite.
 * How a result becomes a row is in lucidsink-rows.c, what a run records
 * about its pipeline in lucidsink-provenance.c.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/**
 * SECTION:element-lucidsink
 * @title: lucidsink
 * @see_also: lucidtextenc
 *
 * Writes the results that Lucid stages attach to buffers to an SQLite
 * database, with their provenance, through core's store (one writer thread
 * per database file per process; see docs/store.md for the schema and an SQL
 * cookbook). It accepts any caps: the media itself is not stored.
 *
 * When it starts (READY→PAUSED) it records a run: the pipeline string (the
 * #LucidSink:pipeline-description property, by default the process's command
 * line, which for gst-launch-1.0 is the pipeline string), the settings of
 * every element of the top-level pipeline (each readable and writable
 * property whose value differs from its default, as JSON), the Lucid and
 * GStreamer versions and the host name.
 *
 * For each `lucid-result` structure on a buffer (see lucidmeta.h) it writes
 * one `results` row: producing element, kind, the model (a `models` row per
 * model directory, weights digest and digest of its configuration,
 * preprocessing and tokenizer files, holding the text of the directory's
 * config.json and preprocessor_config.json), the stream (a `streams` row per
 * STREAM_START, with its caps), pts and duration (the buffer's, or the
 * structure's own `pts`/`duration` fields, e.g. for audio windows), stream time
 * and running time from the current segment, label, score (NaN stored as NULL
 * with `score_null_reason`), and every other field as JSON in `extras`. With
 * #LucidSink:store-embeddings the float32 tensor named by the structure's
 * `tensor-index` in the #LucidTensorMeta of the same model goes to the
 * `embeddings` table. Serialized custom downstream events whose structure is
 * a `lucid-result` (results produced without a buffer, e.g. audit windows
 * closed at EOS) are stored the same way, with the structure's pts.
 * Audit windows from lucidaudit (a LucidAuditMeta on a buffer, or a custom
 * downstream event `lucid-audit-window` for windows closed at EOS or by a
 * flush) become entries of the tamper-evident audit log (kinds
 * `audit-window` and `audit-alert`, see lucidsink-audit.c), which the
 * schema explodes into the `audit_*` tables and views (docs/audit.md).
 * Buffers without results are ignored.
 *
 * EOS is the durability point: before lucidsink posts its EOS message every
 * row it received is committed (and a failure, such as a full disk, is an
 * error message instead of EOS), and the run is marked `eos`. A pipeline
 * stopped without EOS commits what it has queued and marks the run `stopped`.
 *
 * #GstBaseSink:sync defaults to %FALSE here: an analysis sink should store
 * results as fast as they come, not at the pace of the clock (set sync=true
 * to write in real time). The last sample is not kept
 * (#GstBaseSink:enable-last-sample defaults to %FALSE), so no buffer with its
 * tensors stays referenced.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 fakesrc num-buffers=10 ! \
 *     lucidsink location=/tmp/lucid.db run-label=smoke
 * ]|
 * records one run (and no results: fakesrc attaches none) in /tmp/lucid.db:
 * `sqlite3 /tmp/lucid.db 'SELECT id, status, label, pipeline FROM runs'`.
 * |[
 * gst-launch-1.0 filesrc location=talk.srt ! subparse ! \
 *     lucidtextenc model=$LUCID_MODELS_DIR/all-MiniLM-L6-v2 \
 *         labels="sports,politics,weather" ! \
 *     lucidsink location=talk.db store-embeddings=true run-label=talk
 * ]|
 * stores a label, its score and the sentence embedding for every subtitle:
 * `sqlite3 talk.db 'SELECT stream_time_s, label, score, model_dir FROM
 * results_with_provenance'`.
 * |[
 * lucid-audit-keygen audit.key    # once: audit.key (0600) + audit.key.pub
 * gst-launch-1.0 filesrc location=talk.srt ! subparse ! \
 *     lucidtextenc model=$LUCID_MODELS_DIR/all-MiniLM-L6-v2 labels="pos,neg" ! \
 *     lucidaudit annotations=talk.csv positive-label=pos ! \
 *     lucidsink location=audit.db audit-signing-key=audit.key \
 *         audit-checkpoint-entries=100
 * lucid-verify audit.db --public-key audit.key.pub
 * ]|
 * signs a checkpoint of the audit log every 100 entries and at EOS; the
 * verifier then proves the log was not re-sealed by someone without the
 * key (docs/audit.md).
 */

#include "lucid-build-config.h"

#include "lucidsink-private.h"

#include "lucidelements.h"
#include "lucidauditmeta.h"
#include "lucidmeta.h"
#include "lucid-store.h"

GST_DEBUG_CATEGORY (lucid_sink_debug);

#define DEFAULT_LOCATION NULL
#define DEFAULT_STORE_EMBEDDINGS FALSE
#define DEFAULT_COMMIT_INTERVAL LUCID_STORE_DEFAULT_COMMIT_INTERVAL_MS
#define DEFAULT_RUN_LABEL NULL
#define DEFAULT_PIPELINE_DESCRIPTION NULL
#define DEFAULT_AUDIT_SIGNING_KEY NULL
#define DEFAULT_AUDIT_CHECKPOINT_ENTRIES 0

enum {
  PROP_0,
  PROP_LOCATION,
  PROP_STORE_EMBEDDINGS,
  PROP_COMMIT_INTERVAL,
  PROP_RUN_LABEL,
  PROP_PIPELINE_DESCRIPTION,
  PROP_AUDIT_SIGNING_KEY,
  PROP_AUDIT_CHECKPOINT_ENTRIES,
};

#define lucid_sink_parent_class parent_class
G_DEFINE_TYPE_WITH_CODE (LucidSink, lucid_sink, GST_TYPE_BASE_SINK,
                         GST_DEBUG_CATEGORY_INIT (lucid_sink_debug, "lucidsink",
                                                  0, "Lucid SQLite sink"));
GST_ELEMENT_REGISTER_DEFINE (lucidsink, "lucidsink", GST_RANK_NONE,
                             GST_TYPE_LUCID_SINK);

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE (
    "sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

/* ---- GstBaseSink ------------------------------------------------------ */

static gboolean
lucid_sink_start (GstBaseSink *bsink)
{
  LucidSink *self = LUCID_SINK (bsink);
  g_autoptr (GError) error = NULL;
  g_autofree gchar *location = NULL;
  g_autofree gchar *label = NULL;
  g_autofree gchar *pipeline = NULL;
  g_autofree gchar *properties = NULL;
  g_autofree gchar *signing_key = NULL;
  g_autofree gchar *gst_version_str = lucid_sink_gst_version_text ();
  LucidStoreOptions options = { 0 };
  LucidRunInfo info = { 0 };

  GST_OBJECT_LOCK (self);
  location = g_strdup (self->location);
  label = g_strdup (self->run_label);
  pipeline = g_strdup (self->pipeline_description);
  options.commit_interval_ms = self->commit_interval;
  options.log_checkpoint_entries = self->audit_checkpoint_entries;
  signing_key = g_strdup (self->audit_signing_key);
  self->with_embeddings = self->store_embeddings;
  GST_OBJECT_UNLOCK (self);

  if (location == NULL || *location == '\0') {
    GST_ELEMENT_ERROR (
        self, RESOURCE, NOT_FOUND,
        ("No database location set: set lucidsink's location property to "
         "the SQLite file to write."),
        (NULL));
    return FALSE;
  }

  if (signing_key != NULL && *signing_key != '\0')
    options.log_signing_key = signing_key;
  self->store = lucid_store_open (location, &options, &error);
  if (self->store == NULL && options.log_signing_key != NULL) {
    /* The store names the file at fault (the key file, or the database);
     * say which key was asked for, whatever the cause. */
    GST_ELEMENT_ERROR (
        self, RESOURCE, OPEN_READ,
        ("Cannot open %s with the audit signing key %s: %s", location,
         options.log_signing_key, error->message),
        ("audit-signing-key=%s (made by lucid-audit-keygen, mode 0600); "
         "every lucidsink writing the same file in one process must name "
         "the same key",
         options.log_signing_key));
    return FALSE;
  }
  if (self->store == NULL) {
    GST_ELEMENT_ERROR (self, RESOURCE, OPEN_WRITE, ("%s", error->message),
                       ("location=%s", location));
    return FALSE;
  }

  if (pipeline == NULL)
    pipeline = lucid_sink_read_command_line ();
  properties = lucid_sink_pipeline_settings_to_json (self);
  info.pipeline = pipeline;
  info.properties_json = properties;
  info.lucid_version = LUCID_VERSION;
  info.gst_version = gst_version_str;
  info.host = g_get_host_name ();
  info.label = label;
  self->run_id = lucid_store_begin_run (self->store, &info, &error);
  if (self->run_id == 0) {
    GST_ELEMENT_ERROR (self, RESOURCE, WRITE, ("%s", error->message),
                       ("location=%s", location));
    g_clear_pointer (&self->store, lucid_store_close);
    return FALSE;
  }

  self->models
      = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->run_ended = FALSE;
  self->failed = FALSE;
  self->stream_row = 0;
  self->n_rows = 0;
  self->n_buffers_without_results = 0;
  self->warned_malformed = FALSE;
  GST_INFO_OBJECT (self,
                   "run %" G_GINT64_FORMAT " in %s (%u handles share "
                   "its writer)",
                   self->run_id, location,
                   lucid_store_get_n_users (self->store));
  return TRUE;
}

static gboolean
lucid_sink_stop (GstBaseSink *bsink)
{
  LucidSink *self = LUCID_SINK (bsink);

  if (self->store) {
    g_autoptr (GError) error = NULL;

    if (!self->run_ended) {
      /* Stopped without EOS (error, interrupt): keep what was queued. */
      if (!lucid_store_flush (self->store, &error)) {
        /* Posted as an error already when render() met it. */
        if (!self->failed)
          GST_ELEMENT_WARNING (
              self, RESOURCE, WRITE, ("%s", error->message),
              ("while stopping run %" G_GINT64_FORMAT, self->run_id));
        self->failed = TRUE;
        g_clear_error (&error);
      }
      if (!lucid_store_end_run (self->store, self->run_id,
                                self->failed ? "error" : "stopped", &error))
        GST_WARNING_OBJECT (self, "%s", error->message);
    }
    GST_DEBUG_OBJECT (self,
                      "run %" G_GINT64_FORMAT ": %" G_GUINT64_FORMAT
                      " rows, %" G_GUINT64_FORMAT " buffers without results",
                      self->run_id, self->n_rows,
                      self->n_buffers_without_results);
    g_clear_pointer (&self->store, lucid_store_close);
  }
  g_clear_pointer (&self->models, g_hash_table_unref);
  g_clear_pointer (&self->stream_start_id, g_free);
  g_clear_pointer (&self->caps, g_free);
  self->stream_row = 0;
  self->run_id = 0;
  return TRUE;
}

/* EOS: every row received must be committed before EOS is posted. */
static gboolean
lucid_sink_finish_run (LucidSink *self)
{
  g_autoptr (GError) error = NULL;

  if (!lucid_store_flush (self->store, &error)) {
    GST_ELEMENT_ERROR (self, RESOURCE, WRITE, ("%s", error->message),
                       ("not every result of run %" G_GINT64_FORMAT
                        " reached the database; EOS withheld",
                        self->run_id));
    self->failed = TRUE;
    g_clear_error (&error);
    if (!lucid_store_end_run (self->store, self->run_id, "error", &error))
      GST_WARNING_OBJECT (self, "%s", error->message);
    self->run_ended = TRUE;
    return FALSE;
  }
  if (!lucid_store_end_run (self->store, self->run_id, "eos", &error)) {
    lucid_sink_post_store_error (self, error);
    return FALSE;
  }
  self->run_ended = TRUE;
  GST_INFO_OBJECT (self,
                   "EOS: run %" G_GINT64_FORMAT " committed, %" G_GUINT64_FORMAT
                   " rows",
                   self->run_id, self->n_rows);
  return TRUE;
}

static gboolean
lucid_sink_event (GstBaseSink *bsink, GstEvent *event)
{
  LucidSink *self = LUCID_SINK (bsink);

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_STREAM_START: {
      const gchar *id = NULL;
      gst_event_parse_stream_start (event, &id);
      if (self->stream_row == 0 || g_strcmp0 (id, self->stream_start_id)) {
        g_free (self->stream_start_id);
        self->stream_start_id = g_strdup (id);
        self->stream_row = 0; /* recorded with its first result */
      }
      break;
    }
    case GST_EVENT_CAPS: {
      GstCaps *caps;
      gst_event_parse_caps (event, &caps);
      g_free (self->caps);
      self->caps = gst_caps_to_string (caps);
      break;
    }
    case GST_EVENT_CUSTOM_DOWNSTREAM: {
      const GstStructure *s = gst_event_get_structure (event);
      if (s && self->store
          && gst_structure_has_name (s, LUCID_AUDIT_WINDOW_STRUCTURE)) {
        if (lucid_sink_store_audit_window (self, s, NULL) != GST_FLOW_OK) {
          gst_event_unref (event);
          return FALSE;
        }
        self->run_ended = FALSE;
      }
      if (s && self->store
          && gst_structure_has_name (s, LUCID_RESULT_STRUCTURE_NAME)) {
        if (lucid_sink_store_result (self, s, NULL) != GST_FLOW_OK) {
          gst_event_unref (event);
          return FALSE;
        }
        self->run_ended = FALSE;
      }
      break;
    }
    case GST_EVENT_EOS:
      if (self->store && !lucid_sink_finish_run (self)) {
        gst_event_unref (event);
        return FALSE;
      }
      break;
    default:
      break;
  }
  return GST_BASE_SINK_CLASS (parent_class)->event (bsink, event);
}

static GstFlowReturn
lucid_sink_render (GstBaseSink *bsink, GstBuffer *buf)
{
  LucidSink *self = LUCID_SINK (bsink);
  gpointer state = NULL;
  const GstStructure *s;
  guint n = 0;

  while ((s = lucid_buffer_iterate_results (buf, &state))) {
    GstFlowReturn ret = lucid_sink_store_result (self, s, buf);
    if (ret != GST_FLOW_OK)
      return ret;
    n++;
  }
  state = NULL;
  while ((s = lucid_buffer_iterate_audit_windows (buf, &state))) {
    GstFlowReturn ret = lucid_sink_store_audit_window (self, s, buf);
    if (ret != GST_FLOW_OK)
      return ret;
    n++;
  }
  if (n == 0) {
    self->n_buffers_without_results++;
    GST_LOG_OBJECT (self,
                    "buffer %" GST_TIME_FORMAT
                    " has no results (%" G_GUINT64_FORMAT " so far)",
                    GST_TIME_ARGS (GST_BUFFER_PTS (buf)),
                    self->n_buffers_without_results);
  } else {
    self->run_ended = FALSE; /* data after EOS (flushing seek) */
  }
  return GST_FLOW_OK;
}

static gboolean
lucid_sink_unlock (GstBaseSink *bsink)
{
  g_cancellable_cancel (LUCID_SINK (bsink)->cancellable);
  return TRUE;
}

static gboolean
lucid_sink_unlock_stop (GstBaseSink *bsink)
{
  g_cancellable_reset (LUCID_SINK (bsink)->cancellable);
  return TRUE;
}

/* ---- GObject ---------------------------------------------------------- */

static void
lucid_sink_set_property (GObject *object, guint prop_id, const GValue *value,
                         GParamSpec *pspec)
{
  LucidSink *self = LUCID_SINK (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_LOCATION:
      g_free (self->location);
      self->location = g_value_dup_string (value);
      break;
    case PROP_STORE_EMBEDDINGS:
      self->store_embeddings = g_value_get_boolean (value);
      break;
    case PROP_COMMIT_INTERVAL:
      self->commit_interval = g_value_get_uint (value);
      break;
    case PROP_RUN_LABEL:
      g_free (self->run_label);
      self->run_label = g_value_dup_string (value);
      break;
    case PROP_PIPELINE_DESCRIPTION:
      g_free (self->pipeline_description);
      self->pipeline_description = g_value_dup_string (value);
      break;
    case PROP_AUDIT_SIGNING_KEY:
      g_free (self->audit_signing_key);
      self->audit_signing_key = g_value_dup_string (value);
      break;
    case PROP_AUDIT_CHECKPOINT_ENTRIES:
      self->audit_checkpoint_entries = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
lucid_sink_get_property (GObject *object, guint prop_id, GValue *value,
                         GParamSpec *pspec)
{
  LucidSink *self = LUCID_SINK (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_LOCATION:
      g_value_set_string (value, self->location);
      break;
    case PROP_STORE_EMBEDDINGS:
      g_value_set_boolean (value, self->store_embeddings);
      break;
    case PROP_COMMIT_INTERVAL:
      g_value_set_uint (value, self->commit_interval);
      break;
    case PROP_RUN_LABEL:
      g_value_set_string (value, self->run_label);
      break;
    case PROP_PIPELINE_DESCRIPTION:
      g_value_set_string (value, self->pipeline_description);
      break;
    case PROP_AUDIT_SIGNING_KEY:
      g_value_set_string (value, self->audit_signing_key);
      break;
    case PROP_AUDIT_CHECKPOINT_ENTRIES:
      g_value_set_uint (value, self->audit_checkpoint_entries);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
lucid_sink_finalize (GObject *object)
{
  LucidSink *self = LUCID_SINK (object);

  g_free (self->location);
  g_free (self->run_label);
  g_free (self->pipeline_description);
  g_free (self->audit_signing_key);
  g_object_unref (self->cancellable);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
lucid_sink_class_init (LucidSinkClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseSinkClass *basesink_class = GST_BASE_SINK_CLASS (klass);

  gobject_class->set_property = lucid_sink_set_property;
  gobject_class->get_property = lucid_sink_get_property;
  gobject_class->finalize = lucid_sink_finalize;

  /**
   * LucidSink:location:
   *
   * The SQLite database file to write; created, with Lucid's schema, when
   * it does not exist. Required. Read when the element starts.
   */
  g_object_class_install_property (
      gobject_class, PROP_LOCATION,
      g_param_spec_string (
          "location", "Location",
          "SQLite database file to write (created with Lucid's schema when "
          "missing); required",
          DEFAULT_LOCATION,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
              | GST_PARAM_MUTABLE_READY));

  /**
   * LucidSink:store-embeddings:
   *
   * Also store each result's embedding vector (float32, little-endian) in
   * the embeddings table.
   */
  g_object_class_install_property (
      gobject_class, PROP_STORE_EMBEDDINGS,
      g_param_spec_boolean (
          "store-embeddings", "Store embeddings",
          "Also store each result's embedding tensor in the embeddings table",
          DEFAULT_STORE_EMBEDDINGS,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
              | GST_PARAM_MUTABLE_READY));

  /**
   * LucidSink:commit-interval:
   *
   * The longest a received row waits before it is committed, in
   * milliseconds (rows are also committed in batches of 1000, and all of
   * them at EOS). Sinks sharing a database file share its writer, which
   * uses the smallest interval among them.
   */
  g_object_class_install_property (
      gobject_class, PROP_COMMIT_INTERVAL,
      g_param_spec_uint (
          "commit-interval", "Commit interval",
          "Longest time in ms a received row waits for its commit", 1,
          3600 * 1000, DEFAULT_COMMIT_INTERVAL,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
              | GST_PARAM_MUTABLE_READY));

  /**
   * LucidSink:run-label:
   *
   * A free-form label stored with the run (runs.label).
   */
  g_object_class_install_property (
      gobject_class, PROP_RUN_LABEL,
      g_param_spec_string ("run-label", "Run label",
                           "Free-form label stored with the run",
                           DEFAULT_RUN_LABEL,
                           G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
                               | GST_PARAM_MUTABLE_READY));

  /**
   * LucidSink:pipeline-description:
   *
   * The pipeline string stored with the run. When unset, the process's
   * command line (for gst-launch-1.0, the pipeline string).
   */
  g_object_class_install_property (
      gobject_class, PROP_PIPELINE_DESCRIPTION,
      g_param_spec_string (
          "pipeline-description", "Pipeline description",
          "Pipeline string stored with the run (default: the process's "
          "command line, i.e. the gst-launch-1.0 pipeline)",
          DEFAULT_PIPELINE_DESCRIPTION,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
              | GST_PARAM_MUTABLE_READY));

  /**
   * LucidSink:audit-signing-key:
   *
   * An Ed25519 secret key file (made by `lucid-audit-keygen SECRET`, mode
   * 0600) that signs the audit log's checkpoints, so that
   * `lucid-verify DB --public-key SECRET.pub` can tell a re-sealed log from
   * the one written here (docs/audit.md, "The audit log"). Unset: the
   * checkpoints are unsigned. The first handle that opens a database in a
   * process fixes its key: a second lucidsink on the same file naming
   * another key, or naming one when the first had none, fails to start
   * with an error naming the key file (one naming none shares the first
   * one's key). A
   * missing, unreadable, malformed or group/other-readable key file is an
   * error naming the file too.
   */
  g_object_class_install_property (
      gobject_class, PROP_AUDIT_SIGNING_KEY,
      g_param_spec_string (
          "audit-signing-key", "Audit signing key",
          "Ed25519 secret key file (from lucid-audit-keygen, mode 0600) that "
          "signs the audit log's checkpoints; unset: unsigned. Every sink "
          "writing one database in a process must name the same key",
          DEFAULT_AUDIT_SIGNING_KEY,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
              | GST_PARAM_MUTABLE_READY));

  /**
   * LucidSink:audit-checkpoint-entries:
   *
   * A checkpoint (Merkle root, signed with #LucidSink:audit-signing-key)
   * follows every this many audit log entries; checkpoints are also
   * written at each run end (EOS) and when the database is closed. 0: the
   * store's default (1000). Fixed by the first handle that opens the file
   * in a process.
   */
  g_object_class_install_property (
      gobject_class, PROP_AUDIT_CHECKPOINT_ENTRIES,
      g_param_spec_uint (
          "audit-checkpoint-entries", "Audit checkpoint entries",
          "Write an audit log checkpoint after this many entries (also at "
          "every run end and close); 0: the default, 1000",
          0, G_MAXUINT, DEFAULT_AUDIT_CHECKPOINT_ENTRIES,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
              | GST_PARAM_MUTABLE_READY));

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_set_static_metadata (
      element_class, "Lucid SQLite sink", "Sink",
      "Writes Lucid results, models, streams, embeddings and run provenance "
      "to an SQLite database",
      "Lucid developers");

  basesink_class->start = GST_DEBUG_FUNCPTR (lucid_sink_start);
  basesink_class->stop = GST_DEBUG_FUNCPTR (lucid_sink_stop);
  basesink_class->render = GST_DEBUG_FUNCPTR (lucid_sink_render);
  basesink_class->event = GST_DEBUG_FUNCPTR (lucid_sink_event);
  basesink_class->unlock = GST_DEBUG_FUNCPTR (lucid_sink_unlock);
  basesink_class->unlock_stop = GST_DEBUG_FUNCPTR (lucid_sink_unlock_stop);
}

static void
lucid_sink_init (LucidSink *self)
{
  self->store_embeddings = DEFAULT_STORE_EMBEDDINGS;
  self->commit_interval = DEFAULT_COMMIT_INTERVAL;
  self->cancellable = g_cancellable_new ();
  gst_base_sink_set_sync (GST_BASE_SINK (self), FALSE);
  gst_base_sink_set_last_sample_enabled (GST_BASE_SINK (self), FALSE);
}
