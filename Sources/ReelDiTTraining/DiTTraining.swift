// Training the diffusion transformer (reel-train dit): rectified flow with a noise level per
// latent frame, conditioning modes trained from the start (frames given clean: first, last,
// a prefix, a suffix, both ends, a random subset; independent levels per frame), caption
// dropout for guidance, AdamW with warm-up and cosine decay, gradient clipping, EMA, exact
// checkpoints and resume, the loss per timestep bin, a held-out loss.

import Foundation
import ReelNumerics
import ReelOptim
import ReelSafetensors
import ReelText
import ReelVAE
import ReelDiT
import ReelSystem

public struct DiTTrainingOptions: Sendable {
    public var dataDirectories: [String] = []
    public var config = DiTConfig()
    public var steps = 10000
    /// Tokens per step (a batch holds about this many tokens whatever the clip length).
    public var tokensPerStep = 4096
    public var learningRate = 6e-4
    public var warmupSteps = 300
    public var emaDecay = 0.999
    public var gradientClip: Float = 1.0
    public var captionDropout: Float = 0.1
    /// Share of samples trained on the short prompt instead of the detailed caption.
    public var promptShare: Float = 0.2
    /// Share of samples with some frames given clean, and with independent levels per frame.
    public var conditionedShare: Float = 0.3
    public var independentShare: Float = 0.15
    /// Share of noise levels drawn the way the sampler spaces its steps (u uniform in [0, 1), then
    /// the shift) instead of logit-normal u, whose tails leave the levels above 0.95, where the
    /// sampler's first steps lay out the scene, almost untrained (3% of samples at shift 3).
    public var uniformLevelShare: Float = 0
    /// Latent frame counts drawn per step, with weights.
    public var frameWeights: [(frames: Int, weight: Double)] = [(1, 0.15), (2, 0.1), (3, 0.15), (4, 0.1), (5, 0.4), (9, 0.1)]
    public var seed: UInt64 = 0
    public var checkpointEvery = 500
    public var evalEvery = 1000
    public var holdOutEvery = 50
    public var checkpointPath = "dit-checkpoint.safetensors"
    public var outputPath = "dit.safetensors"
    public var resume = false
    public var timeLimit: Double = 0
    public var stopAtStep = 0
    public var vaePath: String? = nil
    public var textModel: String? = nil
    /// Weights (with their config beside them) to start from instead of random ones: a shipped
    /// model continued on a new machine or with another recipe. The architecture must match;
    /// the latent normalization is the starting model's; the optimizer starts afresh.
    public var initPath: String? = nil
    /// The processes that share each step (data-parallel under mpirun; `.single` alone). Every
    /// rank draws the whole step's batch (clips, levels, captions, noise) from the same generator,
    /// so a sample's randomness does not depend on the rank, and computes the gradients of its own
    /// samples (global index i with i % size == rank); the gradients and the loss, normalized by
    /// the global count of generated tokens, are summed over the ranks, so every rank takes the
    /// same optimizer step. Rank 0 alone logs, evaluates and writes the checkpoint and weights.
    public var group: ProcessGroup = .single
    /// Asked after every step; true stops the run at once with a checkpoint (Ctrl-C).
    public var shouldStop: @Sendable () -> Bool = { false }
    /// Train nothing: log the held-out loss of the starting weights (--init, or the EMA of the
    /// --resume checkpoint) and return it.
    public var evaluateOnly = false

    public init() {}

    public func validate() throws(DiTError) {
        try config.validate()
        guard steps >= 1 else { throw .unsupported("--steps is \(steps), expected at least 1") }
        guard tokensPerStep >= 16 && tokensPerStep <= 1 << 20 else { throw .unsupported("--tokens is \(tokensPerStep), expected 16 to 1048576") }
        guard learningRate > 0, learningRate.isFinite else { throw .unsupported("--lr is \(learningRate), expected > 0") }
        guard !dataDirectories.isEmpty else { throw .unsupported("no training data: give --data DIR (a reel-synth dataset)") }
        guard holdOutEvery >= 2 else { throw .unsupported("hold-out interval \(holdOutEvery), expected at least 2") }
    }
}

public struct DiTProgress: Sendable {
    public var step: Int, totalSteps: Int
    public var loss: Float
    public var stepsPerSecond: Double
    public var binLosses: [Float]

    /// "step 120/3000  loss 0.41  3.1 steps/s  ETA 0:15:38"
    public var line: String {
        let remaining = stepsPerSecond > 0 ? Double(totalSteps - step) / stepsPerSecond : 0
        let eta = Int(remaining.rounded())
        return String(format: "step %d/%d  loss %.4f  %.2f steps/s  ETA %d:%02d:%02d", step, totalSteps, loss,
                      stepsPerSecond, eta / 3600, eta / 60 % 60, eta % 60)
    }
}

/// Loss per timestep bin: `bins` equal bins of t in [0, 1], running means.
public struct BinnedLoss: Sendable {
    public var sums: [Double], counts: [Double]
    public init(bins: Int = 10) { sums = .init(repeating: 0, count: bins); counts = .init(repeating: 0, count: bins) }
    public mutating func add(level t: Float, loss: Double, weight: Double = 1) {
        let k = min(sums.count - 1, max(0, Int(t * Float(sums.count))))
        sums[k] += loss * weight; counts[k] += weight
    }
    public var means: [Float] { zip(sums, counts).map { $1 > 0 ? Float($0 / $1) : .nan } }
    public var text: String { means.map { $0.isNaN ? "-" : String(format: "%.3f", $0) }.joined(separator: " ") }
}

/// One training sample's plan: its clip, levels per frame, and text.
struct SamplePlan {
    var clip: Int
    var levels: [Float]
    var text: TextCondition
}

public final class DiTTrainer {
    public let options: DiTTrainingOptions
    public private(set) var model: DiffusionTransformer
    public private(set) var config: DiTConfig
    let log: (String) -> Void
    var train: [LatentClip] = []
    public private(set) var heldOut: [LatentClip] = []
    var null: TextCondition
    var refs: [ParameterRef] = []
    /// Clip indices by (latent height, width) and frame count available.
    var buckets: [String: [Int]] = [:]
    /// Whether the last run stopped because `shouldStop` said so (its checkpoint is written).
    public private(set) var interrupted = false

    public init(options: DiTTrainingOptions, log: @escaping (String) -> Void) throws {
        try options.validate()
        self.options = options
        self.log = log
        let vae = try DefaultVAE.resolve(options.vaePath)
        let text = try SentenceEncoder(modelDirectory: options.textModel)
        let e = text.encode("")
        null = TextCondition(tokenStates: e.tokenStates, tokenCount: e.tokenCount, pooled: e.pooled, frames: 0..<0)
        var all: [LatentClip] = []
        for dir in options.dataDirectories {
            let clips = try DiTData.load(directory: dir, vae: vae, text: text, log: log)
            for (i, c) in clips.enumerated() {
                if i % options.holdOutEvery == options.holdOutEvery - 1 { heldOut.append(c) } else { all.append(c) }
            }
        }
        train = all
        guard let first = train.first else { throw DiTError.badInput("no training clips") }
        var cfg = options.config
        // The latent geometry is the VAE's (its channels, factors and id).
        cfg.latentChannels = vae.config.latentChannels
        guard first.channels == cfg.latentChannels else {
            throw DiTError.badInput("the VAE's latents have \(first.channels) channels, its config \(cfg.latentChannels)")
        }
        for c in train where c.height % cfg.patchHeight != 0 || c.width % cfg.patchWidth != 0 {
            throw DiTError.badInput("\(c.name): latent \(c.height)x\(c.width) is not divisible by the patch \(cfg.patchDescription)")
        }
        // Per-channel statistics of the training latents.
        let ch = cfg.latentChannels
        var sum = [Double](repeating: 0, count: ch), sq = [Double](repeating: 0, count: ch), n = [Double](repeating: 0, count: ch)
        for c in train.prefix(2000) {
            let hw = c.height * c.width
            for fi in 0..<c.frames { for ci in 0..<ch { for j in 0..<hw {
                let v = Double(c.latent[(fi * ch + ci) * hw + j]); sum[ci] += v; sq[ci] += v * v; n[ci] += 1
            } } }
        }
        if !options.resume || !FileManager.default.fileExists(atPath: options.checkpointPath) {
            cfg.latentShift = (0..<ch).map { Float(sum[$0] / n[$0]) }
            cfg.latentScale = (0..<ch).map { Float(max(1e-3, (sq[$0] / n[$0] - pow(sum[$0] / n[$0], 2)).squareRoot())) }
        }
        cfg.vaeID = vae.config.id
        cfg.spatialFactor = vae.config.spatialFactor
        cfg.temporalFactor = vae.config.temporalFactor
        let resuming = options.resume && FileManager.default.fileExists(atPath: options.checkpointPath)
        var start: DiffusionTransformer?
        if let initPath = options.initPath, !resuming {
            let m = try DiffusionTransformer.load(weightsPath: initPath)
            var mine = cfg, theirs = m.config
            for c in [\DiTConfig.latentShift, \DiTConfig.latentScale] { mine[keyPath: c] = []; theirs[keyPath: c] = [] }
            mine.id = ""; theirs.id = ""; mine.recipe = ""; theirs.recipe = ""
            theirs.timestepShift = mine.timestepShift  // a continued run may sample levels with another shift
            theirs.prediction = mine.prediction  // and may learn another target with the same trunk
            // A deeper model grows from a shallower one: its extra blocks come last and start as the
            // identity (adaLN-Zero: every gate and the cross-attention's output start at zero).
            if theirs.depth < mine.depth { theirs.depth = mine.depth }
            guard mine == theirs else {
                throw DiTError.unsupported("--init \(initPath) has another architecture or VAE than the options ask (\(m.config.patchDescription), width \(m.config.width), depth \(m.config.depth), heads \(m.config.heads), VAE \(m.config.vaeID)): give its --patch, --width, --depth and --heads")
            }
            cfg.latentShift = m.config.latentShift
            cfg.latentScale = m.config.latentScale
            start = m
        }
        config = cfg
        model = try DiffusionTransformer(config: cfg, seed: options.seed)
        if let start {
            try DiffusionTransformer.copyWeights(from: start, into: model)
            log("reel-train: starting from the weights of \(options.initPath!) (\(start.config.id))" +
                (start.config.depth < cfg.depth ? "; blocks \(start.config.depth) to \(cfg.depth - 1) start as the identity" : ""))
        }
        for (i, c) in train.enumerated() { buckets["\(c.height)x\(c.width)", default: []].append(i) }
        refs = model.parameterViews().map { ParameterRef(name: $0.name, shape: $0.shape, value: $0.value, grad: $0.grad, decay: $0.decay) }
        log("reel-train: \(model.parameterCount) parameters; \(train.count) clips for training, \(heldOut.count) held out; buckets " +
            buckets.map { "\($0.key): \($0.value.count)" }.sorted().joined(separator: ", "))
    }

    /// A logit-normal level, shifted: u = sigmoid(N(0,1)), t = s u / (1 + (s - 1) u).
    func drawLevel(_ rng: inout Xoshiro256StarStar) -> Float {
        // (No extra draw when the share is 0, so that older recipes replay exactly.)
        let uniform = options.uniformLevelShare > 0 && rng.nextFloat() < options.uniformLevelShare
        let u = uniform ? rng.nextFloat() : 1 / (1 + Foundation.exp(-rng.nextNormal()))
        let s = config.timestepShift
        return min(1, max(1e-4, s * u / (1 + (s - 1) * u)))
    }

    /// Levels of one sample of `f` frames under the conditioning modes.
    func drawLevels(frames f: Int, _ rng: inout Xoshiro256StarStar) -> [Float] {
        let t = drawLevel(&rng)
        var levels = [Float](repeating: t, count: f)
        guard f > 1 else { return levels }
        let r = rng.nextFloat()
        if r < options.conditionedShare {
            let mode = rng.nextFloat()
            if mode < 0.4 { levels[0] = 0 }                                  // image to video / first frame
            else if mode < 0.55 { levels[f - 1] = 0 }                        // last frame given
            else if mode < 0.7 { for i in 0..<(1 + Int(rng.next() % UInt64(f - 1))) { levels[i] = 0 } }  // extend forward
            else if mode < 0.8 { for i in (f - 1 - Int(rng.next() % UInt64(f - 1)))..<f { levels[i] = 0 } }  // backward
            else if mode < 0.9 { levels[0] = 0; levels[f - 1] = 0 }          // both ends (blend, loop)
            else { for i in 0..<f where rng.nextFloat() < 0.5 { levels[i] = 0 } }
            if levels.allSatisfy({ $0 == 0 }) { levels[Int(rng.next() % UInt64(f))] = t }
        } else if r < options.conditionedShare + options.independentShare {
            levels = (0..<f).map { _ in drawLevel(&rng) }
        }
        return levels
    }

    /// A batch: one geometry and frame count, about tokensPerStep tokens.
    func plan(_ rng: inout Xoshiro256StarStar) -> (frames: Int, key: String, samples: [SamplePlan]) {
        let keys = buckets.keys.sorted()
        let key = keys[Int(rng.next() % UInt64(keys.count))]
        let pool = buckets[key]!
        let maxF = pool.map { train[$0].frames }.max()!
        let choices = options.frameWeights.filter { $0.frames <= maxF }
        let total = choices.reduce(0) { $0 + $1.weight }
        var u = Double(rng.nextFloat()) * total, f = choices.last?.frames ?? 1
        for c in choices { if u < c.weight { f = c.frames; break }; u -= c.weight }
        let eligible = f == 1 ? pool : pool.filter { train[$0].frames >= f }
        let c0 = train[eligible[0]]
        let perFrame = (c0.height / config.patchHeight) * (c0.width / config.patchWidth)
        let b = max(1, options.tokensPerStep / (f * perFrame))
        var samples: [SamplePlan] = []
        for _ in 0..<b {
            let clip = eligible[Int(rng.next() % UInt64(eligible.count))]
            let levels = drawLevels(frames: f, &rng)
            var text = rng.nextFloat() < options.promptShare ? train[clip].prompt : train[clip].caption
            if rng.nextFloat() < options.captionDropout { text = null }
            text.frames = 0..<f
            samples.append(SamplePlan(clip: clip, levels: levels, text: text))
        }
        return (f, key, samples)
    }

    /// Builds the batch of `samples` (clips from `clips`), its targets and per-token weights.
    /// With `keep`, only the samples it accepts enter the batch (a rank's share), though the noise of
    /// every sample is drawn and `tokensWeighted` counts the generated tokens of all of them.
    func makeBatch(_ samples: [SamplePlan], clips: [LatentClip], frames f: Int, _ rng: inout Xoshiro256StarStar,
                   keep: (Int) -> Bool = { _ in true })
        -> (batch: DiTBatch, target: Tensor, weight: Tensor, tokensWeighted: Int) {
        let c0 = clips[samples[0].clip]
        let gh = c0.height / config.patchHeight, gw = c0.width / config.patchWidth, n = gh * gw, d = config.tokenDim
        let kept = samples.indices.filter(keep)
        let b = kept.count
        let x = Tensor(uninitialized: [b, f * n, d]), target = Tensor(uninitialized: [b, f * n, d])
        let weight = Tensor(zeros: [b, f * n, 1])
        var counted = 0
        var noise = [Float](repeating: 0, count: f * n * d)
        var s = 0
        for (g, p) in samples.enumerated() {
            noise.withUnsafeMutableBufferPointer { rng.fillNormal($0) }
            counted += p.levels.filter { $0 > 0 }.count * n
            guard keep(g) else { continue }
            let clip = clips[p.clip]
            let prefix = Array(clip.latent[0..<(f * clip.channels * clip.height * clip.width)])
            let x0 = config.tokens(fromLatent: prefix, frames: f, height: clip.height, width: clip.width)
            let xt = FlowSampler.initialState(clean: x0, noise: noise, levels: p.levels, tokensPerFrame: n, dim: d)
            let base = s * f * n * d
            for i in 0..<(f * n * d) { x.data[base + i] = xt[i]; target.data[base + i] = noise[i] - x0[i] }
            for fi in 0..<f where p.levels[fi] > 0 {
                for i in 0..<n { weight.data[(s * f + fi) * n + i] = 1 }
            }
            s += 1
        }
        let t = textInputs(kept.map { [samples[$0].text] }, null: null, frames: f, width: config.textWidth)
        let batch = DiTBatch(tokens: x, levels: kept.flatMap { samples[$0].levels }, frames: f, gridH: gh, gridW: gw, text: t.text,
                             textValid: t.valid, textSegment: t.textSegment, frameSegment: t.frameSegment, pooled: t.pooled)
        return (batch, target, weight, counted)
    }

    /// Masked MSE of the velocity over generated tokens (mean over their values); with `backward`, its gradients.
    func loss(_ batch: DiTBatch, target: Tensor, weight: Tensor, counted: Int, backward: Bool,
              bins: inout BinnedLoss, first: UnsafeMutablePointer<BinnedLoss>? = nil,
              later: UnsafeMutablePointer<BinnedLoss>? = nil) -> Float {
        let pred = model(batch)  // (B,T,D)
        let diff = pred - target
        let d = config.tokenDim
        let per = sum(diff * diff * weight) * (1 / Float(max(1, counted * d)))
        if backward { per.backward() }
        // Per-frame losses into bins by level.
        let f = batch.frames, n = batch.tokensPerFrame
        let pd = diff.data
        for s in 0..<batch.batchSize { for fi in 0..<f where batch.levels[s * f + fi] > 0 {
            var acc = 0.0
            let base = (s * f + fi) * n * d
            for i in 0..<(n * d) { acc += Double(pd[base + i] * pd[base + i]) }
            bins.add(level: batch.levels[s * f + fi], loss: acc / Double(n * d))
            if fi == 0 { first?.pointee.add(level: batch.levels[s * f + fi], loss: acc / Double(n * d)) }
            else { later?.pointee.add(level: batch.levels[s * f + fi], loss: acc / Double(n * d)) }
        } }
        return per.item
    }

    /// Held-out loss per timestep bin at fixed levels (0.05, 0.15, ..., 0.95), all frames generated,
    /// captions; with `split`, the same for the first latent frame (one video frame) and the later
    /// ones (four video frames each) apart.
    public func evaluate() -> BinnedLoss { evaluateSplit().all }

    public func evaluateSplit() -> (all: BinnedLoss, first: BinnedLoss, later: BinnedLoss) {
        var bins = BinnedLoss(), first = BinnedLoss(), later = BinnedLoss()
        var rng = Xoshiro256StarStar(seed: 0xE7A1)
        let clips = Array(heldOut.prefix(40))
        guard !clips.isEmpty else { return (bins, first, later) }
        GradMode.withoutGrad {
            for (i, c) in clips.enumerated() {
                let f = c.frames
                for k in 0..<10 {
                    let t = Float(k) * 0.1 + 0.05
                    var caption = c.caption; caption.frames = 0..<f
                    let plan = [SamplePlan(clip: i, levels: [Float](repeating: t, count: f), text: caption)]
                    let (batch, target, weight, counted) = makeBatch(plan, clips: clips, frames: f, &rng)
                    _ = loss(batch, target: target, weight: weight, counted: counted, backward: false, bins: &bins,
                             first: &first, later: &later)
                }
            }
        }
        return (bins, first, later)
    }

    /// Trains (or resumes), checkpointing and writing the final EMA weights; returns the held-out binned loss.
    public func run(progress: (DiTProgress) -> Void) throws -> BinnedLoss {
        let o = options
        let schedule = try WarmupCosineSchedule(peakLearningRate: o.learningRate, warmupSteps: min(o.warmupSteps, o.steps),
                                                totalSteps: o.steps, minimumLearningRate: o.learningRate * 0.1)
        var optimizer = try AdamW(parameters: refs, config: AdamWConfig(learningRate: o.learningRate, weightDecay: 0))
        var ema = try ExponentialMovingAverage(parameters: refs, decay: o.emaDecay, warmup: true)
        var rng = Xoshiro256StarStar(seed: o.seed &+ 0xD17)
        if o.resume, FileManager.default.fileExists(atPath: o.checkpointPath) {
            let ckpt = try TrainingCheckpoint(path: o.checkpointPath)
            if let saved = ckpt.userMetadata["dit.config"] {
                let savedConfig = try DiTConfig.decode(Data(saved.utf8), name: o.checkpointPath)
                var mine = config, theirs = savedConfig
                mine.latentShift = []; mine.latentScale = []; theirs.latentShift = []; theirs.latentScale = []
                mine.id = ""; theirs.id = ""; mine.recipe = ""; theirs.recipe = ""
                guard mine == theirs else {
                    throw DiTError.unsupported("\(o.checkpointPath) was made with another model config; start afresh without --resume or use its options")
                }
                config.latentShift = savedConfig.latentShift
                config.latentScale = savedConfig.latentScale
                let fresh = try DiffusionTransformer(config: config, seed: o.seed)
                model = fresh
                refs = model.parameterViews().map { ParameterRef(name: $0.name, shape: $0.shape, value: $0.value, grad: $0.grad, decay: $0.decay) }
            }
            try ckpt.restoreParameters(into: refs)
            optimizer = try ckpt.makeOptimizer(for: refs)
            if let e = try ckpt.makeEMA(for: refs) { ema = e }
            if let r = ckpt.rng { rng = r }
            log("reel-train: resumed from \(o.checkpointPath) at step \(ckpt.step)")
        } else if o.resume {
            log("reel-train: no checkpoint at \(o.checkpointPath); starting afresh")
        }
        if o.evaluateOnly {
            let e = try withEMA(ema) { evaluateSplit() }
            log("reel-train: held-out loss by level bin (0-0.1 ... 0.9-1), \(heldOut.prefix(40).count) clips: \(e.all.text)\nreel-train: first latent frame: \(e.first.text)\nreel-train: later frames:      \(e.later.text)")
            return e.all
        }
        let configJSON = String(decoding: try config.jsonData(), as: UTF8.self)
        func checkpoint() throws {
            try saveTrainingCheckpoint(path: o.checkpointPath, parameters: refs, optimizer: optimizer, ema: ema,
                                       schedule: schedule, rng: rng, metadata: ["dit.config": configJSON])
        }
        let start = Date()
        var average: Float = 0
        var bins = BinnedLoss()
        let firstStep = optimizer.stepCount
        let last = o.stopAtStep > 0 ? min(o.stopAtStep, o.steps) : o.steps  // a resumed run already past it does no step
        let group = o.group, root = group.isRoot
        // Under MPI: one buffer of every gradient, then the step's loss and whether a rank was
        // interrupted or ran out of time (all ranks then stop after the same step).
        var allReduce = GradientAllReduce(parameters: refs, extras: 3, group: group)
        while optimizer.stepCount < last {
            let step = optimizer.stepCount
            let (f, _, samples) = plan(&rng)
            let (batch, target, weight, counted) = makeBatch(samples, clips: train, frames: f, &rng,
                                                             keep: { $0 % group.size == group.rank })
            zeroGradients(refs)
            var l = batch.batchSize == 0 ? 0 : loss(batch, target: target, weight: weight, counted: counted, backward: true, bins: &bins)
            var stopNow = o.shouldStop(), outOfTime = o.timeLimit > 0 && Date().timeIntervalSince(start) > o.timeLimit
            if group.size > 1 {
                var extras: [Float] = [l, stopNow ? 1 : 0, outOfTime ? 1 : 0]
                try allReduce.sum(refs, extras: &extras)
                l = extras[0]; stopNow = extras[1] > 0; outOfTime = extras[2] > 0
            }
            guard l.isFinite else { throw DiTError.badInput("training diverged at step \(step) (loss \(l)); lower --lr") }
            _ = clipGradientNorm(refs, maxNorm: o.gradientClip)
            try optimizer.step(refs, learningRate: schedule.learningRate(atStep: step))
            try ema.update(refs)
            average = step == firstStep ? l : 0.98 * average + 0.02 * l
            let done = optimizer.stepCount
            let elapsed = Date().timeIntervalSince(start)
            if root {
                progress(DiTProgress(step: done, totalSteps: o.steps, loss: average,
                                     stepsPerSecond: Double(done - firstStep) / max(elapsed, 1e-9), binLosses: bins.means))
            }
            if done % 250 == 0 && root {
                log("\nreel-train: step \(done): train loss by level bin (0-0.1 ... 0.9-1): \(bins.text)")
                bins = BinnedLoss()
            }
            if o.checkpointEvery > 0 && done % o.checkpointEvery == 0 && root { try checkpoint() }
            if o.evalEvery > 0 && done % o.evalEvery == 0 && root {
                try withEMA(ema) {
                    let e = evaluateSplit()
                    log("\nreel-train: step \(done): held-out loss by level bin (EMA): \(e.all.text); first latent frame: \(e.first.text); later frames: \(e.later.text)")
                    try export(steps: done)
                }
            }
            if done == last && last < o.steps && root { log("\nreel-train: stopping at step \(done) (--stop-at)") }
            if outOfTime && !stopNow {
                if root { log("\nreel-train: time limit reached at step \(done)") }
                break
            }
            if stopNow {
                if root { try checkpoint() }
                interrupted = true
                if root { log("\nreel-train: interrupted at step \(done): wrote the checkpoint \(o.checkpointPath); --resume continues from it") }
                return BinnedLoss()
            }
        }
        guard root else { return BinnedLoss() }
        try checkpoint()
        return try withEMA(ema) {
            try export(steps: optimizer.stepCount)
            return evaluate()
        }
    }

    func withEMA<R>(_ ema: ExponentialMovingAverage, _ body: () throws -> R) throws -> R {
        let saved = refs.map { Array($0.value) }
        try ema.copy(to: refs)
        defer { for (r, v) in zip(refs, saved) { _ = v.withUnsafeBufferPointer { r.value.update(fromContentsOf: $0) } } }
        return try body()
    }

    /// Writes the output weights (F16) and config with its id and recipe.
    func export(steps: Int) throws {
        let saved = refs.map { Array($0.value) }
        defer { for (r, v) in zip(refs, saved) { _ = v.withUnsafeBufferPointer { r.value.update(fromContentsOf: $0) } } }
        for (_, t) in model.namedParameters() { for i in 0..<t.count { t.data[i] = Float(Float16(t.data[i])) } }
        var cfg = config
        cfg.id = model.weightsID()
        cfg.recipe = "reel-train dit: \(steps) steps of \(options.steps), \(options.tokensPerStep) tokens per step, lr \(options.learningRate) (warm-up \(options.warmupSteps), cosine), EMA \(options.emaDecay), prediction \((cfg.prediction ?? .velocity).rawValue), caption dropout \(options.captionDropout), uniform levels \(options.uniformLevelShare), seed \(options.seed), data \(options.dataDirectories.map { URL(fileURLWithPath: $0).lastPathComponent }.joined(separator: ","))"
        try model.save(weightsPath: options.outputPath, config: cfg)
    }
}
