#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Scales every gradient so their global L2 norm is at most `maxNorm`, as
/// torch.nn.utils.clip_grad_norm_(parameters, maxNorm) (norm_type 2,
/// error_if_nonfinite False): the norm of the per-parameter norms, then
/// `grad *= min(1, maxNorm / (norm + 1e-6))`. Returns the norm before
/// clipping. A non-finite norm is returned as is and, as in PyTorch, turns
/// the gradients non-finite; check `isFinite` to skip such a step.
/// Sums of squares are accumulated in Double. Allocates nothing.
@discardableResult
public func clipGradientNorm(_ parameters: [ParameterRef], maxNorm: Float) -> Float {
    var total = 0.0
    for p in parameters {
        let norm = Float(sumOfSquares(UnsafeBufferPointer(p.grad)).squareRoot())   // torch: a float32 norm per tensor
        total += Double(norm) * Double(norm)
    }
    let totalNorm = Float(total.squareRoot())
    let coefficient = min(maxNorm / (totalNorm + 1e-6), 1)
    if coefficient != 1 || !coefficient.isFinite {
        for p in parameters { scale(p.grad, by: coefficient) }
    }
    return totalNorm
}

/// The global L2 norm of the gradients, without changing them.
public func gradientNorm(_ parameters: [ParameterRef]) -> Float {
    var total = 0.0
    for p in parameters {
        let norm = Float(sumOfSquares(UnsafeBufferPointer(p.grad)).squareRoot())
        total += Double(norm) * Double(norm)
    }
    return Float(total.squareRoot())
}

func sumOfSquares(_ x: UnsafeBufferPointer<Float>) -> Double {
    guard let base = x.baseAddress else { return 0 }
    let n = x.count
    var acc = SIMD4<Double>(repeating: 0)
    var i = 0
    while i + 4 <= n {
        let f = UnsafeRawPointer(base + i).loadUnaligned(as: SIMD4<Float>.self)
        let d = SIMD4<Double>(Double(f[0]), Double(f[1]), Double(f[2]), Double(f[3]))
        acc = acc.addingProduct(d, d)
        i += 4
    }
    var s = acc.sum()
    while i < n { let d = Double(base[i]); s += d * d; i += 1 }
    return s
}

func scale(_ x: UnsafeMutableBufferPointer<Float>, by factor: Float) {
    guard let base = x.baseAddress else { return }
    let n = x.count
    let f8 = SIMD8<Float>(repeating: factor)
    var i = 0
    while i + 8 <= n {
        let v = UnsafeRawPointer(base + i).loadUnaligned(as: SIMD8<Float>.self)
        UnsafeMutableRawPointer(base + i).storeBytes(of: v * f8, as: SIMD8<Float>.self)
        i += 8
    }
    while i < n { base[i] *= factor; i += 1 }
}
