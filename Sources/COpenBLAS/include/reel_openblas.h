// COpenBLAS: OpenBLAS's sgemm, loaded at run time.
//
// reel does not link libopenblas at load time. OpenBLAS picks its kernels when it
// loads, from cpuid, and Debian's 0.3.21 takes its Haswell (AVX2) kernels on Zen 4/5
// although its SkylakeX (AVX-512) kernels are about 1.8x faster there; it honours
// OPENBLAS_CORETYPE only if that is in the environment before it loads. So
// reel_blas_load() checks cpuid for AVX-512F/DQ/BW/VL first, sets OPENBLAS_CORETYPE
// (unless the user set it), sets OPENBLAS_NUM_THREADS to 1 (reel splits products
// across cores itself, and calls sgemm from several threads at once), then dlopen()s libopenblas.so.0 and looks up
// cblas_sgemm. If the library is missing, reel_sgemm falls back to a portable blocked
// kernel (correct, slower) and reel_blas_backend() says so.
#ifndef REEL_OPENBLAS_H
#define REEL_OPENBLAS_H

#ifdef __cplusplus
extern "C" {
#endif

/// CBLAS enums (the values are fixed by the CBLAS standard).
enum { REEL_CBLAS_ROW_MAJOR = 101, REEL_CBLAS_NO_TRANS = 111, REEL_CBLAS_TRANS = 112 };

/// The signature of cblas_sgemm.
typedef void (*reel_cblas_sgemm_fn)(int order, int transA, int transB, int m, int n, int k,
                                    float alpha, const float *a, int lda, const float *b, int ldb,
                                    float beta, float *c, int ldc);

/// Loads OpenBLAS once (thread-safe, idempotent). Returns 1 when OpenBLAS is in use, 0 for the fallback.
int reel_blas_load(void);

/// A short description of the GEMM backend: "OpenBLAS 0.3.21 (SkylakeX kernels, 2 threads)" etc.
const char *reel_blas_backend(void);

/// 1 when this CPU has AVX-512F, DQ, BW and VL (what OpenBLAS's SkylakeX kernels need).
int reel_cpu_has_avx512(void);

/// Row-major C = alpha * op(A) * op(B) + beta * C, op(A) (m,k), op(B) (k,n), C (m,n).
/// transA / transB: 0 = as stored, 1 = transposed.
void reel_sgemm(int transA, int transB, int m, int n, int k, float alpha,
                const float *a, int lda, const float *b, int ldb, float beta, float *c, int ldc);

/// The portable fallback itself (used when OpenBLAS cannot be loaded; exposed for tests).
void reel_sgemm_portable(int transA, int transB, int m, int n, int k, float alpha,
                         const float *a, int lda, const float *b, int ldb, float beta, float *c, int ldc);

#ifdef __cplusplus
}
#endif
#endif
