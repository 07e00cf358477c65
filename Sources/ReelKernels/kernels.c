// ReelKernels: see include/reel_kernels.h.
#include "reel_kernels.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

// ThreadSanitizer's instrumented ifunc resolvers run before its runtime starts (a crash at load):
// under TSan every kernel is built for baseline x86-64 only.
#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define RK_NO_CLONES 1
#endif
#endif
#if defined(__x86_64__) && defined(__linux__) && !defined(RK_NO_CLONES)
#define RK_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define RK_CLONES
#endif
#define RK_INLINE static inline __attribute__((always_inline))

// exp(x): Cephes-style range reduction x = n ln2 + r and a degree-6 polynomial for e^r.
RK_INLINE float rk_expf(float x) {
    // The two-part ln2 only works if r = (x - n C1) - n C2 is computed in that order: the
    // package's -fassociative-math would fold it into x - n (C1 + C2), which without FMA (the
    // baseline clone) costs 10x in accuracy (4e-6 relative against 4e-7).
#pragma clang fp reassociate(off)
    float xc = x < -87.3f ? -87.3f : (x > 88.3f ? 88.3f : x);
    float t = xc * 1.44269504088896341f;
    int32_t ni = (int32_t)(t + (t >= 0.f ? 0.5f : -0.5f));
    float n = (float)ni;
    float r = xc - n * 0.693145751953125f;
    r = r - n * 1.428606765330187e-06f;
    float p = 1.9875691500E-4f;
    p = p * r + 1.3981999507E-3f;
    p = p * r + 8.3334519073E-3f;
    p = p * r + 4.1665795894E-2f;
    p = p * r + 1.6666665459E-1f;
    p = p * r + 5.0000001201E-1f;
    p = p * r * r + r + 1.f;
    int32_t e = (ni + 127) << 23;
    float s;
    memcpy(&s, &e, sizeof s);
    return x < -87.3f ? 0.f : p * s;
}

RK_INLINE float rk_sigmoidf(float x) { return 1.f / (1.f + rk_expf(-x)); }
RK_INLINE float rk_tanhf(float x) { return 2.f * rk_sigmoidf(2.f * x) - 1.f; }

// erf(x): Abramowitz & Stegun 7.1.26, |error| < 1.5e-7.
RK_INLINE float rk_erff(float x) {
    float ax = x < 0.f ? -x : x;
    float t = 1.f / (1.f + 0.3275911f * ax);
    float y = ((((1.061405429f * t - 1.453152027f) * t + 1.421413741f) * t - 0.284496736f) * t +
               0.254829592f) * t;
    float e = 1.f - y * rk_expf(-ax * ax);
    return x < 0.f ? -e : e;
}

// max(init, x[0..n)): 16 independent lanes (a plain elementwise max the vectorizer turns
// into vmaxps), then the lanes folded; a single running max would be a serial chain.
RK_INLINE float rk_row_max(const float *x, long n, float init) {
    float lanes[16];
    for (int l = 0; l < 16; l++) lanes[l] = init;
    long j = 0;
    for (; j + 16 <= n; j += 16)
        for (int l = 0; l < 16; l++) lanes[l] = x[j + l] > lanes[l] ? x[j + l] : lanes[l];
    float m = init;
    for (int l = 0; l < 16; l++) m = lanes[l] > m ? lanes[l] : m;
    for (; j < n; j++) m = x[j] > m ? x[j] : m;
    return m;
}

int rk_vector_width_bits(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("x86-64-v4")) return 512;
    if (__builtin_cpu_supports("x86-64-v3")) return 256;
#endif
    return 128;
}

// MARK: elementwise

RK_CLONES void rk_add(const float *a, const float *b, float *o, long n) {
    for (long i = 0; i < n; i++) o[i] = a[i] + b[i];
}
RK_CLONES void rk_sub(const float *a, const float *b, float *o, long n) {
    for (long i = 0; i < n; i++) o[i] = a[i] - b[i];
}
RK_CLONES void rk_mul(const float *a, const float *b, float *o, long n) {
    for (long i = 0; i < n; i++) o[i] = a[i] * b[i];
}
RK_CLONES void rk_axpy(float alpha, const float *restrict x, float *restrict y, long n) {
    for (long i = 0; i < n; i++) y[i] += alpha * x[i];
}
RK_CLONES void rk_scale(float alpha, const float *x, float *o, long n) {
    for (long i = 0; i < n; i++) o[i] = alpha * x[i];
}
RK_CLONES void rk_fma_accumulate(const float *restrict a, const float *restrict b, float *restrict o,
                                 long n) {
    for (long i = 0; i < n; i++) o[i] += a[i] * b[i];
}
// Sums in float lanes over blocks of 4096, the blocks in double.
RK_CLONES double rk_sum(const float *x, long n) {
    double total = 0;
    for (long i0 = 0; i0 < n; i0 += 4096) {
        long i1 = i0 + 4096 < n ? i0 + 4096 : n;
        float s = 0.f;
        for (long i = i0; i < i1; i++) s += x[i];
        total += s;
    }
    return total;
}
RK_CLONES double rk_dot(const float *a, const float *b, long n) {
    double total = 0;
    for (long i0 = 0; i0 < n; i0 += 4096) {
        long i1 = i0 + 4096 < n ? i0 + 4096 : n;
        float s = 0.f;
        for (long i = i0; i < i1; i++) s += a[i] * b[i];
        total += s;
    }
    return total;
}

// MARK: activations

RK_CLONES void rk_exp(const float *restrict x, float *restrict y, long n) {
    for (long i = 0; i < n; i++) y[i] = rk_expf(x[i]);
}
RK_CLONES void rk_silu_forward(const float *restrict x, float *restrict y, long n) {
    for (long i = 0; i < n; i++) y[i] = x[i] * rk_sigmoidf(x[i]);
}
RK_CLONES void rk_silu_backward(const float *restrict x, const float *restrict dy, float *restrict dx,
                                long n) {
    for (long i = 0; i < n; i++) {
        float s = rk_sigmoidf(x[i]);
        dx[i] += dy[i] * s * (1.f + x[i] * (1.f - s));
    }
}
#define RK_GELU_C 0.7978845608028654f  // sqrt(2 / pi)
RK_CLONES void rk_gelu_tanh_forward(const float *restrict x, float *restrict y, long n) {
    for (long i = 0; i < n; i++) {
        float v = x[i];
        float t = rk_tanhf(RK_GELU_C * (v + 0.044715f * v * v * v));
        y[i] = 0.5f * v * (1.f + t);
    }
}
RK_CLONES void rk_gelu_tanh_backward(const float *restrict x, const float *restrict dy,
                                     float *restrict dx, long n) {
    for (long i = 0; i < n; i++) {
        float v = x[i];
        float t = rk_tanhf(RK_GELU_C * (v + 0.044715f * v * v * v));
        float d = 0.5f * (1.f + t) + 0.5f * v * (1.f - t * t) * RK_GELU_C * (1.f + 3.f * 0.044715f * v * v);
        dx[i] += dy[i] * d;
    }
}
RK_CLONES void rk_gelu_erf_forward(const float *restrict x, float *restrict y, long n) {
    for (long i = 0; i < n; i++) y[i] = 0.5f * x[i] * (1.f + rk_erff(x[i] * 0.7071067811865476f));
}
RK_CLONES void rk_gelu_erf_backward(const float *restrict x, const float *restrict dy,
                                    float *restrict dx, long n) {
    for (long i = 0; i < n; i++) {
        float v = x[i];
        float d = 0.5f * (1.f + rk_erff(v * 0.7071067811865476f)) +
                  v * 0.3989422804014327f * rk_expf(-0.5f * v * v);
        dx[i] += dy[i] * d;
    }
}

// MARK: softmax

RK_CLONES void rk_softmax_forward(const float *restrict x, float *restrict y, long rows, long cols) {
    for (long r = 0; r < rows; r++) {
        const float *xr = x + r * cols;
        float *yr = y + r * cols;
        float mx = rk_row_max(xr, cols, -INFINITY);
        float s = 0.f;
        for (long j = 0; j < cols; j++) {
            float e = rk_expf(xr[j] - mx);
            yr[j] = e;
            s += e;
        }
        float inv = 1.f / s;
        for (long j = 0; j < cols; j++) yr[j] *= inv;
    }
}
RK_CLONES void rk_softmax_backward(const float *restrict y, const float *restrict dy,
                                   float *restrict dx, long rows, long cols) {
    for (long r = 0; r < rows; r++) {
        const float *yr = y + r * cols, *gr = dy + r * cols;
        float *dr = dx + r * cols;
        float d = 0.f;
        for (long j = 0; j < cols; j++) d += yr[j] * gr[j];
        for (long j = 0; j < cols; j++) dr[j] += yr[j] * (gr[j] - d);
    }
}

// MARK: normalization

RK_CLONES void rk_layernorm_forward(const float *restrict x, float *restrict y, float *mean,
                                    float *rstd, const float *w, const float *b, long rows,
                                    long cols, float eps) {
    for (long r = 0; r < rows; r++) {
        const float *xr = x + r * cols;
        float *yr = y + r * cols;
        float s = 0.f;
        for (long j = 0; j < cols; j++) s += xr[j];
        float mu = s / (float)cols;
        float v = 0.f;
        for (long j = 0; j < cols; j++) v += (xr[j] - mu) * (xr[j] - mu);
        float rs = 1.f / sqrtf(v / (float)cols + eps);
        if (mean) mean[r] = mu;
        if (rstd) rstd[r] = rs;
        if (w && b) for (long j = 0; j < cols; j++) yr[j] = (xr[j] - mu) * rs * w[j] + b[j];
        else if (w) for (long j = 0; j < cols; j++) yr[j] = (xr[j] - mu) * rs * w[j];
        else for (long j = 0; j < cols; j++) yr[j] = (xr[j] - mu) * rs;
    }
}
RK_CLONES void rk_layernorm_backward(const float *restrict x, const float *restrict dy,
                                     const float *mean, const float *rstd, const float *w,
                                     float *restrict dx, float *dw, float *db, long rows,
                                     long cols) {
    for (long r = 0; r < rows; r++) {
        const float *xr = x + r * cols, *gr = dy + r * cols;
        float *dr = dx + r * cols;
        float mu = mean[r], rs = rstd[r];
        float sg = 0.f, sgx = 0.f;  // sums of g and g * xhat, g = dy * w
        if (w) {
            for (long j = 0; j < cols; j++) {
                float g = gr[j] * w[j];
                sg += g;
                sgx += g * (xr[j] - mu) * rs;
            }
        } else {
            for (long j = 0; j < cols; j++) {
                sg += gr[j];
                sgx += gr[j] * (xr[j] - mu) * rs;
            }
        }
        sg /= (float)cols;
        sgx /= (float)cols;
        if (w) for (long j = 0; j < cols; j++) dr[j] += rs * (gr[j] * w[j] - sg - (xr[j] - mu) * rs * sgx);
        else for (long j = 0; j < cols; j++) dr[j] += rs * (gr[j] - sg - (xr[j] - mu) * rs * sgx);
        if (dw) for (long j = 0; j < cols; j++) dw[j] += gr[j] * (xr[j] - mu) * rs;
        if (db) for (long j = 0; j < cols; j++) db[j] += gr[j];
    }
}
RK_CLONES void rk_rmsnorm_forward(const float *restrict x, float *restrict y, float *rstd,
                                  const float *w, long rows, long cols, float eps) {
    for (long r = 0; r < rows; r++) {
        const float *xr = x + r * cols;
        float *yr = y + r * cols;
        float s = 0.f;
        for (long j = 0; j < cols; j++) s += xr[j] * xr[j];
        float rs = 1.f / sqrtf(s / (float)cols + eps);
        if (rstd) rstd[r] = rs;
        if (w) for (long j = 0; j < cols; j++) yr[j] = xr[j] * rs * w[j];
        else for (long j = 0; j < cols; j++) yr[j] = xr[j] * rs;
    }
}
RK_CLONES void rk_rmsnorm_backward(const float *restrict x, const float *restrict dy,
                                   const float *rstd, const float *w, float *restrict dx,
                                   float *dw, long rows, long cols) {
    for (long r = 0; r < rows; r++) {
        const float *xr = x + r * cols, *gr = dy + r * cols;
        float *dr = dx + r * cols;
        float rs = rstd[r];
        float sgx = 0.f;
        for (long j = 0; j < cols; j++) sgx += (w ? gr[j] * w[j] : gr[j]) * xr[j];
        float c = sgx * rs * rs * rs / (float)cols;
        for (long j = 0; j < cols; j++) dr[j] += (w ? gr[j] * w[j] : gr[j]) * rs - xr[j] * c;
        if (dw) for (long j = 0; j < cols; j++) dw[j] += gr[j] * xr[j] * rs;
    }
}
RK_CLONES void rk_groupnorm_forward(const float *restrict x, float *restrict y, float *mean,
                                    float *rstd, const float *w, const float *b, long batch,
                                    long channels, long spatial, long groups, float eps) {
    long cg = channels / groups, n = cg * spatial;
    for (long bi = 0; bi < batch; bi++)
        for (long g = 0; g < groups; g++) {
            const float *xg = x + (bi * channels + g * cg) * spatial;
            float *yg = y + (bi * channels + g * cg) * spatial;
            double s = 0;
            for (long c = 0; c < cg; c++) {
                float sc = 0.f;
                for (long j = 0; j < spatial; j++) sc += xg[c * spatial + j];
                s += sc;
            }
            float mu = (float)(s / (double)n);
            double v = 0;
            for (long c = 0; c < cg; c++) {
                float vc = 0.f;
                for (long j = 0; j < spatial; j++) {
                    float d = xg[c * spatial + j] - mu;
                    vc += d * d;
                }
                v += vc;
            }
            float rs = (float)(1.0 / sqrt(v / (double)n + eps));
            mean[bi * groups + g] = mu;
            rstd[bi * groups + g] = rs;
            for (long c = 0; c < cg; c++) {
                float wc = w ? w[g * cg + c] : 1.f, bc = b ? b[g * cg + c] : 0.f;
                float a = rs * wc, o = bc - mu * rs * wc;
                for (long j = 0; j < spatial; j++) yg[c * spatial + j] = xg[c * spatial + j] * a + o;
            }
        }
}
RK_CLONES void rk_groupnorm_backward(const float *restrict x, const float *restrict dy,
                                     const float *mean, const float *rstd, const float *w,
                                     float *restrict dx, float *dw, float *db, long batch,
                                     long channels, long spatial, long groups) {
    long cg = channels / groups, n = cg * spatial;
    for (long bi = 0; bi < batch; bi++)
        for (long g = 0; g < groups; g++) {
            long base = (bi * channels + g * cg) * spatial;
            const float *xg = x + base, *gg = dy + base;
            float *dg = dx + base;
            float mu = mean[bi * groups + g], rs = rstd[bi * groups + g];
            double sg = 0, sgx = 0;
            for (long c = 0; c < cg; c++) {
                float wc = w ? w[g * cg + c] : 1.f;
                float a = 0.f, bsum = 0.f, sdy = 0.f;
                for (long j = 0; j < spatial; j++) {
                    float xh = (xg[c * spatial + j] - mu) * rs;
                    a += gg[c * spatial + j];
                    bsum += gg[c * spatial + j] * xh;
                }
                sdy = a;
                sg += (double)(a * wc);
                sgx += (double)(bsum * wc);
                if (dw) dw[g * cg + c] += bsum;
                if (db) db[g * cg + c] += sdy;
            }
            float msg = (float)(sg / (double)n), msgx = (float)(sgx / (double)n);
            for (long c = 0; c < cg; c++) {
                float wc = w ? w[g * cg + c] : 1.f;
                for (long j = 0; j < spatial; j++) {
                    float xh = (xg[c * spatial + j] - mu) * rs;
                    dg[c * spatial + j] += rs * (gg[c * spatial + j] * wc - msg - xh * msgx);
                }
            }
        }
}

// MARK: attention

RK_CLONES void rk_online_softmax_update(float *s, long rows, long cols, long lds, float *m,
                                        float *l, float *alpha) {
    for (long r = 0; r < rows; r++) {
        float *sr = s + r * lds;
        float mx = rk_row_max(sr, cols, m[r]);
        if (mx == -INFINITY) {  // every key so far is masked
            for (long j = 0; j < cols; j++) sr[j] = 0.f;
            alpha[r] = 1.f;
            continue;
        }
        float a = rk_expf(m[r] - mx);
        float sum = 0.f;
        for (long j = 0; j < cols; j++) {
            float e = rk_expf(sr[j] - mx);
            sr[j] = e;
            sum += e;
        }
        l[r] = l[r] * a + sum;
        m[r] = mx;
        alpha[r] = a;
    }
}
RK_CLONES void rk_softmax_from_lse(float *s, long rows, long cols, long lds, const float *lse) {
    for (long r = 0; r < rows; r++) {
        float *sr = s + r * lds;
        float L = lse[r];
        if (L == INFINITY) {
            for (long j = 0; j < cols; j++) sr[j] = 0.f;
            continue;
        }
        for (long j = 0; j < cols; j++) sr[j] = rk_expf(sr[j] - L);
    }
}
RK_CLONES void rk_attention_ds(const float *restrict p, float *restrict dp, long rows, long cols,
                               long ld, const float *delta) {
    for (long r = 0; r < rows; r++) {
        const float *pr = p + r * ld;
        float *dr = dp + r * ld;
        float d = delta[r];
        for (long j = 0; j < cols; j++) dr[j] = pr[j] * (dr[j] - d);
    }
}
RK_CLONES void rk_scale_rows(float *o, long rows, long cols, long ldo, const float *alpha) {
    for (long r = 0; r < rows; r++) {
        float a = alpha[r];
        float *orow = o + r * ldo;
        for (long j = 0; j < cols; j++) orow[j] *= a;
    }
}

// MARK: - The machine's fp32 peak (benchmarks only)
// Independent FMA chains in registers (12 for AVX-512, 10 for AVX2: more than the FMA latency
// times the ports), nothing read from memory: what one core's vector units can do.
#if defined(__x86_64__)
#include <immintrin.h>
__attribute__((target("avx512f"))) static double rk_fma_avx512(long iterations) {
    __m512 a[12];
    const __m512 m = _mm512_set1_ps(0.999999f), c = _mm512_set1_ps(1e-6f);
    for (int k = 0; k < 12; k++) a[k] = _mm512_set1_ps((float)k);
    for (long i = 0; i < iterations; i++) {
        for (int k = 0; k < 12; k++) a[k] = _mm512_fmadd_ps(a[k], m, c);
    }
    __m512 s = a[0];
    for (int k = 1; k < 12; k++) s = _mm512_add_ps(s, a[k]);
    float out[16];
    _mm512_storeu_ps(out, s);
    double sink = 0;
    for (int k = 0; k < 16; k++) sink += out[k];
    return sink == 12345.678 ? 0 : 2.0 * 16 * 12 * (double)iterations;
}
__attribute__((target("avx2,fma"))) static double rk_fma_avx2(long iterations) {
    __m256 a[10];
    const __m256 m = _mm256_set1_ps(0.999999f), c = _mm256_set1_ps(1e-6f);
    for (int k = 0; k < 10; k++) a[k] = _mm256_set1_ps((float)k);
    for (long i = 0; i < iterations; i++) {
        for (int k = 0; k < 10; k++) a[k] = _mm256_fmadd_ps(a[k], m, c);
    }
    __m256 s = a[0];
    for (int k = 1; k < 10; k++) s = _mm256_add_ps(s, a[k]);
    float out[8];
    _mm256_storeu_ps(out, s);
    double sink = 0;
    for (int k = 0; k < 8; k++) sink += out[k];
    return sink == 12345.678 ? 0 : 2.0 * 8 * 10 * (double)iterations;
}
#endif

double rk_fma_peak_flops(long iterations, int *vector_bits) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) { *vector_bits = 512; return rk_fma_avx512(iterations); }
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) { *vector_bits = 256; return rk_fma_avx2(iterations); }
#endif
    *vector_bits = 32;
    volatile float a = 1.f;
    for (long i = 0; i < iterations; i++) a = a * 0.999999f + 1e-6f;
    return 2.0 * (double)iterations;
}
