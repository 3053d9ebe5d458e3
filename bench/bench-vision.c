/* bench-vision.c — times Lucid's CLIP image encoder (lucid_clip_encode_images:
 * patch embedding, pre_layrnorm, encoder layers, post_layernorm, projection,
 * normalisation) on a batch of pixel values.
 *
 * Not a test: built with the project (never installed), run by
 * bench/run_vision_bench.py, which compares the numbers with ONNX Runtime
 * and PyTorch on the same machine in the same run.
 *
 *   bench-vision --model DIR --batch B [--threads N] [--warmup W]
 *                [--iters N] [--dump FILE]
 *
 * Pixels are deterministic pseudo-random values in [-2, 2] (preprocessing is
 * not timed). Prints one JSON object: per-iteration times in ms, median,
 * images per second. --dump writes the embeddings of the last iteration
 * (float32 little-endian) so the runner can check that every engine
 * computes the same thing.
 *
 * Threads: LUCID_NUM_THREADS=N sizes Lucid's compute pool, BLAS
 * single-threaded inside it (as bench-text does).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>

#include "lucid-blas.h"
#include "lucid-clip.h"
#include "lucid-parallel.h"

static char *opt_model;
static int opt_batch = 1, opt_threads = 1, opt_warmup = 2, opt_iters = 5;
static char *opt_dump;

static GOptionEntry entries[] = {
  { "model", 'm', 0, G_OPTION_ARG_FILENAME, &opt_model, "CLIP model dir",
    "DIR" },
  { "batch", 'b', 0, G_OPTION_ARG_INT, &opt_batch, "images per call", "B" },
  { "threads", 't', 0, G_OPTION_ARG_INT, &opt_threads, "compute threads", "N" },
  { "warmup", 'w', 0, G_OPTION_ARG_INT, &opt_warmup, "untimed calls", "W" },
  { "iters", 'n', 0, G_OPTION_ARG_INT, &opt_iters, "timed calls", "N" },
  { "dump", 'd', 0, G_OPTION_ARG_FILENAME, &opt_dump,
    "write the last embeddings here", "FILE" },
  G_OPTION_ENTRY_NULL
};

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

int
main (int argc, char **argv)
{
  g_autoptr (GOptionContext) ctx
      = g_option_context_new ("- CLIP image encoder timing");
  g_autoptr (GError) error = NULL;
  g_autoptr (LucidClip) clip = NULL;
  g_autofree float *pixels = NULL, *emb = NULL;
  g_autofree double *ms = NULL;
  g_autofree char *threads = NULL;
  g_autoptr (GString) js = g_string_new (NULL);
  gsize n_px;
  guint S, D;
  guint32 state = 12345;

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error) || opt_model == NULL
      || opt_batch < 1 || opt_iters < 1 || opt_threads < 1) {
    g_printerr (
        "bench-vision: %s\n",
        error
            ? error->message
            : "--model DIR is required; batch, iters and threads must be >= 1");
    return 2;
  }
  threads = g_strdup_printf ("%d", opt_threads);
  g_setenv ("LUCID_NUM_THREADS", threads, TRUE);
  if (!lucid_blas_init (&error)) {
    g_printerr ("bench-vision: %s\n", error->message);
    return 1;
  }
  lucid_parallel_get_n_threads ();
  lucid_blas_set_num_threads (1);

  clip = lucid_clip_load (opt_model, NULL, &error);
  if (clip == NULL) {
    g_printerr ("bench-vision: %s\n", error->message);
    return 1;
  }
  S = lucid_clip_get_image_size (clip);
  D = lucid_clip_get_projection_dim (clip);
  n_px = (gsize)opt_batch * 3 * S * S;
  pixels = g_new (float, n_px);
  emb = g_new (float, (gsize)opt_batch *D);
  for (gsize i = 0; i < n_px; i++) {
    state = state * 1664525u + 1013904223u;
    pixels[i] = ((state >> 8) / 16777216.0f) * 4.0f - 2.0f;
  }

  ms = g_new (double, opt_iters);
  for (int i = 0; i < opt_warmup + opt_iters; i++) {
    gint64 t0 = g_get_monotonic_time ();

    if (!lucid_clip_encode_images (clip, pixels, opt_batch, emb, TRUE, NULL,
                                   &error)) {
      g_printerr ("bench-vision: %s\n", error->message);
      return 1;
    }
    if (i >= opt_warmup)
      ms[i - opt_warmup] = (g_get_monotonic_time () - t0) / 1000.0;
  }
  if (opt_dump != NULL
      && !g_file_set_contents (opt_dump, (const char *)emb,
                               (gssize)((gsize)opt_batch * D * sizeof (float)),
                               &error)) {
    g_printerr ("bench-vision: %s\n", error->message);
    return 1;
  }
  g_string_append_printf (js,
                          "{\"engine\": \"lucid\", \"batch\": %d, "
                          "\"threads\": %d, \"ms\": [",
                          opt_batch, opt_threads);
  for (int i = 0; i < opt_iters; i++)
    g_string_append_printf (js, "%s%.3f", i ? ", " : "", ms[i]);
  qsort (ms, opt_iters, sizeof (double), cmp_double);
  g_string_append_printf (js, "], \"median_ms\": %.3f, \"images_per_s\": %.3f}",
                          ms[opt_iters / 2],
                          opt_batch * 1000.0 / ms[opt_iters / 2]);
  printf ("%s\n", js->str);
  return 0;
}
