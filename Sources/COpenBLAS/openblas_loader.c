// Run-time loading of OpenBLAS; see include/reel_openblas.h for why.
#include "reel_openblas.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static reel_cblas_sgemm_fn loaded_sgemm = 0;
static char backend_description[160] = "portable C fallback (OpenBLAS not loaded)";
static pthread_once_t load_once = PTHREAD_ONCE_INIT;

int reel_cpu_has_avx512(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
           __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl");
#else
    return 0;
#endif
}

static void load_openblas(void) {
    if (reel_cpu_has_avx512()) setenv("OPENBLAS_CORETYPE", "SkylakeX", 0);
    // reel splits large products across cores itself and runs many small ones from
    // several threads at once (attention heads), so OpenBLAS runs single-threaded.
    setenv("OPENBLAS_NUM_THREADS", "1", 0);
    const char *names[] = {"libopenblas.so.0", "libopenblas.so", "libopenblas.dylib"};
    void *handle = 0;
    for (unsigned i = 0; i < sizeof names / sizeof names[0] && !handle; i++)
        handle = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
    if (!handle) return;
    reel_cblas_sgemm_fn fn = (reel_cblas_sgemm_fn)dlsym(handle, "cblas_sgemm");
    if (!fn) return;
    const char *(*config)(void) = (const char *(*)(void))dlsym(handle, "openblas_get_config");
    char *(*corename)(void) = (char *(*)(void))dlsym(handle, "openblas_get_corename");
    int (*threads)(void) = (int (*)(void))dlsym(handle, "openblas_get_num_threads");
    snprintf(backend_description, sizeof backend_description, "OpenBLAS (%s; %s kernels, %d threads)",
             config ? config() : "?", corename ? corename() : "?", threads ? threads() : -1);
    loaded_sgemm = fn;
}

int reel_blas_load(void) {
    pthread_once(&load_once, load_openblas);
    return loaded_sgemm != 0;
}

const char *reel_blas_backend(void) {
    reel_blas_load();
    return backend_description;
}

// The fallback: a cache-blocked triple loop (i, k, j order so the inner loop is contiguous).
void reel_sgemm_portable(int transA, int transB, int m, int n, int k, float alpha,
                           const float *a, int lda, const float *b, int ldb, float beta,
                           float *c, int ldc) {
    for (int i = 0; i < m; i++) {
        float *ci = c + (long)i * ldc;
        if (beta == 0.f) memset(ci, 0, sizeof(float) * (size_t)n);
        else if (beta != 1.f) for (int j = 0; j < n; j++) ci[j] *= beta;
    }
    for (int i0 = 0; i0 < m; i0 += 64)
        for (int p0 = 0; p0 < k; p0 += 256) {
            int i1 = i0 + 64 < m ? i0 + 64 : m, p1 = p0 + 256 < k ? p0 + 256 : k;
            for (int i = i0; i < i1; i++) {
                float *ci = c + (long)i * ldc;
                for (int p = p0; p < p1; p++) {
                    float av = alpha * (transA ? a[(long)p * lda + i] : a[(long)i * lda + p]);
                    if (av == 0.f) continue;
                    if (!transB) {
                        const float *bp = b + (long)p * ldb;
                        for (int j = 0; j < n; j++) ci[j] += av * bp[j];
                    } else {
                        for (int j = 0; j < n; j++) ci[j] += av * b[(long)j * ldb + p];
                    }
                }
            }
        }
}

void reel_sgemm(int transA, int transB, int m, int n, int k, float alpha,
                const float *a, int lda, const float *b, int ldb, float beta, float *c, int ldc) {
    if (m <= 0 || n <= 0) return;
    if (k <= 0) {  // C = beta * C
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++) c[(long)i * ldc + j] = beta == 0.f ? 0.f : beta * c[(long)i * ldc + j];
        return;
    }
    reel_blas_load();
    if (loaded_sgemm)
        loaded_sgemm(REEL_CBLAS_ROW_MAJOR, transA ? REEL_CBLAS_TRANS : REEL_CBLAS_NO_TRANS,
                     transB ? REEL_CBLAS_TRANS : REEL_CBLAS_NO_TRANS, m, n, k, alpha, a, lda, b, ldb,
                     beta, c, ldc);
    else
        reel_sgemm_portable(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
