/* bench-text.c — times Lucid's BERT text encoder and the BLAS GEMM roofline.
 *
 * Not a test: built with the project (never installed), run by
 * bench/run_text_bench.py, which compares the numbers with ONNX Runtime and
 * PyTorch on the same machine in the same run. See bench/README.md.
 *
 * Modes (one JSON object per line on stdout):
 *
 *   bench-text --model DIR (--ids FILE | --shape BxL) [--threads N]
 *              [--warmup W] [--iters N] [--min-time S] [--dump FILE]
 *       The encoder alone (lucid_bert_forward): token ids go straight into a
 *       packed batch, bypassing the tokenizer, so a case has exactly the token
 *       counts asked for. --ids FILE holds one sequence per line as
 *       space-separated ids; --shape BxL makes B sequences of L ids
 *       ([CLS] … [SEP], deterministic pseudo-random word pieces).
 *       --dump FILE writes the last hidden state of the final iteration,
 *       packed [tokens × hidden] float32 little-endian.
 *
 *   bench-text --model DIR --texts FILE ...
 *       End to end through the public API (lucid_text_model_run: tokenizer,
 *       packing, encoder, pooling, normalisation), one text per line.
 *
 *   bench-text --gemm-roofline --model DIR (--ids FILE | --shape BxL) ...
 *       Times sgemm alone (lucid_blas_sgemm, the encoder's own BLAS) at every
 *       GEMM shape the encoder issues for that batch (the four Linear layers
 *       over the packed tokens, and the two per-head attention products of
 *       each sequence), and a large square sgemm for the machine's peak.
 *       With N threads a call's best time is the smaller of BLAS on N threads
 *       and BLAS on one thread / N (N independent slices or heads, perfectly
 *       spread); the sum over the encoder's calls of the best per-call time
 *       is the least time the GEMMs allow.
 *
 *   bench-text --pool-overhead --threads N
 *       The cost of one job on Lucid's compute pool (wake the workers, run
 *       an empty range on each thread, wait for all): what every pooled
 *       operation of a forward pass pays on top of its work.
 *
 *   bench-text --info
 *       OpenBLAS build (config string, core), CPU count.
 *
 * Threads: --threads N sizes Lucid's compute pool (LUCID_NUM_THREADS=N,
 * core/lucid-parallel.c) and keeps BLAS single-threaded inside it, as the
 * pool does for N > 1 (this program also does it for N = 1, where the pool
 * leaves BLAS at its default of one thread per core).
 *
 * BLAS: this program does not link against BLAS. liblucid dlopen()s it
 * (core/lucid-blas.c) after choosing OpenBLAS's kernels; linking it here
 * would load it first and freeze OpenBLAS's own choice. The roofline calls
 * the same lucid_blas_sgemm() the encoder calls.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <glib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lucid-backend.h"
#include "lucid-bert.h"
#include "lucid-blas.h"
#include "lucid-error.h"
#include "lucid-gemm.h"
#include "lucid-model-config.h"
#include "lucid-parallel.h"
#include "lucid-safetensors.h"
#include "lucid-text-model.h"

static char *opt_model;
static char *opt_ids;
static char *opt_shape;
static char *opt_texts;
static char *opt_dump;
static char *opt_case;
static int opt_threads = 1;
static int opt_warmup = 3;
static int opt_iters = 0;
static int opt_min_iters = 5;
static double opt_min_time = 1.0;
static gboolean opt_roofline;
static gboolean opt_info;
static gboolean opt_samples;
static double opt_gemm_time = 0.3;
static gboolean opt_no_square;
static gboolean opt_pool;

static GOptionEntry entries[] = {
  { "model", 'm', 0, G_OPTION_ARG_FILENAME, &opt_model,
    "Hugging Face style model directory", "DIR" },
  { "ids", 0, 0, G_OPTION_ARG_FILENAME, &opt_ids,
    "token ids, one sequence per line", "FILE" },
  { "shape", 0, 0, G_OPTION_ARG_STRING, &opt_shape,
    "B sequences of L tokens (synthetic ids)", "BxL" },
  { "texts", 0, 0, G_OPTION_ARG_FILENAME, &opt_texts,
    "end to end through lucid_text_model_run: one text per line", "FILE" },
  { "case", 0, 0, G_OPTION_ARG_STRING, &opt_case,
    "case name echoed in the JSON", "NAME" },
  { "threads", 't', 0, G_OPTION_ARG_INT, &opt_threads,
    "compute threads: Lucid's pool, BLAS single-threaded inside (default 1)",
    "N" },
  { "warmup", 'w', 0, G_OPTION_ARG_INT, &opt_warmup,
    "untimed iterations first (default 3)", "N" },
  { "iters", 'n', 0, G_OPTION_ARG_INT, &opt_iters,
    "timed iterations (default: as many as --min-time allows)", "N" },
  { "min-iters", 0, 0, G_OPTION_ARG_INT, &opt_min_iters,
    "at least this many timed iterations when --iters is 0 (default 5)", "N" },
  { "min-time", 0, 0, G_OPTION_ARG_DOUBLE, &opt_min_time,
    "seconds of timed iterations when --iters is 0 (default 1)", "S" },
  { "dump", 0, 0, G_OPTION_ARG_FILENAME, &opt_dump,
    "write the last hidden state (float32 [tokens x hidden])", "FILE" },
  { "samples", 0, 0, G_OPTION_ARG_NONE, &opt_samples,
    "include every sample (ms) in the JSON", NULL },
  { "gemm-roofline", 0, 0, G_OPTION_ARG_NONE, &opt_roofline,
    "time sgemm alone at the encoder's GEMM shapes", NULL },
  { "gemm-time", 0, 0, G_OPTION_ARG_DOUBLE, &opt_gemm_time,
    "roofline: seconds of timing per GEMM shape (default 0.3)", "S" },
  { "no-square", 0, 0, G_OPTION_ARG_NONE, &opt_no_square,
    "roofline: skip the 1024^3 peak measurement", NULL },
  { "pool-overhead", 0, 0, G_OPTION_ARG_NONE, &opt_pool,
    "time an empty job on Lucid's compute pool (dispatch + join)", NULL },
  { "info", 0, 0, G_OPTION_ARG_NONE, &opt_info,
    "print the BLAS build and exit", NULL },
  G_OPTION_ENTRY_NULL
};

/* Before anything starts the pool or loads BLAS. */
static void
set_threads_env (int n)
{
  g_autofree char *v = g_strdup_printf ("%d", n);
  g_setenv ("LUCID_NUM_THREADS", v, TRUE);
}

/* Loads BLAS (choosing its kernels as every Lucid program does), starts the
 * pool, and sets BLAS's threads per call. */
static gboolean
start_compute (int blas_threads, GError **error)
{
  if (!lucid_blas_init (error))
    return FALSE;
  lucid_parallel_get_n_threads ();
  lucid_blas_set_num_threads (blas_threads);
  return TRUE;
}

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

/* Linear interpolation between order statistics (numpy's default). */
static double
quantile (const double *sorted, gsize n, double q)
{
  double pos = q * (double) (n - 1);
  gsize lo = (gsize) floor (pos), hi = MIN (lo + 1, n - 1);
  return sorted[lo] + (pos - (double) lo) * (sorted[hi] - sorted[lo]);
}

static void
print_stats (GString *js, GArray *ms)
{
  gsize n = ms->len;
  double *s = g_memdup2 (ms->data, n * sizeof (double));
  double sum = 0;

  qsort (s, n, sizeof (double), cmp_double);
  for (gsize i = 0; i < n; i++)
    sum += s[i];
  g_string_append_printf (js,
      "\"iters\": %zu, \"median_ms\": %.4f, \"p10_ms\": %.4f, "
      "\"p90_ms\": %.4f, \"mean_ms\": %.4f, \"min_ms\": %.4f", n,
      quantile (s, n, 0.5), quantile (s, n, 0.1), quantile (s, n, 0.9),
      sum / (double) n, s[0]);
  if (opt_samples) {
    g_string_append (js, ", \"samples_ms\": [");
    for (gsize i = 0; i < n; i++)
      g_string_append_printf (js, "%s%.4f", i ? ", " : "",
          g_array_index (ms, double, i));
    g_string_append (js, "]");
  }
  g_free (s);
}

/* ---- batches ------------------------------------------------------------ */

typedef struct {
  GArray *offset;              /* guint [n_seqs + 1] */
  GArray *ids;                 /* gint32 */
  GArray *type_ids;            /* gint32 */
  guint max_len;
} Batch;

static void
batch_init (Batch *b)
{
  b->offset = g_array_new (FALSE, FALSE, sizeof (guint));
  b->ids = g_array_new (FALSE, FALSE, sizeof (gint32));
  b->type_ids = g_array_new (FALSE, FALSE, sizeof (gint32));
  b->max_len = 0;
  g_array_append_val (b->offset, b->max_len);
}

static void
batch_end_seq (Batch *b)
{
  guint end = b->ids->len;
  guint start = g_array_index (b->offset, guint, b->offset->len - 1);
  b->max_len = MAX (b->max_len, end - start);
  g_array_append_val (b->offset, end);
}

static void
batch_push (Batch *b, gint32 id)
{
  gint32 zero = 0;
  g_array_append_val (b->ids, id);
  g_array_append_val (b->type_ids, zero);
}

static guint
batch_n_seqs (const Batch *b)
{
  return b->offset->len - 1;
}

static gboolean
batch_from_file (Batch *b, const char *path, GError **error)
{
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;

  if (!g_file_get_contents (path, &text, NULL, error))
    return FALSE;
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++) {
    g_auto (GStrv) tok = g_strsplit_set (g_strstrip (lines[i]), " \t,", -1);
    guint n = 0;
    for (guint j = 0; tok[j] != NULL; j++) {
      char *end;
      gint64 v;
      if (tok[j][0] == '\0')
        continue;
      v = g_ascii_strtoll (tok[j], &end, 10);
      if (*end != '\0' || v < 0 || v > G_MAXINT32) {
        g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
            "%s:%u: '%s' is not a token id", path, i + 1, tok[j]);
        return FALSE;
      }
      batch_push (b, (gint32) v);
      n++;
    }
    if (n > 0)
      batch_end_seq (b);
  }
  if (batch_n_seqs (b) == 0) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_FORMAT,
        "%s: no sequences", path);
    return FALSE;
  }
  return TRUE;
}

/* B × L: [CLS]=101, L-2 word pieces from the ordinary vocabulary range
 * (1996..vocab-1 for BERT uncased), [SEP]=102; for a small vocabulary (test
 * fixtures) any id below it. Deterministic. */
static gboolean
batch_from_shape (Batch *b, const char *shape, guint vocab, GError **error)
{
  unsigned bs = 0, len = 0;
  guint32 state = 12345;
  const guint lo = vocab > 4000 ? 1996 : 0;
  const gint32 cls = vocab > 102 ? 101 : 0, sep = vocab > 102 ? 102 : 0;

  if (sscanf (shape, "%ux%u", &bs, &len) != 2 || bs == 0 || len < 2) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT,
        "--shape wants BxL with B >= 1 and L >= 2, got '%s'", shape);
    return FALSE;
  }
  if (vocab == 0) {
    g_set_error (error, LUCID_ERROR, LUCID_ERROR_INVALID_ARGUMENT,
        "the model has an empty vocabulary");
    return FALSE;
  }
  for (unsigned s = 0; s < bs; s++) {
    batch_push (b, cls);
    for (unsigned t = 1; t + 1 < len; t++) {
      state = state * 1664525u + 1013904223u;
      batch_push (b, (gint32) (lo + (state >> 8) % (vocab - lo)));
    }
    batch_push (b, sep);
    batch_end_seq (b);
  }
  return TRUE;
}

/* ---- timing ------------------------------------------------------------- */

typedef gboolean (*RunFunc) (gpointer data, GError **error);

static GArray *
time_runs (RunFunc fn, gpointer data, GError **error)
{
  GArray *ms = g_array_new (FALSE, FALSE, sizeof (double));
  gint64 start_all;

  for (int i = 0; i < opt_warmup; i++) {
    if (!fn (data, error))
      goto fail;
  }
  start_all = g_get_monotonic_time ();
  for (int i = 0;; i++) {
    gint64 t0, t1;
    double v;
    if (opt_iters > 0 ? i >= opt_iters
        : (i >= MAX (opt_min_iters, 1) && (g_get_monotonic_time () - start_all) >= opt_min_time * 1e6))
      break;
    t0 = g_get_monotonic_time ();
    if (!fn (data, error))
      goto fail;
    t1 = g_get_monotonic_time ();
    v = (double) (t1 - t0) / 1000.0;
    g_array_append_val (ms, v);
  }
  return ms;

fail:
  g_array_unref (ms);
  return NULL;
}

typedef struct {
  LucidBert *bert;
  LucidBertBatch batch;
  const float *out;
} EncoderRun;

static gboolean
encoder_run (gpointer data, GError **error)
{
  EncoderRun *r = data;
  r->out = lucid_bert_forward (r->bert, &r->batch, NULL, NULL, error);
  return r->out != NULL;
}

typedef struct {
  LucidTextModel *model;
  const char *const *texts;
  guint n;
  LucidTextOutput out;
} TextRun;

static gboolean
text_run (gpointer data, GError **error)
{
  TextRun *r = data;
  return lucid_text_model_run (r->model, r->texts, r->n, NULL, FALSE, &r->out,
      error);
}

static gboolean
dump_floats (const char *path, const float *x, gsize n, GError **error)
{
  return g_file_set_contents (path, (const char *) x, (gssize) (n * sizeof (float)),
      error);
}

static void
append_header (GString *js, const char *engine, const Batch *b)
{
  g_string_append_printf (js, "{\"engine\": \"%s\", \"case\": \"%s\", "
      "\"threads\": %d, ", engine, opt_case ? opt_case : "", opt_threads);
  if (b != NULL)
    g_string_append_printf (js, "\"n_seqs\": %u, \"tokens\": %u, "
        "\"max_len\": %u, ", batch_n_seqs (b), b->ids->len, b->max_len);
}

static int
run_encoder (const char *dir, GError **error)
{
  g_autoptr (LucidBertConfig) cfg = NULL;
  g_autoptr (LucidSafetensors) st = NULL;
  g_autofree char *weights = NULL;
  LucidBert *bert;
  Batch b;
  EncoderRun r = { 0 };
  GArray *ms;
  GString *js;

  cfg = lucid_bert_config_load (dir, error);
  if (cfg == NULL)
    return 1;
  weights = g_build_filename (dir, "model.safetensors", NULL);
  st = lucid_safetensors_open (weights, error);
  if (st == NULL)
    return 1;
  {
    const LucidBackend *be = lucid_backend_cpu (error);
    if (be == NULL || !start_compute (1, error))
      return 1;
    bert = lucid_bert_new (cfg, st, be, error);
  }
  if (bert == NULL)
    return 1;

  batch_init (&b);
  if (opt_ids != NULL ? !batch_from_file (&b, opt_ids, error)
      : !batch_from_shape (&b, opt_shape, cfg->vocab_size, error)) {
    lucid_bert_free (bert);
    return 1;
  }
  r.bert = bert;
  r.batch.n_seqs = batch_n_seqs (&b);
  r.batch.seq_offset = (const guint *) b.offset->data;
  r.batch.ids = (const gint32 *) b.ids->data;
  r.batch.type_ids = (const gint32 *) b.type_ids->data;

  ms = time_runs (encoder_run, &r, error);
  if (ms == NULL) {
    lucid_bert_free (bert);
    return 1;
  }
  if (opt_dump != NULL && !dump_floats (opt_dump, r.out,
          (gsize) b.ids->len * cfg->hidden_size, error)) {
    lucid_bert_free (bert);
    return 1;
  }
  js = g_string_new (NULL);
  append_header (js, "lucid", &b);
  print_stats (js, ms);
  g_string_append (js, "}\n");
  fputs (js->str, stdout);
  fflush (stdout);
  g_string_free (js, TRUE);
  g_array_unref (ms);
  lucid_bert_free (bert);
  return 0;
}

static int
run_texts (const char *dir, GError **error)
{
  g_autoptr (LucidTextModel) model = NULL;
  g_autofree char *text = NULL;
  g_autoptr (GPtrArray) texts = g_ptr_array_new ();
  g_auto (GStrv) lines = NULL;
  TextRun r = { 0 };
  GArray *ms;
  GString *js;
  guint tokens = 0, max_len = 0;

  if (!start_compute (1, error))
    return 1;
  model = lucid_text_model_load (dir, error);
  if (model == NULL)
    return 1;
  if (!g_file_get_contents (opt_texts, &text, NULL, error))
    return 1;
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (lines[i][0] != '\0')
      g_ptr_array_add (texts, lines[i]);
  r.model = model;
  r.texts = (const char *const *) texts->pdata;
  r.n = texts->len;
  ms = time_runs (text_run, &r, error);
  if (ms == NULL)
    return 1;
  for (guint s = 0; s < r.out.n_seqs; s++) {
    guint len = r.out.seq_offset[s + 1] - r.out.seq_offset[s];
    max_len = MAX (max_len, len);
  }
  tokens = r.out.seq_offset[r.out.n_seqs];
  if (opt_dump != NULL && !dump_floats (opt_dump, r.out.embeddings,
          (gsize) r.out.n_seqs * r.out.hidden_size, error))
    return 1;
  js = g_string_new (NULL);
  append_header (js, "lucid-e2e", NULL);
  g_string_append_printf (js, "\"n_seqs\": %u, \"tokens\": %u, "
      "\"max_len\": %u, ", r.out.n_seqs, tokens, max_len);
  print_stats (js, ms);
  g_string_append (js, "}\n");
  fputs (js->str, stdout);
  fflush (stdout);
  g_string_free (js, TRUE);
  g_array_unref (ms);
  return 0;
}

/* ---- GEMM roofline ------------------------------------------------------ */

typedef struct {
  const char *name;
  gboolean trans_b;
  gsize m, n, k, lda, ldb, ldc;
  float alpha, beta;
  double calls;                /* per forward pass */
} GemmOp;

static void
rand_fill (float *x, gsize n, guint32 seed)
{
  for (gsize i = 0; i < n; i++) {
    seed = seed * 1664525u + 1013904223u;
    x[i] = ((float) (seed >> 8) / 16777216.0f - 0.5f) * 0.2f;
  }
}

/* Best-of per-call time (ms) of @op: repeats blocks of calls for about
 * @budget seconds and keeps the median block's per-call time, so tiny
 * attention products are measured over many calls at once. */
static double
time_gemm (const GemmOp *op, const float *a, const float *bm, float *c,
    double budget)
{
  GArray *blocks = g_array_new (FALSE, FALSE, sizeof (double));
  gint64 start, t0, t1;
  int per_block = 1;
  double res;

#define CALL() lucid_blas_sgemm (FALSE, op->trans_b, op->m, op->n, op->k, \
    op->alpha, a, op->lda, bm, op->ldb, op->beta, c, op->ldc)

  /* warm up, and size blocks to >= 2 ms */
  for (int i = 0; i < 3; i++)
    CALL ();
  for (;;) {
    t0 = g_get_monotonic_time ();
    for (int i = 0; i < per_block; i++)
      CALL ();
    t1 = g_get_monotonic_time ();
    if (t1 - t0 >= 2000 || per_block >= (1 << 20))
      break;
    per_block *= 2;
  }
  start = g_get_monotonic_time ();
  while (blocks->len < 5
      || (g_get_monotonic_time () - start < budget * 1e6 && blocks->len < 1000)) {
    double v;
    t0 = g_get_monotonic_time ();
    for (int i = 0; i < per_block; i++)
      CALL ();
    t1 = g_get_monotonic_time ();
    v = (double) (t1 - t0) / 1000.0 / per_block;
    g_array_append_val (blocks, v);
  }
#undef CALL
  qsort (blocks->data, blocks->len, sizeof (double), cmp_double);
  res = quantile ((double *) blocks->data, blocks->len, 0.5);
  g_array_unref (blocks);
  return res;
}

static int
run_roofline (const char *dir, GError **error)
{
  g_autoptr (LucidBertConfig) cfg = NULL;
  g_autoptr (GHashTable) seen_len = g_hash_table_new (NULL, NULL);
  GArray *ops = g_array_new (FALSE, TRUE, sizeof (GemmOp));
  Batch b;
  gsize H, FF, nh, d, L, T, maxbuf = 0;
  float *a, *bm, *c;
  double total_ms = 0, total_flop = 0, linear_ms = 0, attn_ms = 0;
  double peak_gflops = 0;
  GString *js;

  cfg = lucid_bert_config_load (dir, error);
  if (cfg == NULL || !start_compute (1, error))
    return 1;
  batch_init (&b);
  if (opt_ids != NULL ? !batch_from_file (&b, opt_ids, error)
      : !batch_from_shape (&b, opt_shape, cfg->vocab_size, error))
    return 1;
  H = cfg->hidden_size, FF = cfg->intermediate_size;
  nh = cfg->num_attention_heads, d = H / nh, L = cfg->num_hidden_layers;
  T = b.ids->len;

  {
    GemmOp lin[] = {
      { "qkv", TRUE, T, 3 * H, H, H, H, 3 * H, 1, 1, (double) L },
      { "attn_out", TRUE, T, H, H, H, H, H, 1, 1, (double) L },
      { "ffn_in", TRUE, T, FF, H, H, H, FF, 1, 1, (double) L },
      { "ffn_out", TRUE, T, H, FF, FF, FF, H, 1, 1, (double) L },
    };
    g_array_append_vals (ops, lin, G_N_ELEMENTS (lin));
  }
  /* Attention: per sequence and head, S = Q Kᵀ (len×len×d) and O = P V
   * (len×d×len), with the strides lucid-backend-cpu.c uses. */
  for (guint s = 0; s < batch_n_seqs (&b); s++) {
    gsize len = g_array_index (b.offset, guint, s + 1)
        - g_array_index (b.offset, guint, s);
    gpointer key = GSIZE_TO_POINTER (len);
    if (len == 0)
      continue;
    if (g_hash_table_contains (seen_len, key)) {
      for (guint i = 4; i < ops->len; i++) {
        GemmOp *op = &g_array_index (ops, GemmOp, i);
        if (op->m == len)
          op->calls += (double) (L * nh);
      }
      continue;
    }
    g_hash_table_add (seen_len, key);
    {
      GemmOp att[] = {
        { "attn_qk", TRUE, len, len, d, 3 * H, 3 * H, len,
          1.0f / sqrtf ((float) d), 0, (double) (L * nh) },
        { "attn_pv", FALSE, len, d, len, len, 3 * H, H, 1, 0,
          (double) (L * nh) },
      };
      g_array_append_vals (ops, att, G_N_ELEMENTS (att));
    }
  }
  for (guint i = 0; i < ops->len; i++) {
    GemmOp *op = &g_array_index (ops, GemmOp, i);
    maxbuf = MAX (maxbuf, op->m * op->lda);
    maxbuf = MAX (maxbuf, (op->trans_b ? op->n : op->k) * op->ldb);
    maxbuf = MAX (maxbuf, op->m * op->ldc);
  }
  maxbuf = MAX (maxbuf, (gsize) 1024 * 1024);
  a = g_new (float, maxbuf);
  bm = g_new (float, maxbuf);
  c = g_new0 (float, maxbuf);
  rand_fill (a, maxbuf, 1);
  rand_fill (bm, maxbuf, 2);

  js = g_string_new (NULL);
  append_header (js, "gemm-roofline", &b);
  g_string_append (js, "\"ops\": [");
  for (guint i = 0; i < ops->len; i++) {
    GemmOp *op = &g_array_index (ops, GemmOp, i);
    double flop = 2.0 * op->m * op->n * op->k;
    double budget = op->m * op->n * op->k > 1e6 ? opt_gemm_time
        : opt_gemm_time / 2;
    double ms1, msn, ms, gflops;

    lucid_blas_set_num_threads (1);
    ms1 = time_gemm (op, a, bm, c, budget);
    msn = ms1 / opt_threads;
    if (opt_threads > 1) {
      lucid_blas_set_num_threads (opt_threads);
      msn = MIN (msn, time_gemm (op, a, bm, c, budget));
    }
    ms = msn;
    gflops = flop / (ms * 1e6);
    total_ms += ms * op->calls;
    total_flop += flop * op->calls;
    if (i < 4)
      linear_ms += ms * op->calls;
    else
      attn_ms += ms * op->calls;
    if (i < 4)
      peak_gflops = MAX (peak_gflops, gflops);
    g_string_append_printf (js, "%s{\"op\": \"%s\", \"m\": %zu, \"n\": %zu, "
        "\"k\": %zu, \"calls\": %.0f, \"ms_per_call\": %.5f, "
        "\"gflops\": %.2f, \"gflops_1t\": %.2f}", i ? ", " : "", op->name,
        op->m, op->n, op->k, op->calls, ms, gflops, flop / (ms1 * 1e6));
  }
  g_string_append (js, "], ");
  if (!opt_no_square) {
    /* Machine peak: a large square sgemm. */
    GemmOp sq = { "square1024", TRUE, 1024, 1024, 1024, 1024, 1024, 1024, 1, 0, 1 };
    double ms;
    double gflops;
    lucid_blas_set_num_threads (opt_threads);
    ms = time_gemm (&sq, a, bm, c, 1.0);
    gflops = 2.0 * 1024 * 1024 * 1024 / (ms * 1e6);
    g_string_append_printf (js, "\"square1024_gflops\": %.2f, ", gflops);
    peak_gflops = MAX (peak_gflops, gflops);
  }
  g_string_append_printf (js, "\"gemm_gflop\": %.4f, \"roofline_ms\": %.4f, "
      "\"linear_ms\": %.4f, \"attention_ms\": %.4f, \"peak_gflops\": %.2f, "
      "\"peak_ms\": %.4f}\n", total_flop / 1e9, total_ms, linear_ms, attn_ms,
      peak_gflops, total_flop / (peak_gflops * 1e6));
  fputs (js->str, stdout);
  fflush (stdout);
  g_string_free (js, TRUE);
  g_free (a);
  g_free (bm);
  g_free (c);
  g_array_unref (ops);
  return 0;
}

static void
empty_range (gsize begin, gsize end, gpointer data)
{
  volatile gsize *sink = data;
  *sink += end - begin;
}

static int
run_pool_overhead (GError **error)
{
  volatile gsize sink = 0;
  GArray *blocks = g_array_new (FALSE, FALSE, sizeof (double));
  const int per_block = 200;
  gint64 start;
  GString *js;

  if (!start_compute (1, error))
    return 1;
  for (int i = 0; i < 100; i++)
    lucid_parallel_for (1024, 1, empty_range, (gpointer) &sink);
  start = g_get_monotonic_time ();
  while (blocks->len < 5 || g_get_monotonic_time () - start < opt_min_time * 1e6) {
    gint64 t0 = g_get_monotonic_time ();
    double us;
    for (int i = 0; i < per_block; i++)
      lucid_parallel_for (1024, 1, empty_range, (gpointer) &sink);
    us = (double) (g_get_monotonic_time () - t0) / per_block;
    g_array_append_val (blocks, us);
  }
  qsort (blocks->data, blocks->len, sizeof (double), cmp_double);
  js = g_string_new (NULL);
  append_header (js, "pool-overhead", NULL);
  g_string_append_printf (js, "\"pool_threads\": %u, \"us_per_job_median\": %.2f, "
      "\"us_per_job_p10\": %.2f, \"us_per_job_p90\": %.2f}\n",
      lucid_parallel_get_n_threads (),
      quantile ((double *) blocks->data, blocks->len, 0.5),
      quantile ((double *) blocks->data, blocks->len, 0.1),
      quantile ((double *) blocks->data, blocks->len, 0.9));
  fputs (js->str, stdout);
  g_string_free (js, TRUE);
  g_array_unref (blocks);
  return 0;
}

int
main (int argc, char **argv)
{
  g_autoptr (GOptionContext) ctx =
      g_option_context_new ("— time Lucid's text encoder (see bench/README.md)");
  g_autoptr (GError) error = NULL;
  int rc;

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error)) {
    g_printerr ("bench-text: %s\n", error->message);
    return 2;
  }
  if (opt_threads < 1)
    opt_threads = 1;
  set_threads_env (opt_threads);

  if (opt_info) {
    g_autofree char *desc = NULL;
    if (!start_compute (1, &error)) {
      g_printerr ("bench-text: %s\n", error->message);
      return 1;
    }
    LucidGemmKernel kernel;
    desc = g_strescape (lucid_blas_describe (), NULL);
    printf ("{\"blas\": \"%s\", \"gemm\": \"%s\", \"pool_threads\": %u, "
        "\"cpus\": %u}\n", desc, lucid_gemm_kernel_for_process (&kernel) ?
        lucid_gemm_kernel_name (kernel) : "blas",
        lucid_parallel_get_n_threads (), g_get_num_processors ());
    return 0;
  }
  if (opt_pool) {
    rc = run_pool_overhead (&error);
    if (rc != 0 && error != NULL)
      g_printerr ("bench-text: %s\n", error->message);
    return rc;
  }
  if (opt_model == NULL) {
    const char *env = g_getenv ("LUCID_MODELS_DIR");
    opt_model = env != NULL ?
        g_build_filename (env, "all-MiniLM-L6-v2", NULL) : NULL;
  }
  if (opt_model == NULL) {
    g_printerr ("bench-text: --model DIR is required (or LUCID_MODELS_DIR)\n");
    return 2;
  }
  if (opt_texts == NULL && opt_ids == NULL && opt_shape == NULL) {
    g_printerr ("bench-text: give --ids FILE, --shape BxL or --texts FILE\n");
    return 2;
  }

  if (opt_roofline)
    rc = run_roofline (opt_model, &error);
  else if (opt_texts != NULL)
    rc = run_texts (opt_model, &error);
  else
    rc = run_encoder (opt_model, &error);
  if (rc != 0 && error != NULL)
    g_printerr ("bench-text: %s\n", error->message);
  return rc;
}
