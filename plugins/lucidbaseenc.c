/* lucidbaseenc.c — the abstract base of Lucid's encoders.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/**
 * SECTION:lucidbaseenc
 * @title: LucidBaseEnc
 * @short_description: base class of Lucid's encoders: shared properties,
 *   model life cycle and batching
 *
 * LucidBaseEnc is a #GstBaseTransform that passes its media through
 * unchanged and lets a subclass attach metas (#LucidTensorMeta and result
 * metas) to the buffers it analyses. It owns the properties every encoder
 * shares: #LucidBaseEnc:model, #LucidBaseEnc:device,
 * #LucidBaseEnc:batch-size, #LucidBaseEnc:max-latency and
 * #LucidBaseEnc:interval.
 *
 * ## Batching
 *
 * With batch-size N > 1 the element holds buffers until N of them are to be
 * analysed, then calls the subclass's process() once for all N and pushes
 * every held buffer in arrival order. Buffers skipped by
 * #LucidBaseEnc:interval are held too when they arrive behind held buffers
 * (never overtaking them) but do not count towards N. A partial batch is
 * analysed and pushed
 *
 * * when the oldest buffer in it has waited #LucidBaseEnc:max-latency of
 *   wall-clock time (when max-latency is not 0), even if nothing else
 *   arrives: a live source producing one buffer a minute still gets each
 *   one out after max-latency;
 * * before any serialized event (EOS, GAP, CAPS, SEGMENT, TAG, custom
 *   serialized events) and on a DRAIN query, so events never overtake the
 *   buffers they follow.
 *
 * Held buffers are dropped on FLUSH_STOP and when the element stops. The
 * LATENCY answer adds max-latency to upstream's minimum and maximum when
 * batch-size > 1, and the ALLOCATION answer adds batch-size to each pool's
 * minimum (an upstream pool of 4 buffers feeding a batch of 8 would stall).
 *
 * ## Caps that cannot be analysed
 *
 * When a CAPS event is refused (the subclass's set_caps() returned FALSE,
 * usually after posting an element error that names the problem, or the
 * caps were not acceptable at all), every buffer that reaches the chain
 * function afterwards is refused with %GST_FLOW_NOT_NEGOTIATED and dropped:
 * it is neither analysed nor pushed, even when the source pad still has
 * the caps of an earlier, accepted CAPS event. Only a later CAPS event that
 * is accepted lets buffers through again. (GstBaseTransform's own check
 * does not cover this element: the chain function is ours, and in
 * passthrough mode GstBaseTransform does not check either.)
 *
 * ## Threads and locks
 *
 * Three kinds of thread touch an instance:
 *
 * * upstream's streaming thread calls the chain function and serialized
 *   events with the sink pad's STREAM_LOCK held;
 * * the timer thread, started at start() when batch-size > 1 and
 *   max-latency > 0, sleeps until the oldest held buffer's deadline, then
 *   takes STREAM_LOCK itself and drains the partial batch;
 * * application threads set properties and send FLUSH_START (without
 *   STREAM_LOCK).
 *
 * Everything that analyses or pushes runs under STREAM_LOCK, so the held
 * queue needs no lock of its own, process() is never called concurrently,
 * and output order is input order.
 *
 * Lock order: STREAM_LOCK (sink pad) → priv->timer_lock → GST_OBJECT_LOCK.
 * The timer thread releases timer_lock before taking STREAM_LOCK.
 *
 * * STREAM_LOCK protects: held, n_to_analyse, count, pending_flow,
 *   negotiated.
 * * timer_lock protects: deadline, flushing, timer_quit (and the cond).
 * * GST_OBJECT_LOCK protects: the property values and the active_* snapshot.
 *
 * Why a thread with g_cond_wait_until() on the monotonic clock and not the
 * running time of incoming buffers: with a slow live source there may be no
 * next buffer for a long time, so nothing but a timer can let a lone buffer
 * out. Why not an async GstClockID: its callback runs on the clock's shared
 * thread, where blocking in a downstream push would delay every other
 * waiter; it would only wake a thread of ours anyway. Why wall clock and not
 * the pipeline clock: max-latency bounds how long we hold data, which is
 * real time whatever the pipeline clock does (and a paused clock must not
 * keep buffers from draining).
 */

#include "lucidbaseenc.h"

#include "lucidmeta.h"
#include "lucidresult.h"
#include "lucid-error.h"

GST_DEBUG_CATEGORY_STATIC (lucid_base_enc_debug);
#define GST_CAT_DEFAULT lucid_base_enc_debug

#define DEFAULT_MODEL NULL
#define DEFAULT_DEVICE "cpu"
#define DEFAULT_BATCH_SIZE 1
#define MAX_BATCH_SIZE 1024
#define DEFAULT_MAX_LATENCY 0
#define DEFAULT_INTERVAL 1

enum {
  PROP_0,
  PROP_MODEL,
  PROP_DEVICE,
  PROP_BATCH_SIZE,
  PROP_MAX_LATENCY,
  PROP_INTERVAL,
};

/* One held buffer. */
typedef struct {
  GstBuffer *buffer;
  gboolean analyse; /* counts towards the batch */
  gint64 arrival;   /* g_get_monotonic_time (), µs */
} LucidHeld;

typedef struct {
  /* Properties, with GST_OBJECT_LOCK. */
  gchar *model;
  gchar *device;
  guint batch_size;
  GstClockTime max_latency;
  guint interval;

  /* Snapshot taken at start(), with GST_OBJECT_LOCK for writers; read
   * without it by the streaming and timer threads (written before they
   * run). */
  gchar *active_model;
  gchar *element_name; /* the element's name at start */
  gchar *model_id;     /* set by load() */
  guint active_batch_size;
  GstClockTime active_max_latency;
  gboolean loaded;
  gboolean warned_live;

  /* With STREAM_LOCK. */
  GQueue held;                /* LucidHeld*, oldest first */
  guint n_to_analyse;         /* held buffers with analyse = TRUE */
  guint64 count;              /* buffers seen since start/flush */
  GstFlowReturn pending_flow; /* a failed timer-thread push, reported
                               * by the next chain call */
  gboolean negotiated;        /* the last CAPS event was accepted */

  /* With timer_lock. */
  GMutex timer_lock;
  GCond timer_cond;
  GThread *timer;
  gint64 deadline; /* monotonic µs; 0 = nothing to wait for */
  gboolean flushing;
  gboolean timer_quit;
} LucidBaseEncPrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_CODE (
    LucidBaseEnc, lucid_base_enc, GST_TYPE_BASE_TRANSFORM,
    G_ADD_PRIVATE (LucidBaseEnc)
        GST_DEBUG_CATEGORY_INIT (lucid_base_enc_debug, "lucidbaseenc", 0,
                                 "Lucid encoder base class"));

#define GET_PRIV(enc)                                                          \
  ((LucidBaseEncPrivate *)lucid_base_enc_get_instance_private (enc))

static void lucid_base_enc_finalize (GObject *object);
static void lucid_base_enc_set_property (GObject *object, guint prop_id,
                                         const GValue *value,
                                         GParamSpec *pspec);
static void lucid_base_enc_get_property (GObject *object, guint prop_id,
                                         GValue *value, GParamSpec *pspec);
static gboolean lucid_base_enc_start (GstBaseTransform *trans);
static gboolean lucid_base_enc_stop (GstBaseTransform *trans);
static gboolean lucid_base_enc_sink_event (GstBaseTransform *trans,
                                           GstEvent *event);
static gboolean lucid_base_enc_query (GstBaseTransform *trans,
                                      GstPadDirection direction,
                                      GstQuery *query);
static GstFlowReturn lucid_base_enc_chain (GstPad *pad, GstObject *parent,
                                           GstBuffer *buffer);
static gpointer lucid_base_enc_timer_loop (gpointer data);
static GstPadProbeReturn lucid_base_enc_caps_probe (GstPad *pad,
                                                    GstPadProbeInfo *info,
                                                    gpointer user_data);

static void
lucid_base_enc_class_init (LucidBaseEncClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);

  gobject_class->finalize = lucid_base_enc_finalize;
  gobject_class->set_property = lucid_base_enc_set_property;
  gobject_class->get_property = lucid_base_enc_get_property;

  /**
   * LucidBaseEnc:model:
   *
   * The model directory (Hugging Face layout). Read at start: changing it
   * takes effect the next time the element goes to PAUSED.
   */
  g_object_class_install_property (
      gobject_class, PROP_MODEL,
      g_param_spec_string (
          "model", "Model directory",
          "Directory of a Hugging Face style model (config.json, "
          "model.safetensors and the tokenizer / preprocessor files the "
          "model family needs)",
          DEFAULT_MODEL,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
              | GST_PARAM_MUTABLE_READY));

  /**
   * LucidBaseEnc:device:
   *
   * Where the model runs. This build runs on "cpu" only; any other value
   * fails at start with an error that says so.
   */
  g_object_class_install_property (
      gobject_class, PROP_DEVICE,
      g_param_spec_string (
          "device", "Device",
          "Compute device the model runs on; this build supports \"cpu\" "
          "only (any other value fails at start)",
          DEFAULT_DEVICE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
              | GST_PARAM_MUTABLE_READY));

  /**
   * LucidBaseEnc:batch-size:
   *
   * How many buffers are analysed together in one forward pass. Buffers
   * are held until the batch fills, max-latency passes, or a serialized
   * event or DRAIN query arrives.
   */
  g_object_class_install_property (
      gobject_class, PROP_BATCH_SIZE,
      g_param_spec_uint (
          "batch-size", "Batch size",
          "Buffers analysed together in one forward pass; buffers are held "
          "until the batch fills, max-latency passes or a serialized event "
          "drains them",
          1, MAX_BATCH_SIZE, DEFAULT_BATCH_SIZE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
              | GST_PARAM_MUTABLE_READY));

  /**
   * LucidBaseEnc:max-latency:
   *
   * The longest time, in nanoseconds of wall-clock time, that a buffer
   * waits for its batch to fill before the partial batch is analysed.
   * 0 sets no deadline: a partial batch waits for more buffers or for a
   * serialized event (set it for live sources). Added to the LATENCY
   * answer when batch-size > 1. Only matters when batch-size > 1.
   */
  g_object_class_install_property (
      gobject_class, PROP_MAX_LATENCY,
      g_param_spec_uint64 (
          "max-latency", "Maximum latency",
          "Longest wall-clock time (ns) a buffer waits for its batch to fill "
          "before a partial batch is analysed; 0 = no deadline (wait for a "
          "full batch or a serialized event; set it for live sources). "
          "Reported in the LATENCY query when batch-size > 1",
          0, G_MAXUINT64, DEFAULT_MAX_LATENCY,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
              | GST_PARAM_MUTABLE_READY));

  /**
   * LucidBaseEnc:interval:
   *
   * Analyse one buffer in every @interval (the first, then every
   * interval-th after it, counted from start or the last flush); the
   * others pass through untouched and carry no Lucid meta.
   */
  g_object_class_install_property (
      gobject_class, PROP_INTERVAL,
      g_param_spec_uint (
          "interval", "Interval",
          "Analyse every Nth buffer (the first, then every Nth after it); "
          "the others pass through untouched, without metas",
          1, G_MAXUINT, DEFAULT_INTERVAL,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
              | GST_PARAM_MUTABLE_PLAYING));

  trans_class->start = GST_DEBUG_FUNCPTR (lucid_base_enc_start);
  trans_class->stop = GST_DEBUG_FUNCPTR (lucid_base_enc_stop);
  trans_class->sink_event = GST_DEBUG_FUNCPTR (lucid_base_enc_sink_event);
  trans_class->query = GST_DEBUG_FUNCPTR (lucid_base_enc_query);
  trans_class->passthrough_on_same_caps = FALSE;

  gst_type_mark_as_plugin_api (LUCID_TYPE_BASE_ENC, 0);
}

static void
lucid_base_enc_init (LucidBaseEnc *self)
{
  LucidBaseEncPrivate *priv = GET_PRIV (self);
  GstBaseTransform *trans = GST_BASE_TRANSFORM (self);

  priv->model = g_strdup (DEFAULT_MODEL);
  priv->device = g_strdup (DEFAULT_DEVICE);
  priv->batch_size = DEFAULT_BATCH_SIZE;
  priv->max_latency = DEFAULT_MAX_LATENCY;
  priv->interval = DEFAULT_INTERVAL;

  g_queue_init (&priv->held);
  priv->pending_flow = GST_FLOW_OK;
  g_mutex_init (&priv->timer_lock);
  g_cond_init (&priv->timer_cond);

  /* Buffers leave as they came (plus metas): passthrough tells
   * GstBaseTransform to forward ALLOCATION queries downstream and never
   * allocate. The chain function is ours: batching holds buffers, which
   * GstBaseTransform's chain (one in, at most one out per call) and its
   * pending-DISCONT bookkeeping do not allow for. */
  gst_base_transform_set_passthrough (trans, TRUE);
  gst_pad_set_chain_function (GST_BASE_TRANSFORM_SINK_PAD (trans),
                              GST_DEBUG_FUNCPTR (lucid_base_enc_chain));
  /* Sees every CAPS event before the pad's accept-caps check, which may
   * refuse it without calling our event handler. */
  gst_pad_add_probe (GST_BASE_TRANSFORM_SINK_PAD (trans),
                     GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
                     lucid_base_enc_caps_probe, NULL, NULL);
}

static void
lucid_base_enc_finalize (GObject *object)
{
  LucidBaseEncPrivate *priv = GET_PRIV (LUCID_BASE_ENC (object));

  g_free (priv->model);
  g_free (priv->device);
  g_free (priv->active_model);
  g_free (priv->element_name);
  g_free (priv->model_id);
  g_mutex_clear (&priv->timer_lock);
  g_cond_clear (&priv->timer_cond);

  G_OBJECT_CLASS (lucid_base_enc_parent_class)->finalize (object);
}

static void
lucid_base_enc_set_property (GObject *object, guint prop_id,
                             const GValue *value, GParamSpec *pspec)
{
  LucidBaseEnc *self = LUCID_BASE_ENC (object);
  LucidBaseEncPrivate *priv = GET_PRIV (self);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_MODEL:
      g_free (priv->model);
      priv->model = g_value_dup_string (value);
      break;
    case PROP_DEVICE:
      g_free (priv->device);
      priv->device = g_value_dup_string (value);
      break;
    case PROP_BATCH_SIZE:
      priv->batch_size = g_value_get_uint (value);
      break;
    case PROP_MAX_LATENCY:
      priv->max_latency = g_value_get_uint64 (value);
      break;
    case PROP_INTERVAL:
      priv->interval = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
lucid_base_enc_get_property (GObject *object, guint prop_id, GValue *value,
                             GParamSpec *pspec)
{
  LucidBaseEnc *self = LUCID_BASE_ENC (object);
  LucidBaseEncPrivate *priv = GET_PRIV (self);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_MODEL:
      g_value_set_string (value, priv->model);
      break;
    case PROP_DEVICE:
      g_value_set_string (value, priv->device);
      break;
    case PROP_BATCH_SIZE:
      g_value_set_uint (value, priv->batch_size);
      break;
    case PROP_MAX_LATENCY:
      g_value_set_uint64 (value, priv->max_latency);
      break;
    case PROP_INTERVAL:
      g_value_set_uint (value, priv->interval);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

const gchar *
lucid_base_enc_get_model_dir (LucidBaseEnc *enc)
{
  g_return_val_if_fail (LUCID_IS_BASE_ENC (enc), NULL);
  return GET_PRIV (enc)->active_model;
}

guint
lucid_base_enc_get_batch_size (LucidBaseEnc *enc)
{
  g_return_val_if_fail (LUCID_IS_BASE_ENC (enc), 1);
  return MAX (GET_PRIV (enc)->active_batch_size, 1);
}

void
lucid_base_enc_set_model_id (LucidBaseEnc *enc, const gchar *model_id)
{
  LucidBaseEncPrivate *priv;

  g_return_if_fail (LUCID_IS_BASE_ENC (enc));
  priv = GET_PRIV (enc);
  GST_OBJECT_LOCK (enc);
  g_free (priv->model_id);
  priv->model_id = g_strdup (model_id);
  GST_OBJECT_UNLOCK (enc);
}

const gchar *
lucid_base_enc_get_model_id (LucidBaseEnc *enc)
{
  g_return_val_if_fail (LUCID_IS_BASE_ENC (enc), NULL);
  return GET_PRIV (enc)->model_id;
}

GstStructure *
lucid_base_enc_attach_embedding (LucidBaseEnc *enc, GstBuffer *buffer,
                                 GQuark tensor_id, const float *embedding,
                                 guint dim, const gchar *kind,
                                 const gchar *family)
{
  LucidBaseEncPrivate *priv = GET_PRIV (enc);
  gsize dims[1] = { dim };
  LucidTensor **tensors = g_new (LucidTensor *, 1);
  GstStructure *s;

  tensors[0] = lucid_tensor_new_f32 (tensor_id, embedding, 1, dims);
  lucid_buffer_add_tensor_meta (buffer, priv->model_id, 1, tensors);

  s = lucid_result_new (priv->element_name, kind, priv->model_id,
                        priv->active_model, family);
  gst_structure_set (s, "tensor-index", G_TYPE_UINT, 0, NULL);
  return s;
}

/* ------------------------------------------------------------------------ */
/* The held queue. All with STREAM_LOCK.                                     */

static void
lucid_held_free (LucidHeld *held)
{
  gst_buffer_unref (held->buffer);
  g_free (held);
}

/* Sets the deadline the timer thread waits for from the oldest held buffer
 * (which is always one to analyse, see lucid_base_enc_chain). */
static void
lucid_base_enc_update_deadline (LucidBaseEnc *self)
{
  LucidBaseEncPrivate *priv = GET_PRIV (self);
  LucidHeld *oldest = g_queue_peek_head (&priv->held);
  gint64 deadline = 0;

  if (priv->timer == NULL)
    return;

  if (oldest != NULL) {
    deadline = oldest->arrival
               + (gint64)((priv->active_max_latency + GST_USECOND - 1)
                          / GST_USECOND);
  }

  g_mutex_lock (&priv->timer_lock);
  if (priv->deadline != deadline) {
    priv->deadline = deadline;
    g_cond_signal (&priv->timer_cond);
  }
  g_mutex_unlock (&priv->timer_lock);
}

static void
lucid_base_enc_drop_held (LucidBaseEnc *self)
{
  LucidBaseEncPrivate *priv = GET_PRIV (self);

  if (!g_queue_is_empty (&priv->held))
    GST_DEBUG_OBJECT (self, "dropping %u held buffers",
                      g_queue_get_length (&priv->held));
  g_queue_clear_full (&priv->held, (GDestroyNotify)lucid_held_free);
  priv->n_to_analyse = 0;
  lucid_base_enc_update_deadline (self);
}

/* Analyses the buffers to analyse among the held ones as one batch, then
 * pushes every held buffer in order. With STREAM_LOCK. */
static GstFlowReturn
lucid_base_enc_drain (LucidBaseEnc *self)
{
  LucidBaseEncPrivate *priv = GET_PRIV (self);
  LucidBaseEncClass *klass = LUCID_BASE_ENC_GET_CLASS (self);
  GstPad *srcpad = GST_BASE_TRANSFORM_SRC_PAD (self);
  GstFlowReturn ret = GST_FLOW_OK;

  if (g_queue_is_empty (&priv->held))
    return GST_FLOW_OK;

  if (priv->n_to_analyse > 0) {
    g_autoptr (GError) error = NULL;
    g_autofree GstBuffer **batch = g_new (GstBuffer *, priv->n_to_analyse);
    guint n = 0;

    for (GList *l = priv->held.head; l != NULL; l = l->next) {
      LucidHeld *held = l->data;

      if (!held->analyse)
        continue;
      /* Only the GstBuffer is copied when shared; memory stays shared. */
      held->buffer = gst_buffer_make_writable (held->buffer);
      batch[n++] = held->buffer;
    }
    g_assert (n == priv->n_to_analyse);

    GST_LOG_OBJECT (self, "analysing a batch of %u (%u held)", n,
                    g_queue_get_length (&priv->held));
    if (!klass->process (self, batch, n, &error)) {
      GST_ELEMENT_ERROR (self, STREAM, FAILED,
                         ("%s", error
                                    ? error->message
                                    : "The encoder failed without saying why."),
                         ("process() failed on a batch of %u buffers", n));
      lucid_base_enc_drop_held (self);
      return GST_FLOW_ERROR;
    }
    priv->n_to_analyse = 0;
  }

  while (!g_queue_is_empty (&priv->held)) {
    LucidHeld *held = g_queue_pop_head (&priv->held);
    GstBuffer *buffer = held->buffer;

    held->buffer = NULL;
    g_free (held);
    ret = gst_pad_push (srcpad, buffer);
    if (ret != GST_FLOW_OK) {
      GST_DEBUG_OBJECT (self, "push returned %s", gst_flow_get_name (ret));
      break;
    }
  }
  /* After a failed push the rest would fail too: drop them. */
  lucid_base_enc_drop_held (self);
  return ret;
}

/* ------------------------------------------------------------------------ */
/* Streaming                                                                 */

static GstFlowReturn
lucid_base_enc_chain (GstPad *pad, GstObject *parent, GstBuffer *buffer)
{
  LucidBaseEnc *self = LUCID_BASE_ENC (parent);
  LucidBaseEncPrivate *priv = GET_PRIV (self);
  GstBaseTransform *trans = GST_BASE_TRANSFORM (self);
  GstClockTime pts = GST_BUFFER_PTS (buffer);
  LucidHeld *held;
  gboolean analyse;
  guint interval;

  if (G_UNLIKELY (priv->pending_flow != GST_FLOW_OK)) {
    GstFlowReturn ret = priv->pending_flow;

    /* The timer thread's last push failed: tell upstream once. */
    priv->pending_flow = GST_FLOW_OK;
    gst_buffer_unref (buffer);
    return ret;
  }

  if (G_UNLIKELY (!priv->negotiated)) {
    /* The last CAPS event failed (set_caps posted why): never analyse or
     * push a buffer in caps we refused. */
    GST_DEBUG_OBJECT (self, "refusing a buffer after refused caps");
    gst_buffer_unref (buffer);
    return GST_PAD_IS_FLUSHING (pad) ? GST_FLOW_FLUSHING
                                     : GST_FLOW_NOT_NEGOTIATED;
  }

  if (G_UNLIKELY (
          !gst_base_transform_reconfigure (trans)
          || !gst_pad_has_current_caps (GST_BASE_TRANSFORM_SRC_PAD (trans)))) {
    gst_buffer_unref (buffer);
    if (GST_PAD_IS_FLUSHING (GST_BASE_TRANSFORM_SRC_PAD (trans)))
      return GST_FLOW_FLUSHING;
    /* Upstream posts the not-negotiated error. */
    GST_WARNING_OBJECT (self, "buffer before caps were negotiated");
    return GST_FLOW_NOT_NEGOTIATED;
  }

  /* What GstBaseTransform's chain keeps for POSITION queries. */
  if (GST_CLOCK_TIME_IS_VALID (pts)
      && trans->segment.format == GST_FORMAT_TIME) {
    trans->segment.position = pts;
    if (GST_BUFFER_DURATION_IS_VALID (buffer))
      trans->segment.position += GST_BUFFER_DURATION (buffer);
  }

  GST_OBJECT_LOCK (self);
  interval = priv->interval;
  GST_OBJECT_UNLOCK (self);
  analyse = (priv->count % interval) == 0;
  priv->count++;

  /* Nothing held: a buffer we skip goes straight out. Something held: it
   * queues behind, so it never overtakes. Hence the oldest held buffer is
   * always one to analyse. */
  if (!analyse && g_queue_is_empty (&priv->held))
    return gst_pad_push (GST_BASE_TRANSFORM_SRC_PAD (trans), buffer);

  held = g_new (LucidHeld, 1);
  held->buffer = buffer;
  held->analyse = analyse;
  held->arrival = g_get_monotonic_time ();
  g_queue_push_tail (&priv->held, held);

  if (!analyse)
    return GST_FLOW_OK;

  priv->n_to_analyse++;
  if (priv->n_to_analyse >= priv->active_batch_size)
    return lucid_base_enc_drain (self);

  if (priv->n_to_analyse == 1) {
    lucid_base_enc_update_deadline (self);
  } else if (priv->active_max_latency > 0) {
    /* The timer may be late (busy machine): catch up from here. */
    LucidHeld *oldest = g_queue_peek_head (&priv->held);
    gint64 waited = held->arrival - oldest->arrival;

    if ((GstClockTime)waited * GST_USECOND >= priv->active_max_latency)
      return lucid_base_enc_drain (self);
  }
  return GST_FLOW_OK;
}

/* The max-latency timer: see the SECTION comment. */
static gpointer
lucid_base_enc_timer_loop (gpointer data)
{
  LucidBaseEnc *self = data;
  LucidBaseEncPrivate *priv = GET_PRIV (self);
  GstPad *sinkpad = GST_BASE_TRANSFORM_SINK_PAD (self);

  g_mutex_lock (&priv->timer_lock);
  while (!priv->timer_quit) {
    gint64 now;

    if (priv->deadline == 0 || priv->flushing) {
      g_cond_wait (&priv->timer_cond, &priv->timer_lock);
      continue;
    }
    now = g_get_monotonic_time ();
    if (now < priv->deadline) {
      g_cond_wait_until (&priv->timer_cond, &priv->timer_lock, priv->deadline);
      continue;
    }

    /* Due. Lock order: STREAM_LOCK before timer_lock. */
    g_mutex_unlock (&priv->timer_lock);
    GST_PAD_STREAM_LOCK (sinkpad);
    g_mutex_lock (&priv->timer_lock);
    if (!priv->timer_quit && !priv->flushing && priv->deadline != 0
        && g_get_monotonic_time () >= priv->deadline) {
      GstFlowReturn ret;

      g_mutex_unlock (&priv->timer_lock);
      GST_DEBUG_OBJECT (self, "max-latency reached with %u of %u buffers",
                        priv->n_to_analyse, priv->active_batch_size);
      ret = lucid_base_enc_drain (self);
      if (ret != GST_FLOW_OK && priv->pending_flow == GST_FLOW_OK)
        priv->pending_flow = ret;
      g_mutex_lock (&priv->timer_lock);
    }
    /* Otherwise the streaming thread drained meanwhile and moved the
     * deadline (update_deadline runs under STREAM_LOCK). */
    g_mutex_unlock (&priv->timer_lock);
    GST_PAD_STREAM_UNLOCK (sinkpad);
    g_mutex_lock (&priv->timer_lock);
  }
  g_mutex_unlock (&priv->timer_lock);
  return NULL;
}

/* A CAPS event arrives (with STREAM_LOCK, it is serialized): until it is
 * accepted (lucid_base_enc_sink_event), buffers are refused. The pad's
 * accept-caps check runs after probes and before the event handler, and
 * a refusal there never reaches the handler. */
static GstPadProbeReturn
lucid_base_enc_caps_probe (GstPad *pad, GstPadProbeInfo *info,
                           gpointer user_data)
{
  GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);

  if (GST_EVENT_TYPE (event) == GST_EVENT_CAPS)
    GET_PRIV (LUCID_BASE_ENC (GST_PAD_PARENT (pad)))->negotiated = FALSE;
  return GST_PAD_PROBE_OK;
}

static gboolean
lucid_base_enc_sink_event (GstBaseTransform *trans, GstEvent *event)
{
  LucidBaseEnc *self = LUCID_BASE_ENC (trans);
  LucidBaseEncPrivate *priv = GET_PRIV (self);

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_FLUSH_START:
      /* Not serialized: the streaming thread may be busy. Stop the timer
       * from draining; the pushes in flight fail with FLUSHING. */
      g_mutex_lock (&priv->timer_lock);
      priv->flushing = TRUE;
      g_cond_signal (&priv->timer_cond);
      g_mutex_unlock (&priv->timer_lock);
      break;
    case GST_EVENT_FLUSH_STOP:
      /* Serialized: STREAM_LOCK is held. */
      lucid_base_enc_drop_held (self);
      priv->count = 0;
      priv->pending_flow = GST_FLOW_OK;
      g_mutex_lock (&priv->timer_lock);
      priv->flushing = FALSE;
      g_mutex_unlock (&priv->timer_lock);
      break;
    default:
      if (GST_EVENT_IS_SERIALIZED (event) && !g_queue_is_empty (&priv->held)) {
        GstFlowReturn ret;

        GST_DEBUG_OBJECT (self, "draining %u held buffers before %s",
                          g_queue_get_length (&priv->held),
                          GST_EVENT_TYPE_NAME (event));
        ret = lucid_base_enc_drain (self);
        if (ret != GST_FLOW_OK)
          GST_DEBUG_OBJECT (self, "drain before %s returned %s",
                            GST_EVENT_TYPE_NAME (event),
                            gst_flow_get_name (ret));
      }
      break;
  }

  if (GST_EVENT_TYPE (event) == GST_EVENT_CAPS) {
    gboolean ret;

    /* Serialized: STREAM_LOCK is held, as in the chain function. */
    ret = GST_BASE_TRANSFORM_CLASS (lucid_base_enc_parent_class)
              ->sink_event (trans, event);
    priv->negotiated = ret;
    if (!ret)
      GST_DEBUG_OBJECT (self, "caps refused: buffers are refused until "
                              "caps are accepted");
    return ret;
  }

  return GST_BASE_TRANSFORM_CLASS (lucid_base_enc_parent_class)
      ->sink_event (trans, event);
}

static void
lucid_base_enc_fix_latency (LucidBaseEnc *self, GstQuery *query)
{
  LucidBaseEncPrivate *priv = GET_PRIV (self);
  GstClockTime min, max, max_latency;
  gboolean live, warn = FALSE;
  guint batch_size;

  gst_query_parse_latency (query, &live, &min, &max);

  GST_OBJECT_LOCK (self);
  batch_size = priv->loaded ? priv->active_batch_size : priv->batch_size;
  max_latency = priv->loaded ? priv->active_max_latency : priv->max_latency;
  if (live && batch_size > 1 && max_latency == 0 && !priv->warned_live) {
    priv->warned_live = TRUE;
    warn = TRUE;
  }
  GST_OBJECT_UNLOCK (self);

  if (batch_size <= 1)
    return;

  if (max_latency == 0) {
    /* No deadline: we may hold buffers for as long as upstream takes to
     * produce batch-size of them; we cannot bound that. */
    max = GST_CLOCK_TIME_NONE;
  } else {
    min += max_latency;
    if (GST_CLOCK_TIME_IS_VALID (max))
      max += max_latency;
  }
  GST_DEBUG_OBJECT (
      self, "latency: live %d, min %" GST_TIME_FORMAT ", max %" GST_TIME_FORMAT,
      live, GST_TIME_ARGS (min), GST_TIME_ARGS (max));
  gst_query_set_latency (query, live, min, max);

  if (warn) {
    GST_ELEMENT_WARNING (
        self, CORE, CLOCK,
        ("batch-size=%u without max-latency on a live source: buffers wait "
         "until a batch of %u fills. Set max-latency.",
         batch_size, batch_size),
        (NULL));
  }
}

static void
lucid_base_enc_fix_allocation (LucidBaseEnc *self, GstQuery *query)
{
  LucidBaseEncPrivate *priv = GET_PRIV (self);
  guint batch_size, n_pools;

  GST_OBJECT_LOCK (self);
  batch_size = priv->loaded ? priv->active_batch_size : priv->batch_size;
  GST_OBJECT_UNLOCK (self);

  /* With batch-size 1 we hold a buffer no longer than any in-place
   * transform does. */
  if (batch_size <= 1)
    return;

  n_pools = gst_query_get_n_allocation_pools (query);
  for (guint i = 0; i < n_pools; i++) {
    GstBufferPool *pool = NULL;
    guint size, min, max;

    gst_query_parse_nth_allocation_pool (query, i, &pool, &size, &min, &max);
    min += batch_size;
    if (max != 0 && max < min)
      max = min;
    gst_query_set_nth_allocation_pool (query, i, pool, size, min, max);
    GST_DEBUG_OBJECT (self, "allocation pool %u: min %u max %u", i, min, max);
    if (pool)
      gst_object_unref (pool);
  }
}

static gboolean
lucid_base_enc_query (GstBaseTransform *trans, GstPadDirection direction,
                      GstQuery *query)
{
  LucidBaseEnc *self = LUCID_BASE_ENC (trans);
  GstBaseTransformClass *parent_class
      = GST_BASE_TRANSFORM_CLASS (lucid_base_enc_parent_class);
  gboolean ret;

  switch (GST_QUERY_TYPE (query)) {
    case GST_QUERY_LATENCY:
      ret = parent_class->query (trans, direction, query);
      if (ret && direction == GST_PAD_SRC)
        lucid_base_enc_fix_latency (self, query);
      return ret;
    case GST_QUERY_ALLOCATION:
      ret = parent_class->query (trans, direction, query);
      if (ret && direction == GST_PAD_SINK)
        lucid_base_enc_fix_allocation (self, query);
      return ret;
    case GST_QUERY_DRAIN:
      if (direction == GST_PAD_SINK) {
        GstPad *sinkpad = GST_BASE_TRANSFORM_SINK_PAD (trans);

        GST_PAD_STREAM_LOCK (sinkpad);
        lucid_base_enc_drain (self);
        GST_PAD_STREAM_UNLOCK (sinkpad);
      }
      return parent_class->query (trans, direction, query);
    case GST_QUERY_SCHEDULING:
      if (direction == GST_PAD_SRC) {
        /* The chain function is where batching happens: push mode only. */
        gst_query_set_scheduling (query, GST_SCHEDULING_FLAG_SEQUENTIAL, 1, -1,
                                  0);
        gst_query_add_scheduling_mode (query, GST_PAD_MODE_PUSH);
        return TRUE;
      }
      return parent_class->query (trans, direction, query);
    default:
      return parent_class->query (trans, direction, query);
  }
}

/* ------------------------------------------------------------------------ */
/* Start and stop                                                            */

static void
lucid_base_enc_post_load_error (LucidBaseEnc *self, const GError *error,
                                const gchar *model_dir)
{
  const gchar *message
      = error ? error->message
              : "The model could not be loaded (no reason given).";

  if (error != NULL
      && ((error->domain == LUCID_ERROR
           && (error->code == LUCID_ERROR_MISSING
               || error->code == LUCID_ERROR_IO))
          || error->domain == G_FILE_ERROR)) {
    GST_ELEMENT_ERROR (self, RESOURCE, NOT_FOUND, ("%s", message),
                       ("model=%s", model_dir));
  } else {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("%s", message),
                       ("model=%s", model_dir));
  }
}

/* Forgets the model start() set up, once it is unloaded or failed. */
static void
lucid_base_enc_forget_model (LucidBaseEnc *self)
{
  LucidBaseEncPrivate *priv = GET_PRIV (self);

  GST_OBJECT_LOCK (self);
  g_clear_pointer (&priv->active_model, g_free);
  g_clear_pointer (&priv->element_name, g_free);
  g_clear_pointer (&priv->model_id, g_free);
  GST_OBJECT_UNLOCK (self);
}

static void
lucid_base_enc_stop_timer (LucidBaseEnc *self)
{
  LucidBaseEncPrivate *priv = GET_PRIV (self);

  if (priv->timer == NULL)
    return;
  g_mutex_lock (&priv->timer_lock);
  priv->timer_quit = TRUE;
  g_cond_signal (&priv->timer_cond);
  g_mutex_unlock (&priv->timer_lock);
  g_thread_join (priv->timer);
  priv->timer = NULL;
}

static gboolean
lucid_base_enc_start (GstBaseTransform *trans)
{
  LucidBaseEnc *self = LUCID_BASE_ENC (trans);
  LucidBaseEncPrivate *priv = GET_PRIV (self);
  LucidBaseEncClass *klass = LUCID_BASE_ENC_GET_CLASS (self);
  g_autoptr (GError) error = NULL;
  g_autofree gchar *model = NULL;
  g_autofree gchar *device = NULL;
  g_autofree gchar *name = NULL;
  guint batch_size;
  GstClockTime max_latency;

  GST_OBJECT_LOCK (self);
  model = g_strdup (priv->model);
  device = g_strdup (priv->device);
  batch_size = priv->batch_size;
  max_latency = priv->max_latency;
  GST_OBJECT_UNLOCK (self);

  if (device == NULL || g_ascii_strcasecmp (device, "cpu") != 0) {
    GST_ELEMENT_ERROR (
        self, RESOURCE, SETTINGS,
        ("Device \"%s\" is not supported: this build of Lucid runs on "
         "\"cpu\" only.",
         device ? device : "(null)"),
        ("set device=cpu"));
    return FALSE;
  }
  if (model == NULL || *model == '\0') {
    GST_ELEMENT_ERROR (
        self, RESOURCE, SETTINGS,
        ("No model set: set the model property to a model directory."), (NULL));
    return FALSE;
  }
  if (!g_file_test (model, G_FILE_TEST_IS_DIR)) {
    GST_ELEMENT_ERROR (
        self, RESOURCE, NOT_FOUND,
        ("Model directory \"%s\" does not exist or is not a directory.", model),
        (NULL));
    return FALSE;
  }

  name = gst_object_get_name (GST_OBJECT (self));
  GST_OBJECT_LOCK (self);
  g_free (priv->active_model);
  priv->active_model = g_steal_pointer (&model);
  g_free (priv->element_name);
  priv->element_name = g_steal_pointer (&name);
  priv->active_batch_size = MAX (batch_size, 1);
  priv->active_max_latency = max_latency;
  priv->warned_live = FALSE;
  GST_OBJECT_UNLOCK (self);

  GST_INFO_OBJECT (
      self, "loading %s (batch-size %u, max-latency %" GST_TIME_FORMAT ")",
      priv->active_model, priv->active_batch_size, GST_TIME_ARGS (max_latency));
  g_assert (klass->load != NULL && klass->process != NULL);
  if (!klass->load (self, &error)) {
    lucid_base_enc_post_load_error (self, error, priv->active_model);
    lucid_base_enc_forget_model (self);
    return FALSE;
  }

  priv->count = 0;
  priv->n_to_analyse = 0;
  priv->pending_flow = GST_FLOW_OK;
  priv->negotiated = FALSE;
  priv->deadline = 0;
  priv->flushing = FALSE;
  priv->timer_quit = FALSE;
  if (priv->active_batch_size > 1 && priv->active_max_latency > 0) {
    priv->timer = g_thread_try_new ("lucid-batch-timer",
                                    lucid_base_enc_timer_loop, self, &error);
    if (priv->timer == NULL) {
      GST_ELEMENT_ERROR (
          self, RESOURCE, FAILED,
          ("Could not start the max-latency timer thread: %s", error->message),
          (NULL));
      if (klass->unload)
        klass->unload (self);
      lucid_base_enc_forget_model (self);
      return FALSE;
    }
  }

  GST_OBJECT_LOCK (self);
  priv->loaded = TRUE;
  GST_OBJECT_UNLOCK (self);
  return TRUE;
}

static gboolean
lucid_base_enc_stop (GstBaseTransform *trans)
{
  LucidBaseEnc *self = LUCID_BASE_ENC (trans);
  LucidBaseEncPrivate *priv = GET_PRIV (self);
  LucidBaseEncClass *klass = LUCID_BASE_ENC_GET_CLASS (self);

  /* Streaming has stopped (GstBaseTransform cycled STREAM_LOCK); the timer
   * thread may still be running: stop it before touching the queue. */
  lucid_base_enc_stop_timer (self);
  lucid_base_enc_drop_held (self);

  if (priv->loaded && klass->unload)
    klass->unload (self);

  GST_OBJECT_LOCK (self);
  priv->loaded = FALSE;
  GST_OBJECT_UNLOCK (self);
  lucid_base_enc_forget_model (self);
  return TRUE;
}
