/* lucidclassify.c — classification heads over any LucidTensorMeta
 * embedding.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* clang-format off */
/**
 * SECTION:element-lucidclassify
 * @title: lucidclassify
 * @see_also: lucidvisionenc, lucidtextenc, lucidsink
 *
 * Labels the embedding an upstream Lucid encoder attached (a
 * #LucidTensorMeta) with one of three heads, and adds its own
 * `lucid-result` (kind `labels`) next to the encoder's. The media passes
 * through unchanged, with any caps; buffers without an embedding (frames
 * an encoder's interval skipped) pass untouched. So that a pipeline that
 * gives no rows says why, the element warns once when buffers carry
 * tensors but none with the #LucidClassify:tensor id (naming the ids
 * present), and at end of stream when no buffer carried an embedding at
 * all (no Lucid encoder upstream).
 *
 * * #LucidClassify:head names a head file: a linear probe (softmax,
 *   sigmoid or raw logits of weight · e + bias) or nearest centroids
 *   (cosine similarity or minus the Euclidean distance) in a
 *   `.safetensors` file whose `__metadata__` says which and names the
 *   labels — the format is in core/lucid-heads.h and docs/vision.md.
 * * #LucidClassify:text-model with #LucidClassify:labels: zero-shot. Each
 *   label, put into #LucidClassify:prompt-template, is embedded once at
 *   start by the text model, and the scores are
 *   - BERT-family text model: the cosine similarity of the embedding to
 *     each prompt (scoring `cosine`);
 *   - CLIP model directory (config.json model_type "clip"), or a CLIP
 *     text tower on its own (CLIPTextModelWithProjection, model_type
 *     "clip_text_model"): its text tower embeds the prompts
 *     (text_projection, L2-normalised). An embedding
 *     that came from the same CLIP model's image tower (a
 *     `lucid-vision-embedding` tensor whose producing model id is this
 *     model's weights SHA-256, i.e. lucidvisionenc with the same
 *     directory) gets CLIPModel's zero-shot scores, the softmax over the
 *     labels of exp(logit_scale) · cosine (scoring `clip-softmax`, the
 *     same numbers as lucidvisionenc labels=); any other embedding of the
 *     projection size gets the plain cosines (scoring `cosine`), since
 *     the logit scale was trained for this model's image tower only. A
 *     text tower on its own has no logit scale: it scores the embeddings
 *     of its image tower (lucidvisionenc on the matching
 *     CLIPVisionModelWithProjection directory) with plain cosines too.
 *   Several templates separated by '|' in #LucidClassify:prompt-template
 *   make a prompt ensemble: each label's embedding is the normalised mean
 *   of its prompts' normalised embeddings (the CLIP paper's recipe).
 *   The embeddings must come from the same model (lucidtextenc or
 *   lucidvisionenc with the same directory; for a CLIP text tower, its
 *   image tower), or the scores mean nothing: the element warns once when
 *   the producing model differs (except for vision embeddings under a CLIP
 *   text tower, whose image tower is another directory by nature: Lucid
 *   cannot check that the two towers belong together).
 *
 * The result lists the top-k labels whose score is at least
 * #LucidClassify:threshold (it may list none; a NaN score is never
 * listed). An embedding holding a NaN or an infinity is a stream error
 * (the encoder upstream failed; a score of it would mean nothing), as is
 * an empty one or one of another size than the head's. Its
 * `model-id`/`model-dir` name the head file (its SHA-256 and path) or the text
 * model, so lucidsink records which head produced each row; `input-model-id`
 * names the model that produced the embedding, `scoring` how the scores
 * were made and, for zero-shot, `prompt-template` the template used (by
 * default `a photo of {}` for a CLIP text-model, as lucidvisionenc's, and
 * `{}` for a BERT-family one).
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 videotestsrc pattern=green num-buffers=10 ! \
 *     lucidvisionenc model=tests/fixtures/tiny-vit ! \
 *     lucidclassify head=tests/fixtures/heads/centroids.safetensors top-k=1 ! \
 *     lucidsink location=out.db
 * ]|
 * |[
 * gst-launch-1.0 videotestsrc pattern=blue num-buffers=10 ! \
 *     lucidvisionenc model=tests/fixtures/tiny-clip ! \
 *     lucidclassify text-model=tests/fixtures/tiny-clip \
 *         labels="red,green,blue" prompt-template="a photo of {}" ! \
 *     lucidsink location=out.db
 * ]|
 * gives the same labels and scores as lucidvisionenc labels= with the same
 * model and prompts.
 * |[
 * gst-launch-1.0 videotestsrc pattern=blue num-buffers=10 ! \
 *     lucidvisionenc model=tests/fixtures/tiny-clip-vision ! \
 *     lucidclassify text-model=tests/fixtures/tiny-clip-text \
 *         labels="red,green,blue" \
 *         prompt-template="a photo of {}.|a drawing of {}." ! \
 *     lucidsink location=out.db
 * ]|
 * CLIP saved as two towers (CLIPVisionModelWithProjection and
 * CLIPTextModelWithProjection directories), with a prompt ensemble:
 * cosine scores.
 * |[
 * gst-launch-1.0 filesrc location=talk.srt ! subparse ! \
 *     lucidtextenc model=$LUCID_MODELS_DIR/all-MiniLM-L6-v2 \
 *         output=embedding ! \
 *     lucidclassify text-model=$LUCID_MODELS_DIR/all-MiniLM-L6-v2 \
 *         labels="sports,politics,weather" \
 *         prompt-template="This is about {}." ! \
 *     lucidsink location=out.db
 * ]|
 */
/* clang-format on */

#include "lucidclassify.h"
#include "lucidclassify-private.h"

#include <float.h>
#include <math.h>
#include <string.h>

#include "lucidelements.h"
#include "lucidmeta.h"
#include "lucidresult.h"
#include "lucid-error.h"
#include "lucid-heads.h"

GST_DEBUG_CATEGORY_STATIC (lucid_classify_debug);
#define GST_CAT_DEFAULT lucid_classify_debug

#define DEFAULT_HEAD NULL
#define DEFAULT_TEXT_MODEL NULL
#define DEFAULT_LABELS NULL
#define DEFAULT_PROMPT_TEMPLATE NULL
#define DEFAULT_TENSOR NULL
#define DEFAULT_THRESHOLD (-G_MAXDOUBLE)

/* What lucidvisionenc calls its embedding (CLIP: the projected image
 * features, L2-normalised). */
#define VISION_TENSOR_ID "lucid-vision-embedding"

enum {
  PROP_0,
  PROP_HEAD,
  PROP_TEXT_MODEL,
  PROP_LABELS,
  PROP_PROMPT_TEMPLATE,
  PROP_TENSOR,
  PROP_TOP_K,
  PROP_THRESHOLD,
};

struct _LucidClassify {
  GstBaseTransform parent;

  /* Properties, with GST_OBJECT_LOCK. */
  gchar *head_path;
  gchar *text_model;
  gchar *labels;
  gchar *prompt_template;
  gchar *tensor;
  guint top_k;
  gdouble threshold;

  /* Set in start(), cleared in stop(); read by the streaming thread. */
  LucidHead *head;
  gchar *model_id;  /* head file's or text model's SHA-256 */
  gchar *model_dir; /* head file path or text model directory */
  gchar *element_name;
  const gchar *family; /* result model-family: head kind, or "clip" */
  /* CLIP text-model: exp(logit_scale) of a whole CLIPModel; 0 for a CLIP
   * text tower on its own and for other heads. */
  gdouble clip_logit_scale;
  gboolean clip_text;     /* text-model is a CLIP model or text tower */
  gchar *template_active; /* the prompt template used (zero-shot), or NULL */
  GQuark tensor_id;       /* 0: the most recent meta's first tensor */
  guint top_k_active;
  gdouble threshold_active;
  gboolean warned_other_model;
  gboolean warned_no_match; /* metas present, none with the tensor id */
  guint64 n_buffers;        /* buffers seen since start */
  guint64 n_classified;     /* buffers that carried an embedding */
};

#define lucid_classify_parent_class parent_class
G_DEFINE_TYPE_WITH_CODE (LucidClassify, lucid_classify, GST_TYPE_BASE_TRANSFORM,
                         GST_DEBUG_CATEGORY_INIT (lucid_classify_debug,
                                                  "lucidclassify", 0,
                                                  "Lucid classification "
                                                  "heads"));
GST_ELEMENT_REGISTER_DEFINE (lucidclassify, "lucidclassify", GST_RANK_NONE,
                             LUCID_TYPE_CLASSIFY);

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE (
    "sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE (
    "src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

static void lucid_classify_finalize (GObject *object);
static void lucid_classify_set_property (GObject *object, guint prop_id,
                                         const GValue *value,
                                         GParamSpec *pspec);
static void lucid_classify_get_property (GObject *object, guint prop_id,
                                         GValue *value, GParamSpec *pspec);
static gboolean lucid_classify_start (GstBaseTransform *trans);
static gboolean lucid_classify_stop (GstBaseTransform *trans);
static gboolean lucid_classify_sink_event (GstBaseTransform *trans,
                                           GstEvent *event);
static GstFlowReturn lucid_classify_transform_ip (GstBaseTransform *trans,
                                                  GstBuffer *buffer);

static void
lucid_classify_class_init (LucidClassifyClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);
  const GParamFlags flags
      = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY;

  gobject_class->finalize = lucid_classify_finalize;
  gobject_class->set_property = lucid_classify_set_property;
  gobject_class->get_property = lucid_classify_get_property;

  /**
   * LucidClassify:head:
   *
   * A head file (.safetensors with `lucid.head` = `linear-probe` or
   * `nearest-centroid` and `lucid.labels` in its metadata). Read at start.
   */
  g_object_class_install_property (
      gobject_class, PROP_HEAD,
      g_param_spec_string (
          "head", "Head file",
          "Linear-probe or nearest-centroid head (.safetensors; format in "
          "docs/vision.md); set this or text-model + labels",
          DEFAULT_HEAD, flags));

  /**
   * LucidClassify:text-model:
   *
   * A BERT-family model, a CLIPModel or a CLIP text tower
   * (CLIPTextModelWithProjection) directory that embeds the zero-shot
   * #LucidClassify:labels. With a CLIPModel, embeddings from the same
   * model's image tower are scored as CLIPModel does (softmax of
   * exp(logit_scale) · cosine); everything else gets cosine similarities.
   */
  g_object_class_install_property (
      gobject_class, PROP_TEXT_MODEL,
      g_param_spec_string (
          "text-model", "Text model",
          "BERT-family, CLIPModel or CLIP text tower directory embedding the "
          "zero-shot labels (use the model that produced the embeddings; "
          "CLIP image embeddings of the same CLIPModel get CLIP's softmax "
          "scores)",
          DEFAULT_TEXT_MODEL, flags));

  /**
   * LucidClassify:labels:
   *
   * Zero-shot labels separated by ',' or ';' (with text-model).
   */
  g_object_class_install_property (
      gobject_class, PROP_LABELS,
      g_param_spec_string (
          "labels", "Labels",
          "Zero-shot labels separated by ',' or ';' (needs text-model)",
          DEFAULT_LABELS, flags));

  /**
   * LucidClassify:prompt-template:
   *
   * How a zero-shot label becomes the text that is embedded; `{}` stands
   * for the label. Several templates separated by `|` make a prompt
   * ensemble (each label's embedding: the normalised mean of its prompts'
   * normalised embeddings; white space around each template is ignored).
   * Unset: `a photo of {}` for a CLIP text-model (CLIP's zero-shot prompt,
   * the default of lucidvisionenc too, so both elements give the same
   * scores), `{}` (the bare label) for a BERT-family one. Results name the
   * label, and record the template used in their `prompt-template` field.
   */
  g_object_class_install_property (
      gobject_class, PROP_PROMPT_TEMPLATE,
      g_param_spec_string (
          "prompt-template", "Prompt template",
          "Text each zero-shot label is put into; '{}' stands for the label "
          "(once per template); several templates separated by '|' are "
          "averaged per label (a prompt ensemble); unset: 'a photo of {}' "
          "for a CLIP text-model, '{}' for a BERT-family one",
          DEFAULT_PROMPT_TEMPLATE, flags));

  /**
   * LucidClassify:tensor:
   *
   * Which embedding to classify, by tensor id (e.g.
   * `lucid-vision-embedding`, `lucid-text-embedding`). Unset: the first
   * tensor of the most recently added tensor meta (the nearest encoder
   * upstream).
   */
  g_object_class_install_property (
      gobject_class, PROP_TENSOR,
      g_param_spec_string (
          "tensor", "Tensor id",
          "Id of the embedding tensor to classify (e.g. "
          "lucid-vision-embedding); unset = the most recent tensor meta's "
          "first tensor",
          DEFAULT_TENSOR, flags));

  /**
   * LucidClassify:top-k:
   *
   * How many labels each result lists, best first.
   */
  g_object_class_install_property (gobject_class, PROP_TOP_K,
                                   lucid_result_param_spec_top_k (flags));

  /**
   * LucidClassify:threshold:
   *
   * Labels scoring below this are not listed (a result may then list
   * none). The default lists every top-k label.
   */
  g_object_class_install_property (
      gobject_class, PROP_THRESHOLD,
      g_param_spec_double ("threshold", "Threshold",
                           "Smallest score a listed label may have (scores "
                           "are probabilities, cosines or minus distances, "
                           "as the head says); default: no threshold",
                           -G_MAXDOUBLE, G_MAXDOUBLE, DEFAULT_THRESHOLD,
                           flags));

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (
      element_class, "Lucid classifier", "Filter/Analyzer",
      "Labels Lucid embeddings with a linear probe, nearest centroids or "
      "zero-shot text prompts",
      "The Lucid authors <https://example.invalid/lucid>");

  trans_class->start = GST_DEBUG_FUNCPTR (lucid_classify_start);
  trans_class->stop = GST_DEBUG_FUNCPTR (lucid_classify_stop);
  trans_class->transform_ip = GST_DEBUG_FUNCPTR (lucid_classify_transform_ip);
  trans_class->sink_event = GST_DEBUG_FUNCPTR (lucid_classify_sink_event);
  trans_class->transform_ip_on_passthrough = FALSE;
}

static void
lucid_classify_init (LucidClassify *self)
{
  self->prompt_template = g_strdup (DEFAULT_PROMPT_TEMPLATE);
  self->top_k = LUCID_RESULT_DEFAULT_TOP_K;
  self->threshold = DEFAULT_THRESHOLD;
  /* Metas only: the data is never touched, but metas need a writable
   * buffer (a shallow copy when it is shared). */
  gst_base_transform_set_in_place (GST_BASE_TRANSFORM (self), TRUE);
}

static void
lucid_classify_finalize (GObject *object)
{
  LucidClassify *self = LUCID_CLASSIFY (object);

  g_free (self->head_path);
  g_free (self->text_model);
  g_free (self->labels);
  g_free (self->prompt_template);
  g_free (self->tensor);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
lucid_classify_set_property (GObject *object, guint prop_id,
                             const GValue *value, GParamSpec *pspec)
{
  LucidClassify *self = LUCID_CLASSIFY (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_HEAD:
      g_free (self->head_path);
      self->head_path = g_value_dup_string (value);
      break;
    case PROP_TEXT_MODEL:
      g_free (self->text_model);
      self->text_model = g_value_dup_string (value);
      break;
    case PROP_LABELS:
      g_free (self->labels);
      self->labels = g_value_dup_string (value);
      break;
    case PROP_PROMPT_TEMPLATE:
      g_free (self->prompt_template);
      self->prompt_template = g_value_dup_string (value);
      break;
    case PROP_TENSOR:
      g_free (self->tensor);
      self->tensor = g_value_dup_string (value);
      break;
    case PROP_TOP_K:
      self->top_k = g_value_get_uint (value);
      break;
    case PROP_THRESHOLD:
      self->threshold = g_value_get_double (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
lucid_classify_get_property (GObject *object, guint prop_id, GValue *value,
                             GParamSpec *pspec)
{
  LucidClassify *self = LUCID_CLASSIFY (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_HEAD:
      g_value_set_string (value, self->head_path);
      break;
    case PROP_TEXT_MODEL:
      g_value_set_string (value, self->text_model);
      break;
    case PROP_LABELS:
      g_value_set_string (value, self->labels);
      break;
    case PROP_PROMPT_TEMPLATE:
      g_value_set_string (value, self->prompt_template);
      break;
    case PROP_TENSOR:
      g_value_set_string (value, self->tensor);
      break;
    case PROP_TOP_K:
      g_value_set_uint (value, self->top_k);
      break;
    case PROP_THRESHOLD:
      g_value_set_double (value, self->threshold);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

/* ------------------------------------------------------------------------ */
/* Start and stop                                                            */

/* A copy of @s, or NULL when @s is NULL or "". */
static gchar *
dup_unless_empty (const gchar *s)
{
  return s != NULL && *s != '\0' ? g_strdup (s) : NULL;
}

static gboolean
lucid_classify_start (GstBaseTransform *trans)
{
  LucidClassify *self = LUCID_CLASSIFY (trans);
  g_autofree gchar *head_path = NULL, *text_model = NULL, *labels = NULL;
  g_autofree gchar *template = NULL, *tensor = NULL;
  g_autoptr (GError) error = NULL;
  gboolean have_labels;

  /* An empty string (head="" on a gst-launch line, a property cleared
   * with "") counts as unset, so the checks below see NULL. */
  GST_OBJECT_LOCK (self);
  head_path = dup_unless_empty (self->head_path);
  text_model = dup_unless_empty (self->text_model);
  labels = dup_unless_empty (self->labels);
  template = g_strdup (self->prompt_template);
  tensor = dup_unless_empty (self->tensor);
  self->top_k_active = self->top_k;
  self->threshold_active = self->threshold;
  GST_OBJECT_UNLOCK (self);

  have_labels = labels != NULL;
  if ((head_path != NULL) == (text_model != NULL)) {
    GST_ELEMENT_ERROR (
        self, RESOURCE, SETTINGS,
        ("Set either head= (a head file) or text-model= with labels= "
         "(zero-shot), not %s.",
         head_path ? "both" : "neither"),
        (NULL));
    return FALSE;
  }
  if (text_model != NULL && !have_labels) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
                       ("text-model= needs labels= (the zero-shot labels)."),
                       (NULL));
    return FALSE;
  }
  if (head_path != NULL && have_labels) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
                       ("labels= goes with text-model=; a head file names its "
                        "own labels (%s).",
                        head_path),
                       (NULL));
    return FALSE;
  }

  if (head_path != NULL) {
    self->head = lucid_head_load (head_path, &error);
    if (self->head != NULL) {
      self->model_id = g_strdup (lucid_head_get_sha256 (self->head));
      self->model_dir = g_strdup (head_path);
    }
  } else {
    self->head = lucid_classify_zero_shot_head (
        text_model, labels, template, &self->model_id, &self->clip_text,
        &self->clip_logit_scale, &self->template_active, &error);
    if (self->head != NULL)
      self->model_dir = g_strdup (text_model);
  }
  if (self->head == NULL) {
    /* stop() is not called after a failed start(). */
    g_clear_pointer (&self->template_active, g_free);
    if (error->domain == LUCID_ERROR
        && (error->code == LUCID_ERROR_MISSING
            || error->code == LUCID_ERROR_IO))
      GST_ELEMENT_ERROR (self, RESOURCE, NOT_FOUND, ("%s", error->message),
                         (NULL));
    else
      GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("%s", error->message),
                         (NULL));
    return FALSE;
  }

  self->tensor_id = tensor ? g_quark_from_string (tensor) : 0;
  self->element_name = gst_object_get_name (GST_OBJECT (self));
  /* The models row of a CLIP text-model says what the directory is, as
   * lucidvisionenc's row for the same directory does. */
  self->family
      = self->clip_text
            ? "clip"
            : lucid_head_kind_to_string (lucid_head_get_kind (self->head));
  self->warned_other_model = FALSE;
  self->warned_no_match = FALSE;
  self->n_buffers = self->n_classified = 0;
  GST_INFO_OBJECT (self, "%s head (%s), %u labels of %u-value embeddings",
                   lucid_head_kind_to_string (lucid_head_get_kind (self->head)),
                   lucid_head_get_scoring (self->head),
                   lucid_head_get_num_labels (self->head),
                   lucid_head_get_dim (self->head));
  return TRUE;
}

static gboolean
lucid_classify_stop (GstBaseTransform *trans)
{
  LucidClassify *self = LUCID_CLASSIFY (trans);

  g_clear_pointer (&self->head, lucid_head_free);
  g_clear_pointer (&self->model_id, g_free);
  g_clear_pointer (&self->model_dir, g_free);
  g_clear_pointer (&self->element_name, g_free);
  g_clear_pointer (&self->template_active, g_free);
  self->clip_logit_scale = 0;
  self->clip_text = FALSE;
  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* Streaming                                                                 */

/* The tensor to classify: the last match (most recently added meta).
 * Without one, *@present gets the ids of the tensors there are (NULL when
 * the buffer carries no tensor meta at all, as for frames an encoder's
 * interval skipped). */
static LucidTensor *
find_embedding (LucidClassify *self, GstBuffer *buffer, const gchar **model_id,
                GString **present)
{
  LucidTensor *found = NULL;
  gpointer state = NULL;
  LucidTensorMeta *meta;

  *present = NULL;
  while ((meta = lucid_buffer_iterate_tensor_metas (buffer, &state))) {
    for (gsize i = 0; i < meta->num_tensors; i++) {
      LucidTensor *t = meta->tensors[i];

      if (t != NULL && found == NULL) {
        if (*present == NULL)
          *present = g_string_new (NULL);
        else
          g_string_append (*present, ", ");
        g_string_append (*present, g_quark_to_string (t->id));
      }
      if (t == NULL || (self->tensor_id != 0 && t->id != self->tensor_id))
        continue;
      found = t;
      *model_id = meta->model_id;
      if (self->tensor_id == 0)
        break; /* the first tensor of this meta */
    }
  }
  if (found != NULL && *present != NULL) {
    g_string_free (*present, TRUE);
    *present = NULL;
  }
  return found;
}

/* At EOS, a stream in which no buffer carried an embedding is worth a
 * warning: no row came out, and nothing else would say why. */
static gboolean
lucid_classify_sink_event (GstBaseTransform *trans, GstEvent *event)
{
  LucidClassify *self = LUCID_CLASSIFY (trans);

  if (GST_EVENT_TYPE (event) == GST_EVENT_EOS && self->n_buffers > 0
      && self->n_classified == 0 && !self->warned_no_match)
    GST_ELEMENT_WARNING (
        self, STREAM, FORMAT,
        ("None of the %" G_GUINT64_FORMAT " buffers carried an embedding "
         "(a LucidTensorMeta%s%s): nothing was classified. Put a Lucid "
         "encoder (lucidvisionenc, lucidtextenc) upstream.",
         self->n_buffers, self->tensor_id ? " with tensor " : "",
         self->tensor_id ? g_quark_to_string (self->tensor_id) : ""),
        (NULL));
  return GST_BASE_TRANSFORM_CLASS (parent_class)->sink_event (trans, event);
}

/* CLIPModel's zero-shot scores from the cosines in @scores, in place:
 * softmax over the labels of @scale · cosine (logits_per_image.softmax(-1)),
 * in double. */
static void
clip_softmax (double *scores, guint n, double scale)
{
  double max = -INFINITY, sum = 0;

  for (guint i = 0; i < n; i++)
    max = MAX (max, scale * scores[i]);
  for (guint i = 0; i < n; i++) {
    scores[i] = exp (scale * scores[i] - max);
    sum += scores[i];
  }
  for (guint i = 0; i < n; i++)
    scores[i] /= sum;
}

/* Index of the first NaN or infinity of @v, or -1. */
static gint
first_non_finite (const float *v, guint n)
{
  for (guint i = 0; i < n; i++)
    if (!isfinite (v[i]))
      return (gint)i;
  return -1;
}

static GstFlowReturn
lucid_classify_transform_ip (GstBaseTransform *trans, GstBuffer *buffer)
{
  LucidClassify *self = LUCID_CLASSIFY (trans);
  const gchar *input_model = NULL;
  GString *present = NULL;
  LucidTensor *t = find_embedding (self, buffer, &input_model, &present);
  g_autoptr (GError) error = NULL;
  g_autofree double *scores = NULL;
  g_autofree const gchar **names = NULL;
  guint n_labels, dim = 1;
  const gchar *scoring;
  gboolean clip_scores;
  GstStructure *s;
  GstMapInfo map;
  gboolean ok;

  self->n_buffers++;
  if (t == NULL) {
    /* Tensors there, but not the one asked for: say which there are, once
     * (tensor= is probably misspelt). */
    if (present != NULL && !self->warned_no_match) {
      self->warned_no_match = TRUE;
      GST_ELEMENT_WARNING (
          self, STREAM, FORMAT,
          ("No tensor %s on the buffers: they carry %s. Set tensor= to one "
           "of these (or leave it unset for the most recent embedding).",
           g_quark_to_string (self->tensor_id), present->str),
          (NULL));
    }
    if (present != NULL)
      g_string_free (present, TRUE);
    return GST_FLOW_OK;
  }
  self->n_classified++;

  if (t->data_type != LUCID_TENSOR_DATA_TYPE_FLOAT32 || t->data == NULL) {
    GST_ELEMENT_ERROR (self, STREAM, FORMAT,
                       ("The embedding tensor %s is not float32 (data type "
                        "%d); lucidclassify reads float32 embeddings.",
                        g_quark_to_string (t->id), t->data_type),
                       (NULL));
    return GST_FLOW_ERROR;
  }
  for (gsize i = 0; i < t->num_dims && dim > 0; i++)
    dim = (t->dims[i] > G_MAXINT / 4 / dim) ? G_MAXINT : dim * t->dims[i];
  if (dim == 0) {
    /* A dimension of size 0 (lucid_tensor_new_f32() allows it). */
    GST_ELEMENT_ERROR (
        self, STREAM, FORMAT,
        ("The embedding tensor %s is empty (a dimension of "
         "size 0); %s needs a %u-value embedding.",
         g_quark_to_string (t->id), self->model_dir,
         lucid_head_get_dim (self->head)),
        ("tensor of model %s", input_model ? input_model : "(unknown)"));
    return GST_FLOW_ERROR;
  }

  /* A CLIP text tower on its own pairs with an image tower saved apart
   * (another weights file, so another model id): Lucid cannot tell whether
   * the two were trained together, and does not warn about vision
   * embeddings. */
  if (self->model_dir
      && lucid_head_get_kind (self->head) == LUCID_HEAD_ZERO_SHOT
      && !self->warned_other_model
      && g_strcmp0 (input_model, self->model_id) != 0
      && !(self->clip_text && self->clip_logit_scale == 0
           && g_strcmp0 (g_quark_to_string (t->id), VISION_TENSOR_ID) == 0)) {
    self->warned_other_model = TRUE;
    GST_ELEMENT_WARNING (
        self, STREAM, FORMAT,
        ("The embeddings come from another model than text-model=%s: "
         "zero-shot cosines across models are not meaningful.",
         self->model_dir),
        ("embedding model %s, text model %s",
         input_model ? input_model : "(unknown)", self->model_id));
  }

  if (!gst_buffer_map (t->data, &map, GST_MAP_READ))
    return GST_FLOW_ERROR;
  n_labels = lucid_head_get_num_labels (self->head);
  scores = g_new (double, n_labels);
  ok = map.size >= (gsize)dim * sizeof (float);
  if (ok) {
    gint bad = first_non_finite ((const float *)map.data, dim);
    if (bad >= 0) {
      GST_ELEMENT_ERROR (
          self, STREAM, FORMAT,
          ("The embedding tensor %s holds a non-finite value (%g at index "
           "%d): the encoder upstream produced no usable embedding; "
           "lucidclassify does not score it.",
           g_quark_to_string (t->id), ((const float *)map.data)[bad], bad),
          ("tensor of model %s", input_model ? input_model : "(unknown)"));
      gst_buffer_unmap (t->data, &map);
      return GST_FLOW_ERROR;
    }
  }
  ok = ok
       && lucid_head_score (self->head, (const float *)map.data, dim, scores,
                            &error);
  gst_buffer_unmap (t->data, &map);
  if (!ok) {
    GST_ELEMENT_ERROR (
        self, STREAM, FORMAT,
        ("%s: %s", self->model_dir,
         error ? error->message : "the embedding tensor is truncated"),
        ("tensor %s of model %s", g_quark_to_string (t->id),
         input_model ? input_model : "(unknown)"));
    return GST_FLOW_ERROR;
  }

  /* A CLIP text-model scores its own image tower's embeddings as CLIPModel
   * does; the cosines stay for anything else. */
  clip_scores = self->clip_logit_scale > 0
                && g_strcmp0 (input_model, self->model_id) == 0
                && g_strcmp0 (g_quark_to_string (t->id), VISION_TENSOR_ID) == 0;
  scoring = lucid_head_get_scoring (self->head);
  if (clip_scores) {
    clip_softmax (scores, n_labels, self->clip_logit_scale);
    scoring = "clip-softmax";
  }

  names = g_new (const gchar *, n_labels);
  for (guint i = 0; i < n_labels; i++)
    names[i] = lucid_head_get_label (self->head, i);

  s = lucid_result_new (self->element_name, "labels", self->model_id,
                        self->model_dir, self->family);
  gst_structure_set (s, "scoring", G_TYPE_STRING, scoring, "input-tensor",
                     G_TYPE_STRING, g_quark_to_string (t->id), NULL);
  if (clip_scores)
    gst_structure_set (s, "logit-scale", G_TYPE_DOUBLE, self->clip_logit_scale,
                       NULL);
  if (input_model)
    gst_structure_set (s, "input-model-id", G_TYPE_STRING, input_model, NULL);
  if (self->template_active)
    gst_structure_set (s, "prompt-template", G_TYPE_STRING,
                       self->template_active, NULL);
  lucid_result_set_top_k (s, scores, names, n_labels, self->top_k_active,
                          self->threshold_active);
  lucid_buffer_add_result (buffer, s);
  return GST_FLOW_OK;
}
