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
/// Sums of squares: Float within blocks of 1024, Double across. Allocates nothing.
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

/// Sum of squares: Float SIMD partial sums over blocks of 1024 elements,
/// blocks accumulated in Double.
func sumOfSquares(_ x: UnsafeBufferPointer<Float>) -> Double {
    guard let base = x.baseAddress else { return 0 }
    let n = x.count
    var total = 0.0
    var i = 0
    while i + 16 <= n {
        let blockEnd = min(n - (n - i) % 16, i + 1024)
        var a = SIMD8<Float>(repeating: 0), b = SIMD8<Float>(repeating: 0)
        while i < blockEnd {
            let u = UnsafeRawPointer(base + i).loadUnaligned(as: SIMD8<Float>.self)
            let v = UnsafeRawPointer(base + i + 8).loadUnaligned(as: SIMD8<Float>.self)
            a = a + u * u
            b = b + v * v
            i += 16
        }
        total += Double((a + b).sum())
    }
    while i < n { let d = Double(base[i]); total += d * d; i += 1 }
    return total
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

/// Sets every gradient to zero (before accumulating the next step's).
public func zeroGradients(_ parameters: [ParameterRef]) {
    for p in parameters { p.grad.update(repeating: 0) }
}
