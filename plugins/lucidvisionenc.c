/* lucidvisionenc.c — the vision encoder element (ViT and CLIP, through
 * core/lucid-vision-model).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/**
 * SECTION:element-lucidvisionenc
 * @title: lucidvisionenc
 * @see_also: lucidclassify, lucidsink, lucidtextenc
 *
 * Runs a vision transformer over video frames and attaches the result as
 * metas. Frames pass through unchanged, with their caps. The model is a
 * Hugging Face style directory: a ViT (ViTModel or
 * ViTForImageClassification: config.json, model.safetensors,
 * preprocessor_config.json), a CLIP model (CLIPModel: the same plus
 * tokenizer.json) or a CLIP image tower on its own
 * (CLIPVisionModelWithProjection or CLIPVisionModel, model_type
 * "clip_vision_model"), told apart by config.json's model_type.
 *
 * Frames of any size are accepted in the 34 raw formats of the sink
 * template (what decoders, cameras and videoconvert commonly produce; a
 * rarer one such as v210, GBR or A420 needs a videoconvert in front): the
 * element converts each analysed frame to 8-bit RGB itself and then
 * resizes, crops, rescales and normalises it exactly as the model's
 * preprocessor_config.json says (as transformers' PIL-based image
 * processor does), so no videoscale or capsfilter is ever needed in front of
 * it.
 *
 * Every analysed frame gets
 *
 * * a #LucidTensorMeta holding one float32 tensor `lucid-vision-embedding`
 *   of dims [D]: for ViT the CLS token after the final LayerNorm (what a
 *   ViTForImageClassification head reads; D = hidden_size), for CLIP the
 *   image features after visual_projection, L2-normalised (D =
 *   projection_dim; CLIPModel.get_image_features() / its norm; the same
 *   for CLIPVisionModelWithProjection's image_embeds), for a
 *   CLIPVisionModel its pooler_output as is (D = hidden_size);
 * * one `lucid-result` structure (see lucidmeta.h) with `kind` `labels`
 *   (label/score/labels/scores: the top-k of the scores of the model's
 *   classification head — its logits through the function transformers'
 *   ImageClassificationPipeline applies: softmax, or sigmoid when
 *   config.json's `problem_type` is `multi_label_classification` or there
 *   is one label, the raw logits for `regression` — or of the zero-shot
 *   prompts' softmax) or `embedding` (a model without a head and no
 *   labels), plus the analysed frame's `width` and `height`;
 *   `model-family` is `vit` or `clip`. A `labels` result also records
 *   `scoring` (`softmax`, `sigmoid` or `identity` for the head,
 *   `clip-softmax` for zero-shot labels) and, for zero-shot labels, the
 *   `prompt-template` used; lucidsink keeps both in the row's extras.
 *
 * With #LucidBaseEnc:interval N only every Nth frame is analysed; the others
 * pass through untouched, without metas. Batching (#LucidBaseEnc:batch-size,
 * #LucidBaseEnc:max-latency) comes from the base class.
 *
 * Zero-shot labels (#LucidVisionEnc:labels with
 * #LucidVisionEnc:prompt-template) need a CLIPModel: each label is put
 * into the template, the prompts are embedded once at start by CLIP's text
 * tower, and every analysed frame gets the softmax over the labels of
 * exp(logit_scale) · cosine(image, prompt), exactly CLIPModel's
 * logits_per_image.softmax(-1). Several templates separated by '|'
 * (`prompt-template="a photo of {}.|a drawing of {}."`) make a prompt
 * ensemble: each label's text embedding is the normalised mean of its
 * prompts' normalised embeddings, as in the CLIP paper. Setting labels on
 * a ViT model or a CLIP image tower on its own fails at start ("labels=
 * needs a CLIP model" / "labels= needs a text tower"): label an image
 * tower's embeddings with lucidclassify text-model= a CLIP text tower, and
 * ViT embeddings with lucidclassify's linear probe or nearest centroids.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 videotestsrc num-buffers=90 ! \
 *     lucidvisionenc model=tests/fixtures/tiny-vit interval=30 ! \
 *     fakesink
 * ]|
 * |[
 * gst-launch-1.0 filesrc location=clip.ogv ! decodebin ! \
 *     lucidvisionenc model=$LUCID_MODELS_DIR/vit-base-patch16-224 \
 *         interval=25 top-k=5 ! \
 *     lucidsink location=out.db store-embeddings=true
 * ]|
 * labels one frame a second of a 25 fps file with the model's ImageNet
 * head and stores labels, scores and embeddings in out.db.
 * |[
 * gst-launch-1.0 videotestsrc pattern=blue num-buffers=10 ! \
 *     lucidvisionenc model=tests/fixtures/tiny-clip \
 *         labels="red,green,blue" prompt-template="a photo of {}" ! \
 *     lucidsink location=out.db
 * ]|
 * zero-shot labels with CLIP (the fixture's random weights make them
 * meaningless; a real CLIP model's are not).
 * |[
 * gst-launch-1.0 videotestsrc pattern=blue num-buffers=10 ! \
 *     lucidvisionenc model=tests/fixtures/tiny-clip labels="red,green,blue" \
 *         prompt-template="a photo of {}.|a drawing of {}.|the colour {}" ! \
 *     lucidsink location=out.db
 * ]|
 * the same with a prompt ensemble of three templates per label.
 */

#include "lucidvisionenc.h"

#include <math.h>

#include <gst/video/video.h>

#include "lucidelements.h"
#include "lucidmeta.h"
#include "lucidresult.h"
#include "lucid-error.h"
#include "lucid-vision-model.h"

GST_DEBUG_CATEGORY_STATIC (lucid_vision_enc_debug);
#define GST_CAT_DEFAULT lucid_vision_enc_debug

#define DEFAULT_LABELS NULL
#define DEFAULT_PROMPT_TEMPLATE "a photo of {}"

#define EMBEDDING_TENSOR_ID "lucid-vision-embedding"

enum {
  PROP_0,
  PROP_LABELS,
  PROP_PROMPT_TEMPLATE,
  PROP_TOP_K,
};

struct _LucidVisionEnc {
  LucidBaseEnc parent;

  /* Properties, with GST_OBJECT_LOCK. */
  gchar *labels;
  gchar *prompt_template;
  guint top_k;

  /* Set in load(), cleared in unload(); used by set_caps() and process()
   * (both under STREAM_LOCK). */
  LucidVisionModel *model;
  const gchar *family;
  guint top_k_active;
  GPtrArray *label_names; /* gchar*: what results call score i */
  gchar *template_active; /* prompt-template of labels=, or NULL */
  float *pixels;          /* [batch-size × pixels_per_image] */
  guint pixels_capacity;  /* images */

  /* With STREAM_LOCK: the negotiated input and its RGB conversion. */
  gboolean have_info;
  GstVideoInfo info;
  GstVideoInfo rgb_info;
  GstVideoConverter *converter; /* NULL when the input is RGB already */
  GstBuffer *rgb;               /* converter output, one frame */
};

#define lucid_vision_enc_parent_class parent_class
G_DEFINE_TYPE_WITH_CODE (LucidVisionEnc, lucid_vision_enc, LUCID_TYPE_BASE_ENC,
                         GST_DEBUG_CATEGORY_INIT (lucid_vision_enc_debug,
                                                  "lucidvisionenc", 0,
                                                  "Lucid vision encoder"));
GST_ELEMENT_REGISTER_DEFINE (lucidvisionenc, "lucidvisionenc", GST_RANK_NONE,
                             LUCID_TYPE_VISION_ENC);

/* Raw formats in system memory that GstVideoConverter turns into RGB: what
 * videoconvert, decoders and cameras commonly produce. */
#define VISION_FORMATS                                                         \
  "{ RGB, BGR, RGBx, BGRx, xRGB, xBGR, RGBA, BGRA, ARGB, ABGR, RGB16, "        \
  "BGR16, I420, YV12, NV12, NV21, NV16, NV61, NV24, Y41B, Y42B, Y444, YUY2, "  \
  "UYVY, YVYU, AYUV, v308, GRAY8, GRAY16_LE, GRAY16_BE, I420_10LE, "           \
  "I422_10LE, Y444_10LE, P010_10LE }"
#define VISION_CAPS GST_VIDEO_CAPS_MAKE (VISION_FORMATS)

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE (
    "sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS (VISION_CAPS));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE (
    "src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS (VISION_CAPS));

static void lucid_vision_enc_finalize (GObject *object);
static void lucid_vision_enc_set_property (GObject *object, guint prop_id,
                                           const GValue *value,
                                           GParamSpec *pspec);
static void lucid_vision_enc_get_property (GObject *object, guint prop_id,
                                           GValue *value, GParamSpec *pspec);
static gboolean lucid_vision_enc_set_caps (GstBaseTransform *trans,
                                           GstCaps *incaps, GstCaps *outcaps);
static gboolean lucid_vision_enc_load (LucidBaseEnc *base, GError **error);
static void lucid_vision_enc_unload (LucidBaseEnc *base);
static gboolean lucid_vision_enc_process (LucidBaseEnc *base,
                                          GstBuffer **buffers, guint n,
                                          GError **error);

static void
lucid_vision_enc_class_init (LucidVisionEncClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);
  LucidBaseEncClass *base_class = LUCID_BASE_ENC_CLASS (klass);

  gobject_class->finalize = lucid_vision_enc_finalize;
  gobject_class->set_property = lucid_vision_enc_set_property;
  gobject_class->get_property = lucid_vision_enc_get_property;

  /**
   * LucidVisionEnc:labels:
   *
   * Zero-shot labels, separated by commas or semicolons. Each is put into
   * #LucidVisionEnc:prompt-template, embedded once at start by the model's
   * text tower, and every frame gets the top-k labels by CLIP's softmax
   * over logit_scale · cosine similarity. Needs a CLIPModel: with a ViT
   * model or a CLIP image tower on its own the element fails at start.
   */
  g_object_class_install_property (
      gobject_class, PROP_LABELS,
      g_param_spec_string (
          "labels", "Labels",
          "Zero-shot labels separated by ',' or ';' (e.g. \"cat,dog,car\"), "
          "embedded through prompt-template by the model's text tower; "
          "needs a CLIPModel (a ViT or a CLIP image tower alone fails at "
          "start)",
          DEFAULT_LABELS,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
              | GST_PARAM_MUTABLE_READY));

  /**
   * LucidVisionEnc:prompt-template:
   *
   * How a zero-shot label becomes a prompt: `{}` is replaced by the label.
   * Several templates separated by `|` make a prompt ensemble: each
   * label's embedding is the normalised mean of its prompts' normalised
   * embeddings (white space around each template is ignored). Results
   * name the label, not the prompt.
   */
  g_object_class_install_property (
      gobject_class, PROP_PROMPT_TEMPLATE,
      g_param_spec_string (
          "prompt-template", "Prompt template",
          "Prompt each zero-shot label is put into; '{}' stands for the "
          "label (once per template); several templates separated by '|' "
          "are averaged per label (a prompt ensemble)",
          DEFAULT_PROMPT_TEMPLATE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
              | GST_PARAM_MUTABLE_READY));

  /**
   * LucidVisionEnc:top-k:
   *
   * How many labels (and scores) each result lists, best first.
   */
  g_object_class_install_property (
      gobject_class, PROP_TOP_K,
      lucid_result_param_spec_top_k (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
                                     | GST_PARAM_MUTABLE_READY));

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (
      element_class, "Lucid vision encoder", "Filter/Analyzer/Video",
      "Runs a vision transformer (ViT, or CLIP with zero-shot labels) over "
      "video frames of any size and format and attaches image embeddings "
      "and labels with scores as metas",
      "The Lucid authors <https://example.invalid/lucid>");

  trans_class->set_caps = GST_DEBUG_FUNCPTR (lucid_vision_enc_set_caps);

  base_class->load = GST_DEBUG_FUNCPTR (lucid_vision_enc_load);
  base_class->unload = GST_DEBUG_FUNCPTR (lucid_vision_enc_unload);
  base_class->process = GST_DEBUG_FUNCPTR (lucid_vision_enc_process);
}

static void
lucid_vision_enc_init (LucidVisionEnc *self)
{
  self->labels = g_strdup (DEFAULT_LABELS);
  self->prompt_template = g_strdup (DEFAULT_PROMPT_TEMPLATE);
  self->top_k = LUCID_RESULT_DEFAULT_TOP_K;
}

static void
lucid_vision_enc_clear_caps (LucidVisionEnc *self)
{
  g_clear_pointer (&self->converter, gst_video_converter_free);
  gst_clear_buffer (&self->rgb);
  self->have_info = FALSE;
}

static void
lucid_vision_enc_finalize (GObject *object)
{
  LucidVisionEnc *self = LUCID_VISION_ENC (object);

  lucid_vision_enc_clear_caps (self);
  g_free (self->labels);
  g_free (self->prompt_template);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
lucid_vision_enc_set_property (GObject *object, guint prop_id,
                               const GValue *value, GParamSpec *pspec)
{
  LucidVisionEnc *self = LUCID_VISION_ENC (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_LABELS:
      g_free (self->labels);
      self->labels = g_value_dup_string (value);
      break;
    case PROP_PROMPT_TEMPLATE:
      g_free (self->prompt_template);
      self->prompt_template = g_value_dup_string (value);
      break;
    case PROP_TOP_K:
      self->top_k = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
lucid_vision_enc_get_property (GObject *object, guint prop_id, GValue *value,
                               GParamSpec *pspec)
{
  LucidVisionEnc *self = LUCID_VISION_ENC (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_LABELS:
      g_value_set_string (value, self->labels);
      break;
    case PROP_PROMPT_TEMPLATE:
      g_value_set_string (value, self->prompt_template);
      break;
    case PROP_TOP_K:
      g_value_set_uint (value, self->top_k);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

/* ------------------------------------------------------------------------ */
/* Caps                                                                      */

static gboolean
lucid_vision_enc_set_caps (GstBaseTransform *trans, GstCaps *incaps,
                           GstCaps *outcaps)
{
  LucidVisionEnc *self = LUCID_VISION_ENC (trans);
  g_autoptr (GError) error = NULL;
  GstVideoInfo info;
  guint width, height;

  lucid_vision_enc_clear_caps (self);
  if (!gst_video_info_from_caps (&info, incaps)) {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
                       ("Cannot analyse video with caps %" GST_PTR_FORMAT
                        ": incomplete or invalid video caps.",
                        incaps),
                       (NULL));
    return FALSE;
  }
  width = GST_VIDEO_INFO_WIDTH (&info);
  height = GST_VIDEO_INFO_HEIGHT (&info);

  /* set_caps runs after start, so the model is there. */
  if (self->model != NULL
      && !lucid_vision_model_check_frame_size (self->model, width, height,
                                               &error)) {
    GST_ELEMENT_ERROR (self, STREAM, FORMAT, ("%s", error->message),
                       ("caps %" GST_PTR_FORMAT, incaps));
    return FALSE;
  }

  gst_video_info_set_format (&self->rgb_info, GST_VIDEO_FORMAT_RGB, width,
                             height);
  /* GstVideoConverter converts colour, not time or layout: these must
   * match. */
  GST_VIDEO_INFO_FPS_N (&self->rgb_info) = GST_VIDEO_INFO_FPS_N (&info);
  GST_VIDEO_INFO_FPS_D (&self->rgb_info) = GST_VIDEO_INFO_FPS_D (&info);
  GST_VIDEO_INFO_PAR_N (&self->rgb_info) = GST_VIDEO_INFO_PAR_N (&info);
  GST_VIDEO_INFO_PAR_D (&self->rgb_info) = GST_VIDEO_INFO_PAR_D (&info);
  GST_VIDEO_INFO_INTERLACE_MODE (&self->rgb_info)
      = GST_VIDEO_INFO_INTERLACE_MODE (&info);
  if (GST_VIDEO_INFO_FORMAT (&info) != GST_VIDEO_FORMAT_RGB) {
    /* Same size: the model's own preprocessing resizes, as the reference
     * does, from full-resolution RGB. One thread: frames are small next to
     * the forward pass, and the compute pool is busy with that. */
    self->converter = gst_video_converter_new (&info, &self->rgb_info, NULL);
    if (self->converter == NULL) {
      GST_ELEMENT_ERROR (
          self, CORE, NEGOTIATION,
          ("Cannot convert %s video to RGB for analysis.",
           gst_video_format_to_string (GST_VIDEO_INFO_FORMAT (&info))),
          ("caps %" GST_PTR_FORMAT, incaps));
      return FALSE;
    }
    self->rgb = gst_buffer_new_allocate (NULL, self->rgb_info.size, NULL);
  }
  self->info = info;
  self->have_info = TRUE;
  GST_DEBUG_OBJECT (self, "input %s %ux%u%s",
                    gst_video_format_to_string (GST_VIDEO_INFO_FORMAT (&info)),
                    width, height, self->converter ? ", converted to RGB" : "");
  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* Model life cycle                                                          */

static gboolean
lucid_vision_enc_load (LucidBaseEnc *base, GError **error)
{
  LucidVisionEnc *self = LUCID_VISION_ENC (base);
  const gchar *dir = lucid_base_enc_get_model_dir (base);
  g_autoptr (LucidVisionModel) model = NULL;
  g_autoptr (GPtrArray) labels = NULL;
  g_autofree gchar *labels_prop = NULL;
  g_autofree gchar *template = NULL;
  guint top_k, batch;

  GST_OBJECT_LOCK (self);
  labels_prop = g_strdup (self->labels);
  template = g_strdup (self->prompt_template);
  top_k = self->top_k;
  GST_OBJECT_UNLOCK (self);

  model = lucid_vision_model_load (dir, error);
  if (model == NULL)
    return FALSE;

  labels = lucid_result_parse_labels_checked (labels_prop, "labels", error);
  if (labels == NULL)
    return FALSE;
  if (labels->len > 0) {
    guint n_templates = 1;
    g_autoptr (GPtrArray) prompts = lucid_result_label_prompt_ensemble (
        labels, template, &n_templates, error);

    if (prompts == NULL)
      return FALSE;
    if (!lucid_vision_model_set_zero_shot (
            model, (const char *const *)labels->pdata, labels->len,
            (const char *const *)prompts->pdata, n_templates, error))
      return FALSE;
    self->template_active = g_strdup (template);
  }

  /* What results call each score: the label (not its prompt) or the head's
   * id2label name. */
  self->label_names = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < lucid_vision_model_get_num_scores (model); i++)
    g_ptr_array_add (self->label_names,
                     g_strdup (lucid_vision_model_get_score_label (model, i)));

  batch = lucid_base_enc_get_batch_size (base);
  self->pixels = g_new (float, lucid_vision_model_get_pixels_per_image (model)
                                   * MAX (batch, 1));
  self->pixels_capacity = MAX (batch, 1);
  self->top_k_active = top_k;
  lucid_base_enc_set_model_id (base, lucid_vision_model_get_sha256 (model));
  self->family
      = lucid_vision_family_to_string (lucid_vision_model_get_family (model));
  self->model = g_steal_pointer (&model);

  GST_INFO_OBJECT (self, "loaded %s (%s): embedding %u, %u labels", dir,
                   self->family,
                   lucid_vision_model_get_embedding_dim (self->model),
                   self->label_names->len);
  return TRUE;
}

static void
lucid_vision_enc_unload (LucidBaseEnc *base)
{
  LucidVisionEnc *self = LUCID_VISION_ENC (base);

  g_clear_pointer (&self->model, lucid_vision_model_free);
  g_clear_pointer (&self->label_names, g_ptr_array_unref);
  g_clear_pointer (&self->template_active, g_free);
  g_clear_pointer (&self->pixels, g_free);
  self->pixels_capacity = 0;
  lucid_vision_enc_clear_caps (self);
}

/* ------------------------------------------------------------------------ */
/* Analysis                                                                  */

/* Converts @buffer's frame to RGB and preprocesses it into @pixels. */
static gboolean
lucid_vision_enc_prepare (LucidVisionEnc *self, GstBuffer *buffer,
                          float *pixels, GError **error)
{
  GstVideoFrame in, rgb;
  gboolean ok;

  if (!gst_video_frame_map (&in, &self->info, buffer, GST_MAP_READ)) {
    g_set_error (
        error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT,
        "a frame of %" G_GSIZE_FORMAT " bytes cannot be read as %s %dx%d "
        "video (%" G_GSIZE_FORMAT " bytes expected)",
        gst_buffer_get_size (buffer),
        gst_video_format_to_string (GST_VIDEO_INFO_FORMAT (&self->info)),
        GST_VIDEO_INFO_WIDTH (&self->info), GST_VIDEO_INFO_HEIGHT (&self->info),
        self->info.size);
    return FALSE;
  }

  if (self->converter == NULL) {
    ok = lucid_vision_model_preprocess_rgb8 (
        self->model, GST_VIDEO_FRAME_PLANE_DATA (&in, 0),
        GST_VIDEO_FRAME_WIDTH (&in), GST_VIDEO_FRAME_HEIGHT (&in),
        GST_VIDEO_FRAME_PLANE_STRIDE (&in, 0), pixels, error);
    gst_video_frame_unmap (&in);
    return ok;
  }

  if (!gst_video_frame_map (&rgb, &self->rgb_info, self->rgb, GST_MAP_WRITE)) {
    gst_video_frame_unmap (&in);
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_IO,
                 "could not map the RGB conversion buffer");
    return FALSE;
  }
  gst_video_converter_frame (self->converter, &in, &rgb);
  gst_video_frame_unmap (&in);
  ok = lucid_vision_model_preprocess_rgb8 (
      self->model, GST_VIDEO_FRAME_PLANE_DATA (&rgb, 0),
      GST_VIDEO_FRAME_WIDTH (&rgb), GST_VIDEO_FRAME_HEIGHT (&rgb),
      GST_VIDEO_FRAME_PLANE_STRIDE (&rgb, 0), pixels, error);
  gst_video_frame_unmap (&rgb);
  return ok;
}

static gboolean
lucid_vision_enc_process (LucidBaseEnc *base, GstBuffer **buffers, guint n,
                          GError **error)
{
  LucidVisionEnc *self = LUCID_VISION_ENC (base);
  GQuark tensor_id = g_quark_from_static_string (EMBEDDING_TENSOR_ID);
  const gchar *dir = lucid_base_enc_get_model_dir (base);
  gsize per = lucid_vision_model_get_pixels_per_image (self->model);
  LucidVisionOutput out;
  g_autofree double *scores = NULL;

  if (!self->have_info) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT,
                 "a frame arrived before its caps");
    return FALSE;
  }
  if (n > self->pixels_capacity) {
    self->pixels = g_renew (float, self->pixels, per *n);
    self->pixels_capacity = n;
  }
  for (guint i = 0; i < n; i++)
    if (!lucid_vision_enc_prepare (self, buffers[i], self->pixels + per * i,
                                   error))
      return FALSE;

  if (!lucid_vision_model_encode (self->model, self->pixels, n, &out, error))
    return FALSE;
  if (out.n_images != n || out.num_scores != self->label_names->len) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_SHAPE,
                 "%s: the model returned %u results with %u scores for %u "
                 "frames (expected %u scores)",
                 dir, out.n_images, out.num_scores, n, self->label_names->len);
    return FALSE;
  }

  scores = g_new (double, MAX (out.num_scores, 1));
  for (guint i = 0; i < n; i++) {
    GstStructure *s = lucid_base_enc_attach_embedding (
        base, buffers[i], tensor_id,
        out.embeddings + (gsize)i * out.embedding_dim, out.embedding_dim,
        out.num_scores > 0 ? "labels" : "embedding", self->family);

    gst_structure_set (s, "width", G_TYPE_INT,
                       GST_VIDEO_INFO_WIDTH (&self->info), "height", G_TYPE_INT,
                       GST_VIDEO_INFO_HEIGHT (&self->info), NULL);
    if (out.num_scores > 0) {
      for (guint k = 0; k < out.num_scores; k++)
        scores[k] = out.scores[(gsize)i * out.num_scores + k];
      lucid_result_set_top_k (s, scores,
                              (const gchar *const *)self->label_names->pdata,
                              out.num_scores, self->top_k_active, -INFINITY);
      /* Provenance: how the scores were made, so that rows of the same
       * model scored differently can be told apart. */
      gst_structure_set (
          s, "scoring", G_TYPE_STRING,
          out.scores_kind == LUCID_VISION_SCORES_PROMPTS
              ? "clip-softmax"
              : lucid_score_function_to_string (out.score_function),
          NULL);
      if (out.scores_kind == LUCID_VISION_SCORES_PROMPTS)
        gst_structure_set (s, "prompt-template", G_TYPE_STRING,
                           self->template_active, NULL);
    }
    lucid_buffer_add_result (buffers[i], s);
  }
  return TRUE;
}
