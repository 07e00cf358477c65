// ReelKernels: the engine's vectorized inner loops (elementwise, activations,
// normalization, softmax, online-softmax attention updates).
//
// Each kernel is compiled three times (AVX-512, AVX2+FMA, baseline x86-64) with
// clang's target_clones; the dynamic loader picks one per CPU (an ifunc), so one
// binary takes the AVX-512 path on CPUs that have it and still runs on those that
// don't. exp, tanh, sigmoid and erf are polynomial approximations inlined into the
// loops (no libm calls): exp has relative error < 4e-7 (measured 2.9e-7) on [-87, 88] and returns 0
// below -87.3 (so exp(-inf) = 0, as masking needs); erf's absolute error < 1.5e-7.
//
// Conventions: row-major; `rows` x `cols` matrices with contiguous rows; "backward"
// kernels ADD into their gradient outputs (gradients accumulate); a NULL weight or
// bias means "none" (identity affine).
#ifndef REEL_KERNELS_H
#define REEL_KERNELS_H

#ifdef __cplusplus
extern "C" {
#endif

/// Which clone the loader picked: 512 (AVX-512), 256 (AVX2+FMA) or 128 (baseline SSE2).
int rk_vector_width_bits(void);

// Elementwise, n elements. o may alias a or b.
void rk_add(const float *a, const float *b, float *o, long n);
void rk_sub(const float *a, const float *b, float *o, long n);
void rk_mul(const float *a, const float *b, float *o, long n);
void rk_axpy(float alpha, const float *x, float *y, long n);            // y += alpha * x
void rk_scale(float alpha, const float *x, float *o, long n);           // o = alpha * x
void rk_fma_accumulate(const float *a, const float *b, float *o, long n);  // o += a * b
double rk_sum(const float *x, long n);
double rk_dot(const float *a, const float *b, long n);

// Activations. Backward: dx += dy * f'(x).
void rk_silu_forward(const float *x, float *y, long n);
void rk_silu_backward(const float *x, const float *dy, float *dx, long n);
void rk_gelu_tanh_forward(const float *x, float *y, long n);
void rk_gelu_tanh_backward(const float *x, const float *dy, float *dx, long n);
void rk_gelu_erf_forward(const float *x, float *y, long n);
void rk_gelu_erf_backward(const float *x, const float *dy, float *dx, long n);
void rk_exp(const float *x, float *y, long n);

// Softmax over each row. Backward: dx += y * (dy - sum(dy * y)).
void rk_softmax_forward(const float *x, float *y, long rows, long cols);
void rk_softmax_backward(const float *y, const float *dy, float *dx, long rows, long cols);

// LayerNorm over each row: y = (x - mean) * rstd * w + b. mean, rstd: (rows).
void rk_layernorm_forward(const float *x, float *y, float *mean, float *rstd, const float *w,
                          const float *b, long rows, long cols, float eps);
void rk_layernorm_backward(const float *x, const float *dy, const float *mean, const float *rstd,
                           const float *w, float *dx, float *dw, float *db, long rows, long cols);

// RMSNorm over each row: y = x * rstd * w, rstd = 1 / sqrt(mean(x^2) + eps).
void rk_rmsnorm_forward(const float *x, float *y, float *rstd, const float *w, long rows, long cols,
                        float eps);
void rk_rmsnorm_backward(const float *x, const float *dy, const float *rstd, const float *w,
                         float *dx, float *dw, long rows, long cols);

// GroupNorm: x (B, C, S), G groups of C/G channels; mean, rstd: (B, G); w, b: (C).
void rk_groupnorm_forward(const float *x, float *y, float *mean, float *rstd, const float *w,
                          const float *b, long batch, long channels, long spatial, long groups,
                          float eps);
void rk_groupnorm_backward(const float *x, const float *dy, const float *mean, const float *rstd,
                           const float *w, float *dx, float *dw, float *db, long batch,
                           long channels, long spatial, long groups);

// Flash-attention helpers. s: (rows, cols) scores with row stride lds; m, l: (rows)
// running max and running sum. Replaces s by exp(s - m_new), updates m and l, and
// writes alpha[r] = exp(m_old - m_new), the factor the running output must be scaled by.
void rk_online_softmax_update(float *s, long rows, long cols, long lds, float *m, float *l,
                              float *alpha);
// p = exp(s - lse[r]) per row (lse = +inf gives 0), in place; s row stride lds.
void rk_softmax_from_lse(float *s, long rows, long cols, long lds, const float *lse);
// ds = p * (dp - delta[r]), in place into dp.
void rk_attention_ds(const float *p, float *dp, long rows, long cols, long ld, const float *delta);
// o[r, :] *= alpha[r]
void rk_scale_rows(float *o, long rows, long cols, long ldo, const float *alpha);

// Runs `iterations` rounds of independent FMA chains in vector registers on the calling thread
// (AVX-512, else AVX2+FMA, else scalar) and returns the floating-point operations done; the
// vector width used goes to *vector_bits. For benchmarks: the machine's fp32 peak per core.
double rk_fma_peak_flops(long iterations, int *vector_bits);

#ifdef __cplusplus
}
#endif
#endif
