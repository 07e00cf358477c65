/// An exponential moving average of the parameters ("EMA weights"):
///
///     shadow += (1 - d) * (value - shadow)      (torch: shadow.lerp_(value, 1 - d))
///
/// with d = `decay`, or with warm-up d = min(decay, (1 + n) / (10 + n)) where
/// n is the number of updates so far (TensorFlow's num_updates rule), so early
/// averages are not dominated by the initial weights. The shadow starts as a
/// copy of the parameters.
public final class ExponentialMovingAverage {
    public let decay: Double
    public let warmup: Bool
    public internal(set) var updateCount: Int = 0

    let layout: ParameterLayout
    let shadow: SlotBuffers

    public init(parameters: [ParameterRef], decay: Double = 0.999, warmup: Bool = false) throws {
        guard decay >= 0, decay <= 1 else { throw OptimizerError.invalidConfiguration("EMA decay \(decay), expected in [0, 1]") }
        self.decay = decay
        self.warmup = warmup
        layout = try ParameterLayout(parameters)
        shadow = SlotBuffers(counts: layout.counts)
        for i in 0..<parameters.count {
            _ = shadow[i].update(fromContentsOf: parameters[i].value)
        }
    }

    /// The decay the next `update` will use.
    public var currentDecay: Double {
        warmup ? min(decay, Double(1 + updateCount) / Double(10 + updateCount)) : decay
    }

    /// The averaged values of parameter `index`.
    public func average(_ index: Int) -> UnsafeMutableBufferPointer<Float> { shadow[index] }

    /// Folds the current parameter values into the average. Allocates nothing.
    public func update(_ parameters: [ParameterRef]) throws {
        try layout.check(parameters, needGradients: false)
        let weight = Float(1 - currentDecay)
        updateCount += 1
        for i in 0..<parameters.count {
            let s = shadow[i]
            let v = parameters[i].value
            guard let sp = s.baseAddress, let vp = v.baseAddress else { continue }
            let n = s.count
            let w8 = SIMD8<Float>(repeating: weight)
            var k = 0
            while k + 8 <= n {
                let a = UnsafeRawPointer(sp + k).loadUnaligned(as: SIMD8<Float>.self)
                let b = UnsafeRawPointer(vp + k).loadUnaligned(as: SIMD8<Float>.self)
                UnsafeMutableRawPointer(sp + k).storeBytes(of: a + w8 * (b - a), as: SIMD8<Float>.self)
                k += 8
            }
            while k < n { sp[k] = sp[k] + weight * (vp[k] - sp[k]); k += 1 }
        }
    }

    /// Overwrites the parameter values with the averages (e.g. for evaluation or export).
    public func copy(to parameters: [ParameterRef]) throws {
        try layout.check(parameters, needGradients: false)
        for i in 0..<parameters.count {
            _ = parameters[i].value.update(fromContentsOf: shadow[i])
        }
    }
}
