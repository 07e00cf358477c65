// ReelOptim: training utilities over flat Float parameter buffers, so they do
// not depend on the engine's tensor type. Matches PyTorch where it names a
// PyTorch counterpart (checked by Scripts/make_optim_fixtures.py).
//
// API summary
//   ParameterRef(name:, shape:, value:, grad:, decay:)   // views of a parameter and its gradient
//   ParameterBuffer(name:, shape:, decay:)               // owns value+grad memory; .ref
//   let optimizer = try AdamW(parameters: params, config: AdamWConfig(beta2: 0.95, weightDecay: 0.1))
//   zeroGradients(params); ...backward...                // gradients accumulate in p.grad
//   let norm = clipGradientNorm(params, maxNorm: 1)      // torch.nn.utils.clip_grad_norm_
//   let schedule = try WarmupCosineSchedule(peakLearningRate: 3e-4, warmupSteps: 100, totalSteps: 10_000,
//                                           minimumLearningRate: 3e-5)
//   try optimizer.step(params, learningRate: schedule.learningRate(atStep: optimizer.stepCount))
//   let ema = try ExponentialMovingAverage(parameters: params, decay: 0.999, warmup: true)
//   try ema.update(params);  try ema.copy(to: params)
//   var rng = Xoshiro256StarStar(seed: 42);  rng.nextNormal();  rng.fillNormal(buffer)
//   try saveTrainingCheckpoint(path:, parameters:, optimizer:, ema:, schedule:, rng:, metadata:)
//   try saveParameters(path:, parameters:, dtype: .bf16); try loadParameters(path:, into:)   // weights only
//   let ckpt = try TrainingCheckpoint(path:)             // then restoreParameters(into:),
//                                                         // makeOptimizer(for:), makeEMA(for:), .rng, .schedule
//
// Parameters are matched by name and element count; every step function
// checks the list it is given against the one it was created with and
// throws `OptimizerError` on a mismatch. Steps allocate nothing.
import ReelSystem

/// A named parameter as two equally long Float buffers: its value and its
/// gradient. The buffers are borrowed: whoever made the ParameterRef keeps
/// the memory alive while the optimizer uses it.
public struct ParameterRef {
    public var name: String
    /// Row-major shape, used when the parameter is written to a checkpoint.
    public var shape: [Int]
    public var value: UnsafeMutableBufferPointer<Float>
    public var grad: UnsafeMutableBufferPointer<Float>
    /// Whether AdamW applies weight decay (false for biases and norms by convention).
    public var decay: Bool

    public init(name: String, shape: [Int]? = nil, value: UnsafeMutableBufferPointer<Float>,
                grad: UnsafeMutableBufferPointer<Float>, decay: Bool = true) {
        self.name = name
        self.shape = shape ?? [value.count]
        self.value = value
        self.grad = grad
        self.decay = decay
    }

    public var count: Int { value.count }
}

/// Value and gradient memory for one parameter, zero-initialised, freed on deinit.
public final class ParameterBuffer {
    public let name: String
    public let shape: [Int]
    public let decay: Bool
    public let value: UnsafeMutableBufferPointer<Float>
    public let grad: UnsafeMutableBufferPointer<Float>

    public init(name: String, shape: [Int], decay: Bool = true) {
        self.name = name
        self.shape = shape
        self.decay = decay
        let n = shape.reduce(1) { $0 * max($1, 0) }
        value = .allocate(capacity: n)
        value.initialize(repeating: 0)
        grad = .allocate(capacity: n)
        grad.initialize(repeating: 0)
    }

    deinit {
        value.deallocate()
        grad.deallocate()
    }

    public var ref: ParameterRef {
        ParameterRef(name: name, shape: shape, value: value, grad: grad, decay: decay)
    }
}

public enum OptimizerError: Error, Equatable, Sendable, CustomStringConvertible {
    case parameterCountMismatch(expected: Int, got: Int)
    case parameterMismatch(index: Int, expected: String, expectedCount: Int, got: String, gotCount: Int)
    case gradientSizeMismatch(name: String, values: Int, gradients: Int)
    case duplicateParameter(String)
    case invalidConfiguration(String)
    case checkpoint(String)

    public var description: String {
        switch self {
        case let .parameterCountMismatch(expected, got):
            return "got \(got) parameters but the optimizer state was made for \(expected)"
        case let .parameterMismatch(index, expected, expectedCount, got, gotCount):
            return "parameter \(index) is \"\(got)\" with \(gotCount) elements but the state was made for \"\(expected)\" with \(expectedCount)"
        case let .gradientSizeMismatch(name, values, gradients):
            return "parameter \"\(name)\" has \(values) values but \(gradients) gradients"
        case let .duplicateParameter(name):
            return "parameter \"\(name)\" appears twice"
        case let .invalidConfiguration(what):
            return "invalid configuration: \(what)"
        case let .checkpoint(what):
            return "checkpoint: \(what)"
        }
    }
}

/// Names and sizes of a parameter list, to check later calls against.
struct ParameterLayout: Equatable {
    let names: [String]
    let counts: [Int]

    init(_ parameters: [ParameterRef]) throws {
        var seen = Set<String>()
        for p in parameters {
            guard seen.insert(p.name).inserted else { throw OptimizerError.duplicateParameter(p.name) }
            guard p.value.count == p.grad.count else {
                throw OptimizerError.gradientSizeMismatch(name: p.name, values: p.value.count, gradients: p.grad.count)
            }
        }
        names = parameters.map(\.name)
        counts = parameters.map(\.count)
    }

    var total: Int { counts.reduce(0, +) }

    /// Throws unless `parameters` has the same names and sizes in the same order. Allocates nothing.
    func check(_ parameters: [ParameterRef], needGradients: Bool) throws {
        guard parameters.count == names.count else {
            throw OptimizerError.parameterCountMismatch(expected: names.count, got: parameters.count)
        }
        for i in 0..<parameters.count {
            let p = parameters[i]
            if p.value.count != counts[i] || p.name != names[i] {
                throw OptimizerError.parameterMismatch(index: i, expected: names[i], expectedCount: counts[i], got: p.name, gotCount: p.value.count)
            }
            if needGradients && p.grad.count != p.value.count {
                throw OptimizerError.gradientSizeMismatch(name: p.name, values: p.value.count, gradients: p.grad.count)
            }
        }
    }
}

/// One contiguous allocation holding a Float buffer per parameter.
final class SlotBuffers {
    let storage: UnsafeMutableBufferPointer<Float>
    let offsets: [Int]
    let counts: [Int]

    init(counts: [Int]) {
        self.counts = counts
        var offsets: [Int] = []
        var total = 0
        for c in counts { offsets.append(total); total += c }
        self.offsets = offsets
        storage = .allocate(capacity: max(total, 1))
        storage.initialize(repeating: 0)
    }

    deinit { storage.deallocate() }

    subscript(i: Int) -> UnsafeMutableBufferPointer<Float> {
        UnsafeMutableBufferPointer(rebasing: storage[offsets[i]..<(offsets[i] + counts[i])])
    }
}

extension OptimizerError: ReelError {
    public var kind: ErrorKind {
        switch self {
        case .invalidConfiguration: .usage
        default: .badData  // a checkpoint that does not fit the model
        }
    }
}
