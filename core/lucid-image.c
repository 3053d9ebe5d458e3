/* lucid-image.c — preprocessing images the way transformers' PIL-based
 * image processors do.
 *
 * A vision model is only as faithful as its pixels: the same weights given
 * an image resized by a different filter see a different image. The
 * reference here is what transformers' ViTImageProcessor and
 * CLIPImageProcessor (use_fast=False, the PilBackend) do:
 *
 *   1. resize: the uint8 image goes through PIL's Image.resize(size,
 *      resample) and comes back as uint8;
 *   2. centre crop on the uint8 image: top = (H - crop_h) // 2 (floor
 *      division, so an image smaller than the crop is padded with zeros,
 *      the extra row or column going to the bottom / right);
 *   3. rescale: float32(float64(v) * rescale_factor);
 *   4. normalise in float32: (x - float32(mean)) / float32(std).
 *
 * Steps 3–4 are a function of one uint8 value and the channel, so they are
 * a 3 × 256 table computed in exactly that arithmetic: the result is
 * bit-identical to transformers' numpy code.
 *
 * PIL's resize (Pillow's libImaging/Resample.c, re-implemented here from its
 * documented algorithm) is a separable convolution, one axis at a time:
 *
 *   - For output index i along an axis scaled from n_in to n_out samples,
 *     scale = n_in / n_out and the filter is stretched by
 *     filterscale = max(scale, 1): downscaling widens the kernel so every
 *     input pixel contributes (antialiasing); upscaling interpolates.
 *     The kernel is centred at (i + 0.5) · scale, covers input indices
 *     [int(center - support + 0.5), int(center + support + 0.5)) clamped to
 *     the image, where support = filter support · filterscale, and weighs
 *     input j by filter((j - center + 0.5) / filterscale), normalised to sum
 *     to 1.
 *   - The double weights become fixed point with 22 fractional bits
 *     (32 - 8 - 2: headroom for 8-bit values and negative lobes), rounded
 *     half away from zero. Each output is 2^21 (one half, for rounding) plus
 *     the integer sum of value × weight, shifted right by 22 and clipped to
 *     [0, 255].
 *   - The two passes go through an 8-bit intermediate image, so their
 *     order changes the result. The horizontal pass runs first (on the rows
 *     the vertical pass will read), then the vertical pass — except when
 *     the height shrinks by more than twice as many pixels as the width
 *     (src_h > h and src_h - h > 2 · (src_w - w), a growing width counting
 *     as negative): then Pillow 13 runs the vertical pass first, over the
 *     full width, and the horizontal pass on its h rows. An axis whose size
 *     does not change is not filtered at all, and an image whose size does
 *     not change is copied.
 *
 * Every double expression below is written in the order Pillow evaluates
 * it, so the weights, hence the rounded coefficients, are the same bits.
 * That needs IEEE double arithmetic without contraction into fused
 * multiply-adds (which -march=native with FMA would otherwise allow).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "lucid-image.h"

#include "lucid-error.h"
#include "lucid-json.h"

#include <math.h>
#include <string.h>

#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

#define MAX_IMAGE_SIDE 65535

/* ---- preprocessor_config.json ------------------------------------------ */

typedef struct {
  const char *type;            /* image_processor_type */
  const char *legacy_type;     /* feature_extractor_type of older configs */
  gboolean do_resize, do_center_crop, do_rescale, do_normalize;
  gboolean do_convert_rgb;
  LucidResample resample;
  gboolean default_to_square;  /* how a bare integer `size` reads */
} ProcessorDefaults;

/* The class attributes of transformers 5's ViTImageProcessorPil and
 * CLIPImageProcessorPil: what an absent key means. */
static const ProcessorDefaults processor_defaults[] = {
  { "ViTImageProcessor", "ViTFeatureExtractor", TRUE, FALSE, TRUE, TRUE,
    FALSE, LUCID_RESAMPLE_BILINEAR, TRUE },
  { "CLIPImageProcessor", "CLIPFeatureExtractor", TRUE, TRUE, TRUE, TRUE,
    TRUE, LUCID_RESAMPLE_BICUBIC, FALSE },
};

void
lucid_image_config_free (LucidImageConfig *config)
{
  if (config == NULL)
    return;
  g_free (config->image_processor_type);
  g_free (config);
}

static const ProcessorDefaults *
find_defaults (JsonObject *obj, const char *path, GError **error)
{
  const char *key = "image_processor_type";
  const char *type;
  g_autofree char *base = NULL;

  if (!lucid_json_has (obj, key) && lucid_json_has (obj,
          "feature_extractor_type"))
    key = "feature_extractor_type";
  type = lucid_json_get_string (obj, key, path, error);
  if (type == NULL)
    return NULL;
  /* The fast (torchvision) and PIL variants share the config format. */
  base = g_strdup (type);
  if (g_str_has_suffix (base, "Fast"))
    base[strlen (base) - 4] = '\0';
  else if (g_str_has_suffix (base, "Pil"))
    base[strlen (base) - 3] = '\0';
  for (guint i = 0; i < G_N_ELEMENTS (processor_defaults); i++) {
    if (g_str_equal (base, processor_defaults[i].type)
        || g_str_equal (base, processor_defaults[i].legacy_type))
      return &processor_defaults[i];
  }
  g_set_error (error, LUCID_ERROR, LUCID_ERROR_UNSUPPORTED,
      "%s: %s \"%s\" is not supported (ViTImageProcessor and "
      "CLIPImageProcessor are)", path, key, type);
  return NULL;
}

/* An optional boolean: absent keeps *@out. */
static gboolean
get_flag (JsonObject *obj, const char *key, gboolean *out, const char *path,
    GError **error)
{
  if (!lucid_json_has (obj, key))
    return TRUE;
  return lucid_json_get_bool (obj, key, out, path, error);
}

/* @key as {"height": h, "width": w}, or a bare integer n meaning n × n. */
static gboolean
get_height_width (JsonObject *obj, const char *key, guint *height,
    guint *width, const char *path, GError **error)
{
  JsonNode *node = json_object_get_member (obj, key);
  g_autofree char *label = g_strdup_printf ("%s: %s", path, key);
  gint64 h, w;

  if (node == NULL) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_MISSING,
        "%s: missing key '%s'", path, key);
    return FALSE;
  }
  if (lucid_json_node_is_sane_int (node)) {
    if (!lucid_json_get_int (obj, key, 1, MAX_IMAGE_SIDE, &h, path, error))
      return FALSE;
    *height = *width = (guint) h;
    return TRUE;
  }
  if (!JSON_NODE_HOLDS_OBJECT (node)) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
        "%s: '%s' must be an integer or {\"height\", \"width\"}", path, key);
    return FALSE;
  }
  obj = json_node_get_object (node);
  if (!lucid_json_get_int (obj, "height", 1, MAX_IMAGE_SIDE, &h, label, error)
      || !lucid_json_get_int (obj, "width", 1, MAX_IMAGE_SIDE, &w, label,
          error))
    return FALSE;
  *height = (guint) h;
  *width = (guint) w;
  return TRUE;
}

static gboolean
parse_size (JsonObject *obj, const ProcessorDefaults *defaults,
    LucidImageConfig *cfg, const char *path, GError **error)
{
  JsonNode *node = json_object_get_member (obj, "size");
  g_autofree char *label = g_strdup_printf ("%s: size", path);
  JsonObject *size;
  gint64 v;

  if (node == NULL) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_MISSING,
        "%s: missing key 'size' (do_resize is true)", path);
    return FALSE;
  }
  if (lucid_json_node_is_sane_int (node) && !defaults->default_to_square) {
    /* transformers reads a bare integer as the shortest edge for CLIP. */
    if (!lucid_json_get_int (obj, "size", 1, MAX_IMAGE_SIDE, &v, path, error))
      return FALSE;
    cfg->shortest_edge = (guint) v;
    return TRUE;
  }
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return get_height_width (obj, "size", &cfg->resize_height,
        &cfg->resize_width, path, error);
  size = json_node_get_object (node);
  if (lucid_json_has (size, "longest_edge")
      || lucid_json_has (size, "max_height")) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_UNSUPPORTED,
        "%s: only {\"height\", \"width\"} and {\"shortest_edge\"} are "
        "supported", label);
    return FALSE;
  }
  if (lucid_json_has (size, "shortest_edge")) {
    if (!lucid_json_get_int (size, "shortest_edge", 1, MAX_IMAGE_SIDE, &v,
            label, error))
      return FALSE;
    cfg->shortest_edge = (guint) v;
    return TRUE;
  }
  return get_height_width (obj, "size", &cfg->resize_height,
      &cfg->resize_width, path, error);
}

/* image_mean / image_std: three numbers, or one for every channel. */
static gboolean
get_per_channel (JsonObject *obj, const char *key, double out[3],
    const char *path, const char *why, GError **error)
{
  JsonNode *node = json_object_get_member (obj, key);
  JsonArray *array;

  if (node == NULL) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_MISSING,
        "%s: missing key '%s' (%s)", path, key, why);
    return FALSE;
  }
  if (!JSON_NODE_HOLDS_ARRAY (node)) {
    if (!lucid_json_get_double (obj, key, &out[0], path, error))
      return FALSE;
    out[1] = out[2] = out[0];
    return TRUE;
  }
  array = json_node_get_array (node);
  if (json_array_get_length (array) != 3) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
        "%s: '%s' has %u values, expected 3 (one per RGB channel)", path, key,
        json_array_get_length (array));
    return FALSE;
  }
  for (guint c = 0; c < 3; c++) {
    JsonNode *v = json_array_get_element (array, c);
    if (!JSON_NODE_HOLDS_VALUE (v)
        || (json_node_get_value_type (v) != G_TYPE_DOUBLE
            && json_node_get_value_type (v) != G_TYPE_INT64)) {
      g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
          "%s: '%s'[%u] must be a number", path, key, c);
      return FALSE;
    }
    out[c] = json_node_get_double (v);
    if (!isfinite (out[c])) {
      g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
          "%s: '%s'[%u] is not a finite number", path, key, c);
      return FALSE;
    }
  }
  return TRUE;
}

LucidImageConfig *
lucid_image_config_new_from_data (const char *data, gsize len,
    const char *path, GError **error)
{
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (LucidImageConfig) cfg = NULL;
  const ProcessorDefaults *defaults;
  JsonObject *obj;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  if (path == NULL)
    path = "preprocessor_config.json";
  root = lucid_json_parse_data (data, len, path, error);
  if (root == NULL)
    return NULL;
  if (!JSON_NODE_HOLDS_OBJECT (root)) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
        "%s: expected a JSON object", path);
    return NULL;
  }
  obj = json_node_get_object (root);
  defaults = find_defaults (obj, path, error);
  if (defaults == NULL)
    return NULL;

  cfg = g_new0 (LucidImageConfig, 1);
  cfg->image_processor_type = g_strdup (defaults->type);
  cfg->do_resize = defaults->do_resize;
  cfg->do_center_crop = defaults->do_center_crop;
  cfg->do_rescale = defaults->do_rescale;
  cfg->do_normalize = defaults->do_normalize;
  cfg->do_convert_rgb = defaults->do_convert_rgb;
  cfg->resample = defaults->resample;
  cfg->rescale_factor = 1.0 / 255.0;
  if (!get_flag (obj, "do_resize", &cfg->do_resize, path, error)
      || !get_flag (obj, "do_center_crop", &cfg->do_center_crop, path, error)
      || !get_flag (obj, "do_rescale", &cfg->do_rescale, path, error)
      || !get_flag (obj, "do_normalize", &cfg->do_normalize, path, error)
      || !get_flag (obj, "do_convert_rgb", &cfg->do_convert_rgb, path, error))
    return NULL;

  if (lucid_json_has (obj, "resample")) {
    gint64 r;
    if (!lucid_json_get_int (obj, "resample", G_MININT64, G_MAXINT64, &r,
            path, error))
      return NULL;
    if (r < LUCID_RESAMPLE_NEAREST || r > LUCID_RESAMPLE_HAMMING) {
      g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
          "%s: resample %" G_GINT64_FORMAT " is not a PIL filter (0 nearest, "
          "1 lanczos, 2 bilinear, 3 bicubic, 4 box, 5 hamming)", path, r);
      return NULL;
    }
    cfg->resample = (LucidResample) r;
  }
  if (cfg->do_resize) {
    if (cfg->resample == LUCID_RESAMPLE_NEAREST) {
      g_set_error (error, LUCID_ERROR, LUCID_ERROR_UNSUPPORTED,
          "%s: resample 0 (nearest) is not supported (1 lanczos, 2 bilinear, "
          "3 bicubic, 4 box, 5 hamming are)", path);
      return NULL;
    }
    if (!parse_size (obj, defaults, cfg, path, error))
      return NULL;
  }
  if (cfg->do_center_crop && !get_height_width (obj, "crop_size",
          &cfg->crop_height, &cfg->crop_width, path, error))
    return NULL;
  if (cfg->do_rescale && lucid_json_has (obj, "rescale_factor")) {
    if (!lucid_json_get_double (obj, "rescale_factor", &cfg->rescale_factor,
            path, error))
      return NULL;
  }
  if (cfg->do_normalize) {
    const char *why = "do_normalize is true";
    if (!get_per_channel (obj, "image_mean", cfg->image_mean, path, why,
            error)
        || !get_per_channel (obj, "image_std", cfg->image_std, path, why,
            error))
      return NULL;
    for (guint c = 0; c < 3; c++) {
      if ((float) cfg->image_std[c] == 0.0f) {
        g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
            "%s: image_std[%u] is zero", path, c);
        return NULL;
      }
    }
  }
  return g_steal_pointer (&cfg);
}

LucidImageConfig *
lucid_image_config_load_file (const char *path, GError **error)
{
  g_autofree char *data = NULL;
  g_autoptr (GError) io_error = NULL;
  gsize len;

  g_return_val_if_fail (path != NULL, NULL);
  if (!g_file_get_contents (path, &data, &len, &io_error)) {
    gboolean missing = g_error_matches (io_error, G_FILE_ERROR,
        G_FILE_ERROR_NOENT);
    g_set_error (error, LUCID_ERROR,
        missing ? LUCID_ERROR_MISSING : LUCID_ERROR_IO,
        "%s: cannot read the image preprocessor configuration: %s", path,
        io_error->message);
    return NULL;
  }
  return lucid_image_config_new_from_data (data, len, path, error);
}

LucidImageConfig *
lucid_image_config_load (const char *dir, GError **error)
{
  g_autofree char *path = NULL;

  g_return_val_if_fail (dir != NULL, NULL);
  path = g_build_filename (dir, "preprocessor_config.json", NULL);
  return lucid_image_config_load_file (path, error);
}

void
lucid_image_config_get_resized_size (const LucidImageConfig *config,
    guint width, guint height, guint *out_width, guint *out_height)
{
  guint w = width, h = height;

  if (config->do_resize && config->shortest_edge > 0) {
    /* transformers' get_resize_output_image_size(default_to_square=False):
     * int(size * long / short), a true division then truncation. */
    guint short_side = MIN (width, height), long_side = MAX (width, height);
    guint64 num = (guint64) config->shortest_edge * long_side;
    guint new_long = (guint) ((double) num / (double) short_side);
    if (width <= height) {
      w = config->shortest_edge;
      h = new_long;
    } else {
      w = new_long;
      h = config->shortest_edge;
    }
  } else if (config->do_resize) {
    w = config->resize_width;
    h = config->resize_height;
  }
  *out_width = w;
  *out_height = h;
}

void
lucid_image_config_get_output_size (const LucidImageConfig *config,
    guint width, guint height, guint *out_width, guint *out_height)
{
  if (config->do_center_crop) {
    *out_width = config->crop_width;
    *out_height = config->crop_height;
  } else {
    lucid_image_config_get_resized_size (config, width, height, out_width,
        out_height);
  }
}

/* ---- PIL resampling ---------------------------------------------------- */

#define PRECISION_BITS (32 - 8 - 2)

typedef struct {
  double (*weight) (double x);
  double support;              /* the filter is zero outside [-support, support] */
} Filter;

static double
filter_box (double x)
{
  return (x > -0.5 && x <= 0.5) ? 1.0 : 0.0;
}

static double
filter_bilinear (double x)
{
  if (x < 0.0)
    x = -x;
  return x < 1.0 ? 1.0 - x : 0.0;
}

static double
filter_hamming (double x)
{
  if (x < 0.0)
    x = -x;
  if (x == 0.0)
    return 1.0;
  if (x >= 1.0)
    return 0.0;
  x = x * G_PI;
  return sin (x) / x * (0.54f + 0.46f * cos (x));  /* float constants, as PIL */
}

/* Keys' cubic with a = -0.5, as PIL uses. */
static double
filter_bicubic (double x)
{
  const double a = -0.5;
  if (x < 0.0)
    x = -x;
  if (x < 1.0)
    return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
  if (x < 2.0)
    return (((x - 5) * x + 8) * x - 4) * a;
  return 0.0;
}

static double
sinc (double x)
{
  if (x == 0.0)
    return 1.0;
  x = x * G_PI;
  return sin (x) / x;
}

static double
filter_lanczos (double x)
{
  /* Truncated sinc, three lobes. */
  if (-3.0 <= x && x < 3.0)
    return sinc (x) * sinc (x / 3);
  return 0.0;
}

/* The filter of @resample, or NULL with @error set for one Lucid does not
 * implement. */
static const Filter *
filter_for (LucidResample resample, GError **error)
{
  static const Filter lanczos = { filter_lanczos, 3.0 };
  static const Filter bilinear = { filter_bilinear, 1.0 };
  static const Filter bicubic = { filter_bicubic, 2.0 };
  static const Filter box = { filter_box, 0.5 };
  static const Filter hamming = { filter_hamming, 1.0 };

  switch (resample) {
    case LUCID_RESAMPLE_LANCZOS:
      return &lanczos;
    case LUCID_RESAMPLE_BILINEAR:
      return &bilinear;
    case LUCID_RESAMPLE_BICUBIC:
      return &bicubic;
    case LUCID_RESAMPLE_BOX:
      return &box;
    case LUCID_RESAMPLE_HAMMING:
      return &hamming;
    case LUCID_RESAMPLE_NEAREST:
    default:
      g_set_error (error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT,
          "resample filter %d is not supported (1 lanczos, 2 bilinear, "
          "3 bicubic, 4 box, 5 hamming are)", (int) resample);
      return NULL;
  }
}

/* The fixed-point kernels of one axis: output i reads n_taps[i] inputs from
 * first[i] on, with weights coeffs[i × ksize ...]. */
typedef struct {
  guint out_size;
  guint ksize;
  guint *first;                /* [out_size] */
  guint *n_taps;               /* [out_size] */
  gint32 *coeffs;              /* [out_size × ksize], PRECISION_BITS fraction */
} Kernels;

static void
kernels_clear (Kernels *k)
{
  g_free (k->first);
  g_free (k->n_taps);
  g_free (k->coeffs);
}

/* The kernels of outputs @out_first .. @out_first + @out_count - 1 of a
 * resize from @in_size to @out_size samples (stored from index 0). Each
 * output depends on its own kernel only, so a window of the output is
 * computed exactly as the whole would be. */
static void
kernels_init (Kernels *k, guint in_size, guint out_size, guint out_first,
    guint out_count, const Filter *filter)
{
  double scale = (double) in_size / out_size;
  double filterscale = scale < 1.0 ? 1.0 : scale;
  double support = filter->support * filterscale;
  double ss = 1.0 / filterscale;
  g_autofree double *w = NULL;

  k->out_size = out_count;
  k->ksize = (guint) ceil (support) * 2 + 1;
  k->first = g_new (guint, out_count);
  k->n_taps = g_new (guint, out_count);
  k->coeffs = g_new0 (gint32, (gsize) out_count * k->ksize);
  w = g_new (double, k->ksize);

  for (guint i = 0; i < out_count; i++) {
    double center = ((double) out_first + i + 0.5) * scale;
    double sum = 0.0;
    int lo = (int) (center - support + 0.5);
    int hi = (int) (center + support + 0.5);
    int n;

    if (lo < 0)
      lo = 0;
    if (hi > (int) in_size)
      hi = (int) in_size;
    n = hi - lo;
    for (int x = 0; x < n; x++) {
      w[x] = filter->weight ((x + lo - center + 0.5) * ss);
      sum += w[x];
    }
    for (int x = 0; x < n; x++) {
      double v = sum != 0.0 ? w[x] / sum : w[x];
      k->coeffs[(gsize) i * k->ksize + x] = v < 0
          ? (gint32) (-0.5 + v * (1 << PRECISION_BITS))
          : (gint32) (0.5 + v * (1 << PRECISION_BITS));
    }
    k->first[i] = (guint) lo;
    k->n_taps[i] = (guint) n;
  }
}

static inline guint8
clip8 (gint32 v)
{
  if (v >= (1 << PRECISION_BITS << 8))
    return 255;
  if (v <= 0)
    return 0;
  return (guint8) (v >> PRECISION_BITS);
}

/* Horizontal pass over @n_rows rows of RGB8. */
static void
resample_rows (const guint8 *src, gsize src_stride, guint8 *dst,
    gsize dst_stride, guint n_rows, const Kernels *k)
{
  for (guint y = 0; y < n_rows; y++) {
    const guint8 *in = src + y * src_stride;
    guint8 *out = dst + y * dst_stride;

    for (guint i = 0; i < k->out_size; i++) {
      const gint32 *c = k->coeffs + (gsize) i * k->ksize;
      const guint8 *p = in + (gsize) k->first[i] * 3;
      gint32 r = 1 << (PRECISION_BITS - 1), g = r, b = r;

      for (guint t = 0; t < k->n_taps[i]; t++) {
        r += p[3 * t + 0] * c[t];
        g += p[3 * t + 1] * c[t];
        b += p[3 * t + 2] * c[t];
      }
      out[3 * i + 0] = clip8 (r);
      out[3 * i + 1] = clip8 (g);
      out[3 * i + 2] = clip8 (b);
    }
  }
}

/* Vertical pass: output row i reads rows first[i] - @row_offset on of
 * @src; @row_bytes bytes per row. */
static void
resample_columns (const guint8 *src, gsize src_stride, guint8 *dst,
    gsize dst_stride, gsize row_bytes, const Kernels *k, guint row_offset)
{
  g_autofree gint32 *acc = g_new (gint32, row_bytes);

  for (guint i = 0; i < k->out_size; i++) {
    const gint32 *c = k->coeffs + (gsize) i * k->ksize;
    const guint8 *in = src + (gsize) (k->first[i] - row_offset) * src_stride;
    guint8 *out = dst + (gsize) i * dst_stride;

    for (gsize x = 0; x < row_bytes; x++)
      acc[x] = 1 << (PRECISION_BITS - 1);
    for (guint t = 0; t < k->n_taps[i]; t++) {
      const guint8 *row = in + (gsize) t * src_stride;
      for (gsize x = 0; x < row_bytes; x++)
        acc[x] += row[x] * c[t];
    }
    for (gsize x = 0; x < row_bytes; x++)
      out[x] = clip8 (acc[x]);
  }
}

/* The window [@x0, @x0 + @ww) × [@y0, @y0 + @wh) of Pillow's resize of
 * @src to @dst_width × @dst_height, into @dst (@ww × @wh). Pass order and
 * every rounding are those of the whole resize (the order depends on the
 * whole sizes), so the window holds the same bytes the whole image would;
 * only the inputs the window's kernels read are filtered. The window must
 * lie inside the image; sizes are checked by the callers. */
static void
resize_window (const guint8 *src, guint src_width, guint src_height,
    gsize src_stride, guint dst_width, guint dst_height, guint x0, guint y0,
    guint ww, guint wh, guint8 *dst, gsize dst_stride, const Filter *filter)
{
  gboolean need_h = src_width != dst_width;
  gboolean need_v = src_height != dst_height;
  Kernels kh = { 0 }, kv = { 0 };

  if (!need_h && !need_v) {
    for (guint y = 0; y < wh; y++)
      memcpy (dst + y * dst_stride, src + (gsize) (y0 + y) * src_stride
          + (gsize) x0 * 3, (gsize) ww * 3);
    return;
  }
  if (need_h)
    kernels_init (&kh, src_width, dst_width, x0, ww, filter);
  if (need_v)
    kernels_init (&kv, src_height, dst_height, y0, wh, filter);

  if (need_h && need_v && src_height > dst_height
      && (gint64) src_height - dst_height
          > 2 * ((gint64) src_width - dst_width)) {
    /* Pillow (since 12.x/13, python-pillow/Pillow#9549) runs the vertical
     * pass first when the height shrinks by more than twice as many
     * pixels as the width does (strictly more; a width that grows or
     * stays counts as shrinking by <= 0). The 8-bit intermediate is then
     * src_width × dst_height, so the order changes the rounding. Only the
     * columns the window's horizontal kernels read are filtered. */
    guint first = kh.first[0];
    guint last = kh.first[ww - 1] + kh.n_taps[ww - 1];
    gsize tmp_stride = (gsize) (last - first) * 3;
    g_autofree guint8 *tmp = g_malloc (tmp_stride * wh);

    resample_columns (src + (gsize) first * 3, src_stride, tmp, tmp_stride,
        tmp_stride, &kv, 0);
    for (guint i = 0; i < ww; i++)
      kh.first[i] -= first;
    resample_rows (tmp, tmp_stride, dst, dst_stride, wh, &kh);
  } else if (need_h && need_v) {
    /* Filter horizontally only the rows the vertical kernels read. */
    guint first = kv.first[0];
    guint last = kv.first[wh - 1] + kv.n_taps[wh - 1];
    gsize tmp_stride = (gsize) ww * 3;
    g_autofree guint8 *tmp = g_malloc (tmp_stride * (last - first));

    resample_rows (src + first * src_stride, src_stride, tmp, tmp_stride,
        last - first, &kh);
    resample_columns (tmp, tmp_stride, dst, dst_stride, tmp_stride, &kv,
        first);
  } else if (need_h) {
    resample_rows (src + (gsize) y0 * src_stride, src_stride, dst, dst_stride,
        wh, &kh);
  } else {
    resample_columns (src + (gsize) x0 * 3, src_stride, dst, dst_stride,
        (gsize) ww * 3, &kv, 0);
  }
  kernels_clear (&kh);
  kernels_clear (&kv);
}

gboolean
lucid_image_resize_rgb8 (const guint8 *src, guint src_width, guint src_height,
    gsize src_stride, guint8 *dst, guint dst_width, guint dst_height,
    gsize dst_stride, LucidResample resample, GError **error)
{
  const Filter *filter;

  g_return_val_if_fail (src != NULL && dst != NULL, FALSE);
  if (src_width == 0 || src_height == 0 || dst_width == 0 || dst_height == 0
      || src_width > MAX_IMAGE_SIDE || src_height > MAX_IMAGE_SIDE
      || dst_width > MAX_IMAGE_SIDE || dst_height > MAX_IMAGE_SIDE
      || src_stride < (gsize) src_width * 3
      || dst_stride < (gsize) dst_width * 3) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT,
        "cannot resize %ux%u (stride %" G_GSIZE_FORMAT ") to %ux%u (stride %"
        G_GSIZE_FORMAT "): sizes must be 1..%u and strides hold a row",
        src_width, src_height, src_stride, dst_width, dst_height, dst_stride,
        MAX_IMAGE_SIDE);
    return FALSE;
  }
  filter = filter_for (resample, error);
  if (filter == NULL)
    return FALSE;
  resize_window (src, src_width, src_height, src_stride, dst_width,
      dst_height, 0, 0, dst_width, dst_height, dst, dst_stride, filter);
  return TRUE;
}

/* ---- the whole processor ----------------------------------------------- */

/* Python's (n // 2) for a possibly negative n. */
static gint64
floor_half (gint64 n)
{
  return n >= 0 ? n / 2 : -((-n + 1) / 2);
}

gboolean
lucid_image_preprocess_rgb8 (const LucidImageConfig *config,
    const guint8 *rgb, guint width, guint height, gsize stride,
    float *pixels, GError **error)
{
  g_autofree guint8 *resized = NULL;
  const guint8 *img = rgb;
  gsize img_stride = stride;
  guint rw, rh, ow, oh, win_x = 0, win_y = 0;
  gint64 top = 0, left = 0;
  float lut[3][256];

  g_return_val_if_fail (config != NULL && rgb != NULL && pixels != NULL,
      FALSE);
  if (width == 0 || height == 0 || width > MAX_IMAGE_SIDE
      || height > MAX_IMAGE_SIDE || stride < (gsize) width * 3) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT,
        "cannot preprocess a %ux%u image with stride %" G_GSIZE_FORMAT
        " (sides must be 1..%u)", width, height, stride, MAX_IMAGE_SIDE);
    return FALSE;
  }

  lucid_image_config_get_resized_size (config, width, height, &rw, &rh);
  lucid_image_config_get_output_size (config, width, height, &ow, &oh);
  if (config->do_center_crop) {
    top = floor_half ((gint64) rh - oh);
    left = floor_half ((gint64) rw - ow);
  }
  if (rw != width || rh != height) {
    /* Only the part of the resized image the crop keeps is computed: a
     * frame of extreme aspect ratio resized by its shortest edge can be
     * far wider (or taller) than the crop — 2000×2 to 32000×32 for a
     * crop of 32 —, and Pillow computes it all for nothing. */
    const Filter *filter = filter_for (config->resample, error);
    gint64 x0 = MAX (left, 0), x1 = MIN (left + (gint64) ow, (gint64) rw);
    gint64 y0 = MAX (top, 0), y1 = MIN (top + (gint64) oh, (gint64) rh);

    if (filter == NULL)
      return FALSE;
    if (rw == 0 || rh == 0 || x1 - x0 > MAX_IMAGE_SIDE
        || y1 - y0 > MAX_IMAGE_SIDE) {
      g_set_error (error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT,
          "cannot preprocess a %ux%u image: it resizes to %ux%u", width,
          height, rw, rh);
      return FALSE;
    }
    win_x = (guint) x0;
    win_y = (guint) y0;
    resized = g_malloc ((gsize) (x1 - x0) * (y1 - y0) * 3);
    img_stride = (gsize) (x1 - x0) * 3;
    resize_window (rgb, width, height, stride, rw, rh, win_x, win_y,
        (guint) (x1 - x0), (guint) (y1 - y0), resized, img_stride, filter);
    img = resized;
  }

  /* Rescale and normalise in transformers' dtypes: float64 product cast to
   * float32, then float32 subtraction and division. */
  for (guint c = 0; c < 3; c++) {
    float mean = (float) config->image_mean[c];
    float std = (float) config->image_std[c];
    for (guint v = 0; v < 256; v++) {
      float x = config->do_rescale
          ? (float) ((double) v * config->rescale_factor) : (float) v;
      if (config->do_normalize)
        x = (x - mean) / std;
      lut[c][v] = x;
    }
  }

  /* img holds the resized image from (win_x, win_y) on: all of it that
   * the crop keeps. */
  for (guint y = 0; y < oh; y++) {
    gint64 sy = (gint64) y + top;
    gboolean row_inside = sy >= 0 && sy < rh;
    const guint8 *row = row_inside
        ? img + (gsize) (sy - win_y) * img_stride : NULL;

    for (guint x = 0; x < ow; x++) {
      gint64 sx = (gint64) x + left;
      const guint8 *p = row_inside && sx >= 0 && sx < rw
          ? row + (gsize) (sx - win_x) * 3 : NULL;
      for (guint c = 0; c < 3; c++)
        pixels[((gsize) c * oh + y) * ow + x] = lut[c][p ? p[c] : 0];
    }
  }
  return TRUE;
}
