import ReelSafetensors
import ReelSystem

/// Saves everything needed to resume training exactly, in one safetensors
/// file written atomically (temporary file + rename):
///
///   tensors (F32, exact)   <name>                   parameter values, under their own names
///                          adamw.exp_avg/<name>     AdamW first moments
///                          adamw.exp_avg_sq/<name>  AdamW second moments
///                          ema/<name>               EMA weights (when `ema` is given)
///   __metadata__           reel.checkpoint "1", step, adamw.* hyperparameters,
///                          schedule.* (when given), rng.xoshiro256ss (when given),
///                          ema.* (when given), plus `metadata` from the caller
///
/// Doubles are written in Swift's shortest round-trip form, so they read
/// back bit for bit. Gradients are not saved: they are recomputed each step.
public func saveTrainingCheckpoint(path: String, parameters: [ParameterRef], optimizer: AdamW,
                                   ema: ExponentialMovingAverage? = nil, schedule: WarmupCosineSchedule? = nil,
                                   rng: Xoshiro256StarStar? = nil, metadata: [String: String] = [:]) throws {
    try optimizer.layout.check(parameters, needGradients: false)
    if let ema { try ema.layout.check(parameters, needGradients: false) }

    var meta: [String: String] = [
        CheckpointKey.format: "1",
        CheckpointKey.step: String(optimizer.stepCount),
        CheckpointKey.learningRate: String(optimizer.config.learningRate),
        CheckpointKey.beta1: String(optimizer.config.beta1),
        CheckpointKey.beta2: String(optimizer.config.beta2),
        CheckpointKey.epsilon: String(optimizer.config.epsilon),
        CheckpointKey.weightDecay: String(optimizer.config.weightDecay),
    ]
    if let schedule {
        meta[CheckpointKey.scheduleKind] = "warmup_cosine"
        meta[CheckpointKey.schedulePeak] = String(schedule.peakLearningRate)
        meta[CheckpointKey.scheduleWarmup] = String(schedule.warmupSteps)
        meta[CheckpointKey.scheduleTotal] = String(schedule.totalSteps)
        meta[CheckpointKey.scheduleMinimum] = String(schedule.minimumLearningRate)
    }
    if let rng {
        meta[CheckpointKey.rng] = rng.stateWords.map { String($0, radix: 16) }.joined(separator: " ")
    }
    if let ema {
        meta[CheckpointKey.emaDecay] = String(ema.decay)
        meta[CheckpointKey.emaWarmup] = ema.warmup ? "1" : "0"
        meta[CheckpointKey.emaUpdates] = String(ema.updateCount)
    }
    for (key, value) in metadata {
        guard meta[key] == nil else {
            throw OptimizerError.checkpoint("metadata key \"\(key)\" is reserved for the checkpoint's own state")
        }
        meta[key] = value
    }

    var writer = SafetensorsWriter(metadata: meta)
    for (i, p) in parameters.enumerated() {
        if CheckpointKey.reservedPrefixes.contains(where: { p.name.hasPrefix($0) }) {
            throw OptimizerError.checkpoint("parameter name \"\(p.name)\" begins with a prefix reserved for optimizer state")
        }
        guard p.shape.reduce(1, *) == p.count, p.shape.allSatisfy({ $0 >= 0 }) else {
            throw OptimizerError.checkpoint("parameter \"\(p.name)\" has shape \(p.shape) but \(p.count) elements")
        }
        try writer.add(p.name, shape: p.shape, values: UnsafeBufferPointer(p.value))
        try writer.add(CheckpointKey.firstMoment + p.name, shape: p.shape, values: UnsafeBufferPointer(optimizer.firstMoment(i)))
        try writer.add(CheckpointKey.secondMoment + p.name, shape: p.shape, values: UnsafeBufferPointer(optimizer.secondMoment(i)))
        if let ema {
            try writer.add(CheckpointKey.ema + p.name, shape: p.shape, values: UnsafeBufferPointer(ema.average(i)))
        }
    }
    try writer.write(toPath: path)
}

enum CheckpointKey {
    static let format = "reel.checkpoint"
    static let step = "step"
    static let learningRate = "adamw.lr"
    static let beta1 = "adamw.beta1"
    static let beta2 = "adamw.beta2"
    static let epsilon = "adamw.eps"
    static let weightDecay = "adamw.weight_decay"
    static let scheduleKind = "schedule.kind"
    static let schedulePeak = "schedule.peak_lr"
    static let scheduleWarmup = "schedule.warmup_steps"
    static let scheduleTotal = "schedule.total_steps"
    static let scheduleMinimum = "schedule.min_lr"
    static let rng = "rng.xoshiro256ss"
    static let emaDecay = "ema.decay"
    static let emaWarmup = "ema.warmup"
    static let emaUpdates = "ema.updates"
    static let firstMoment = "adamw.exp_avg/"
    static let secondMoment = "adamw.exp_avg_sq/"
    static let ema = "ema/"
    static let reservedPrefixes = [firstMoment, secondMoment, ema]
    static let reservedKeys: Set<String> = [format, step, learningRate, beta1, beta2, epsilon, weightDecay,
                                            scheduleKind, schedulePeak, scheduleWarmup, scheduleTotal, scheduleMinimum,
                                            rng, emaDecay, emaWarmup, emaUpdates]
}

/// A checkpoint written by `saveTrainingCheckpoint`, opened for resuming:
///
///     let ckpt = try TrainingCheckpoint(path: p)
///     try ckpt.restoreParameters(into: params)
///     let optimizer = try ckpt.makeOptimizer(for: params)
///     let ema = try ckpt.makeEMA(for: params)
///     var rng = ckpt.rng!
public final class TrainingCheckpoint {
    public let file: SafetensorsFile
    public let step: Int
    public let config: AdamWConfig
    public let schedule: WarmupCosineSchedule?
    public let rng: Xoshiro256StarStar?
    /// The caller's metadata (reserved keys removed).
    public let userMetadata: [String: String]
    /// Names of the saved parameters, in file order.
    public let parameterNames: [String]

    public init(path: String) throws {
        let file = try SafetensorsFile(path: path)
        self.file = file
        let m = file.metadata
        guard m[CheckpointKey.format] == "1" else {
            throw OptimizerError.checkpoint("\(path) is a safetensors file but not a reel training checkpoint (no \(CheckpointKey.format) = 1 in its metadata)")
        }
        func int(_ key: String) throws -> Int {
            guard let text = m[key], let v = Int(text), v >= 0 else {
                throw OptimizerError.checkpoint("metadata \(key) is \(m[key].map { "\"\($0)\"" } ?? "missing"), expected a non-negative integer")
            }
            return v
        }
        func double(_ key: String) throws -> Double {
            guard let text = m[key], let v = Double(text) else {
                throw OptimizerError.checkpoint("metadata \(key) is \(m[key].map { "\"\($0)\"" } ?? "missing"), expected a number")
            }
            return v
        }
        step = try int(CheckpointKey.step)
        let config = AdamWConfig(learningRate: try double(CheckpointKey.learningRate), beta1: try double(CheckpointKey.beta1),
                                 beta2: try double(CheckpointKey.beta2), epsilon: try double(CheckpointKey.epsilon),
                                 weightDecay: try double(CheckpointKey.weightDecay))
        try config.validate()
        self.config = config
        if let kind = m[CheckpointKey.scheduleKind] {
            guard kind == "warmup_cosine" else { throw OptimizerError.checkpoint("unknown schedule.kind \"\(kind)\"") }
            schedule = try WarmupCosineSchedule(peakLearningRate: try double(CheckpointKey.schedulePeak),
                                                warmupSteps: try int(CheckpointKey.scheduleWarmup),
                                                totalSteps: try int(CheckpointKey.scheduleTotal),
                                                minimumLearningRate: try double(CheckpointKey.scheduleMinimum))
        } else {
            schedule = nil
        }
        if let text = m[CheckpointKey.rng] {
            let words = text.split(separator: " ").map { UInt64($0, radix: 16) }
            guard words.allSatisfy({ $0 != nil }) else {
                throw OptimizerError.checkpoint("metadata \(CheckpointKey.rng) is \"\(text)\", expected hexadecimal words")
            }
            do { rng = try Xoshiro256StarStar(stateWords: words.compactMap { $0 }) } catch {
                throw OptimizerError.checkpoint("metadata \(CheckpointKey.rng): \(error.message)")
            }
        } else {
            rng = nil
        }
        userMetadata = m.filter { !CheckpointKey.reservedKeys.contains($0.key) }
        parameterNames = file.tensorNames.filter { name in !CheckpointKey.reservedPrefixes.contains { name.hasPrefix($0) } }
    }

    /// Whether the checkpoint holds EMA weights.
    public var hasEMA: Bool { file.metadata[CheckpointKey.emaDecay] != nil }

    private func load(_ tensor: String, of p: ParameterRef, into destination: UnsafeMutableBufferPointer<Float>) throws {
        guard file.contains(tensor) else { throw OptimizerError.checkpoint("no tensor \"\(tensor)\" for parameter \"\(p.name)\"") }
        let info = try file.info(tensor)
        guard info.dtype == .f32 else { throw OptimizerError.checkpoint("tensor \"\(tensor)\" is \(info.dtype), expected F32") }
        guard info.elementCount == p.count else {
            throw OptimizerError.checkpoint("tensor \"\(tensor)\" has shape \(info.shape) (\(info.elementCount) elements) but parameter \"\(p.name)\" has \(p.count)")
        }
        try file.copyFloats(tensor, into: destination)
    }

    private func checkSameSet(_ parameters: [ParameterRef]) throws {
        let given = Set(parameters.map(\.name))
        let saved = Set(parameterNames)
        if given != saved {
            let missing = saved.subtracting(given).sorted(), extra = given.subtracting(saved).sorted()
            throw OptimizerError.checkpoint("parameters differ from the checkpoint's: not given \(missing), not in the checkpoint \(extra)")
        }
    }

    /// Copies the saved values into `parameters` (matched by name; the sets must be equal).
    public func restoreParameters(into parameters: [ParameterRef]) throws {
        try checkSameSet(parameters)
        for p in parameters { try load(p.name, of: p, into: p.value) }
    }

    /// A fresh AdamW for `parameters` with the saved hyperparameters, moments and step count.
    public func makeOptimizer(for parameters: [ParameterRef]) throws -> AdamW {
        try checkSameSet(parameters)
        let optimizer = try AdamW(parameters: parameters, config: config)
        for (i, p) in parameters.enumerated() {
            try load(CheckpointKey.firstMoment + p.name, of: p, into: optimizer.firstMoment(i))
            try load(CheckpointKey.secondMoment + p.name, of: p, into: optimizer.secondMoment(i))
        }
        optimizer.stepCount = step
        return optimizer
    }

    /// A fresh EMA for `parameters` with the saved averages, or nil when none were saved.
    public func makeEMA(for parameters: [ParameterRef]) throws -> ExponentialMovingAverage? {
        guard hasEMA else { return nil }
        try checkSameSet(parameters)
        let m = file.metadata
        guard let decay = m[CheckpointKey.emaDecay].flatMap(Double.init),
              let warmup = m[CheckpointKey.emaWarmup], warmup == "0" || warmup == "1",
              let updates = m[CheckpointKey.emaUpdates].flatMap({ Int($0) }), updates >= 0 else {
            throw OptimizerError.checkpoint("ema.decay, ema.warmup or ema.updates missing or malformed")
        }
        let ema = try ExponentialMovingAverage(parameters: parameters, decay: decay, warmup: warmup == "1")
        for (i, p) in parameters.enumerated() {
            try load(CheckpointKey.ema + p.name, of: p, into: ema.average(i))
        }
        ema.updateCount = updates
        return ema
    }
}
