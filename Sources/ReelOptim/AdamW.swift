#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Hyperparameters of AdamW, with torch.optim.AdamW's defaults.
public struct AdamWConfig: Equatable, Sendable {
    public var learningRate: Double
    public var beta1: Double
    public var beta2: Double
    public var epsilon: Double
    public var weightDecay: Double

    public init(learningRate: Double = 1e-3, beta1: Double = 0.9, beta2: Double = 0.999,
                epsilon: Double = 1e-8, weightDecay: Double = 1e-2) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
    }

    func validate() throws {
        guard learningRate >= 0, learningRate.isFinite else { throw OptimizerError.invalidConfiguration("learning rate \(learningRate), expected >= 0") }
        guard (0..<1).contains(beta1) else { throw OptimizerError.invalidConfiguration("beta1 \(beta1), expected in [0, 1)") }
        guard (0..<1).contains(beta2) else { throw OptimizerError.invalidConfiguration("beta2 \(beta2), expected in [0, 1)") }
        guard epsilon >= 0, epsilon.isFinite else { throw OptimizerError.invalidConfiguration("epsilon \(epsilon), expected >= 0") }
        guard weightDecay >= 0, weightDecay.isFinite else { throw OptimizerError.invalidConfiguration("weight decay \(weightDecay), expected >= 0") }
    }
}

/// Adam with decoupled weight decay (Loshchilov & Hutter), step for step as
/// torch.optim.AdamW (amsgrad off, single-tensor path):
///
///     t += 1
///     p  *= 1 - lr * wd                         (only parameters with decay)
///     m  += (1 - b1) * (g - m)                  (torch: m.lerp_(g, 1 - b1))
///     v   = v * b2 + (1 - b2) * g * g
///     p  += (-lr / (1 - b1^t)) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
///
/// Scalars are computed in Double and rounded to Float once, as PyTorch does
/// with its Python-float hyperparameters; the element loop runs in Float,
/// eight lanes at a time, with separate multiplies and adds (the x86_64
/// baseline has no FMA instruction, and a libm fmaf call per lane is ten
/// times slower; torch's AVX2 lerp fuses, a difference of an ulp).
public final class AdamW {
    public var config: AdamWConfig
    /// Number of steps taken (torch's `state["step"]`).
    public internal(set) var stepCount: Int = 0

    let layout: ParameterLayout
    let exponentialAverage: SlotBuffers       // m, torch's exp_avg
    let exponentialAverageSquare: SlotBuffers // v, torch's exp_avg_sq

    public init(parameters: [ParameterRef], config: AdamWConfig = AdamWConfig()) throws {
        try config.validate()
        self.config = config
        layout = try ParameterLayout(parameters)
        exponentialAverage = SlotBuffers(counts: layout.counts)
        exponentialAverageSquare = SlotBuffers(counts: layout.counts)
    }

    /// Names of the parameters this optimizer was made for, in order.
    public var parameterNames: [String] { layout.names }

    /// The first moment (exp_avg) of parameter `index`.
    public func firstMoment(_ index: Int) -> UnsafeMutableBufferPointer<Float> { exponentialAverage[index] }
    /// The second moment (exp_avg_sq) of parameter `index`.
    public func secondMoment(_ index: Int) -> UnsafeMutableBufferPointer<Float> { exponentialAverageSquare[index] }

    /// One update of every parameter from its gradient, at `learningRate`
    /// (default: `config.learningRate`). Allocates nothing.
    public func step(_ parameters: [ParameterRef], learningRate: Double? = nil) throws {
        try layout.check(parameters, needGradients: true)
        let lr = learningRate ?? config.learningRate
        guard lr >= 0, lr.isFinite else { throw OptimizerError.invalidConfiguration("learning rate \(lr), expected >= 0") }
        stepCount += 1
        let t = Double(stepCount)
        let biasCorrection1 = 1 - pow(config.beta1, t)
        let biasCorrection2 = 1 - pow(config.beta2, t)
        let stepSize = Float(-(lr / biasCorrection1))
        let biasCorrection2Sqrt = Float(biasCorrection2.squareRoot())
        let constants = AdamWConstants(
            decayFactor: Float(1 - lr * config.weightDecay),
            beta1Complement: Float(1 - config.beta1),
            beta2: Float(config.beta2),
            beta2Complement: Float(1 - config.beta2),
            negativeStepSize: stepSize,
            biasCorrection2Sqrt: biasCorrection2Sqrt,
            epsilon: Float(config.epsilon))
        for i in 0..<parameters.count {
            let p = parameters[i]
            AdamW.update(value: p.value, grad: UnsafeBufferPointer(p.grad),
                         m: exponentialAverage[i], v: exponentialAverageSquare[i],
                         decay: p.decay && config.weightDecay != 0, constants)
        }
    }

    struct AdamWConstants {
        var decayFactor, beta1Complement, beta2, beta2Complement, negativeStepSize, biasCorrection2Sqrt, epsilon: Float
    }

    /// The element loop: SIMD8 over the bulk, the same operations on the tail.
    static func update(value: UnsafeMutableBufferPointer<Float>, grad: UnsafeBufferPointer<Float>,
                       m: UnsafeMutableBufferPointer<Float>, v: UnsafeMutableBufferPointer<Float>,
                       decay: Bool, _ c: AdamWConstants) {
        let n = value.count
        guard n > 0, let pp = value.baseAddress, let gp = grad.baseAddress,
              let mp = m.baseAddress, let vp = v.baseAddress else { return }
        typealias V8 = SIMD8<Float>
        let decayFactor = V8(repeating: c.decayFactor)
        let w1 = V8(repeating: c.beta1Complement)
        let b2 = V8(repeating: c.beta2)
        let w2 = V8(repeating: c.beta2Complement)
        let alpha = V8(repeating: c.negativeStepSize)
        let bc2 = V8(repeating: c.biasCorrection2Sqrt)
        let eps = V8(repeating: c.epsilon)
        var i = 0
        while i + 8 <= n {
            let g = UnsafeRawPointer(gp + i).loadUnaligned(as: V8.self)
            var p = UnsafeRawPointer(pp + i).loadUnaligned(as: V8.self)
            var mv = UnsafeRawPointer(mp + i).loadUnaligned(as: V8.self)
            var vv = UnsafeRawPointer(vp + i).loadUnaligned(as: V8.self)
            if decay { p = p * decayFactor }
            mv = mv + w1 * (g - mv)
            vv = vv * b2 + w2 * g * g
            let denominator = vv.squareRoot() / bc2 + eps
            p = p + alpha * mv / denominator
            UnsafeMutableRawPointer(pp + i).storeBytes(of: p, as: V8.self)
            UnsafeMutableRawPointer(mp + i).storeBytes(of: mv, as: V8.self)
            UnsafeMutableRawPointer(vp + i).storeBytes(of: vv, as: V8.self)
            i += 8
        }
        while i < n {
            let g = gp[i]
            var p = pp[i]
            if decay { p = p * c.decayFactor }
            let mv = mp[i] + c.beta1Complement * (g - mp[i])
            let vv = vp[i] * c.beta2 + c.beta2Complement * g * g
            let denominator = vv.squareRoot() / c.biasCorrection2Sqrt + c.epsilon
            pp[i] = p + c.negativeStepSize * mv / denominator
            mp[i] = mv
            vp[i] = vv
            i += 1
        }
    }
}
