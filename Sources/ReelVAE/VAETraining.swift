// Training the VAE (reel-train vae): reconstruction (MSE) plus a small KL term,
// AdamW with warm-up and cosine decay, gradient clipping, an EMA of the weights
// (what is shipped), exact checkpoints and resume, held-out PSNR.

import Foundation
import ReelNumerics
import ReelOptim
import ReelSafetensors
import ReelSystem

public struct VAETrainingOptions: Sendable {
    public var dataDirectories: [String] = []
    /// Mix in real footage and photos (RealFootage) from this directory; nil: synthetic only.
    public var realDirectory: String? = RealFootage.directory
    /// Fraction of each batch drawn from real footage (when loaded).
    public var realFraction: Double = 0.25
    public var config = VAEConfig()
    public var steps = 2400
    public var batchSize = 4
    /// Frames per training clip (1 + 4k): each step draws a length from minClipFrames,
    /// minClipFrames + 4, ..., clipFrames, and scales the batch so that every step has
    /// about batchSize x latentFrames(minClipFrames) latent frames (longer clips teach
    /// the causal caches the steady state of a long video).
    public var clipFrames = 17
    public var minClipFrames = 9
    /// Side of the square training crops (a multiple of the spatial factor).
    public var cropSize = 32
    public var learningRate = 8e-4
    public var warmupSteps = 100
    public var klWeight: Float = 1e-5
    public var emaDecay = 0.998
    public var gradientClip: Float = 1.0
    public var seed: UInt64 = 0
    public var checkpointEvery = 200
    public var evalEvery = 0
    /// Held-out synthetic clips: every `holdOutEvery`-th clip of the datasets.
    public var holdOutEvery = 20
    public var checkpointPath: String = "vae-checkpoint.safetensors"
    public var outputPath: String = "vae.safetensors"
    public var resume = false
    /// Stop after this many seconds of training (0: no limit); the schedule still spans `steps`.
    public var timeLimit: Double = 0
    /// Asked after every step; true stops the run at once with a checkpoint (Ctrl-C).
    public var shouldStop: @Sendable () -> Bool = { false }
    /// A continued run (--resume with a longer --steps) warms the learning rate up again,
    /// linearly over `warmupSteps` from this step (0: no second warm-up); without it the
    /// jump from the end of one cosine to the middle of a longer one diverges.
    public var rewarmAt = 0
    /// Stop (checkpoint and export) when this step is reached (0: at `steps`); the
    /// schedule still spans `steps`, so a shorter run is reproducible step for step.
    public var stopAtStep = 0
    /// The processes that share each step (data-parallel under mpirun; `.single` alone): every rank
    /// draws the whole batch and its noise, takes the gradients of its own clips (index i with
    /// i % size == rank) scaled to the global batch's mean, and the sums over the ranks give every
    /// rank the same step. Rank 0 alone logs, evaluates and writes the checkpoint and weights.
    public var group: ProcessGroup = .single

    public init() {}

    public func validate() throws(VAEError) {
        try config.validate()
        guard steps >= 1 else { throw .usage("--steps is \(steps), expected at least 1") }
        guard batchSize >= 1 && batchSize <= 256 else { throw .usage("--batch is \(batchSize), expected 1 to 256") }
        guard clipFrames >= 1, (clipFrames - 1) % 4 == 0 else {
            throw .usage("--frames is \(clipFrames), expected 1 + 4k (1, 5, 9, 13, ...)")
        }
        guard minClipFrames >= 1, (minClipFrames - 1) % 4 == 0, minClipFrames <= clipFrames else {
            throw .usage("--min-frames is \(minClipFrames), expected 1 + 4k and at most --frames \(clipFrames)")
        }
        guard cropSize >= config.spatialFactor, cropSize % config.spatialFactor == 0 else {
            throw .usage("--crop is \(cropSize), expected a multiple of the spatial factor \(config.spatialFactor)")
        }
        guard learningRate > 0, learningRate.isFinite else { throw .usage("--lr is \(learningRate), expected > 0") }
        guard (0...1).contains(realFraction) else { throw .badInput("real fraction \(realFraction), expected 0 to 1") }
        guard rewarmAt >= 0 else { throw .usage("--rewarm-at is \(rewarmAt), expected 0 or a step") }
        guard holdOutEvery >= 2 else { throw .badInput("hold-out interval \(holdOutEvery), expected at least 2") }
        guard !dataDirectories.isEmpty || realDirectory != nil else { throw .usage("no training data: give --data DIR") }
    }
}

/// Peak signal-to-noise ratio in dB of two tensors in [-1, 1] (compared on [0, 1] after clamping).
public func psnr(_ a: Tensor, _ b: Tensor) -> Double {
    var s = 0.0
    for i in 0..<a.count {
        let x = Double(max(-1, min(1, a.data[i]))), y = Double(max(-1, min(1, b.data[i])))
        let d = (x - y) / 2
        s += d * d
    }
    let mse = max(s / Double(max(a.count, 1)), 1e-12)
    return 10 * log10(1 / mse)
}

/// Mean PSNR of `clips` reconstructed through the posterior mean (the whole-clip path).
public func evaluatePSNR(_ model: CausalVideoVAE, clips: [Tensor]) -> Double {
    guard !clips.isEmpty else { return .nan }
    let total = clips.reduce(0.0) { acc, x in
        let y = GradMode.withoutGrad { model.decode(model.encode(x).mean) }
        return acc + psnr(x, y)
    }
    return total / Double(clips.count)
}

/// What the trainer learned about its data and results, for the log and the report.
public struct VAEEvaluation: Sendable, CustomStringConvertible {
    public var synthPSNR: Double
    public var realPSNR: Double
    public var description: String {
        String(format: "held-out PSNR: synthetic %.2f dB, real %.2f dB", synthPSNR, realPSNR)
    }
}

public final class VAETrainer {
    public let options: VAETrainingOptions
    public let model: CausalVideoVAE
    let log: (String) -> Void
    /// Whether the last run stopped because `shouldStop` said so (its checkpoint is written).
    public private(set) var interrupted = false
    var trainSynth: [PixelClip] = []
    public private(set) var heldOutSynth: [PixelClip] = []
    var real = RealFootage()
    var refs: [ParameterRef] = []
    /// The learning-rate phases of this run so far, carried in checkpoints ("vae.phases"),
    /// so that a model made in several resumed runs names them all in its recipe.
    var phases: [TrainingPhase] = []

    public init(options: VAETrainingOptions, log: @escaping (String) -> Void) throws {
        try options.validate()
        self.options = options
        self.log = log
        model = try CausalVideoVAE(config: options.config, seed: options.seed)
        for dir in options.dataDirectories {
            let clips = try VAEData.loadSynthDirectory(dir)
            for (i, c) in clips.enumerated() {
                if i % options.holdOutEvery == options.holdOutEvery - 1 { heldOutSynth.append(c) } else { trainSynth.append(c) }
            }
        }
        let s = options.cropSize
        trainSynth = trainSynth.filter { $0.width >= s && $0.height >= s }
        if let dir = options.realDirectory {
            let (r, missing) = RealFootage.load(directory: dir)
            real = r
            for m in missing { log("reel-train: skipping \(m) (cannot read it)") }
        }
        guard !trainSynth.isEmpty || !real.trainClips.isEmpty || !real.trainPhotos.isEmpty else {
            throw VAEError.usage("no training clip is at least \(s)x\(s)")
        }
        refs = model.parameterViews().map { ParameterRef(name: $0.name, shape: $0.shape, value: $0.value, grad: $0.grad, decay: $0.decay) }
        log("reel-train: \(model.parameterCount) parameters; \(trainSynth.count) synthetic clips for training, \(heldOutSynth.count) held out; real: \(real.trainClips.count) videos + \(real.trainPhotos.count) photos, held out \(real.heldOutClips.count) video tails + \(real.heldOutPhotos.count) photos")
    }

    /// Held-out evaluation clips: synthetic (first 9 frames, full size) and real (128x128 centre crops).
    public func evaluationSets(maxSynth: Int = 32) -> (synth: [Tensor], real: [Tensor]) {
        let synth = heldOutSynth.prefix(maxSynth).map { $0.tensor(frames: $0.frames.count >= 9 ? 9 : 1) }
        return (synth, real.heldOutEvaluationClips())
    }

    /// One batch (B,3,T,S,S) in [-1,1]: random clips, random windows in time and space.
    func sampleBatch(_ rng: inout Xoshiro256StarStar) -> Tensor {
        func pick(_ n: Int) -> Int { Int(rng.next() % UInt64(n)) }
        let lengths = (options.clipFrames - options.minClipFrames) / 4 + 1
        let t = options.minClipFrames + 4 * pick(lengths), s = options.cropSize
        let budget = options.batchSize * CausalVideoVAE.latentFrames(forVideoFrames: options.minClipFrames)
        let b = max(1, budget / CausalVideoVAE.latentFrames(forVideoFrames: t))
        let x = Tensor(uninitialized: [b, 3, t, s, s])  // (B,3,T,S,S)
        let haveReal = !real.trainClips.isEmpty || !real.trainPhotos.isEmpty
        for i in 0..<b {
            let dst = x.data + i * 3 * t * s * s
            let useReal = haveReal && (trainSynth.isEmpty || Double(rng.nextFloat()) < options.realFraction)
            if useReal {
                let pool = real.trainClips + real.trainPhotos
                let clip = pool[pick(pool.count)]
                if clip.frames.count == 1 {
                    // A photo: a still, or a slow pan across it (a camera move over real texture).
                    let dx = pick(3) - 1, dy = pick(3) - 1
                    let x0 = pick(clip.width - s - 2 * t) + t, y0 = pick(clip.height - s - 2 * t) + t
                    for f in 0..<t {
                        clip.write(start: 0, count: 1, x: x0 + dx * f, y: y0 + dy * f, w: s, h: s,
                                   into: dst, layoutFrames: t, at: f)
                    }
                    continue
                }
                let stride = 1 + pick(2)
                let need = (t - 1) * stride + 1
                let start = pick(max(1, clip.frames.count - need))
                let x0 = pick(clip.width - s + 1), y0 = pick(clip.height - s + 1)
                for f in 0..<t {
                    clip.write(start: start + f * stride, count: 1, x: x0, y: y0, w: s, h: s,
                               into: dst, layoutFrames: t, at: f)
                }
            } else {
                let clip = trainSynth[pick(trainSynth.count)]
                let start = pick(max(1, clip.frames.count - t + 1))
                let x0 = pick(clip.width - s + 1), y0 = pick(clip.height - s + 1)
                clip.write(start: start, count: t, x: x0, y: y0, w: s, h: s, into: dst)
            }
        }
        return x
    }

    func lossAndGradients(_ x: Tensor, rng: inout Xoshiro256StarStar) -> (mse: Float, kl: Float) {
        let g = options.group
        return vaeLossAndGradients(model, x, klWeight: options.klWeight, rng: &rng,
                                   samples: g.size > 1 ? Array(stride(from: g.rank, to: x.shape[0], by: g.size)) : nil)
    }

    /// Trains (or resumes), checkpointing and writing the final EMA weights; returns the held-out PSNR.
    public func run(progress: (TrainingProgress) -> Void) throws -> VAEEvaluation {
        let o = options
        let schedule = try WarmupCosineSchedule(peakLearningRate: o.learningRate, warmupSteps: min(o.warmupSteps, o.steps),
                                                totalSteps: o.steps, minimumLearningRate: o.learningRate * 0.05)
        var optimizer = try AdamW(parameters: refs, config: AdamWConfig(learningRate: o.learningRate, weightDecay: 0))
        var ema = try ExponentialMovingAverage(parameters: refs, decay: o.emaDecay, warmup: true)
        var rng = Xoshiro256StarStar(seed: o.seed &+ 0x5EED)
        if o.resume, FileManager.default.fileExists(atPath: o.checkpointPath) {
            let ckpt = try TrainingCheckpoint(path: o.checkpointPath)
            if let saved = ckpt.userMetadata["vae.config"] {
                let savedConfig = try VAEConfig.decode(Data(saved.utf8), name: o.checkpointPath)
                guard savedConfig == o.config else {
                    throw VAEError.badInput("\(o.checkpointPath) was made with another VAE config; start afresh without --resume or use its options")
                }
            }
            try ckpt.restoreParameters(into: refs)
            optimizer = try ckpt.makeOptimizer(for: refs)
            if let e = try ckpt.makeEMA(for: refs) { ema = e }
            if let r = ckpt.rng { rng = r }
            phases = TrainingPhase.parse(ckpt.userMetadata["vae.phases"] ?? "")
            log("reel-train: resumed from \(o.checkpointPath) at step \(ckpt.step)")
        } else if o.resume {
            log("reel-train: no checkpoint at \(o.checkpointPath); starting afresh")
        }
        let configJSON = String(decoding: try o.config.jsonData(), as: UTF8.self)
        func checkpoint() throws {
            notePhase(through: optimizer.stepCount)
            try saveTrainingCheckpoint(path: o.checkpointPath, parameters: refs, optimizer: optimizer, ema: ema,
                                       schedule: schedule, rng: rng,
                                       metadata: ["vae.config": configJSON, "vae.phases": TrainingPhase.format(phases)])
        }
        let sets = evaluationSets()
        let start = Date()
        var lossAverage: Float = 0
        let firstStep = optimizer.stepCount
        let group = o.group, root = group.isRoot
        // Under MPI: every gradient, then the step's MSE and KL and whether a rank was interrupted
        // or ran out of time, summed over the ranks in one call.
        var allReduce = GradientAllReduce(parameters: refs, extras: 4, group: group)
        while optimizer.stepCount < o.steps {
            let step = optimizer.stepCount
            let x = sampleBatch(&rng)
            zeroGradients(refs)
            var (mse, kl) = lossAndGradients(x, rng: &rng)
            var stopNow = o.shouldStop(), outOfTime = o.timeLimit > 0 && Date().timeIntervalSince(start) > o.timeLimit
            if group.size > 1 {
                var extras: [Float] = [mse, kl, stopNow ? 1 : 0, outOfTime ? 1 : 0]
                try allReduce.sum(refs, extras: &extras)
                mse = extras[0]; kl = extras[1]; stopNow = extras[2] > 0; outOfTime = extras[3] > 0
            }
            guard mse.isFinite, kl.isFinite else {
                throw VAEError.badInput("training diverged at step \(step) (loss \(mse)); lower --lr")
            }
            _ = clipGradientNorm(refs, maxNorm: o.gradientClip)
            var lr = schedule.learningRate(atStep: step)
            if o.rewarmAt > 0 && step >= o.rewarmAt {
                lr *= min(1, Double(step - o.rewarmAt + 1) / Double(max(1, o.warmupSteps)))
            }
            try optimizer.step(refs, learningRate: lr)
            try ema.update(refs)
            lossAverage = step == firstStep ? mse : 0.95 * lossAverage + 0.05 * mse
            let elapsed = Date().timeIntervalSince(start)
            let done = optimizer.stepCount
            if root {
                progress(TrainingProgress(step: done, totalSteps: o.steps, loss: lossAverage, kl: kl,
                                          stepsPerSecond: Double(done - firstStep) / max(elapsed, 1e-9)))
            }
            if o.checkpointEvery > 0 && done % o.checkpointEvery == 0 && root { try checkpoint() }
            if o.evalEvery > 0 && done % o.evalEvery == 0 && root {
                let e = try withEMA(ema) { evaluate(sets) }
                log("\nreel-train: step \(done): \(e)")
                try withEMA(ema) { try exportModel(sets: sets, steps: done) }
            }
            if o.stopAtStep > 0 && done >= o.stopAtStep {
                if root { log("\nreel-train: stopping at step \(done) (--stop-at)") }
                break
            }
            if outOfTime && !stopNow {
                if root { log("\nreel-train: time limit reached at step \(done)") }
                break
            }
            if stopNow {
                if root { try checkpoint() }
                interrupted = true
                if root { log("\nreel-train: interrupted at step \(done): wrote the checkpoint \(o.checkpointPath); --resume continues from it") }
                return VAEEvaluation(synthPSNR: .nan, realPSNR: .nan)
            }
        }
        guard root else { return VAEEvaluation(synthPSNR: .nan, realPSNR: .nan) }
        try checkpoint()
        return try withEMA(ema) {
            try exportModel(sets: sets, steps: optimizer.stepCount)
            return evaluate(sets)
        }
    }

    func evaluate(_ sets: (synth: [Tensor], real: [Tensor])) -> VAEEvaluation {
        VAEEvaluation(synthPSNR: evaluatePSNR(model, clips: sets.synth), realPSNR: evaluatePSNR(model, clips: sets.real))
    }

    /// Runs `body` with the EMA weights in the model, then puts the trained weights back.
    func withEMA<R>(_ ema: ExponentialMovingAverage, _ body: () throws -> R) throws -> R {
        let saved = refs.map { Array($0.value) }
        try ema.copy(to: refs)
        defer { for (r, v) in zip(refs, saved) { _ = v.withUnsafeBufferPointer { r.value.update(fromContentsOf: $0) } } }
        return try body()
    }

    /// Writes the output weights (F16) and config, with the latent statistics and an id.
    func exportModel(sets: (synth: [Tensor], real: [Tensor]), steps: Int) throws {
        notePhase(through: steps)
        // Statistics of the latent means over the held-out clips, for a diffusion model's scaling.
        var sum = 0.0, sumSq = 0.0, count = 0
        for x in sets.synth + sets.real {
            let mean = GradMode.withoutGrad { model.encode(x).mean }
            for i in 0..<mean.count { let v = Double(mean.data[i]); sum += v; sumSq += v * v }
            count += mean.count
        }
        // Round the weights to F16 first so the id names exactly what is written.
        for (_, t) in model.namedParameters() { for i in 0..<t.count { t.data[i] = Float(Float16(t.data[i])) } }
        var config = model.config
        let mu = count > 0 ? sum / Double(count) : 0
        config.latentShift = Float(mu)
        config.latentScale = Float(count > 1 ? max(1e-3, (sumSq / Double(count) - mu * mu).squareRoot()) : 1)
        config.id = model.weightsID()
        config.recipe = "reel-train vae: \(steps) steps, batch \(options.batchSize) x \(options.minClipFrames) to \(options.clipFrames) frames at \(options.cropSize)x\(options.cropSize), \(TrainingPhase.describe(phases, fallback: options.learningRate)), KL weight \(options.klWeight), seed \(options.seed), real fraction \(options.realDirectory == nil ? 0 : options.realFraction)"
        try model.save(weightsPath: options.outputPath, config: config)
    }
}

extension VAETrainer {
    /// Extends the phase at this run's learning rate (or starts one) to `step`.
    func notePhase(through step: Int) {
        if let last = phases.last, last.learningRate == options.learningRate, last.start <= step {
            phases[phases.count - 1].end = max(last.end, step)
        } else {
            let start = phases.last.map { min($0.end, step) } ?? 0
            phases.append(TrainingPhase(start: start, end: step, learningRate: options.learningRate))
        }
    }
}

/// Steps start..<end of a training run trained at one peak learning rate.
public struct TrainingPhase: Equatable, Sendable {
    public var start: Int, end: Int, learningRate: Double

    public init(start: Int, end: Int, learningRate: Double) {
        self.start = start
        self.end = end
        self.learningRate = learningRate
    }

    /// "0-3500@0.00025;3500-20000@0.00015"
    public static func format(_ phases: [TrainingPhase]) -> String {
        phases.map { "\($0.start)-\($0.end)@\($0.learningRate)" }.joined(separator: ";")
    }

    /// The inverse of `format`; anything malformed (an older checkpoint) gives no phases.
    public static func parse(_ text: String) -> [TrainingPhase] {
        var out: [TrainingPhase] = []
        for part in text.split(separator: ";") {
            let halves = part.split(separator: "@")
            let range = halves.first?.split(separator: "-") ?? []
            guard halves.count == 2, range.count == 2, let a = Int(range[0]), let b = Int(range[1]),
                  let lr = Double(halves[1]), a <= b else { return [] }
            out.append(TrainingPhase(start: a, end: b, learningRate: lr))
        }
        return out
    }

    /// "lr 0.00025" for one phase; "lr 0.00025 to step 3500, then 0.00015" for several.
    public static func describe(_ phases: [TrainingPhase], fallback: Double) -> String {
        guard phases.count > 1 else { return "lr \(phases.first?.learningRate ?? fallback)" }
        var text = "lr \(phases[0].learningRate)"
        for (previous, phase) in zip(phases, phases.dropFirst()) {
            text += " to step \(previous.end), then \(phase.learningRate)"
        }
        return text
    }
}

public struct TrainingProgress: Sendable {
    public var step: Int, totalSteps: Int
    public var loss: Float, kl: Float
    public var stepsPerSecond: Double

    /// "step 120/3000  loss 0.01234  kl 3.2  1.52 steps/s  ETA 31:38"
    public var line: String {
        let remaining = stepsPerSecond > 0 ? Double(totalSteps - step) / stepsPerSecond : 0
        let eta = Int(remaining.rounded())
        let etaText = String(format: "%d:%02d:%02d", eta / 3600, eta / 60 % 60, eta % 60)
        let psnrText = loss > 0 ? String(format: "%.1f", 10 * log10(4 / Double(loss))) : "-"
        return String(format: "step %d/%d  loss %.5f (%@ dB)  kl %.2f  %.2f steps/s  ETA %@",
                      step, totalSteps, loss, psnrText, kl, stepsPerSecond, etaText)
    }
}

/// One training step's forward and backward for a batch x (B,3,T,H,W) in [-1,1]: adds the
/// gradients of MSE(decode(z), x) + klWeight * KL(q(z|x) || N(0,1)) (z sampled by the
/// reparameterisation trick, KL averaged per latent element) into the parameters' gradients.
/// Returns the reconstruction MSE and the KL.
///
/// With `samples` (a data-parallel rank's share of the batch), only those clips of x are run,
/// with the noise a whole-batch call would give them, and the losses and gradients are their
/// share of the whole batch's means: summed over shares that cover the batch, they are the
/// whole batch's. The generator advances as for the whole batch.
public func vaeLossAndGradients(_ model: CausalVideoVAE, _ full: Tensor, klWeight: Float,
                                rng: inout Xoshiro256StarStar, samples: [Int]? = nil) -> (mse: Float, kl: Float) {
    let total = full.shape[0]
    let keep = samples ?? Array(0..<total)
    let perSample = full.count / max(1, total)
    let x: Tensor
    if samples == nil { x = full } else {
        x = Tensor(uninitialized: [keep.count] + Array(full.shape.dropFirst()))
        for (j, i) in keep.enumerated() { (x.data + j * perSample).update(from: full.data + i * perSample, count: perSample) }
    }
    // The latent's shape without running the encoder: the noise of every clip is drawn, in order.
    let sf = model.config.spatialFactor
    let latentShape = [model.config.latentChannels, CausalVideoVAE.latentFrames(forVideoFrames: full.shape[2]),
                       full.shape[3] / sf, full.shape[4] / sf]  // (Z,N,h,w)
    let fullNoise = Tensor(uninitialized: [total] + latentShape)
    rng.fillNormal(fullNoise.valueBuffer)
    guard !keep.isEmpty else { return (0, 0) }
    let moments = model.encodeMoments(x)  // (B,2Z,N,h,w)
    let b = moments.shape[0], zc = moments.shape[1] / 2
    let inner = moments.shape[2] * moments.shape[3] * moments.shape[4]
    let z = Tensor(uninitialized: [b, zc] + Array(moments.shape[2...]), requiresGrad: true)  // (B,Z,N,h,w)
    precondition(Array(moments.shape.dropFirst(2)) == Array(latentShape.dropFirst()), "latent shape \(moments.shape) against \(latentShape)")
    let noise: Tensor
    if samples == nil { noise = fullNoise } else {
        noise = Tensor(uninitialized: z.shape)
        let per = zc * inner
        for (j, i) in keep.enumerated() { (noise.data + j * per).update(from: fullNoise.data + i * per, count: per) }
    }
    let share = Float(b) / Float(total)  // this share's part of the whole batch's means
    let m = moments.data
    for bi in 0..<b { for c in 0..<zc { for i in 0..<inner {
        let mu = m[(bi * 2 * zc + c) * inner + i], lv = boundedLogVariance(m[(bi * 2 * zc + zc + c) * inner + i]).value
        let k = (bi * zc + c) * inner + i
        z.data[k] = mu + Foundation.exp(0.5 * lv) * noise.data[k]
    } } }
    let y = model.decode(z)  // (B,3,T,H,W)
    let rec = samples == nil ? mseLoss(y, x) : mseLoss(y, x) * share
    rec.backward()
    // The reparameterisation and KL gradients, by hand (the engine has no exp op):
    // z = mu + exp(lv/2) eps; KL = mean(0.5 (mu^2 + exp(lv) - 1 - lv)).
    let seed = Tensor(uninitialized: moments.shape)
    let n = Float(total * zc * inner), beta = klWeight
    var kl = 0.0
    let gz = z.grad
    for bi in 0..<b { for c in 0..<zc { for i in 0..<inner {
        let im = (bi * 2 * zc + c) * inner + i, il = (bi * 2 * zc + zc + c) * inner + i
        let mu = m[im], (lv, slope) = boundedLogVariance(m[il])
        let k = (bi * zc + c) * inner + i
        let sigma = Foundation.exp(0.5 * lv), ev = sigma * sigma
        kl += Double(0.5 * (mu * mu + ev - 1 - lv))
        seed.data[im] = gz[k] + beta * mu / n
        seed.data[il] = slope * (gz[k] * noise.data[k] * 0.5 * sigma + beta * 0.5 * (ev - 1) / n)
    } } }
    moments.backward(seed: seed)
    return (rec.item, Float(kl / Double(n)))
}

/// The log-variance used for sampling and the KL: the encoder's raw value bounded
/// smoothly from above by 0 (lv = -softplus(-raw), so sigma <= 1) and clamped at -20
/// below; returns it and d lv / d raw. With a tiny KL weight, Adam (which sees gradient
/// signs, not sizes) otherwise lets the log-variance wander up until the sampled noise
/// swamps the latent and the loss spikes by orders of magnitude.
@inline(__always)
func boundedLogVariance(_ raw: Float) -> (value: Float, slope: Float) {
    // -softplus(-raw) = raw - softplus(raw); stable for both signs.
    let value = raw < 0 ? raw - Foundation.log1p(Foundation.exp(raw)) : -Foundation.log1p(Foundation.exp(-raw))
    let slope = 1 / (1 + Foundation.exp(raw))  // sigmoid(-raw)
    return value < -20 ? (-20, 0) : (value, slope)
}
