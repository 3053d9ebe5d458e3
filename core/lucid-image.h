/* lucid-image.h — image preprocessing as Hugging Face's PIL-based image
 * processors do it (ViTImageProcessor, CLIPImageProcessor with
 * use_fast=False), driven by a model's preprocessor_config.json.
 *
 * Input is 8-bit RGB, interleaved (GStreamer's video/x-raw,format=RGB), of
 * any size. Output is float32 NCHW pixel values, what lucid_vit_forward()
 * takes. Resizing reproduces Pillow's Image.resize() bit for bit (the 8-bit
 * image after resizing is identical); rescaling and normalising reproduce
 * transformers' numpy arithmetic (see lucid-image.c for both).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Pillow's resampling filters, numbered as PIL.Image.Resampling (the
 * `resample` key). NEAREST is recognised but not supported. */
typedef enum {
  LUCID_RESAMPLE_NEAREST = 0,
  LUCID_RESAMPLE_LANCZOS = 1,
  LUCID_RESAMPLE_BILINEAR = 2,
  LUCID_RESAMPLE_BICUBIC = 3,
  LUCID_RESAMPLE_BOX = 4,
  LUCID_RESAMPLE_HAMMING = 5,
} LucidResample;

/* preprocessor_config.json. The processor steps run in this order: resize,
 * centre crop, rescale, normalise. Absent flags and `resample` /
 * `rescale_factor` take the processor class's defaults (ViT: resize,
 * rescale, normalise, bilinear; CLIP: all steps, bicubic); the parameters of
 * an enabled step (size, crop_size, image_mean, image_std) are required. */
typedef struct {
  char *image_processor_type;  /* "ViTImageProcessor", "CLIPImageProcessor" */
  gboolean do_resize;
  /* size: {"height", "width"} → resize_height/width; {"shortest_edge"} (or a
   * bare integer for CLIP) → shortest_edge, the other side scaled to keep
   * the aspect ratio (truncated). Exactly one of the two forms is set. */
  guint resize_height, resize_width;
  guint shortest_edge;
  LucidResample resample;
  gboolean do_center_crop;
  guint crop_height, crop_width;
  gboolean do_rescale;
  double rescale_factor;
  gboolean do_normalize;
  double image_mean[3];
  double image_std[3];
  gboolean do_convert_rgb;     /* parsed; RGB input needs no conversion */
} LucidImageConfig;

/* Reads DIR/preprocessor_config.json. Errors name the file and the key. */
LucidImageConfig *lucid_image_config_load (const char *dir, GError **error);
/* Reads the preprocessor config at @path. */
LucidImageConfig *lucid_image_config_load_file (const char *path,
    GError **error);
/* Parses config text held in memory; @path names it in errors. */
LucidImageConfig *lucid_image_config_new_from_data (const char *data,
    gsize len, const char *path, GError **error);
void lucid_image_config_free (LucidImageConfig *config);

/* Size (pixels) of the image after the resize step for a @width × @height
 * input (the input size when do_resize is off). */
void lucid_image_config_get_resized_size (const LucidImageConfig *config,
    guint width, guint height, guint *out_width, guint *out_height);
/* Size of the pixel values lucid_image_preprocess_rgb8() writes: the crop
 * size with do_center_crop, else the resized size. */
void lucid_image_config_get_output_size (const LucidImageConfig *config,
    guint width, guint height, guint *out_width, guint *out_height);

/* Resizes @src (@src_width × @src_height RGB8, rows @src_stride bytes
 * apart) into @dst (@dst_width × @dst_height, rows @dst_stride bytes apart)
 * exactly as Pillow's Image.resize((dst_width, dst_height), resample) does
 * (reducing_gap None, whole-image box). Equal sizes copy. NEAREST and
 * zero sizes are LUCID_ERROR_INVALID_ARGUMENT. Thread-safe, reentrant. */
gboolean lucid_image_resize_rgb8 (const guint8 *src, guint src_width,
    guint src_height, gsize src_stride, guint8 *dst, guint dst_width,
    guint dst_height, gsize dst_stride, LucidResample resample,
    GError **error);

/* Runs every step of @config on @rgb (@width × @height RGB8, rows @stride
 * bytes apart) and writes [3 × H × W] float32 (H × W from
 * lucid_image_config_get_output_size()) to @pixels. Thread-safe. */
gboolean lucid_image_preprocess_rgb8 (const LucidImageConfig *config,
    const guint8 *rgb, guint width, guint height, gsize stride,
    float *pixels, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LucidImageConfig, lucid_image_config_free)

G_END_DECLS
