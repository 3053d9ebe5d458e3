/* lucid-gemm.c — sgemm micro-kernels over weights packed once at load.
 *
 * Layout. A packed weight holds ⌈n / NR⌉ panels; panel j is k rows of NR
 * floats, row p holding W[j·NR + c][p] for c < NR (zeros past n), so the
 * micro-kernel reads one panel front to back. The bias is copied next to
 * it, zero-padded to whole panels (zeros when the layer has none).
 *
 * The AVX2 and portable kernels pack X too, per thread, in blocks of MR
 * rows (row p of a block: the MR values X[i][p]), MC rows at a time so the
 * packed rows stay in L2 while every panel of the thread's range passes
 * over them (the AVX-512 tile reads X where it lies instead: its
 * broadcasts take any address, and the scalar transpose that packing is
 * cost ~5% of a forward pass for a tile no faster — 150–157 against
 * 166–168 GFLOP/s at K = 1536):
 *
 *   for each MC rows of X:      pack them (MR-row blocks)
 *     for each panel j:         (K × NR floats, streamed from L2/L3)
 *       for each MR-row block:  tile = Xblock · panel_j + bias
 *
 * The tile keeps MR × NR accumulators in registers for the whole k loop
 * (AVX-512: 12 × 32 = 24 zmm; AVX2: 6 × 16 = 12 ymm; portable: 6 × 8) and
 * adds the bias once at the end. Each tile size 1…MR is its own unrolled
 * copy (the switch in tile_*), so short row blocks (M = 1, the last rows)
 * do no padded work. A short last panel is written through a small buffer.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "lucid-gemm.h"
#include "lucid-scratch.h"

#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define LUCID_GEMM_X86 1
#include <immintrin.h>
#endif

#define MAX_MR 12
#define MAX_NR 32
/* Packed rows of X per block: about 256 KiB, well inside L2. */
#define MC_BYTES (256 * 1024)
/* Longest slice of k per pass. A 768 × 32 slice of a panel (96 KiB) no
 * longer fits L1 but streams from L2 under the prefetches below; what the
 * longer slice saves is the reload of Y between slices, and hidden sizes
 * up to 768 (BERT-base, ViT-B, CLIP) become one pass. Measured against 384
 * with a thread-CPU-time microbenchmark of the tile loop at ViT-B/16 and
 * MiniLM shapes (m = 50…1576): +2…+42 %, never slower (docs/BENCHMARKS.md). */
#define KC_MAX 768
/* The tiles prefetch the panel 4 KiB ahead of where they read: at batch 1
 * the weights come from memory (MiniLM's 42 MB do not stay in this VM's
 * cache), and the hardware prefetchers alone got 70–110 GFLOP/s where
 * this gets 135–140 (docs/BENCHMARKS.md). */
#define PREFETCH_FLOATS 1024

/* One tile: y = (acc ? y : bias) + xp · wp over k. */
typedef void (*TileFunc) (int mr, gsize k, const float *xp, const float *wp,
    const float *bias, gboolean acc, float *y, gsize ldy, gsize cols);

struct _LucidGemmPacked {
  LucidGemmKernel kernel;
  gsize n, k, nr, n_panels;
  float *panels;               /* n_panels × k × nr, 64-byte aligned */
  float *bias;                 /* n_panels × nr */
};

/* Stores the MR×NR tile @t (row stride NR) into the first @cols columns. */
static inline void
store_partial (int mr, const float *t, gsize nr, float *y, gsize ldy,
    gsize cols)
{
  for (int i = 0; i < mr; i++)
    memcpy (y + i * ldy, t + i * nr, cols * sizeof (float));
}

/* ---- portable: GCC/clang vector extensions, 6 × 8 ---------------------- */

#define PORT_MR 6
#define PORT_NR 8
typedef float v4sf __attribute__((vector_size (16)));

static inline __attribute__((always_inline)) void
tile_portable_mr (const int mr, gsize k, const float *xp, const float *wp,
    const float *bias, gboolean acc, float *y, gsize ldy, gsize cols)
{
  v4sf c0[PORT_MR], c1[PORT_MR], b0, b1;
  float t[PORT_MR * PORT_NR];
  float *yy = y;
  gsize ld = ldy;

#pragma GCC unroll 6
  for (int i = 0; i < mr; i++)
    c0[i] = c1[i] = (v4sf) { 0, 0, 0, 0 };
  for (gsize p = 0; p < k; p++) {
    memcpy (&b0, wp, sizeof b0);
    memcpy (&b1, wp + 4, sizeof b1);
    __builtin_prefetch (wp + PREFETCH_FLOATS);
#pragma GCC unroll 6
    for (int i = 0; i < mr; i++) {
      c0[i] += xp[i] * b0;
      c1[i] += xp[i] * b1;
    }
    wp += PORT_NR;
    xp += PORT_MR;
  }
  memcpy (&b0, bias, sizeof b0);
  memcpy (&b1, bias + 4, sizeof b1);
  if (cols != PORT_NR) {
    /* a short last panel goes through t */
    memset (t, 0, sizeof t);
    if (acc)
      for (int i = 0; i < mr; i++)
        memcpy (t + i * PORT_NR, y + i * ldy, cols * sizeof (float));
    yy = t;
    ld = PORT_NR;
  }
#pragma GCC unroll 6
  for (int i = 0; i < mr; i++) {
    v4sf a0 = b0, a1 = b1;
    if (acc) {
      memcpy (&a0, yy + i * ld, sizeof a0);
      memcpy (&a1, yy + i * ld + 4, sizeof a1);
    }
    a0 += c0[i];
    a1 += c1[i];
    memcpy (yy + i * ld, &a0, sizeof a0);
    memcpy (yy + i * ld + 4, &a1, sizeof a1);
  }
  if (cols != PORT_NR)
    store_partial (mr, t, PORT_NR, y, ldy, cols);
}

static void
tile_portable (int mr, gsize k, const float *xp, const float *wp,
    const float *bias, gboolean acc, float *y, gsize ldy, gsize cols)
{
  switch (mr) {
#define CASE(M) case M: tile_portable_mr (M, k, xp, wp, bias, acc, y, ldy, cols); break;
      CASE (1) CASE (2) CASE (3) CASE (4) CASE (5) CASE (6)
#undef CASE
    default:
      g_assert_not_reached ();
  }
}

#ifdef LUCID_GEMM_X86

/* ---- AVX2 + FMA: 6 × 16 ------------------------------------------------ */

#define AVX2_MR 6
#define AVX2_NR 16

static inline __attribute__((always_inline, target ("avx2,fma"))) void
tile_avx2_mr (const int mr, gsize k, const float *xp, const float *wp,
    const float *bias, gboolean acc, float *y, gsize ldy, gsize cols)
{
  __m256 c0[AVX2_MR], c1[AVX2_MR];
  float t[AVX2_MR * AVX2_NR];
  float *yy = y;
  gsize ld = ldy;
  const __m256 bb0 = _mm256_loadu_ps (bias), bb1 = _mm256_loadu_ps (bias + 8);

#pragma GCC unroll 6
  for (int i = 0; i < mr; i++)
    c0[i] = c1[i] = _mm256_setzero_ps ();
  for (gsize p = 0; p < k; p++) {
    const __m256 b0 = _mm256_load_ps (wp), b1 = _mm256_load_ps (wp + 8);
    _mm_prefetch ((const char *) (wp + PREFETCH_FLOATS), _MM_HINT_T0);
#pragma GCC unroll 6
    for (int i = 0; i < mr; i++) {
      const __m256 a = _mm256_broadcast_ss (xp + i);
      c0[i] = _mm256_fmadd_ps (a, b0, c0[i]);
      c1[i] = _mm256_fmadd_ps (a, b1, c1[i]);
    }
    wp += AVX2_NR;
    xp += AVX2_MR;
  }
  if (cols != AVX2_NR) {
    /* a short last panel goes through t */
    memset (t, 0, sizeof t);
    if (acc)
      for (int i = 0; i < mr; i++)
        memcpy (t + i * AVX2_NR, y + i * ldy, cols * sizeof (float));
    yy = t;
    ld = AVX2_NR;
  }
#pragma GCC unroll 6
  for (int i = 0; i < mr; i++) {
    const __m256 a0 = acc ? _mm256_loadu_ps (yy + i * ld) : bb0;
    const __m256 a1 = acc ? _mm256_loadu_ps (yy + i * ld + 8) : bb1;
    _mm256_storeu_ps (yy + i * ld, _mm256_add_ps (c0[i], a0));
    _mm256_storeu_ps (yy + i * ld + 8, _mm256_add_ps (c1[i], a1));
  }
  if (cols != AVX2_NR)
    store_partial (mr, t, AVX2_NR, y, ldy, cols);
}

__attribute__((target ("avx2,fma"))) static void
tile_avx2 (int mr, gsize k, const float *xp, const float *wp,
    const float *bias, gboolean acc, float *y, gsize ldy, gsize cols)
{
  switch (mr) {
#define CASE(M) case M: tile_avx2_mr (M, k, xp, wp, bias, acc, y, ldy, cols); break;
      CASE (1) CASE (2) CASE (3) CASE (4) CASE (5) CASE (6)
#undef CASE
    default:
      g_assert_not_reached ();
  }
}

/* ---- AVX-512F: 12 × 32 ------------------------------------------------- */

#define AVX512_MR 12
#define AVX512_NR 32

/* The tile reads X where it lies (row i at xd + i·ldx), not from a packed
 * block: broadcasts take any address, and packing X was ~5% of a forward
 * pass (a scalar transpose) for a tile no faster. */
static inline __attribute__((always_inline, target ("avx512f"))) void
tile_avx512_direct_mr (const int mr, gsize k, const float *xd, gsize ldx,
    const float *wp, const float *bias, gboolean acc, float *y, gsize ldy,
    gsize cols)
{
  __m512 c0[AVX512_MR], c1[AVX512_MR];
  const __m512 bb0 = _mm512_loadu_ps (bias), bb1 = _mm512_loadu_ps (bias + 16);

#pragma GCC unroll 12
  for (int i = 0; i < mr; i++)
    c0[i] = c1[i] = _mm512_setzero_ps ();
  for (gsize p = 0; p < k; p++) {
    const __m512 b0 = _mm512_load_ps (wp), b1 = _mm512_load_ps (wp + 16);
    _mm_prefetch ((const char *) (wp + PREFETCH_FLOATS), _MM_HINT_T0);
    _mm_prefetch ((const char *) (wp + PREFETCH_FLOATS + 16), _MM_HINT_T0);
#pragma GCC unroll 12
    for (int i = 0; i < mr; i++) {
      const __m512 a = _mm512_set1_ps (xd[i * ldx + p]);
      c0[i] = _mm512_fmadd_ps (a, b0, c0[i]);
      c1[i] = _mm512_fmadd_ps (a, b1, c1[i]);
    }
    wp += AVX512_NR;
  }
  if (cols == AVX512_NR) {
#pragma GCC unroll 12
    for (int i = 0; i < mr; i++) {
      const __m512 a0 = acc ? _mm512_loadu_ps (y + i * ldy) : bb0;
      const __m512 a1 = acc ? _mm512_loadu_ps (y + i * ldy + 16) : bb1;
      _mm512_storeu_ps (y + i * ldy, _mm512_add_ps (c0[i], a0));
      _mm512_storeu_ps (y + i * ldy + 16, _mm512_add_ps (c1[i], a1));
    }
  } else {
    const __mmask16 m0 = cols >= 16 ? 0xffff : (__mmask16) ((1u << cols) - 1);
    const __mmask16 m1 = cols <= 16 ? 0 :
        (__mmask16) ((1u << (cols - 16)) - 1);
#pragma GCC unroll 12
    for (int i = 0; i < mr; i++) {
      const __m512 a0 = acc ? _mm512_maskz_loadu_ps (m0, y + i * ldy) : bb0;
      const __m512 a1 = acc ? _mm512_maskz_loadu_ps (m1, y + i * ldy + 16)
          : bb1;
      _mm512_mask_storeu_ps (y + i * ldy, m0, _mm512_add_ps (c0[i], a0));
      _mm512_mask_storeu_ps (y + i * ldy + 16, m1,
          _mm512_add_ps (c1[i], a1));
    }
  }
}

__attribute__((target ("avx512f"))) static void
tile_avx512_direct (int mr, gsize k, const float *xd, gsize ldx,
    const float *wp, const float *bias, gboolean acc, float *y, gsize ldy,
    gsize cols)
{
  switch (mr) {
#define CASE(M) case M: tile_avx512_direct_mr (M, k, xd, ldx, wp, bias, acc, y, ldy, cols); break;
      CASE (1) CASE (2) CASE (3) CASE (4) CASE (5) CASE (6)
      CASE (7) CASE (8) CASE (9) CASE (10) CASE (11) CASE (12)
#undef CASE
    default:
      g_assert_not_reached ();
  }
}

#endif /* LUCID_GEMM_X86 */

/* A tile that reads X in place, row i at xd + i · ldx. */
typedef void (*DirectTileFunc) (int mr, gsize k, const float *xd, gsize ldx,
    const float *wp, const float *bias, gboolean acc, float *y, gsize ldy,
    gsize cols);

typedef struct {
  const char *name;
  gsize mr, nr;
  TileFunc tile;                /* over X packed per call, or NULL: */
  DirectTileFunc direct;       /* over X in place */
} KernelInfo;

static const KernelInfo kernels[LUCID_GEMM_N_KERNELS] = {
  [LUCID_GEMM_KERNEL_PORTABLE] = { "portable", PORT_MR, PORT_NR,
      tile_portable, NULL },
#ifdef LUCID_GEMM_X86
  [LUCID_GEMM_KERNEL_AVX2] = { "avx2", AVX2_MR, AVX2_NR, tile_avx2, NULL },
  [LUCID_GEMM_KERNEL_AVX512] = { "avx512", AVX512_MR, AVX512_NR,
      NULL, tile_avx512_direct },
#else
  [LUCID_GEMM_KERNEL_AVX2] = { "avx2", 0, 0, NULL, NULL },
  [LUCID_GEMM_KERNEL_AVX512] = { "avx512", 0, 0, NULL, NULL },
#endif
};

G_STATIC_ASSERT (AVX512_MR <= MAX_MR && AVX512_NR <= MAX_NR);

gboolean
lucid_gemm_kernel_supported (LucidGemmKernel kernel)
{
  switch (kernel) {
    case LUCID_GEMM_KERNEL_PORTABLE:
      return TRUE;
#ifdef LUCID_GEMM_X86
    case LUCID_GEMM_KERNEL_AVX2:
      __builtin_cpu_init ();
      return __builtin_cpu_supports ("avx2") && __builtin_cpu_supports ("fma");
    case LUCID_GEMM_KERNEL_AVX512:
      __builtin_cpu_init ();
      return __builtin_cpu_supports ("avx512f");
#endif
    default:
      return FALSE;
  }
}

LucidGemmKernel
lucid_gemm_kernel_best (void)
{
  if (lucid_gemm_kernel_supported (LUCID_GEMM_KERNEL_AVX512))
    return LUCID_GEMM_KERNEL_AVX512;
  if (lucid_gemm_kernel_supported (LUCID_GEMM_KERNEL_AVX2))
    return LUCID_GEMM_KERNEL_AVX2;
  return LUCID_GEMM_KERNEL_PORTABLE;
}

const char *
lucid_gemm_kernel_name (LucidGemmKernel kernel)
{
  g_return_val_if_fail (kernel < LUCID_GEMM_N_KERNELS, "unknown");
  return kernels[kernel].name;
}

gboolean
lucid_gemm_kernel_from_name (const char *name, LucidGemmKernel *out)
{
  for (int i = 0; i < LUCID_GEMM_N_KERNELS; i++) {
    if (g_strcmp0 (name, kernels[i].name) == 0) {
      *out = (LucidGemmKernel) i;
      return TRUE;
    }
  }
  return FALSE;
}

static gpointer
choose_kernel (gpointer unused)
{
  const char *env = g_getenv ("LUCID_GEMM_KERNEL");
  LucidGemmKernel k = lucid_gemm_kernel_best ();

  if (env != NULL && g_strcmp0 (env, "blas") == 0)
    return GINT_TO_POINTER (-1);
  if (env != NULL && env[0] != '\0') {
    LucidGemmKernel want;
    if (!lucid_gemm_kernel_from_name (env, &want))
      g_warning ("LUCID_GEMM_KERNEL=%s: unknown kernel (avx512, avx2, "
          "portable, blas); using %s", env, lucid_gemm_kernel_name (k));
    else if (!lucid_gemm_kernel_supported (want))
      g_warning ("LUCID_GEMM_KERNEL=%s: this CPU cannot run it; using %s",
          env, lucid_gemm_kernel_name (k));
    else
      k = want;
  }
  return GINT_TO_POINTER ((int) k);
}

gboolean
lucid_gemm_kernel_for_process (LucidGemmKernel *kernel)
{
  static GOnce once = G_ONCE_INIT;
  const int k = GPOINTER_TO_INT (g_once (&once, choose_kernel, NULL));
  if (k < 0)
    return FALSE;
  *kernel = (LucidGemmKernel) k;
  return TRUE;
}

LucidGemmPacked *
lucid_gemm_pack (LucidGemmKernel kernel, const float *w, const float *b,
    gsize n, gsize k)
{
  LucidGemmPacked *p;
  gsize nr;

  g_return_val_if_fail (kernel < LUCID_GEMM_N_KERNELS, NULL);
  g_return_val_if_fail (lucid_gemm_kernel_supported (kernel), NULL);
  g_return_val_if_fail (w != NULL && n > 0 && k > 0, NULL);

  nr = kernels[kernel].nr;
  p = g_new0 (LucidGemmPacked, 1);
  p->kernel = kernel;
  p->n = n;
  p->k = k;
  p->nr = nr;
  p->n_panels = (n + nr - 1) / nr;
  p->panels = g_aligned_alloc0 (p->n_panels * k * nr, sizeof (float), 64);
  p->bias = g_aligned_alloc0 (p->n_panels * nr, sizeof (float), 64);
  for (gsize j = 0; j < p->n_panels; j++) {
    float *panel = p->panels + j * k * nr;
    const gsize cols = MIN (nr, n - j * nr);
    for (gsize c = 0; c < cols; c++) {
      const float *row = w + (j * nr + c) * k;
      for (gsize q = 0; q < k; q++)
        panel[q * nr + c] = row[q];
    }
  }
  if (b != NULL)
    memcpy (p->bias, b, n * sizeof (float));
  return p;
}

void
lucid_gemm_packed_free (LucidGemmPacked *p)
{
  if (p == NULL)
    return;
  g_aligned_free (p->panels);
  g_aligned_free (p->bias);
  g_free (p);
}

gsize
lucid_gemm_packed_get_n (const LucidGemmPacked *p)
{
  return p->n;
}

gsize
lucid_gemm_packed_get_k (const LucidGemmPacked *p)
{
  return p->k;
}

gsize
lucid_gemm_packed_get_panel_width (const LucidGemmPacked *p)
{
  return p->nr;
}

gsize
lucid_gemm_packed_get_n_panels (const LucidGemmPacked *p)
{
  return p->n_panels;
}

LucidGemmKernel
lucid_gemm_packed_get_kernel (const LucidGemmPacked *p)
{
  return p->kernel;
}

/* Per-thread buffer for packed rows of X (lucid-scratch.h). */
static GPrivate scratch_key = G_PRIVATE_INIT (lucid_scratch_free);

/* rows of X (row stride ldx) → blocks of mr rows, each [k][mr]; the last
 * block's missing rows are left unset (the kernel never reads them). */
static void
pack_x (const float *x, gsize ldx, gsize rows, gsize k, gsize mr, float *xp)
{
  for (gsize r0 = 0; r0 < rows; r0 += mr) {
    const gsize h = MIN (mr, rows - r0);
    float *blk = xp + r0 * k;
    for (gsize i = 0; i < h; i++) {
      const float *row = x + (r0 + i) * ldx;
      for (gsize q = 0; q < k; q++)
        blk[q * mr + i] = row[q];
    }
  }
}

void
lucid_gemm_run (const LucidGemmPacked *p, const float *x, gsize ldx, gsize m,
    float *y, gsize ldy, gsize panel_begin, gsize panel_end)
{
  const KernelInfo *ki;
  gsize mr, nr, k, kc, mc;
  float *xp;

  g_return_if_fail (p != NULL);
  g_return_if_fail (panel_begin <= panel_end && panel_end <= p->n_panels);
  if (m == 0 || panel_begin == panel_end)
    return;
  ki = &kernels[p->kernel];
  mr = ki->mr;
  nr = p->nr;
  k = p->k;
  /* k in slices of at most KC_MAX (a slice of a panel stays in L2 while
   * every row block passes over it), of equal size */
  kc = (k + KC_MAX - 1) / KC_MAX;
  kc = (k + kc - 1) / kc;
  mc = CLAMP (MC_BYTES / (mr * kc * sizeof (float)), 1, 64) * mr;
  mc = MIN (mc, (m + mr - 1) / mr * mr);
  if (ki->direct != NULL) {
    /* no packing of X: the same loops, the tile reads X in place */
    for (gsize i0 = 0; i0 < m; i0 += mc) {
      const gsize rows = MIN (mc, m - i0);
      for (gsize k0 = 0; k0 < k; k0 += kc) {
        const gsize kk = MIN (kc, k - k0);
        for (gsize j = panel_begin; j < panel_end; j++) {
          const float *wp = p->panels + (j * k + k0) * nr;
          const gsize cols = MIN (nr, p->n - j * nr);
          for (gsize r = 0; r < rows; r += mr)
            ki->direct ((int) MIN (mr, rows - r), kk,
                x + (i0 + r) * ldx + k0, ldx, wp, p->bias + j * nr, k0 > 0,
                y + (i0 + r) * ldy + j * nr, ldy, cols);
        }
      }
    }
    return;
  }
  xp = lucid_scratch_get (&scratch_key, mc * kc);

  for (gsize i0 = 0; i0 < m; i0 += mc) {
    const gsize rows = MIN (mc, m - i0);
    for (gsize k0 = 0; k0 < k; k0 += kc) {
      const gsize kk = MIN (kc, k - k0);
      pack_x (x + i0 * ldx + k0, ldx, rows, kk, mr, xp);
      for (gsize j = panel_begin; j < panel_end; j++) {
        const float *wp = p->panels + (j * k + k0) * nr;
        const gsize cols = MIN (nr, p->n - j * nr);
        for (gsize r = 0; r < rows; r += mr)
          ki->tile ((int) MIN (mr, rows - r), kk, xp + r * kk, wp,
              p->bias + j * nr, k0 > 0, y + (i0 + r) * ldy + j * nr, ldy,
              cols);
      }
    }
  }
}
