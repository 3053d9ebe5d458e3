/* test-attention.c — the fused attention kernel (lucid-attention.c) against
 * a double-precision reference, for every kernel this CPU runs, and the CPU
 * backend's attention ops against the same reference.
 *
 * The batch packs sequences of 1, 7, 33 and 256 tokens (shorter than,
 * around and well past every tile) with head dims 32, 64 and 40 (40: a
 * partial register panel), with and without the causal mask and a key
 * (padding) mask, with and without probabilities asked for. The bound is
 * the forward error of the three steps in fp32 (scores: a k-term sum;
 * softmax: exp, a len-term sum, a division; output: a len-term sum), so it
 * holds for any summation order, with or without FMA; a wrong mask, a
 * wrong offset or a lost tile is orders of magnitude past it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "lucid-attention.h"
#include "lucid-backend.h"

#include <float.h>
#include <math.h>
#include <string.h>

static const gsize lens[] = { 1, 7, 33, 256 };
#define N_SEQS G_N_ELEMENTS (lens)
#define HEADS 2
/* the second sequence (7 tokens) has every key masked when a mask is on */
#define ALL_MASKED_SEQ 1

static float
rnd (guint32 *state)
{
  *state = *state * 1664525u + 1013904223u;
  return (float) ((*state >> 8) / (double) (1u << 24) * 2.0 - 1.0);
}

typedef struct {
  gsize head_dim, T, hidden;
  gsize seq_offset[N_SEQS + 1];
  float *qkv;
  guint8 *key_mask;
  gsize probs_size;
} Problem;

static void
problem_init (Problem *pb, gsize head_dim, guint32 seed)
{
  pb->head_dim = head_dim;
  pb->hidden = HEADS * head_dim;
  pb->seq_offset[0] = 0;
  pb->probs_size = 0;
  for (gsize s = 0; s < N_SEQS; s++) {
    pb->seq_offset[s + 1] = pb->seq_offset[s] + lens[s];
    pb->probs_size += HEADS * lens[s] * lens[s];
  }
  pb->T = pb->seq_offset[N_SEQS];
  pb->qkv = g_new (float, pb->T * 3 * pb->hidden);
  /* scores up to a few units: softmax rows neither flat nor one-hot */
  for (gsize i = 0; i < pb->T * 3 * pb->hidden; i++)
    pb->qkv[i] = 1.5f * rnd (&seed);
  pb->key_mask = g_new (guint8, pb->T);
  for (gsize s = 0; s < N_SEQS; s++)
    for (gsize j = 0; j < lens[s]; j++)
      pb->key_mask[pb->seq_offset[s] + j] = s == ALL_MASKED_SEQ ? 0
          : (j % 5 != 3);
}

static void
problem_clear (Problem *pb)
{
  g_free (pb->qkv);
  g_free (pb->key_mask);
}

/* Checks @out (and @probs when not NULL, laid out one sequence after the
 * other) against the double reference. */
static void
check_against_reference (const char *what, const Problem *pb, gboolean causal,
    const guint8 *key_mask, const float *out, const float *probs)
{
  const gsize d = pb->head_dim, H = pb->hidden;
  const double eps = FLT_EPSILON, scale = 1.0 / sqrt ((double) d);
  double *sc = g_new (double, 256), *p = g_new (double, 256);
  gsize poff = 0;

  for (gsize s = 0; s < N_SEQS; s++) {
    const gsize off = pb->seq_offset[s], len = lens[s];
    for (gsize h = 0; h < HEADS; h++) {
      for (gsize i = 0; i < len; i++) {
        const float *q = pb->qkv + (off + i) * 3 * H + h * d;
        const gsize n = causal ? i + 1 : len;
        double max = -INFINITY, sum = 0.0, mag = 0.0, smax = 0.0, ds;
        gboolean any = FALSE;

        for (gsize j = 0; j < n; j++) {
          const float *k = pb->qkv + (off + j) * 3 * H + H + h * d;
          double dot = 0.0, m = 0.0;
          if (key_mask != NULL && key_mask[off + j] == 0) {
            sc[j] = -INFINITY;
            continue;
          }
          for (gsize c = 0; c < d; c++) {
            dot += (double) q[c] * k[c];
            m += fabs ((double) q[c] * k[c]);
          }
          sc[j] = dot * scale;
          mag = MAX (mag, m * scale);
          smax = MAX (smax, fabs (sc[j]));
          max = MAX (max, sc[j]);
          any = TRUE;
        }
        for (gsize j = 0; j < len; j++) {
          p[j] = j < n && any && sc[j] != -INFINITY ? exp (sc[j] - max) : 0.0;
          sum += p[j];
        }
        for (gsize j = 0; j < len; j++)
          p[j] = any ? p[j] / sum : 0.0;
        /* score error (k-term sum, the scaling, the max subtracted) */
        ds = 2.0 * (d + 2) * eps * mag + 2.0 * eps * smax;

        if (probs != NULL) {
          const float *pr = probs + poff + h * len * len + i * len;
          for (gsize j = 0; j < len; j++) {
            const double bound = p[j] * (2.0 * ds + (len + 16) * eps) * 2.0
                + 1e-37;
            if (p[j] == 0.0 && pr[j] != 0.0f)
              g_error ("%s: seq %zu head %zu: P[%zu][%zu] = %g, must be 0 "
                  "(masked)", what, s, h, i, j, pr[j]);
            if (!(fabs (pr[j] - p[j]) <= bound))
              g_error ("%s d=%zu seq %zu (len %zu) head %zu: P[%zu][%zu] = "
                  "%.9g, reference %.9g (bound %.3g)", what, d, s, len, h, i,
                  j, pr[j], p[j], bound);
          }
        }
        for (gsize c = 0; c < d; c++) {
          double ref = 0.0, pv = 0.0, bound;
          const float got = out[(off + i) * H + h * d + c];
          for (gsize j = 0; j < len; j++) {
            const float v = pb->qkv[(off + j) * 3 * H + 2 * H + h * d + c];
            ref += p[j] * v;
            pv += p[j] * fabs (v);
          }
          bound = (2.0 * ds + (3 * len + 24) * eps) * pv * 2.0 + 1e-37;
          if (!(fabs (got - ref) <= bound))
            g_error ("%s d=%zu seq %zu (len %zu) head %zu: O[%zu][%zu] = "
                "%.9g, reference %.9g (bound %.3g)", what, d, s, len, h, i, c,
                got, ref, bound);
        }
      }
    }
    poff += HEADS * len * len;
  }
  g_free (sc);
  g_free (p);
}

static const gsize head_dims[] = { 32, 64, 40 };

static void
test_kernel (gconstpointer data)
{
  const LucidGemmKernel kernel = GPOINTER_TO_INT (data);

  if (!lucid_gemm_kernel_supported (kernel)) {
    g_test_skip ("this CPU cannot run this kernel");
    return;
  }
  for (gsize di = 0; di < G_N_ELEMENTS (head_dims); di++) {
    Problem pb;
    problem_init (&pb, head_dims[di], 7 + di);
    for (int variant = 0; variant < 4; variant++) {
      const gboolean causal = variant & 1;
      const guint8 *mask = variant & 2 ? pb.key_mask : NULL;
      const gsize out_size = pb.T * pb.hidden;
      float *out = g_new (float, out_size);
      float *out2 = g_new (float, out_size);
      float *probs = g_new (float, pb.probs_size);
      g_autofree char *what = g_strdup_printf ("%s%s%s",
          lucid_gemm_kernel_name (kernel), causal ? " causal" : "",
          mask != NULL ? " key-mask" : "");
      LucidAttentionBatch b = { pb.qkv, out, pb.seq_offset, N_SEQS, HEADS,
        pb.head_dim, causal, mask, NULL, NULL
      };

      /* without probabilities, then with them: the same output bits */
      for (gsize i = 0; i < out_size; i++)
        out[i] = out2[i] = NAN;
      for (gsize i = 0; i < pb.probs_size; i++)
        probs[i] = NAN;
      lucid_attention_run (kernel, &b, 0, 1, 1);
      check_against_reference (what, &pb, causal, mask, out, NULL);
      b.out = out2;
      b.probs = probs;
      lucid_attention_run (kernel, &b, 0, 1, 1);
      check_against_reference (what, &pb, causal, mask, out2, probs);
      g_assert_cmpmem (out, out_size * sizeof (float), out2,
          out_size * sizeof (float));

      /* split into parts (what threads do): every block once, the same
       * bits */
      b.probs = NULL;
      for (gsize n_parts = 2; n_parts <= 5; n_parts += 3) {
        for (gsize i = 0; i < out_size; i++)
          out2[i] = NAN;
        for (gsize part = 0; part < n_parts; part++)
          lucid_attention_run (kernel, &b, part, part + 1, n_parts);
        g_assert_cmpmem (out, out_size * sizeof (float), out2,
            out_size * sizeof (float));
      }
      g_free (out);
      g_free (out2);
      g_free (probs);
    }
    problem_clear (&pb);
  }
}

/* Explicit probs_offset: sequence blocks anywhere in a bigger buffer. */
static void
test_probs_offset (void)
{
  LucidGemmKernel kernel = lucid_gemm_kernel_best ();
  Problem pb;
  gsize offsets[N_SEQS], total = 0;
  float *out, *probs, *packed;

  problem_init (&pb, 32, 99);
  for (gsize s = N_SEQS; s-- > 0;) {   /* reversed order, with gaps */
    offsets[s] = total + 3;
    total += 3 + HEADS * lens[s] * lens[s];
  }
  out = g_new (float, pb.T * pb.hidden);
  probs = g_new0 (float, total);
  packed = g_new (float, pb.probs_size);
  {
    LucidAttentionBatch b = { pb.qkv, out, pb.seq_offset, N_SEQS, HEADS, 32,
      FALSE, NULL, probs, offsets
    };
    gsize poff = 0;
    lucid_attention_run (kernel, &b, 0, 1, 1);
    for (gsize s = 0; s < N_SEQS; s++) {
      memcpy (packed + poff, probs + offsets[s],
          HEADS * lens[s] * lens[s] * sizeof (float));
      g_assert_cmpfloat (probs[offsets[s] - 1], ==, 0.0f);   /* gap intact */
      poff += HEADS * lens[s] * lens[s];
    }
  }
  check_against_reference ("probs_offset", &pb, FALSE, NULL, out, packed);
  g_free (out);
  g_free (probs);
  g_free (packed);
  problem_clear (&pb);
}

/* The CPU backend's ops (whatever LUCID_GEMM_KERNEL says, blas included),
 * on the process's threads: attention_batch, and attention one sequence at
 * a time, against the reference. */
static void
test_backend (void)
{
  g_autoptr (GError) error = NULL;
  const LucidBackend *be = lucid_backend_cpu (&error);
  Problem pb;

  g_assert_no_error (error);
  g_assert_nonnull (be->attention_batch);
  problem_init (&pb, 64, 5);
  for (int variant = 0; variant < 4; variant++) {
    const gboolean causal = variant & 1;
    const guint8 *mask = variant & 2 ? pb.key_mask : NULL;
    float *out = g_new (float, pb.T * pb.hidden);
    float *probs = g_new (float, pb.probs_size);
    float *out1 = g_new (float, pb.T * pb.hidden);
    float *probs1 = g_new (float, pb.probs_size);
    float *scratch = g_new (float, HEADS * 256 * 256);
    gsize poff = 0;

    be->attention_batch (be, pb.qkv, out, pb.seq_offset, N_SEQS, HEADS, 64,
        causal, mask, probs, NULL);
    check_against_reference ("backend attention_batch", &pb, causal, mask,
        out, probs);
    be->attention_batch (be, pb.qkv, out1, pb.seq_offset, N_SEQS, HEADS, 64,
        causal, mask, NULL, NULL);
    check_against_reference ("backend attention_batch, no probs", &pb,
        causal, mask, out1, NULL);
    if (mask == NULL) {
      for (gsize s = 0; s < N_SEQS; s++) {
        const gsize off = pb.seq_offset[s];
        be->attention (be, pb.qkv + off * 3 * pb.hidden,
            out1 + off * pb.hidden, variant & 4 ? NULL : probs1 + poff,
            lens[s], HEADS, 64, causal, scratch);
        poff += HEADS * lens[s] * lens[s];
      }
      check_against_reference ("backend attention", &pb, causal, NULL, out1,
          probs1);
    }
    g_free (out);
    g_free (probs);
    g_free (out1);
    g_free (probs1);
    g_free (scratch);
  }
  problem_clear (&pb);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  for (int k = 0; k < LUCID_GEMM_N_KERNELS; k++) {
    g_autofree char *path = g_strdup_printf ("/attention/kernel/%s",
        lucid_gemm_kernel_name ((LucidGemmKernel) k));
    g_test_add_data_func (path, GINT_TO_POINTER (k), test_kernel);
  }
  g_test_add_func ("/attention/probs-offset", test_probs_offset);
  g_test_add_func ("/attention/backend", test_backend);
  return g_test_run ();
}
