/* bench-vision.c — times Lucid's image encoders on a batch of pixel values:
 * CLIP's image tower (--kind clip, lucid_clip_encode_images: patch
 * embedding, pre_layrnorm, encoder layers, post_layernorm, projection,
 * normalisation) or a ViTModel (--kind vit, lucid_vit_forward: patch
 * embedding, encoder layers, final layernorm; the CLS row is dumped).
 *
 * Not a test: built with the project (never installed), run by
 * bench/run_vision_bench.py, which compares the numbers with ONNX Runtime
 * and PyTorch on the same machine in the same run.
 *
 *   bench-vision --model DIR [--kind clip|vit] --batch B [--threads N]
 *                [--warmup W] [--iters N] [--dump FILE]
 *
 *   bench-vision --info
 *       Prints the build (meson buildtype, compiler optimisation), the GEMM
 *       kernel the CPU backend picked and the BLAS liblucid loaded, so the
 *       runner can record which binary it timed.
 *
 *   bench-vision --gemm-roofline --patch P --batch B [--threads N]
 *       Times sgemm alone (lucid_blas_sgemm, OpenBLAS) at every GEMM shape
 *       a ViT-B encoder (224×224, hidden 768, 12 layers, 12 heads, MLP
 *       3072) issues for B images of patch P: the patch embedding, the four
 *       Linear layers over the packed tokens, and the two per-head attention
 *       products of each image. As bench-text's roofline: with N threads a
 *       call's time is the smaller of BLAS on N threads and BLAS on one
 *       thread / N; the sum over one forward pass is the least time the
 *       GEMMs allow with OpenBLAS (Lucid's own packed GEMM can beat it).
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
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lucid-blas.h"
#include "lucid-clip.h"
#include "lucid-gemm.h"
#include "lucid-parallel.h"
#include "lucid-vit.h"

static char *opt_model, *opt_kind;
static int opt_batch = 1, opt_threads = 1, opt_warmup = 2, opt_iters = 5;
static int opt_patch = 16;
static gboolean opt_roofline, opt_info;
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
  { "kind", 'k', 0, G_OPTION_ARG_STRING, &opt_kind,
    "clip (default) or vit", "KIND" },
  { "gemm-roofline", 0, 0, G_OPTION_ARG_NONE, &opt_roofline,
    "time the encoder's GEMM shapes with OpenBLAS alone", NULL },
  { "patch", 'p', 0, G_OPTION_ARG_INT, &opt_patch,
    "roofline: patch size (16 or 32)", "P" },
  { "info", 0, 0, G_OPTION_ARG_NONE, &opt_info,
    "print the build type, GEMM kernel and BLAS as JSON", NULL },
  G_OPTION_ENTRY_NULL
};

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

#ifndef LUCID_BENCH_BUILDTYPE
#define LUCID_BENCH_BUILDTYPE "unknown"
#endif

/* The build this binary (and the liblucid next to it) comes from. */
static int
run_info (void)
{
  LucidGemmKernel kernel;
  g_autofree char *blas = g_strescape (lucid_blas_describe (), NULL);
#ifdef __OPTIMIZE__
  const char *optimized = "true";
#else
  const char *optimized = "false";
#endif

  printf ("{\"buildtype\": \"%s\", \"optimized\": %s, \"gemm\": \"%s\", "
          "\"blas\": \"%s\", \"pool_threads\": %u, \"cpus\": %u}\n",
          LUCID_BENCH_BUILDTYPE, optimized,
          lucid_gemm_kernel_for_process (&kernel)
              ? lucid_gemm_kernel_name (kernel)
              : "blas",
          blas, lucid_parallel_get_n_threads (), g_get_num_processors ());
  return 0;
}

/* ---- GEMM roofline ------------------------------------------------------ */

typedef struct {
  const char *name;
  gboolean trans_b;
  gsize m, n, k, lda, ldb, ldc;
  float alpha, beta;
  double calls; /* per forward pass */
} GemmOp;

/* Median per-call time (ms) of blocks of >= 2 ms over about 0.15 s. */
static double
time_gemm (const GemmOp *op, const float *a, const float *b, float *c)
{
  double blk[64];
  int per_block = 1, n_blk = 0;
  gint64 start, t0;

#define CALL()                                                                 \
  lucid_blas_sgemm (FALSE, op->trans_b, op->m, op->n, op->k, op->alpha, a,     \
                    op->lda, b, op->ldb, op->beta, c, op->ldc)
  for (int i = 0; i < 2; i++)
    CALL ();
  for (;;) {
    t0 = g_get_monotonic_time ();
    for (int i = 0; i < per_block; i++)
      CALL ();
    if (g_get_monotonic_time () - t0 >= 2000 || per_block >= (1 << 16))
      break;
    per_block *= 2;
  }
  start = g_get_monotonic_time ();
  while (n_blk < 5
         || (g_get_monotonic_time () - start < 150000 && n_blk < 64)) {
    t0 = g_get_monotonic_time ();
    for (int i = 0; i < per_block; i++)
      CALL ();
    blk[n_blk++] = (g_get_monotonic_time () - t0) / 1000.0 / per_block;
  }
#undef CALL
  qsort (blk, n_blk, sizeof (double), cmp_double);
  return blk[n_blk / 2];
}

static int
run_roofline (void)
{
  const gsize H = 768, FF = 3072, nh = 12, d = H / nh, NL = 12, S = 224;
  const gsize P = (S / opt_patch) * (S / opt_patch), len = P + 1;
  const gsize B = opt_batch, T = B * len, K = 3 * opt_patch * opt_patch;
  const GemmOp ops[] = {
    { "patch", TRUE, B * P, H, K, K, K, H, 1, 0, 1 },
    { "qkv", TRUE, T, 3 * H, H, H, H, 3 * H, 1, 0, NL },
    { "attn_out", TRUE, T, H, H, H, H, H, 1, 0, NL },
    { "ffn_in", TRUE, T, FF, H, H, H, FF, 1, 0, NL },
    { "ffn_out", TRUE, T, H, FF, FF, FF, H, 1, 0, NL },
    { "attn_qk", TRUE, len, len, d, 3 * H, 3 * H, len,
      1.0f / sqrtf ((float)d), 0, (double)(NL * nh * B) },
    { "attn_pv", FALSE, len, d, len, len, 3 * H, H, 1, 0,
      (double)(NL * nh * B) },
  };
  gsize maxbuf = 0;
  float *a, *b, *c;
  double total = 0, flops = 0;
  g_autoptr (GString) js = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (ops); i++) {
    maxbuf = MAX (maxbuf, ops[i].m * ops[i].lda);
    maxbuf = MAX (maxbuf, (ops[i].trans_b ? ops[i].n : ops[i].k) * ops[i].ldb);
    maxbuf = MAX (maxbuf, ops[i].m * ops[i].ldc);
  }
  a = g_new (float, maxbuf);
  b = g_new (float, maxbuf);
  c = g_new0 (float, maxbuf);
  for (gsize i = 0; i < maxbuf; i++) {
    a[i] = (float)((i * 7919) % 1000) / 5000.0f - 0.1f;
    b[i] = (float)((i * 104729) % 1000) / 5000.0f - 0.1f;
  }
  g_string_append_printf (js,
                          "{\"engine\": \"roofline\", \"patch\": %d, "
                          "\"batch\": %d, \"threads\": %d, \"ops\": [",
                          opt_patch, opt_batch, opt_threads);
  for (guint i = 0; i < G_N_ELEMENTS (ops); i++) {
    const GemmOp *op = &ops[i];
    double ms1, ms;

    lucid_blas_set_num_threads (1);
    ms1 = time_gemm (op, a, b, c);
    ms = ms1 / opt_threads;
    if (opt_threads > 1) {
      lucid_blas_set_num_threads (opt_threads);
      ms = MIN (ms, time_gemm (op, a, b, c));
    }
    total += ms * op->calls;
    flops += 2.0 * op->m * op->n * op->k * op->calls;
    g_string_append_printf (js,
                            "%s{\"op\": \"%s\", \"m\": %zu, \"n\": %zu, "
                            "\"k\": %zu, \"calls\": %.0f, "
                            "\"ms_per_call\": %.5f}",
                            i ? ", " : "", op->name, op->m, op->n, op->k,
                            op->calls, ms);
  }
  g_string_append_printf (js, "], \"gemm_gflop\": %.3f, \"roofline_ms\": %.3f}",
                          flops / 1e9, total);
  printf ("%s\n", js->str);
  g_free (a);
  g_free (b);
  g_free (c);
  return 0;
}

int
main (int argc, char **argv)
{
  g_autoptr (GOptionContext) ctx
      = g_option_context_new ("- CLIP image encoder timing");
  g_autoptr (GError) error = NULL;
  g_autoptr (LucidClip) clip = NULL;
  g_autoptr (LucidVit) vit = NULL;
  gboolean is_vit;
  g_autofree float *pixels = NULL, *emb = NULL;
  g_autofree double *ms = NULL;
  g_autofree char *threads = NULL;
  g_autoptr (GString) js = g_string_new (NULL);
  gsize n_px;
  guint S, D;
  guint32 state = 12345;

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error)
      || (opt_model == NULL && !opt_roofline && !opt_info) || opt_batch < 1
      || opt_iters < 1 || opt_threads < 1 || opt_patch < 1 || opt_patch > 224
      || (opt_kind != NULL && strcmp (opt_kind, "clip") != 0
          && strcmp (opt_kind, "vit") != 0)) {
    g_printerr (
        "bench-vision: %s\n",
        error
            ? error->message
            : "--model DIR is required (but for --gemm-roofline, --info); "
              "batch, iters and threads must be >= 1; --kind is clip or vit");
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
  if (opt_info)
    return run_info ();
  if (opt_roofline)
    return run_roofline ();

  is_vit = opt_kind != NULL && strcmp (opt_kind, "vit") == 0;
  if (is_vit) {
    vit = lucid_vit_load (opt_model, NULL, &error);
    if (vit != NULL) {
      const LucidVitConfig *vc = lucid_vit_get_config (vit);
      if (vc->image_height != vc->image_width || vc->num_channels != 3) {
        g_printerr ("bench-vision: %s: square RGB ViTs only\n", opt_model);
        return 1;
      }
      S = vc->image_height;
      D = vc->hidden_size;
    }
  } else {
    clip = lucid_clip_load (opt_model, NULL, &error);
    if (clip != NULL) {
      S = lucid_clip_get_image_size (clip);
      D = lucid_clip_get_projection_dim (clip);
    }
  }
  if (vit == NULL && clip == NULL) {
    g_printerr ("bench-vision: %s\n", error->message);
    return 1;
  }
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

    gboolean ok;

    if (is_vit) {
      LucidVitOutput out;

      ok = lucid_vit_forward (vit, pixels, opt_batch, NULL, &out, &error);
      if (ok)
        memcpy (emb, out.cls, (gsize)opt_batch * D * sizeof (float));
    } else {
      ok = lucid_clip_encode_images (clip, pixels, opt_batch, emb, TRUE, NULL,
                                     &error);
    }
    if (!ok) {
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
