/* lucid-blas.c — BLAS, loaded at run time so its kernel choice can be fixed.
 *
 * Debian's OpenBLAS is a DYNAMIC_ARCH build: when the library is loaded, a
 * constructor looks at the CPU model and picks the kernels for it, or, for a
 * model it does not know, falls back to generic SSE3 ("Prescott") kernels.
 * OpenBLAS 0.3.21 (Debian 12) does not know the Xeons of the last few years
 * (Sapphire/Emerald Rapids, model 143/207), nor CPU models a hypervisor
 * hides, and its Prescott sgemm is 2–3× slower than its AVX-512 one
 * (docs/BENCHMARKS.md). The only supported way to choose is the
 * OPENBLAS_CORETYPE environment variable, read by that constructor — so it
 * must be set before the library loads, which is why liblucid does not link
 * against BLAS but dlopen()s it here, once, after deciding:
 *
 *   - OPENBLAS_CORETYPE set by the user: left alone;
 *   - the CPU has AVX-512 F/BW/DQ/VL: "SkylakeX", whose sgemm kernels every
 *     AVX-512 Intel and AMD core in 0.3.21 uses anyway;
 *   - otherwise: OpenBLAS decides (it knows the AVX2 generations).
 *
 * If something in the process loaded OpenBLAS before us, its choice stands
 * (the variable is read once per process); lucid_blas_describe() says which
 * kernels are in use either way.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "lucid-blas.h"
#include "lucid-error.h"

#include <cblas.h>
#include <dlfcn.h>

typedef void (*SgemmFunc) (const enum CBLAS_ORDER, const enum CBLAS_TRANSPOSE,
    const enum CBLAS_TRANSPOSE, const blasint, const blasint, const blasint,
    const float, const float *, const blasint, const float *, const blasint,
    const float, float *, const blasint);
typedef void (*SetThreadsFunc) (int);
typedef char *(*GetStringFunc) (void);

static const char *library_names[] = {
  "libopenblas.so.0",         /* Debian: alternatives pick pthread/openmp */
  "libcblas.so.3",
  "libblas.so.3",             /* OpenBLAS's and BLIS's carry the CBLAS API */
};

static struct {
  SgemmFunc sgemm;
  SetThreadsFunc set_num_threads;
  char *description;
  char *error;                 /* why loading failed, or NULL */
} blas;

static const char *
choose_coretype (void)
{
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init ();
  if (__builtin_cpu_supports ("avx512f") && __builtin_cpu_supports ("avx512bw")
      && __builtin_cpu_supports ("avx512dq")
      && __builtin_cpu_supports ("avx512vl"))
    return "SkylakeX";
#endif
  return NULL;
}

static gpointer
load_blas (gpointer unused)
{
  const char *user_core = g_getenv ("OPENBLAS_CORETYPE");
  const char *chosen = NULL;
  g_autoptr (GString) errors = g_string_new (NULL);
  void *handle = NULL;
  const char *loaded = NULL;

  if (user_core == NULL) {
    chosen = choose_coretype ();
    if (chosen != NULL)
      g_setenv ("OPENBLAS_CORETYPE", chosen, FALSE);
  }
  for (gsize i = 0; i < G_N_ELEMENTS (library_names) && handle == NULL; i++) {
    const char *why = NULL;
    handle = dlopen (library_names[i], RTLD_NOW | RTLD_LOCAL);
    if (handle == NULL) {
      why = dlerror ();
    } else if (dlsym (handle, "cblas_sgemm") == NULL) {
      why = "no cblas_sgemm in it";
      dlclose (handle);
      handle = NULL;
    }
    if (handle == NULL)
      g_string_append_printf (errors, "%s%s: %s", errors->len ? "; " : "",
          library_names[i], why != NULL ? why : "cannot be loaded");
    else
      loaded = library_names[i];
  }
  if (handle == NULL) {
    blas.error = g_strdup_printf ("cannot load a CBLAS library (%s); install "
        "Debian's libopenblas0 (tools/install-deps.sh does)", errors->str);
    return NULL;
  }
  blas.sgemm = (SgemmFunc) dlsym (handle, "cblas_sgemm");
  blas.set_num_threads =
      (SetThreadsFunc) dlsym (handle, "openblas_set_num_threads");
  {
    GetStringFunc config = (GetStringFunc) dlsym (handle,
        "openblas_get_config");
    GetStringFunc core = (GetStringFunc) dlsym (handle,
        "openblas_get_corename");
    g_autofree char *why = user_core != NULL ?
        g_strdup_printf (" (OPENBLAS_CORETYPE=%s from the environment)",
        user_core) : chosen != NULL ?
        g_strdup_printf (" (OPENBLAS_CORETYPE=%s set by Lucid: the CPU has "
        "AVX-512)", chosen) : g_strdup ("");
    blas.description = g_strdup_printf ("%s (%s), core %s%s", loaded,
        config ? config () : "no build information",
        core ? core () : "unknown", why);
  }
  g_debug ("lucid: BLAS is %s", blas.description);
  /* the handle stays open for the life of the process */
  return NULL;
}

gboolean
lucid_blas_init (GError **error)
{
  static GOnce once = G_ONCE_INIT;
  g_once (&once, load_blas, NULL);
  if (blas.error != NULL) {
    g_set_error_literal (error, LUCID_ERROR, LUCID_ERROR_UNSUPPORTED,
        blas.error);
    return FALSE;
  }
  return TRUE;
}

void
lucid_blas_sgemm (gboolean trans_a, gboolean trans_b, gsize m, gsize n,
    gsize k, float alpha, const float *a, gsize lda, const float *b, gsize ldb,
    float beta, float *c, gsize ldc)
{
  g_return_if_fail (blas.sgemm != NULL);
  blas.sgemm (CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
      trans_b ? CblasTrans : CblasNoTrans, (blasint) m, (blasint) n,
      (blasint) k, alpha, a, (blasint) lda, b, (blasint) ldb, beta, c,
      (blasint) ldc);
}

void
lucid_blas_set_num_threads (int n)
{
  if (lucid_blas_init (NULL) && blas.set_num_threads != NULL)
    blas.set_num_threads (n);
}

const char *
lucid_blas_describe (void)
{
  return blas.description != NULL ? blas.description : "BLAS not loaded";
}
