/* test-baseenc.c — LucidBaseEnc's batching machinery (plugins/lucidbaseenc.c)
 * with a tiny subclass defined here, so no model is needed: it tags each
 * buffer it is given with a result naming the batch it came in.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>

#include "lucid-check-util.h"
#include "lucidbaseenc.h"
#include "lucidmeta.h"

/* ------------------------------------------------------------------------ */
/* lucidtestenc: LucidBaseEnc that records its batches                       */

typedef struct {
  LucidBaseEnc parent;
} LucidTestEnc;

typedef struct {
  LucidBaseEncClass parent_class;
} LucidTestEncClass;

static GType lucid_test_enc_get_type (void);
G_DEFINE_TYPE (LucidTestEnc, lucid_test_enc, LUCID_TYPE_BASE_ENC);

/* Shared with the tests, with batches_lock (process runs on the streaming
 * or the timer thread). */
static GMutex batches_lock;
static GArray *batches; /* guint: size of each batch, in order */
static gboolean fail_process;
static gboolean fail_load;
static guint n_loads, n_unloads;

static gboolean
lucid_test_enc_load (LucidBaseEnc *enc, GError **error)
{
  fail_unless (lucid_base_enc_get_model_dir (enc) != NULL);
  g_mutex_lock (&batches_lock);
  n_loads++;
  g_mutex_unlock (&batches_lock);
  if (fail_load) {
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
                 "%s/config.json: no such file",
                 lucid_base_enc_get_model_dir (enc));
    return FALSE;
  }
  return TRUE;
}

static void
lucid_test_enc_unload (LucidBaseEnc *enc)
{
  g_mutex_lock (&batches_lock);
  n_unloads++;
  g_mutex_unlock (&batches_lock);
}

static gboolean
lucid_test_enc_process (LucidBaseEnc *enc, GstBuffer **bufs, guint n,
                        GError **error)
{
  guint index;

  fail_unless (n >= 1 && n <= lucid_base_enc_get_batch_size (enc));
  if (fail_process) {
    g_set_error (error, g_quark_from_static_string ("lucid-test-error"), 1,
                 "the test says no");
    return FALSE;
  }

  g_mutex_lock (&batches_lock);
  index = batches->len;
  g_array_append_val (batches, n);
  g_mutex_unlock (&batches_lock);

  for (guint i = 0; i < n; i++) {
    fail_unless (gst_buffer_is_writable (bufs[i]));
    lucid_buffer_add_result (
        bufs[i],
        gst_structure_new (LUCID_RESULT_STRUCTURE_NAME, "kind", G_TYPE_STRING,
                           "test", "batch", G_TYPE_UINT, index, "batch-size",
                           G_TYPE_UINT, n, "position", G_TYPE_UINT, i, NULL));
  }
  return TRUE;
}

/* Refuses caps with format=refused, the way the encoders refuse caps they
 * cannot analyse: an element error naming the problem, then FALSE. */
static gboolean
lucid_test_enc_set_caps (GstBaseTransform *trans, GstCaps *incaps,
                         GstCaps *outcaps)
{
  const gchar *format
      = gst_structure_get_string (gst_caps_get_structure (incaps, 0), "format");

  if (g_strcmp0 (format, "refused") == 0) {
    GST_ELEMENT_ERROR (trans, STREAM, FORMAT,
                       ("format=refused cannot be analysed"), (NULL));
    return FALSE;
  }
  return TRUE;
}

static void
lucid_test_enc_class_init (LucidTestEncClass *klass)
{
  static GstStaticPadTemplate sink = GST_STATIC_PAD_TEMPLATE (
      "sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS ("text/x-raw"));
  static GstStaticPadTemplate src = GST_STATIC_PAD_TEMPLATE (
      "src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS ("text/x-raw"));
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  LucidBaseEncClass *base_class = LUCID_BASE_ENC_CLASS (klass);

  gst_element_class_add_static_pad_template (element_class, &sink);
  gst_element_class_add_static_pad_template (element_class, &src);
  gst_element_class_set_static_metadata (element_class, "Lucid test encoder",
                                         "Filter/Analyzer", "Records batches",
                                         "Lucid tests");
  base_class->load = lucid_test_enc_load;
  base_class->unload = lucid_test_enc_unload;
  base_class->process = lucid_test_enc_process;
  GST_BASE_TRANSFORM_CLASS (klass)->set_caps = lucid_test_enc_set_caps;
}

static void
lucid_test_enc_init (LucidTestEnc *self)
{
}

/* ------------------------------------------------------------------------ */
/* Helpers                                                                   */

static void
reset_recorder (void)
{
  g_mutex_lock (&batches_lock);
  g_array_set_size (batches, 0);
  fail_process = FALSE;
  fail_load = FALSE;
  n_loads = n_unloads = 0;
  g_mutex_unlock (&batches_lock);
}

static guint
n_batches (void)
{
  guint n;

  g_mutex_lock (&batches_lock);
  n = batches->len;
  g_mutex_unlock (&batches_lock);
  return n;
}

/* A harness around a lucidtestenc configured by the NULL-terminated
 * property list, playing, with caps and a TIME segment sent. */
static GstHarness *
new_harness (const gchar *first_property, ...)
{
  GstElement *element = g_object_new (lucid_test_enc_get_type (), "model",
                                      g_get_tmp_dir (), NULL);
  GstHarness *h;
  va_list args;

  va_start (args, first_property);
  h = lucid_check_harness_new_valist (element, "text/x-raw, format=utf8",
                                      first_property, args);
  va_end (args);
  return h;
}

static GstBuffer *
make_buffer (guint i)
{
  gchar *text = g_strdup_printf ("buffer %u", i);
  GstBuffer *buffer = gst_buffer_new_wrapped (text, strlen (text));

  GST_BUFFER_PTS (buffer) = i * GST_SECOND;
  GST_BUFFER_DURATION (buffer) = GST_SECOND;
  return buffer;
}

/* The result the test subclass attached, or NULL. */
static const GstStructure *
get_result (GstBuffer *buffer)
{
  gpointer state = NULL;
  const GstStructure *s = lucid_buffer_iterate_results (buffer, &state);

  if (s != NULL) {
    fail_unless (lucid_buffer_iterate_results (buffer, &state) == NULL,
                 "a buffer was analysed twice");
  }
  return s;
}

static guint
result_uint (GstBuffer *buffer, const gchar *field)
{
  const GstStructure *s = get_result (buffer);
  guint value = G_MAXUINT;

  fail_unless (s != NULL, "buffer at %" GST_TIME_FORMAT " has no result",
               GST_TIME_ARGS (GST_BUFFER_PTS (buffer)));
  fail_unless (gst_structure_get_uint (s, field, &value));
  return value;
}

/* Pulls @n buffers and checks their pts are first, first+1, … seconds. */
static void
pull_in_order (GstHarness *h, guint first_index, guint n,
               guint expected_batch_size)
{
  for (guint i = 0; i < n; i++) {
    GstBuffer *buffer = gst_harness_try_pull (h);

    fail_unless (buffer != NULL, "buffer %u missing", first_index + i);
    fail_unless_equals_uint64 (GST_BUFFER_PTS (buffer),
                               (first_index + i) * GST_SECOND);
    if (expected_batch_size > 0)
      fail_unless_equals_int (result_uint (buffer, "batch-size"),
                              expected_batch_size);
    gst_buffer_unref (buffer);
  }
}

/* ------------------------------------------------------------------------ */
/* Tests                                                                     */

GST_START_TEST (test_batch_waits_until_full_then_all_out_in_order)
{
  GstHarness *h = new_harness ("batch-size", 4, NULL);

  reset_recorder ();
  for (guint i = 0; i < 3; i++) {
    fail_unless_equals_int (gst_harness_push (h, make_buffer (i)), GST_FLOW_OK);
    fail_unless_equals_int (gst_harness_buffers_received (h), 0);
  }
  fail_unless_equals_int (n_batches (), 0);

  fail_unless_equals_int (gst_harness_push (h, make_buffer (3)), GST_FLOW_OK);
  fail_unless_equals_int (gst_harness_buffers_received (h), 4);
  fail_unless_equals_int (n_batches (), 1);
  pull_in_order (h, 0, 4, 4);

  /* And again: the machinery resets after a batch. */
  for (guint i = 4; i < 8; i++)
    gst_harness_push (h, make_buffer (i));
  fail_unless_equals_int (n_batches (), 2);
  pull_in_order (h, 4, 4, 4);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_buffers_pass_unchanged)
{
  GstHarness *h = new_harness ("batch-size", 2, NULL);
  GstBuffer *in[2], *out;
  GstMemory *mem[2];

  reset_recorder ();
  for (guint i = 0; i < 2; i++) {
    in[i] = make_buffer (i);
    GST_BUFFER_OFFSET (in[i]) = 100 + i;
    GST_BUFFER_FLAG_SET (in[i], GST_BUFFER_FLAG_DELTA_UNIT);
    mem[i] = gst_buffer_peek_memory (in[i], 0);
    gst_harness_push (h, in[i]);
  }
  for (guint i = 0; i < 2; i++) {
    gchar *expected = g_strdup_printf ("buffer %u", i);

    out = gst_harness_pull (h);
    fail_unless (gst_buffer_peek_memory (out, 0) == mem[i],
                 "the data was copied");
    fail_unless (gst_buffer_memcmp (out, 0, expected, strlen (expected)) == 0);
    fail_unless_equals_int (gst_buffer_get_size (out), strlen (expected));
    fail_unless_equals_uint64 (GST_BUFFER_DURATION (out), GST_SECOND);
    fail_unless_equals_uint64 (GST_BUFFER_OFFSET (out), 100 + i);
    fail_unless (GST_BUFFER_FLAG_IS_SET (out, GST_BUFFER_FLAG_DELTA_UNIT));
    gst_buffer_unref (out);
    g_free (expected);
  }
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Records the order of buffers ('B') and of the events we care about. */
static GstPadProbeReturn
record_order (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  GString *order = user_data;

  if (GST_PAD_PROBE_INFO_TYPE (info) & GST_PAD_PROBE_TYPE_BUFFER) {
    g_string_append_c (order, 'B');
  } else {
    switch (GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info))) {
      case GST_EVENT_EOS:
        g_string_append_c (order, 'E');
        break;
      case GST_EVENT_GAP:
        g_string_append_c (order, 'G');
        break;
      case GST_EVENT_CAPS:
        g_string_append_c (order, 'C');
        break;
      case GST_EVENT_SEGMENT:
        g_string_append_c (order, 'S');
        break;
      case GST_EVENT_TAG:
        g_string_append_c (order, 'T');
        break;
      default:
        break;
    }
  }
  return GST_PAD_PROBE_OK;
}

static GstEvent *
make_event (gchar kind)
{
  GstSegment segment;
  GstCaps *caps;
  GstEvent *event;

  switch (kind) {
    case 'E':
      return gst_event_new_eos ();
    case 'G':
      return gst_event_new_gap (10 * GST_SECOND, GST_SECOND);
    case 'C':
      caps = gst_caps_from_string ("text/x-raw, format=pango-markup");
      event = gst_event_new_caps (caps);
      gst_caps_unref (caps);
      return event;
    case 'S':
      gst_segment_init (&segment, GST_FORMAT_TIME);
      segment.base = GST_SECOND;
      return gst_event_new_segment (&segment);
    case 'T':
      return gst_event_new_tag (
          gst_tag_list_new (LUCID_TAG_GROUPS, "gender=f", NULL));
    default:
      g_assert_not_reached ();
  }
}

GST_START_TEST (test_serialized_events_drain_held_buffers_first)
{
  const gchar kinds[] = { 'E', 'G', 'C', 'S', 'T' };

  for (guint k = 0; k < G_N_ELEMENTS (kinds); k++) {
    GstHarness *h = new_harness ("batch-size", 4, NULL);
    GString *order = g_string_new (NULL);
    gchar expected[4] = { 'B', 'B', kinds[k], '\0' };

    reset_recorder ();
    gst_pad_add_probe (h->sinkpad,
                       GST_PAD_PROBE_TYPE_BUFFER
                           | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
                       record_order, order, NULL);
    gst_harness_push (h, make_buffer (0));
    gst_harness_push (h, make_buffer (1));
    fail_unless_equals_int (gst_harness_buffers_received (h), 0);

    fail_unless (gst_harness_push_event (h, make_event (kinds[k])));
    fail_unless_equals_string (order->str, expected);
    /* The partial batch was analysed, as one batch. */
    fail_unless_equals_int (n_batches (), 1);
    pull_in_order (h, 0, 2, 2);

    g_string_free (order, TRUE);
    gst_harness_teardown (h);
  }
}

GST_END_TEST;

GST_START_TEST (test_drain_query_drains)
{
  GstHarness *h = new_harness ("batch-size", 4, NULL);
  GstQuery *query = gst_query_new_drain ();

  reset_recorder ();
  gst_harness_push (h, make_buffer (0));
  fail_unless_equals_int (gst_harness_buffers_received (h), 0);
  gst_pad_peer_query (h->srcpad, query);
  fail_unless_equals_int (gst_harness_buffers_received (h), 1);
  pull_in_order (h, 0, 1, 1);
  gst_query_unref (query);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_flush_drops_held_buffers)
{
  GstHarness *h = new_harness ("batch-size", 4, NULL);
  GstSegment segment;

  reset_recorder ();
  gst_harness_push (h, make_buffer (0));
  gst_harness_push (h, make_buffer (1));
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_start ()));
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_stop (TRUE)));
  fail_unless_equals_int (gst_harness_buffers_received (h), 0);
  fail_unless_equals_int (n_batches (), 0);

  gst_segment_init (&segment, GST_FORMAT_TIME);
  fail_unless (gst_harness_push_event (h, gst_event_new_segment (&segment)));
  for (guint i = 10; i < 14; i++)
    fail_unless_equals_int (gst_harness_push (h, make_buffer (i)), GST_FLOW_OK);
  fail_unless_equals_int (gst_harness_buffers_received (h), 4);
  /* Nothing from before the flush. */
  pull_in_order (h, 10, 4, 4);
  gst_harness_teardown (h);
}

GST_END_TEST;

typedef struct {
  GstHarness *h;
  GMutex lock;
  GCond cond;
  gboolean blocked;
  GstFlowReturn last;
} BlockData;

static GstPadProbeReturn
note_blocked (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  BlockData *data = user_data;

  g_mutex_lock (&data->lock);
  data->blocked = TRUE;
  g_cond_signal (&data->cond);
  g_mutex_unlock (&data->lock);
  return GST_PAD_PROBE_OK;
}

static gpointer
push_batch (gpointer user_data)
{
  BlockData *data = user_data;

  for (guint i = 0; i < 4; i++)
    data->last = gst_harness_push (data->h, make_buffer (i));
  return NULL;
}

GST_START_TEST (test_flush_start_unblocks_a_blocked_push)
{
  GstHarness *h = new_harness ("batch-size", 4, NULL);
  BlockData data = { 0 };
  GstSegment segment;
  GThread *thread;
  gulong probe;

  reset_recorder ();
  data.h = h;
  g_mutex_init (&data.lock);
  g_cond_init (&data.cond);
  /* Downstream blocks the first buffer of the batch. */
  probe = gst_pad_add_probe (
      h->sinkpad, GST_PAD_PROBE_TYPE_BLOCK | GST_PAD_PROBE_TYPE_BUFFER,
      note_blocked, &data, NULL);
  thread = g_thread_new ("pusher", push_batch, &data);

  g_mutex_lock (&data.lock);
  while (!data.blocked)
    g_cond_wait (&data.cond, &data.lock);
  g_mutex_unlock (&data.lock);

  /* FLUSH_START must get through while the streaming thread is stuck in
   * the element (holding STREAM_LOCK), and unblock it. */
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_start ()));
  g_thread_join (thread);
  fail_unless_equals_int (data.last, GST_FLOW_FLUSHING);

  gst_pad_remove_probe (h->sinkpad, probe);
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_stop (TRUE)));
  gst_segment_init (&segment, GST_FORMAT_TIME);
  gst_harness_push_event (h, gst_event_new_segment (&segment));
  while (gst_harness_buffers_in_queue (h) > 0)
    gst_buffer_unref (gst_harness_pull (h));
  for (guint i = 20; i < 24; i++)
    fail_unless_equals_int (gst_harness_push (h, make_buffer (i)), GST_FLOW_OK);
  pull_in_order (h, 20, 4, 4);

  g_mutex_clear (&data.lock);
  g_cond_clear (&data.cond);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Waits (up to 5 s, no timing assert) for @n buffers at the harness. */
static gboolean
wait_for_buffers (GstHarness *h, guint n)
{
  for (guint i = 0; i < 500; i++) {
    if (gst_harness_buffers_received (h) >= n)
      return TRUE;
    g_usleep (10 * G_TIME_SPAN_MILLISECOND);
  }
  return gst_harness_buffers_received (h) >= n;
}

GST_START_TEST (test_lone_buffer_leaves_after_max_latency)
{
  GstHarness *h = new_harness ("batch-size", 8, "max-latency",
                               (guint64)(50 * GST_MSECOND), NULL);

  reset_recorder ();
  /* A slow live source: one buffer, then nothing. */
  fail_unless_equals_int (gst_harness_push (h, make_buffer (0)), GST_FLOW_OK);
  fail_unless (wait_for_buffers (h, 1), "the lone buffer never left");
  pull_in_order (h, 0, 1, 1);

  /* Twice, to see the timer rearm. */
  gst_harness_push (h, make_buffer (1));
  gst_harness_push (h, make_buffer (2));
  fail_unless (wait_for_buffers (h, 3));
  pull_in_order (h, 1, 2, 2);
  fail_unless_equals_int (n_batches (), 2);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_teardown_with_held_buffers_and_timer)
{
  GstHarness *h;

  reset_recorder ();
  h = new_harness ("batch-size", 8, "max-latency", (guint64)(10 * GST_SECOND),
                   NULL);
  gst_harness_push (h, make_buffer (0));
  gst_harness_push (h, make_buffer (1));
  /* Stopping joins the timer and frees the held buffers (the leak checker
   * and valgrind see the rest); nothing was analysed. */
  gst_harness_teardown (h);
  fail_unless_equals_int (n_batches (), 0);
  fail_unless_equals_int (n_loads, 1);
  fail_unless_equals_int (n_unloads, 1);
}

GST_END_TEST;

typedef struct {
  GstHarness *h;
  guint n;
} StressData;

static gpointer
push_slowly (gpointer user_data)
{
  StressData *data = user_data;

  for (guint i = 0; i < data->n; i++) {
    fail_unless_equals_int (gst_harness_push (data->h, make_buffer (i)),
                            GST_FLOW_OK);
    g_usleep (g_random_int_range (0, 3000));
  }
  gst_harness_push_event (data->h, gst_event_new_eos ());
  return NULL;
}

GST_START_TEST (test_timer_and_streaming_thread_keep_order)
{
  GstHarness *h = new_harness ("batch-size", 4, "max-latency",
                               (guint64)(1 * GST_MSECOND), NULL);
  StressData data = { h, 200 };
  GThread *thread;
  guint total = 0;

  reset_recorder ();
  thread = g_thread_new ("slow-source", push_slowly, &data);
  g_thread_join (thread);

  /* Every buffer exactly once, in order, in batches of 1 to 4. */
  for (guint i = 0; i < data.n; i++) {
    GstBuffer *buffer = gst_harness_pull (h);

    fail_unless_equals_uint64 (GST_BUFFER_PTS (buffer), i * GST_SECOND);
    fail_unless (result_uint (buffer, "batch-size") <= 4);
    gst_buffer_unref (buffer);
  }
  g_mutex_lock (&batches_lock);
  for (guint i = 0; i < batches->len; i++)
    total += g_array_index (batches, guint, i);
  g_mutex_unlock (&batches_lock);
  fail_unless_equals_int (total, data.n);
  gst_harness_teardown (h);
}

GST_END_TEST;

static void
query_latency (GstHarness *h, gboolean *live, GstClockTime *min,
               GstClockTime *max)
{
  GstQuery *query = gst_query_new_latency ();

  fail_unless (gst_pad_peer_query (h->sinkpad, query));
  gst_query_parse_latency (query, live, min, max);
  gst_query_unref (query);
}

GST_START_TEST (test_latency_includes_max_latency)
{
  GstHarness *h = new_harness ("batch-size", 4, "max-latency",
                               (guint64)(50 * GST_MSECOND), NULL);
  GstClockTime min, max;
  gboolean live;

  gst_harness_set_upstream_latency (h, 10 * GST_MSECOND);
  query_latency (h, &live, &min, &max);
  fail_unless (live);
  fail_unless_equals_uint64 (min, 60 * GST_MSECOND);
  fail_unless (max == GST_CLOCK_TIME_NONE || max >= 60 * GST_MSECOND);
  gst_harness_teardown (h);

  /* batch-size 1 holds nothing: upstream's latency unchanged. */
  h = new_harness ("batch-size", 1, "max-latency", (guint64)(50 * GST_MSECOND),
                   NULL);
  gst_harness_set_upstream_latency (h, 10 * GST_MSECOND);
  query_latency (h, &live, &min, &max);
  fail_unless_equals_uint64 (min, 10 * GST_MSECOND);
  gst_harness_teardown (h);

  /* No deadline: the maximum is unbounded. */
  h = new_harness ("batch-size", 4, NULL);
  gst_harness_set_upstream_latency (h, 10 * GST_MSECOND);
  query_latency (h, &live, &min, &max);
  fail_unless_equals_uint64 (min, 10 * GST_MSECOND);
  fail_unless (max == GST_CLOCK_TIME_NONE);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Downstream answers ALLOCATION with a pool of at least 2 buffers. */
static GstPadProbeReturn
answer_allocation (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  GstQuery *query = GST_PAD_PROBE_INFO_QUERY (info);

  if (GST_QUERY_TYPE (query) != GST_QUERY_ALLOCATION)
    return GST_PAD_PROBE_OK;
  gst_query_add_allocation_pool (query, NULL, 64, 2, 0);
  return GST_PAD_PROBE_HANDLED;
}

static guint
query_allocation_min (GstHarness *h)
{
  GstCaps *caps = gst_caps_from_string ("text/x-raw, format=utf8");
  GstQuery *query = gst_query_new_allocation (caps, TRUE);
  guint size = 0, min = 0, max = 0;

  fail_unless (gst_pad_peer_query (h->srcpad, query));
  fail_unless_equals_int (gst_query_get_n_allocation_pools (query), 1);
  gst_query_parse_nth_allocation_pool (query, 0, NULL, &size, &min, &max);
  fail_unless_equals_int (size, 64);
  gst_query_unref (query);
  gst_caps_unref (caps);
  return min;
}

GST_START_TEST (test_allocation_adds_batch_size)
{
  GstHarness *h = new_harness ("batch-size", 4, NULL);

  gst_pad_add_probe (h->sinkpad, GST_PAD_PROBE_TYPE_QUERY_DOWNSTREAM,
                     answer_allocation, NULL, NULL);
  fail_unless_equals_int (query_allocation_min (h), 2 + 4);
  gst_harness_teardown (h);

  h = new_harness ("batch-size", 1, NULL);
  gst_pad_add_probe (h->sinkpad, GST_PAD_PROBE_TYPE_QUERY_DOWNSTREAM,
                     answer_allocation, NULL, NULL);
  fail_unless_equals_int (query_allocation_min (h), 2);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_interval_analyses_every_third_buffer)
{
  GstHarness *h = new_harness ("interval", 3, NULL);

  reset_recorder ();
  for (guint i = 0; i < 9; i++)
    fail_unless_equals_int (gst_harness_push (h, make_buffer (i)), GST_FLOW_OK);
  for (guint i = 0; i < 9; i++) {
    GstBuffer *buffer = gst_harness_pull (h);

    fail_unless_equals_uint64 (GST_BUFFER_PTS (buffer), i * GST_SECOND);
    if (i % 3 == 0) {
      fail_unless (get_result (buffer) != NULL, "buffer %u not analysed", i);
    } else {
      fail_unless (get_result (buffer) == NULL, "buffer %u analysed", i);
    }
    gst_buffer_unref (buffer);
  }
  fail_unless_equals_int (n_batches (), 3);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Sends a buffer straight into the element's chain function, as if
 * upstream pushed it regardless of the refused CAPS event (a pushing
 * GstPad would resend the sticky CAPS event first and stop there). */
static GstFlowReturn
chain_directly (GstHarness *h, GstBuffer *buffer)
{
  GstPad *sinkpad = gst_element_get_static_pad (h->element, "sink");
  GstFlowReturn ret = gst_pad_chain (sinkpad, buffer);

  gst_object_unref (sinkpad);
  return ret;
}

/* After a CAPS event is refused (set_caps posts an error and returns FALSE,
 * or the caps are not acceptable at all), every buffer is refused with
 * NOT_NEGOTIATED: neither analysed nor pushed, skipped ones by interval
 * included, although the source pad still has the earlier caps. Accepted
 * caps let buffers through again. */
GST_START_TEST (test_buffers_after_refused_caps_are_refused)
{
  const gchar *refused[]
      = { "text/x-raw, format=refused", "application/x-not-text" };
  GstHarness *h = new_harness ("interval", 2, NULL);
  GstBus *bus = gst_bus_new ();
  guint pts = 0;

  gst_element_set_bus (h->element, bus);
  reset_recorder ();
  fail_unless_equals_int (gst_harness_push (h, make_buffer (pts++)),
                          GST_FLOW_OK);
  fail_unless_equals_int (gst_harness_buffers_received (h), 1);
  gst_buffer_unref (gst_harness_pull (h));
  fail_unless_equals_int (n_batches (), 1);

  for (guint c = 0; c < G_N_ELEMENTS (refused); c++) {
    GstMessage *msg;

    GstPad *sinkpad = gst_element_get_static_pad (h->element, "sink");
    GstCaps *current;

    /* The push of a sticky event reports success even when refused: the
     * element's sink pad keeps its earlier caps. */
    GstCaps *caps = gst_caps_from_string (refused[c]);

    gst_harness_push_event (h, gst_event_new_caps (caps));
    gst_caps_unref (caps);
    current = gst_pad_get_current_caps (sinkpad);
    fail_unless (current != NULL);
    fail_unless_equals_string (
        gst_structure_get_string (gst_caps_get_structure (current, 0),
                                  "format"),
        "utf8");
    gst_caps_unref (current);
    gst_object_unref (sinkpad);
    msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
    if (c == 0) {
      GError *error = NULL;

      fail_unless (msg != NULL, "set_caps posted no error");
      gst_message_parse_error (msg, &error, NULL);
      fail_unless (strstr (error->message, "format=refused") != NULL, "%s",
                   error->message);
      g_error_free (error);
    }
    gst_clear_message (&msg);

    /* A pushing pad resends the refused caps first. */
    fail_unless_equals_int (gst_harness_push (h, make_buffer (pts++)),
                            GST_FLOW_NOT_NEGOTIATED);
    /* A buffer that gets to the chain function anyway: one skipped by
     * interval, one to analyse. */
    for (guint i = 0; i < 2; i++)
      fail_unless_equals_int (chain_directly (h, make_buffer (pts++)),
                              GST_FLOW_NOT_NEGOTIATED);
    fail_unless_equals_int (gst_harness_buffers_received (h), 1 + c);
    fail_unless (gst_harness_try_pull (h) == NULL, "%s: a buffer got out",
                 refused[c]);
    fail_unless_equals_int (n_batches (), 1);

    /* Accepted caps: buffers flow again. */
    gst_harness_set_src_caps_str (h, "text/x-raw, format=utf8");
    fail_unless_equals_int (gst_harness_push (h, make_buffer (pts++)),
                            GST_FLOW_OK);
    fail_unless_equals_int (gst_harness_buffers_received (h), 2 + c);
    gst_buffer_unref (gst_harness_pull (h));
  }
  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_skipped_buffers_never_overtake_held_ones)
{
  GstHarness *h = new_harness ("interval", 2, "batch-size", 2, NULL);

  reset_recorder ();
  /* 0 held, 1 queues behind it, 2 completes the batch {0, 2}; 3 goes
   * straight out; 4, 5, 6 likewise; 7 straight out. */
  gst_harness_push (h, make_buffer (0));
  gst_harness_push (h, make_buffer (1));
  fail_unless_equals_int (gst_harness_buffers_received (h), 0);
  gst_harness_push (h, make_buffer (2));
  fail_unless_equals_int (gst_harness_buffers_received (h), 3);
  gst_harness_push (h, make_buffer (3));
  fail_unless_equals_int (gst_harness_buffers_received (h), 4);
  for (guint i = 4; i < 8; i++)
    gst_harness_push (h, make_buffer (i));
  fail_unless_equals_int (gst_harness_buffers_received (h), 8);

  for (guint i = 0; i < 8; i++) {
    GstBuffer *buffer = gst_harness_pull (h);

    fail_unless_equals_uint64 (GST_BUFFER_PTS (buffer), i * GST_SECOND);
    if (i % 2 == 0) {
      fail_unless_equals_int (result_uint (buffer, "batch-size"), 2);
    } else {
      fail_unless (get_result (buffer) == NULL);
    }
    gst_buffer_unref (buffer);
  }
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_start_errors_are_clear)
{
  GstElement *element;
  GError *error;

  reset_recorder ();

  /* No such directory: named, RESOURCE/NOT_FOUND, load() not called. */
  element = g_object_new (lucid_test_enc_get_type (), "model",
                          "/nonexistent/lucid-model", NULL);
  error = lucid_check_start_and_get_error (element);
  fail_unless (g_error_matches (error, GST_RESOURCE_ERROR,
                                GST_RESOURCE_ERROR_NOT_FOUND));
  fail_unless (strstr (error->message, "/nonexistent/lucid-model") != NULL,
               "%s", error->message);
  g_error_free (error);
  fail_unless_equals_int (n_loads, 0);
  gst_object_unref (element);

  /* No model at all. */
  element = g_object_new (lucid_test_enc_get_type (), NULL);
  error = lucid_check_start_and_get_error (element);
  fail_unless (
      g_error_matches (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS));
  fail_unless (strstr (error->message, "model") != NULL, "%s", error->message);
  g_error_free (error);
  gst_object_unref (element);

  /* A device this build does not have. */
  element = g_object_new (lucid_test_enc_get_type (), "model", g_get_tmp_dir (),
                          "device", "cuda:0", NULL);
  error = lucid_check_start_and_get_error (element);
  fail_unless (
      g_error_matches (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS));
  fail_unless (strstr (error->message, "cuda:0") != NULL, "%s", error->message);
  g_error_free (error);
  gst_object_unref (element);

  /* load() fails: its message, unchanged. */
  fail_load = TRUE;
  element = g_object_new (lucid_test_enc_get_type (), "model", g_get_tmp_dir (),
                          NULL);
  error = lucid_check_start_and_get_error (element);
  fail_unless (g_error_matches (error, GST_RESOURCE_ERROR,
                                GST_RESOURCE_ERROR_NOT_FOUND));
  fail_unless (g_str_has_suffix (error->message, "config.json: no such file"),
               "%s", error->message);
  g_error_free (error);
  fail_unless_equals_int (n_unloads, 0);
  gst_object_unref (element);
  fail_load = FALSE;
}

GST_END_TEST;

GST_START_TEST (test_process_error_fails_the_stream)
{
  GstHarness *h = new_harness (NULL, NULL);
  GError *error;

  reset_recorder ();
  fail_process = TRUE;
  error = lucid_check_push_and_get_error (h, make_buffer (0));
  fail_unless_equals_int (gst_harness_buffers_received (h), 0);
  fail_unless (
      g_error_matches (error, GST_STREAM_ERROR, GST_STREAM_ERROR_FAILED));
  fail_unless_equals_string (error->message, "the test says no");
  g_error_free (error);
  fail_process = FALSE;
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_properties_round_trip)
{
  GstElement *element = g_object_new (lucid_test_enc_get_type (), NULL);
  gchar *model = NULL, *device = NULL;
  guint batch_size = 0, interval = 0;
  guint64 max_latency = 1;

  g_object_get (element, "model", &model, "device", &device, "batch-size",
                &batch_size, "max-latency", &max_latency, "interval", &interval,
                NULL);
  fail_unless (model == NULL);
  fail_unless_equals_string (device, "cpu");
  fail_unless_equals_int (batch_size, 1);
  fail_unless_equals_uint64 (max_latency, 0);
  fail_unless_equals_int (interval, 1);
  g_free (device);

  g_object_set (element, "model", "/m", "batch-size", 8, "max-latency",
                (guint64)GST_MSECOND, "interval", 5, NULL);
  g_object_get (element, "model", &model, "batch-size", &batch_size,
                "max-latency", &max_latency, "interval", &interval, NULL);
  fail_unless_equals_string (model, "/m");
  fail_unless_equals_int (batch_size, 8);
  fail_unless_equals_uint64 (max_latency, GST_MSECOND);
  fail_unless_equals_int (interval, 5);
  g_free (model);
  gst_object_unref (element);
}

GST_END_TEST;

static Suite *
lucid_base_enc_suite (void)
{
  Suite *s = suite_create ("lucidbaseenc");
  TCase *tc = tcase_create ("general");

  lucid_meta_init ();
  batches = g_array_new (FALSE, FALSE, sizeof (guint));

  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 60);
  tcase_add_test (tc, test_batch_waits_until_full_then_all_out_in_order);
  tcase_add_test (tc, test_buffers_pass_unchanged);
  tcase_add_test (tc, test_serialized_events_drain_held_buffers_first);
  tcase_add_test (tc, test_drain_query_drains);
  tcase_add_test (tc, test_flush_drops_held_buffers);
  tcase_add_test (tc, test_flush_start_unblocks_a_blocked_push);
  tcase_add_test (tc, test_lone_buffer_leaves_after_max_latency);
  tcase_add_test (tc, test_teardown_with_held_buffers_and_timer);
  tcase_add_test (tc, test_timer_and_streaming_thread_keep_order);
  tcase_add_test (tc, test_latency_includes_max_latency);
  tcase_add_test (tc, test_allocation_adds_batch_size);
  tcase_add_test (tc, test_interval_analyses_every_third_buffer);
  tcase_add_test (tc, test_skipped_buffers_never_overtake_held_ones);
  tcase_add_test (tc, test_buffers_after_refused_caps_are_refused);
  tcase_add_test (tc, test_start_errors_are_clear);
  tcase_add_test (tc, test_process_error_fails_the_stream);
  tcase_add_test (tc, test_properties_round_trip);
  return s;
}

GST_CHECK_MAIN (lucid_base_enc);
