/* lucidtextenc.c — the BERT-family text encoder element.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/**
 * SECTION:element-lucidtextenc
 * @title: lucidtextenc
 * @see_also: lucidsink, subparse
 *
 * Runs a BERT-family model (plain BertModel, sentence-transformers,
 * sequence-classification or masked-LM checkpoints in a Hugging Face style
 * directory) over each text buffer and attaches the result as metas. The
 * text passes through unchanged, with its caps.
 *
 * Every analysed buffer gets
 *
 * * a #LucidTensorMeta holding one float32 tensor `lucid-text-embedding` of
 *   dims [hidden]: the pooled embedding (L2-normalised when the model's
 *   sentence-transformers files say so);
 * * exactly one `lucid-result` structure (see lucidmeta.h) whose `kind` is
 *   `labels` (label/score/labels/scores: the classification head's logits
 *   through the function transformers' TextClassificationPipeline applies —
 *   softmax, or sigmoid when config.json's `problem_type` is
 *   `multi_label_classification` or there is one label, the raw logits for
 *   `regression` — or the cosine similarity to the #LucidTextEnc:labels
 *   prompts; `scoring` names which: softmax, sigmoid, identity or cosine),
 *   `pll` (pll, pll-tokens: the masked-LM pseudo-log-likelihood) or
 *   `embedding` (the tensor meta only), plus the analysed `text`.
 *
 * With `format=pango-markup` the markup is stripped before the model sees
 * the text: `<b>Hello</b> &amp; bye` is analysed as `Hello & bye`. Text
 * that is not well-formed markup (an unescaped `&` or `<` in plain text) is
 * stripped leniently instead: tags are dropped, the XML entities and
 * numeric character references are decoded, anything else is kept as it
 * is. Invalid UTF-8 is repaired (each bad byte becomes U+FFFD) with one
 * warning per stream; it is never refused.
 *
 * Batching, max-latency and interval come from the base class: see the
 * batch-size, max-latency and interval properties.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 filesrc location=talk.srt ! subparse ! \
 *     lucidtextenc model=$LUCID_MODELS_DIR/all-MiniLM-L6-v2 \
 *         labels="sports,politics,weather" ! \
 *     lucidsink location=out.db store-embeddings=true
 * ]|
 * tags each subtitle with the nearest of the three labels (zero-shot, by
 * cosine similarity of the sentence embeddings) and stores labels, scores
 * and (with store-embeddings=true) the embeddings in out.db.
 */

#include "lucidtextenc.h"

#include <math.h>
#include <string.h>

#include "lucidelements.h"
#include "lucidmeta.h"
#include "lucidresult.h"
#include "lucid-error.h"
#include "lucid-text-model.h"

GST_DEBUG_CATEGORY_STATIC (lucid_text_enc_debug);
#define GST_CAT_DEFAULT lucid_text_enc_debug

#define DEFAULT_MAX_LENGTH 0
#define DEFAULT_POOLING LUCID_POOLING_DEFAULT
#define DEFAULT_OUTPUT LUCID_TEXT_ENC_OUTPUT_AUTO
#define DEFAULT_LABELS NULL

#define EMBEDDING_TENSOR_ID "lucid-text-embedding"

enum {
  PROP_0,
  PROP_MAX_LENGTH,
  PROP_POOLING,
  PROP_OUTPUT,
  PROP_LABELS,
  PROP_TOP_K,
};

struct _LucidTextEnc {
  LucidBaseEnc parent;

  /* Properties, with GST_OBJECT_LOCK. */
  guint max_length;
  LucidPooling pooling;
  LucidTextEncOutput output;
  gchar *labels;
  guint top_k;

  /* Set in load(), cleared in unload(); read by process() (STREAM_LOCK). */
  LucidTextModel *model;
  LucidTextOptions opts;
  LucidTextEncOutput kind; /* never AUTO once loaded */
  guint hidden;
  guint top_k_active;
  GPtrArray *prompts;       /* gchar*, zero-shot label prompts */
  float *prompt_embeddings; /* [prompts->len × hidden] */
  /* What the model directory and the properties resolved to, recorded on
   * every result (provenance: settings files can change under the same
   * weights). */
  const gchar *resolved_pooling;
  gboolean resolved_normalize;
  guint resolved_max_length;

  /* With STREAM_LOCK. */
  gboolean markup;      /* caps say format=pango-markup */
  gboolean warned_utf8; /* once per stream */
};

#define lucid_text_enc_parent_class parent_class
G_DEFINE_TYPE_WITH_CODE (LucidTextEnc, lucid_text_enc, LUCID_TYPE_BASE_ENC,
                         GST_DEBUG_CATEGORY_INIT (lucid_text_enc_debug,
                                                  "lucidtextenc", 0,
                                                  "Lucid text encoder"));
GST_ELEMENT_REGISTER_DEFINE (lucidtextenc, "lucidtextenc", GST_RANK_NONE,
                             LUCID_TYPE_TEXT_ENC);

#define TEXT_CAPS "text/x-raw, format = (string) { utf8, pango-markup }"

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE (
    "sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS (TEXT_CAPS));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE (
    "src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS (TEXT_CAPS));

GType
lucid_text_enc_output_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    { LUCID_TEXT_ENC_OUTPUT_AUTO,
      "labels when the model has a classification head or labels is set, "
      "else embedding",
      "auto" },
    { LUCID_TEXT_ENC_OUTPUT_EMBEDDING, "Pooled embedding only", "embedding" },
    { LUCID_TEXT_ENC_OUTPUT_LABELS,
      "Top-k labels with scores (classification head or zero-shot labels)",
      "labels" },
    { LUCID_TEXT_ENC_OUTPUT_PLL,
      "Masked-LM pseudo-log-likelihood (needs an MLM head)", "pll" },
    { 0, NULL, NULL },
  };

  if (g_once_init_enter (&type)) {
    GType _type = g_enum_register_static ("LucidTextEncOutput", values);
    g_once_init_leave (&type, _type);
  }
  return type;
}

GType
lucid_text_enc_pooling_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    { LUCID_POOLING_DEFAULT,
      "What the model directory says (sentence-transformers pooling "
      "config, else mean)",
      "default" },
    { LUCID_POOLING_CLS, "Hidden state of the [CLS] token", "cls" },
    { LUCID_POOLING_MEAN, "Mean over the real tokens", "mean" },
    { LUCID_POOLING_MAX, "Maximum over the real tokens", "max" },
    { LUCID_POOLING_POOLER, "BertPooler: tanh(W h_cls + b)", "pooler" },
    { 0, NULL, NULL },
  };

  if (g_once_init_enter (&type)) {
    GType _type = g_enum_register_static ("LucidTextEncPooling", values);
    g_once_init_leave (&type, _type);
  }
  return type;
}

static void lucid_text_enc_finalize (GObject *object);
static void lucid_text_enc_set_property (GObject *object, guint prop_id,
                                         const GValue *value,
                                         GParamSpec *pspec);
static void lucid_text_enc_get_property (GObject *object, guint prop_id,
                                         GValue *value, GParamSpec *pspec);
static gboolean lucid_text_enc_set_caps (GstBaseTransform *trans,
                                         GstCaps *incaps, GstCaps *outcaps);
static gboolean lucid_text_enc_sink_event (GstBaseTransform *trans,
                                           GstEvent *event);
static gboolean lucid_text_enc_load (LucidBaseEnc *base, GError **error);
static void lucid_text_enc_unload (LucidBaseEnc *base);
static gboolean lucid_text_enc_process (LucidBaseEnc *base, GstBuffer **buffers,
                                        guint n, GError **error);

static void
lucid_text_enc_class_init (LucidTextEncClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);
  LucidBaseEncClass *base_class = LUCID_BASE_ENC_CLASS (klass);

  gobject_class->finalize = lucid_text_enc_finalize;
  gobject_class->set_property = lucid_text_enc_set_property;
  gobject_class->get_property = lucid_text_enc_get_property;

  /**
   * LucidTextEnc:max-length:
   *
   * Tokens per text, special tokens included; longer texts are truncated.
   * 0 takes the model's: sentence_bert_config.json max_seq_length, else
   * the tokenizer's model_max_length, else max_position_embeddings.
   */
  g_object_class_install_property (
      gobject_class, PROP_MAX_LENGTH,
      g_param_spec_uint (
          "max-length", "Maximum length",
          "Tokens per text including [CLS]/[SEP]; longer texts are truncated "
          "(0 = the model's maximum: max_seq_length, model_max_length or "
          "max_position_embeddings, capped at the last)",
          0, G_MAXUINT, DEFAULT_MAX_LENGTH,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
              | GST_PARAM_MUTABLE_READY));

  /**
   * LucidTextEnc:pooling:
   *
   * How token states become one embedding. `default` follows the model's
   * sentence-transformers files and falls back to mean pooling.
   */
  g_object_class_install_property (
      gobject_class, PROP_POOLING,
      g_param_spec_enum (
          "pooling", "Pooling",
          "How token states become one embedding (default: what the model "
          "directory says, else mean)",
          LUCID_TYPE_TEXT_ENC_POOLING, DEFAULT_POOLING,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
              | GST_PARAM_MUTABLE_READY));

  /**
   * LucidTextEnc:output:
   *
   * What each result carries. `auto` gives `labels` when the model has a
   * classification head or #LucidTextEnc:labels is set, else `embedding`.
   * `labels` without head or prompts, and `pll` without a masked-LM head,
   * fail at start.
   */
  g_object_class_install_property (
      gobject_class, PROP_OUTPUT,
      g_param_spec_enum (
          "output", "Output",
          "What each result carries: auto = labels when the model has a "
          "classification head or labels is set, else embedding",
          LUCID_TYPE_TEXT_ENC_OUTPUT, DEFAULT_OUTPUT,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
              | GST_PARAM_MUTABLE_READY));

  /**
   * LucidTextEnc:labels:
   *
   * Zero-shot label prompts, separated by commas or semicolons. They are
   * embedded once at start with the same model and pooling; each buffer
   * then gets the top-k prompts by cosine similarity. When set, they take
   * precedence over a classification head.
   */
  g_object_class_install_property (
      gobject_class, PROP_LABELS,
      g_param_spec_string (
          "labels", "Labels",
          "Zero-shot label prompts separated by ',' or ';' (e.g. "
          "\"sports,politics,weather\"): each text gets the nearest ones by "
          "cosine similarity; takes precedence over a classification head",
          DEFAULT_LABELS,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
              | GST_PARAM_MUTABLE_READY));

  /**
   * LucidTextEnc:top-k:
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
      element_class, "Lucid text encoder", "Filter/Analyzer/Text",
      "Runs a BERT-family model over text and attaches embeddings, labels "
      "with scores or pseudo-log-likelihoods as metas",
      "The Lucid authors <https://example.invalid/lucid>");

  trans_class->set_caps = GST_DEBUG_FUNCPTR (lucid_text_enc_set_caps);
  trans_class->sink_event = GST_DEBUG_FUNCPTR (lucid_text_enc_sink_event);

  base_class->load = GST_DEBUG_FUNCPTR (lucid_text_enc_load);
  base_class->unload = GST_DEBUG_FUNCPTR (lucid_text_enc_unload);
  base_class->process = GST_DEBUG_FUNCPTR (lucid_text_enc_process);

  gst_type_mark_as_plugin_api (LUCID_TYPE_TEXT_ENC_OUTPUT, 0);
  gst_type_mark_as_plugin_api (LUCID_TYPE_TEXT_ENC_POOLING, 0);
}

static void
lucid_text_enc_init (LucidTextEnc *self)
{
  self->max_length = DEFAULT_MAX_LENGTH;
  self->pooling = DEFAULT_POOLING;
  self->output = DEFAULT_OUTPUT;
  self->labels = g_strdup (DEFAULT_LABELS);
  self->top_k = LUCID_RESULT_DEFAULT_TOP_K;
}

static void
lucid_text_enc_finalize (GObject *object)
{
  LucidTextEnc *self = LUCID_TEXT_ENC (object);

  g_free (self->labels);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
lucid_text_enc_set_property (GObject *object, guint prop_id,
                             const GValue *value, GParamSpec *pspec)
{
  LucidTextEnc *self = LUCID_TEXT_ENC (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_MAX_LENGTH:
      self->max_length = g_value_get_uint (value);
      break;
    case PROP_POOLING:
      self->pooling = g_value_get_enum (value);
      break;
    case PROP_OUTPUT:
      self->output = g_value_get_enum (value);
      break;
    case PROP_LABELS:
      g_free (self->labels);
      self->labels = g_value_dup_string (value);
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
lucid_text_enc_get_property (GObject *object, guint prop_id, GValue *value,
                             GParamSpec *pspec)
{
  LucidTextEnc *self = LUCID_TEXT_ENC (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_MAX_LENGTH:
      g_value_set_uint (value, self->max_length);
      break;
    case PROP_POOLING:
      g_value_set_enum (value, self->pooling);
      break;
    case PROP_OUTPUT:
      g_value_set_enum (value, self->output);
      break;
    case PROP_LABELS:
      g_value_set_string (value, self->labels);
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
/* Markup stripping                                                          */

/* Pango markup is GMarkup (pango_parse_markup wraps it in <markup>), so a
 * GMarkup parser with a text callback gives exactly the characters Pango
 * would render, entities decoded. Subtitles labelled pango-markup often
 * hold plain text with a bare '&' or '<', which GMarkup rejects; for those
 * lucid_text_enc_strip_lenient() does what a reader would expect. */

static void
on_markup_text (GMarkupParseContext *context, const gchar *text, gsize text_len,
                gpointer user_data, GError **error)
{
  g_string_append_len ((GString *)user_data, text, text_len);
}

/* Decodes the entity at @p (pointing at '&') into @out; returns the number
 * of bytes consumed, or 0 when it is not one we know. */
static gsize
decode_entity (const gchar *p, GString *out)
{
  static const struct {
    const gchar *name;
    gunichar c;
  } named[] = {
    { "amp", '&' },  { "lt", '<' },    { "gt", '>' },
    { "quot", '"' }, { "apos", '\'' }, { "nbsp", 0xA0 },
  };
  const gchar *semi = strchr (p, ';');
  gsize len;

  if (semi == NULL || semi - p < 2 || semi - p > 12)
    return 0;
  len = semi - p - 1;

  if (p[1] == '#') {
    gchar *end = NULL;
    guint64 c;

    if (p[2] == 'x' || p[2] == 'X')
      c = g_ascii_strtoull (p + 3, &end, 16);
    else
      c = g_ascii_strtoull (p + 2, &end, 10);
    if (end != semi || end == p + 2 || end == p + 3 || c == 0 || c > 0x10FFFF
        || !g_unichar_validate ((gunichar)c))
      return 0;
    g_string_append_unichar (out, (gunichar)c);
    return semi - p + 1;
  }

  for (guint i = 0; i < G_N_ELEMENTS (named); i++) {
    if (strlen (named[i].name) == len
        && strncmp (p + 1, named[i].name, len) == 0) {
      g_string_append_unichar (out, named[i].c);
      return semi - p + 1;
    }
  }
  return 0;
}

/* Drops what looks like a tag (<b>, </i>, <span ...>, <!-- -->), decodes
 * entities, keeps everything else. @text is valid UTF-8, and so is the
 * result (only ASCII is dropped; decoded characters are valid). */
static gchar *
lucid_text_enc_strip_lenient (const gchar *text)
{
  GString *out = g_string_sized_new (strlen (text));
  const gchar *p = text;

  while (*p != '\0') {
    if (*p == '<'
        && (g_ascii_isalpha (p[1]) || p[1] == '/' || p[1] == '!'
            || p[1] == '?')) {
      const gchar *close = strchr (p, '>');

      if (close != NULL) {
        p = close + 1;
        continue;
      }
    } else if (*p == '&') {
      gsize used = decode_entity (p, out);

      if (used > 0) {
        p += used;
        continue;
      }
    }
    g_string_append_c (out, *p);
    p++;
  }
  return g_string_free (out, FALSE);
}

gchar *
lucid_text_enc_strip_markup (const gchar *text)
{
  static const GMarkupParser parser
      = { NULL, NULL, on_markup_text, NULL, NULL };
  GMarkupParseContext *context;
  GString *out;
  gboolean ok;

  g_return_val_if_fail (text != NULL, NULL);

  out = g_string_sized_new (strlen (text));
  context = g_markup_parse_context_new (&parser, 0, out, NULL);
  ok = g_markup_parse_context_parse (context, "<markup>", -1, NULL)
       && g_markup_parse_context_parse (context, text, -1, NULL)
       && g_markup_parse_context_parse (context, "</markup>", -1, NULL)
       && g_markup_parse_context_end_parse (context, NULL);
  g_markup_parse_context_free (context);

  if (ok)
    return g_string_free (out, FALSE);

  g_string_free (out, TRUE);
  return lucid_text_enc_strip_lenient (text);
}

/* ------------------------------------------------------------------------ */
/* Caps and events                                                           */

static gboolean
lucid_text_enc_set_caps (GstBaseTransform *trans, GstCaps *incaps,
                         GstCaps *outcaps)
{
  LucidTextEnc *self = LUCID_TEXT_ENC (trans);
  const gchar *format
      = gst_structure_get_string (gst_caps_get_structure (incaps, 0), "format");

  self->markup = g_strcmp0 (format, "pango-markup") == 0;
  GST_DEBUG_OBJECT (self, "input is %s",
                    self->markup ? "pango markup" : "plain UTF-8");
  return TRUE;
}

static gboolean
lucid_text_enc_sink_event (GstBaseTransform *trans, GstEvent *event)
{
  LucidTextEnc *self = LUCID_TEXT_ENC (trans);
  gboolean new_stream = GST_EVENT_TYPE (event) == GST_EVENT_STREAM_START;
  gboolean ret;

  /* The base drains held buffers (of the old stream) first. */
  ret = GST_BASE_TRANSFORM_CLASS (parent_class)->sink_event (trans, event);
  if (new_stream)
    self->warned_utf8 = FALSE;
  return ret;
}

/* ------------------------------------------------------------------------ */
/* Model life cycle                                                          */

static gboolean
lucid_text_enc_load (LucidBaseEnc *base, GError **error)
{
  LucidTextEnc *self = LUCID_TEXT_ENC (base);
  const gchar *dir = lucid_base_enc_get_model_dir (base);
  g_autoptr (LucidTextModel) model = NULL;
  g_autoptr (GPtrArray) prompts = NULL;
  g_autofree gchar *labels = NULL;
  LucidTextEncOutput output;
  LucidTextOptions opts;
  guint num_labels, top_k;

  GST_OBJECT_LOCK (self);
  opts.max_length = self->max_length;
  opts.pooling = self->pooling;
  output = self->output;
  labels = g_strdup (self->labels);
  top_k = self->top_k;
  GST_OBJECT_UNLOCK (self);

  model = lucid_text_model_load (dir, error);
  if (model == NULL)
    return FALSE;

  prompts = lucid_result_parse_labels_checked (labels, "labels", error);
  if (prompts == NULL)
    return FALSE;
  num_labels = lucid_text_model_get_num_labels (model);

  if (output == LUCID_TEXT_ENC_OUTPUT_AUTO)
    output = (prompts->len > 0 || num_labels > 0)
                 ? LUCID_TEXT_ENC_OUTPUT_LABELS
                 : LUCID_TEXT_ENC_OUTPUT_EMBEDDING;
  if (output == LUCID_TEXT_ENC_OUTPUT_LABELS && prompts->len == 0
      && num_labels == 0) {
    g_set_error (
        error, LUCID_ERROR, LUCID_ERROR_UNSUPPORTED,
        "%s: output=labels needs a classification head (id2label and "
        "classifier weights) or the labels property; this model has no head",
        dir);
    return FALSE;
  }
  if (output == LUCID_TEXT_ENC_OUTPUT_PLL
      && !lucid_text_model_has_mlm_head (model)) {
    g_set_error (
        error, LUCID_ERROR, LUCID_ERROR_UNSUPPORTED,
        "%s: output=pll needs a masked-LM head (cls.predictions.* weights); "
        "this model has none",
        dir);
    return FALSE;
  }

  self->hidden = lucid_text_model_get_hidden_size (model);
  self->opts = opts;

  /* Zero-shot: embed the prompts once, with the model and pooling used
   * for the stream, so cosines compare like with like. */
  if (output == LUCID_TEXT_ENC_OUTPUT_LABELS && prompts->len > 0) {
    LucidTextOutput out;

    if (!lucid_text_model_run (model, (const char *const *)prompts->pdata,
                               prompts->len, &self->opts, FALSE, &out, error))
      return FALSE;
    if (out.n_seqs != prompts->len || out.hidden_size != self->hidden) {
      g_set_error (
          error, LUCID_ERROR, LUCID_ERROR_SHAPE,
          "%s: embedding %u label prompts gave %u embeddings of %u values, "
          "expected %u of %u",
          dir, prompts->len, out.n_seqs, out.hidden_size, prompts->len,
          self->hidden);
      return FALSE;
    }
    self->prompt_embeddings = g_memdup2 (
        out.embeddings, (gsize)prompts->len * self->hidden * sizeof (float));
  }

  self->kind = output;
  self->top_k_active = top_k;
  self->resolved_pooling = lucid_pooling_to_string (
      opts.pooling != LUCID_POOLING_DEFAULT
          ? opts.pooling
          : lucid_text_model_get_default_pooling (model));
  self->resolved_normalize = lucid_text_model_get_normalize (model);
  self->resolved_max_length
      = lucid_text_model_resolve_max_length (model, opts.max_length);
  lucid_base_enc_set_model_id (base, lucid_text_model_get_sha256 (model));
  self->prompts = g_steal_pointer (&prompts);
  self->model = g_steal_pointer (&model);
  self->warned_utf8 = FALSE;

  GST_INFO_OBJECT (self,
                   "loaded %s: hidden %u, %u head labels, %u prompts, "
                   "output %s",
                   dir, self->hidden, num_labels, self->prompts->len,
                   self->kind == LUCID_TEXT_ENC_OUTPUT_LABELS ? "labels"
                   : self->kind == LUCID_TEXT_ENC_OUTPUT_PLL  ? "pll"
                                                              : "embedding");
  return TRUE;
}

static void
lucid_text_enc_unload (LucidBaseEnc *base)
{
  LucidTextEnc *self = LUCID_TEXT_ENC (base);

  g_clear_pointer (&self->model, lucid_text_model_free);
  g_clear_pointer (&self->prompts, g_ptr_array_unref);
  g_clear_pointer (&self->prompt_embeddings, g_free);
}

/* ------------------------------------------------------------------------ */
/* Analysis                                                                  */

/* The text the model sees: trailing NULs dropped, invalid UTF-8 repaired,
 * markup stripped when the caps say so. */
static gchar *
lucid_text_enc_extract_text (LucidTextEnc *self, GstBuffer *buffer)
{
  GstMapInfo map;
  g_autofree gchar *text = NULL;
  gsize len;

  if (!gst_buffer_map (buffer, &map, GST_MAP_READ)) {
    GST_WARNING_OBJECT (self, "could not map buffer %p: analysing \"\"",
                        buffer);
    return g_strdup ("");
  }
  len = map.size;
  while (len > 0 && map.data[len - 1] == '\0')
    len--;

  if (len == 0) {
    /* No memory at all maps to data == NULL, and g_strndup (NULL, 0) is
     * NULL: the empty text is still a text. */
    text = g_strdup ("");
  } else if (g_utf8_validate_len ((const gchar *)map.data, len, NULL)) {
    text = g_strndup ((const gchar *)map.data, len);
  } else {
    text = g_utf8_make_valid ((const gchar *)map.data, len);
    if (!self->warned_utf8) {
      self->warned_utf8 = TRUE;
      GST_ELEMENT_WARNING (
          self, STREAM, DECODE,
          ("Input text is not valid UTF-8: invalid bytes were replaced "
           "with U+FFFD before analysis."),
          ("first seen in the buffer with pts %" GST_TIME_FORMAT
           "; warned once per stream",
           GST_TIME_ARGS (GST_BUFFER_PTS (buffer))));
    }
  }
  gst_buffer_unmap (buffer, &map);

  if (self->markup)
    return lucid_text_enc_strip_markup (text);
  return g_steal_pointer (&text);
}

static double
cosine (const float *a, const float *b, guint n)
{
  double dot = 0, na = 0, nb = 0;

  for (guint i = 0; i < n; i++) {
    dot += (double)a[i] * b[i];
    na += (double)a[i] * a[i];
    nb += (double)b[i] * b[i];
  }
  if (na == 0 || nb == 0)
    return 0;
  return dot / (sqrt (na) * sqrt (nb));
}

/* Sets label/score/labels/scores from @n_scores scores (higher = better)
 * named by the label prompts or, without them, by the head's id2label. */
static void
set_top_k (LucidTextEnc *self, GstStructure *s, const double *scores,
           guint n_scores)
{
  g_autofree const gchar **names = g_new (const gchar *, n_scores);

  for (guint i = 0; i < n_scores; i++)
    names[i] = self->prompts->len > 0
                   ? g_ptr_array_index (self->prompts, i)
                   : lucid_text_model_get_label (self->model, i);
  lucid_result_set_top_k (s, scores, names, n_scores, self->top_k_active,
                          -INFINITY);
}

static gboolean
lucid_text_enc_process (LucidBaseEnc *base, GstBuffer **buffers, guint n,
                        GError **error)
{
  LucidTextEnc *self = LUCID_TEXT_ENC (base);
  g_autoptr (GPtrArray) texts = g_ptr_array_new_full (n, g_free);
  GQuark tensor_id = g_quark_from_static_string (EMBEDDING_TENSOR_ID);
  const gchar *dir = lucid_base_enc_get_model_dir (base);
  g_autofree float *embeddings_copy = NULL;
  const float *embeddings;
  LucidTextOutput out;
  const gchar *kind;

  for (guint i = 0; i < n; i++)
    g_ptr_array_add (texts, lucid_text_enc_extract_text (self, buffers[i]));

  if (!lucid_text_model_run (self->model, (const char *const *)texts->pdata, n,
                             &self->opts, FALSE, &out, error))
    return FALSE;
  if (out.n_seqs != n || out.hidden_size != self->hidden) {
    g_set_error (
        error, LUCID_ERROR, LUCID_ERROR_SHAPE,
        "%s: the model returned %u embeddings of %u values for %u texts "
        "(expected %u values)",
        dir, out.n_seqs, out.hidden_size, n, self->hidden);
    return FALSE;
  }
  if (self->kind == LUCID_TEXT_ENC_OUTPUT_LABELS && self->prompts->len == 0
      && (out.logits == NULL || out.num_labels == 0)) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_SHAPE,
                 "%s: the classification head returned no logits", dir);
    return FALSE;
  }

  /* @out lives until the model's next call, and pll() is one. */
  embeddings = out.embeddings;
  if (self->kind == LUCID_TEXT_ENC_OUTPUT_PLL) {
    embeddings_copy
        = g_memdup2 (out.embeddings, (gsize)n * self->hidden * sizeof (float));
    embeddings = embeddings_copy;
  }

  switch (self->kind) {
    case LUCID_TEXT_ENC_OUTPUT_LABELS:
      kind = "labels";
      break;
    case LUCID_TEXT_ENC_OUTPUT_PLL:
      kind = "pll";
      break;
    default:
      kind = "embedding";
      break;
  }

  for (guint i = 0; i < n; i++) {
    const float *embedding = embeddings + (gsize)i * self->hidden;
    const gchar *text = g_ptr_array_index (texts, i);
    GstStructure *s = lucid_base_enc_attach_embedding (
        base, buffers[i], tensor_id, embedding, self->hidden, kind, "bert");

    if (self->kind == LUCID_TEXT_ENC_OUTPUT_LABELS) {
      if (self->prompts->len > 0) {
        g_autofree double *scores = g_new (double, self->prompts->len);

        for (guint j = 0; j < self->prompts->len; j++)
          scores[j] = cosine (embedding,
                              self->prompt_embeddings + (gsize)j * self->hidden,
                              self->hidden);
        set_top_k (self, s, scores, self->prompts->len);
        gst_structure_set (s, "scoring", G_TYPE_STRING, "cosine", NULL);
      } else {
        LucidScoreFunction fn
            = lucid_text_model_get_score_function (self->model);

        g_autofree double *probs = g_new (double, out.num_labels);

        lucid_score_function_apply (fn, out.logits + (gsize)i * out.num_labels,
                                    out.num_labels, probs);
        set_top_k (self, s, probs, out.num_labels);
        gst_structure_set (s, "scoring", G_TYPE_STRING,
                           lucid_score_function_to_string (fn), NULL);
      }
    } else if (self->kind == LUCID_TEXT_ENC_OUTPUT_PLL) {
      double pll = 0;
      guint n_scored = 0;

      if (!lucid_text_model_pll (self->model, text, &self->opts, &pll,
                                 &n_scored, error)) {
        gst_structure_free (s);
        return FALSE;
      }
      gst_structure_set (s, "pll", G_TYPE_DOUBLE, pll, "pll-tokens",
                         G_TYPE_UINT, n_scored, NULL);
    }

    gst_structure_set (s, "text", G_TYPE_STRING, text, "pooling",
                       G_TYPE_STRING, self->resolved_pooling, "normalized",
                       G_TYPE_BOOLEAN, self->resolved_normalize, "max-length",
                       G_TYPE_UINT, self->resolved_max_length, NULL);
    lucid_buffer_add_result (buffers[i], s);
  }
  return TRUE;
}
