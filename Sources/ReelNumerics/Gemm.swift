// GEMM: OpenBLAS sgemm, loaded at run time with its fastest kernels for this CPU
// (see Sources/COpenBLAS/include/reel_openblas.h), and batched matrix products.

import COpenBLAS
import ReelKernels
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public enum Gemm {
    /// Row-major C (m,n) = alpha * op(A) (m,k) * op(B) (k,n) + beta * C, split across
    /// `Parallel.threads` cores (by rows of C, or by columns when C is short) when large.
    public static func sgemm(transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
                             alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
                             b: UnsafePointer<Float>, ldb: Int, beta: Float = 0,
                             c: UnsafeMutablePointer<Float>, ldc: Int) {
        let threads = Parallel.threads
        let work = m * n * max(k, 1)
        if threads <= 1 || work < 1 << 18 {
            serial(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda,
                   b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
            return
        }
        // More pieces than threads when there is enough work, so that a worker that the OS
        // descheduled (the cores may be shared) does not hold everyone up.
        let pieces = work >= 1 << 26 ? 4 * threads : threads
        if m >= n || m >= 64 * pieces {  // split rows of C (rows of op(A))
            let step = (m + pieces - 1) / pieces
            Parallel.forEach(pieces) { t in
                let r0 = t * step, r1 = min(m, r0 + step)
                guard r1 > r0 else { return }
                let aOff = transA ? r0 : r0 * lda
                serial(transA: transA, transB: transB, m: r1 - r0, n: n, k: k, alpha: alpha, a: a + aOff,
                       lda: lda, b: b, ldb: ldb, beta: beta, c: c + r0 * ldc, ldc: ldc)
            }
        } else {  // split columns of C (columns of op(B))
            let step = ((n + pieces - 1) / pieces + 15) / 16 * 16
            Parallel.forEach(pieces) { t in
                let c0 = t * step, c1 = min(n, c0 + step)
                guard c1 > c0 else { return }
                let bOff = transB ? c0 * ldb : c0
                serial(transA: transA, transB: transB, m: m, n: c1 - c0, k: k, alpha: alpha, a: a, lda: lda,
                       b: b + bOff, ldb: ldb, beta: beta, c: c + c0, ldc: ldc)
            }
        }
    }

    /// The same product on the calling thread only (for callers that are already parallel).
    @inline(__always)
    public static func serial(transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
                              alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
                              b: UnsafePointer<Float>, ldb: Int, beta: Float = 0,
                              c: UnsafeMutablePointer<Float>, ldc: Int) {
        reel_sgemm(transA ? 1 : 0, transB ? 1 : 0, Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda),
                   b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// The GEMM backend in use, e.g. "OpenBLAS (... SkylakeX kernels, 2 threads)".
    public static var backend: String { String(cString: reel_blas_backend()) }

    /// Whether this CPU has AVX-512 (F, DQ, BW, VL).
    public static var cpuHasAVX512: Bool { reel_cpu_has_avx512() != 0 }

    /// A warning when the environment's OPENBLAS_CORETYPE (which reel respects) keeps OpenBLAS
    /// off the AVX-512 kernels this CPU has; nil otherwise. (On a 2-core AVX-512 machine,
    /// Haswell kernels train the default DiT at 1.66 steps/s against 2.53 with SkylakeX.)
    public static var coretypeWarning: String? {
        guard cpuHasAVX512, let raw = getenv("OPENBLAS_CORETYPE") else { return nil }
        let forced = String(cString: raw)
        let avx512Cores = ["skylakex", "cooperlake", "sapphirerapids"]
        guard !forced.isEmpty, !avx512Cores.contains(forced.lowercased()) else { return nil }
        return "OPENBLAS_CORETYPE=\(forced) in the environment keeps OpenBLAS on \(forced) kernels, but this CPU has AVX-512: unset it (reel then picks SkylakeX) for about 1.5x faster matrix products"
    }

    /// Vector width (bits) of the ReelKernels clone the loader picked: 512, 256 or 128.
    public static var kernelVectorBits: Int { Int(rk_vector_width_bits()) }
}

/// Matrix product over the last two dimensions: a (..., m, k) x b (..., k, n) -> (..., m, n).
/// b may also be 2-D (k, n), shared by every batch. With `transposeB`, b is (..., n, k).
public func matmul(_ a: Tensor, _ b: Tensor, transposeB: Bool = false) -> Tensor {
    shapeCheck(a.rank >= 2 && b.rank >= 2, "matmul of shapes \(a.shape) and \(b.shape)")
    let m = a.shape[a.rank - 2], k = a.shape[a.rank - 1]
    let kb = transposeB ? b.shape[b.rank - 1] : b.shape[b.rank - 2]
    let n = transposeB ? b.shape[b.rank - 2] : b.shape[b.rank - 1]
    let batch = a.shape.dropLast(2).reduce(1, *)
    let sharedB = b.rank == 2
    shapeCheck(k == kb && (sharedB || Array(b.shape.dropLast(2)) == Array(a.shape.dropLast(2))),
               "matmul of shapes \(a.shape) and \(b.shape)\(transposeB ? " (b transposed)" : "")")
    let strideB = sharedB ? 0 : k * n
    let out = Tensor.result(Array(a.shape.dropLast(2)) + [m, n], inputs: [a, b]) { out in
        let g = out.grad
        for i in 0..<batch {
            if a.requiresGrad {  // da += g b^T
                Gemm.sgemm(transB: !transposeB, m: m, n: k, k: n, a: g + i * m * n, lda: n,
                           b: b.data + i * strideB, ldb: transposeB ? k : n, beta: 1, c: a.grad + i * m * k, ldc: k)
            }
            if b.requiresGrad {
                if transposeB {  // db (n,k) += g^T a
                    Gemm.sgemm(transA: true, m: n, n: k, k: m, a: g + i * m * n, lda: n,
                               b: a.data + i * m * k, ldb: k, beta: 1, c: b.grad + i * strideB, ldc: k)
                } else {  // db (k,n) += a^T g
                    Gemm.sgemm(transA: true, m: k, n: n, k: m, a: a.data + i * m * k, lda: k,
                               b: g + i * m * n, ldb: n, beta: 1, c: b.grad + i * strideB, ldc: n)
                }
            }
        }
    }
    for i in 0..<batch {
        Gemm.sgemm(transB: transposeB, m: m, n: n, k: k, a: a.data + i * m * k, lda: k,
                   b: b.data + i * strideB, ldb: transposeB ? k : n, c: out.data + i * m * n, ldc: n)
    }
    return out
}

/// x (..., in) W^T + b: W (out, in) as PyTorch stores it, b (out) or nil.
public func linear(_ x: Tensor, weight: Tensor, bias: Tensor?) -> Tensor {
    let nIn = weight.shape[1], nOut = weight.shape[0]
    shapeCheck(weight.rank == 2 && x.shape.last == nIn && (bias == nil || bias!.shape == [nOut]),
               "linear of x \(x.shape) with weight \(weight.shape) and bias \(bias?.shape ?? [])")
    let rows = x.count / max(nIn, 1)
    let out = Tensor.result(Array(x.shape.dropLast()) + [nOut], inputs: bias.map { [x, weight, $0] } ?? [x, weight]) { out in
        let g = out.grad
        if x.requiresGrad {  // dx (rows,in) += g (rows,out) W (out,in)
            Gemm.sgemm(m: rows, n: nIn, k: nOut, a: g, lda: nOut, b: weight.data, ldb: nIn, beta: 1,
                       c: x.grad, ldc: nIn)
        }
        if weight.requiresGrad {  // dW (out,in) += g^T x
            Gemm.sgemm(transA: true, m: nOut, n: nIn, k: rows, a: g, lda: nOut, b: x.data, ldb: nIn,
                       beta: 1, c: weight.grad, ldc: nIn)
        }
        if let bias, bias.requiresGrad {
            let gb = bias.grad
            for r in 0..<rows { rk_axpy(1, g + r * nOut, gb, nOut) }
        }
    }
    let y = out.data
    if let bias {
        for r in 0..<rows { (y + r * nOut).update(from: bias.data, count: nOut) }
    }
    Gemm.sgemm(transB: true, m: rows, n: nOut, k: nIn, a: x.data, lda: nIn, b: weight.data, ldb: nIn,
               beta: bias == nil ? 0 : 1, c: y, ldc: nOut)
    return out
}
