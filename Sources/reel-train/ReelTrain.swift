// reel-train: training of reel's models. `reel-train vae` trains the video
// compression network (ReelVAE) on reel-synth datasets and real footage.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ArgumentParser
import Foundation
import ReelCLI
import ReelStream
import ReelSystem
import ReelVAE
import ReelDiT
import ReelDiTTraining
import ReelNumerics

@main
struct ReelTrain: ReelCommand {
    static let toolName = "reel-train"
    static let configuration = CommandConfiguration(
        commandName: "reel-train",
        abstract: "Train reel's models.",
        version: reelVersion,
        subcommands: [TrainVAE.self, TrainDiT.self]
    )
    /// `reel-train` alone shows its help, as ArgumentParser does for a command of subcommands.
    func execute() throws { print(ReelTrain.helpMessage()) }
}

/// The options of a run that both models' training shares: its seed and how it stops and resumes.
struct RunOptions: ParsableArguments {
    @Option(help: "Seed of the initial weights and of the data order.")
    var seed: UInt64 = 0
    @Flag(help: "Continue from --checkpoint when it exists.")
    var resume = false
    @Option(help: "Stop after this many seconds (the schedule still spans --steps; 0: no limit).")
    var timeLimit: Double = 0
    @Option(help: "Stop at this step, keeping the schedule of --steps (0: run all --steps).")
    var stopAt = 0

    func validate() throws {
        guard stopAt >= 0 else { throw ValidationError("--stop-at \(stopAt) is negative") }
        guard timeLimit >= 0, timeLimit.isFinite else { throw ValidationError("--time-limit \(timeLimit) is not 0 or more seconds") }
    }
}

/// This process's data-parallel group: under mpirun, one rank of Open MPI's job (reel-train(1),
/// MANY MACHINES); else the process alone, with no MPI loaded.
func joinProcessGroup() throws -> ProcessGroup {
    do { return try ProcessGroup.join() } catch { throw ToolError.software("\(error)") }
}

/// Runs a training loop with Ctrl-C checkpointing on and its progress on standard error: one
/// line rewritten in place on a terminal (twice a second), else a line every 30 s and the last.
func withProgress<R>(_ body: (_ show: @escaping (_ last: Bool, _ line: String) -> Void) throws -> R) throws -> R {
    Interruption.install()  // from here on Ctrl-C checkpoints (loading the data had nothing to lose)
    let tty = isatty(2) != 0
    var lastPrint = Date.distantPast
    let result = try body { last, line in
        let now = Date()
        guard last || now.timeIntervalSince(lastPrint) >= (tty ? 0.5 : 30) else { return }
        lastPrint = now
        if tty { FileHandle.standardError.write(Data(("\r\u{1B}[K" + line).utf8)) } else { printError(line) }
    }
    if tty { FileHandle.standardError.write(Data("\n".utf8)) }
    return result
}

struct TrainVAE: ReelCommand {
    static let toolName = "reel-train"
    static let configuration = CommandConfiguration(
        commandName: "vae",
        abstract: "Train the causal video VAE (the video compression network).",
        discussion: """
        Trains on the clip-*.reel files of reel-synth dataset directories (every 20th clip \
        held out) and, unless --no-real, on vtest.avi, tree.avi and photos of OpenCV's \
        sample data read from their installed paths. Shows step, loss, steps/s and ETA on \
        standard error; writes a checkpoint every --checkpoint-every steps (--resume \
        continues from it exactly) and at the end the EMA weights as F16 safetensors with \
        their config JSON beside them (--out, default vae.safetensors and vae.json).
        """
    )

    @Option(name: .customLong("data"), help: ArgumentHelp("A reel-synth dataset directory (repeatable).", valueName: "dir"))
    var data: [String] = []

    @Flag(name: .customLong("no-real"), help: "Train on the synthetic clips only.")
    var noReal = false

    @Option(help: ArgumentHelp("Directory of the real footage and photos.", valueName: "dir"))
    var realData = RealFootage.directory

    @Option(help: "Optimisation steps.")
    var steps = 2400

    @Option(help: "Clips per batch at the shortest length (fewer for longer clips).")
    var batch = 4

    @Option(help: "Frames of the longest training clips (1 + 4k).")
    var frames = 17

    @Option(help: "Frames of the shortest training clips (1 + 4k); each step draws a length between.")
    var minFrames = 9

    @Option(help: "Side of the square training crops (a multiple of the spatial factor).")
    var crop = 32

    @Option(help: "Peak learning rate (warm-up, then cosine decay).")
    var lr = 8e-4

    @Option(help: "Warm-up steps of the learning rate.")
    var warmup = 100

    @Option(help: "Weight of the KL term (against the per-pixel MSE).")
    var klWeight: Float = 1e-5

    @Option(help: "Pixels per latent cell along each side: 4 or 8.")
    var spatialFactor = 4

    @Option(help: "Latent channels.")
    var latentChannels = 32

    @Option(help: "Channels at 1/4 resolution.")
    var baseChannels = 96

    @Option(help: "Channels of the deep stage.")
    var deepChannels = 96

    @OptionGroup var run: RunOptions

    @Option(help: "Write a checkpoint every n steps (0: only at the end).")
    var checkpointEvery = 200

    @Option(help: "Evaluate on the held-out clips and write --out every n steps (0: only at the end).")
    var evalEvery = 0

    @Option(help: ArgumentHelp("The training checkpoint file.", valueName: "path"))
    var checkpoint = "vae-checkpoint.safetensors"

    @Option(help: "Warm the learning rate up again over 100 steps from this step (for a run continued with a longer --steps).")
    var rewarmAt = 0

    @Option(name: .customLong("out"), help: ArgumentHelp("The trained weights (config JSON written beside them).", valueName: "path"))
    var out = "vae.safetensors"

    func execute() throws {
        var o = VAETrainingOptions()
        o.dataDirectories = data
        o.realDirectory = noReal ? nil : realData
        o.steps = steps
        o.batchSize = batch
        o.clipFrames = frames
        o.minClipFrames = minFrames
        o.cropSize = crop
        o.learningRate = lr
        o.klWeight = klWeight
        o.config = VAEConfig(spatialFactor: spatialFactor, latentChannels: latentChannels, baseChannels: baseChannels,
                             deepChannels: deepChannels)
        o.seed = run.seed
        o.checkpointEvery = checkpointEvery
        o.evalEvery = evalEvery
        o.checkpointPath = checkpoint
        o.resume = run.resume
        o.timeLimit = run.timeLimit
        o.shouldStop = { Interruption.signal != 0 }
        o.stopAtStep = run.stopAt
        o.rewarmAt = rewarmAt
        o.warmupSteps = warmup
        o.outputPath = out
        // The network's sizes, in the options' own names (the config's check names its fields).
        guard spatialFactor == 4 || spatialFactor == 8 else {
            throw ToolError.usage("--spatial-factor \(spatialFactor) is not supported: expected 4 or 8")
        }
        for (name, v, hi) in [("--latent-channels", latentChannels, 256), ("--base-channels", baseChannels, 1024),
                              ("--deep-channels", deepChannels, 1024)] where v < 1 || v > hi {
            throw ToolError.usage("\(name) \(v) is out of range: expected 1 to \(hi)")
        }
        guard checkpointEvery >= 0, evalEvery >= 0 else { throw ToolError.usage("--checkpoint-every and --eval-every must be 0 or more") }
        let group = try joinProcessGroup()
        defer { group.finish() }
        o.group = group
        let root = group.isRoot
        let trainer = try VAETrainer(options: o, log: { if root { printError($0) } })
        if root && group.size > 1 { printError("reel-train: \(group.size) data-parallel ranks (MPI); each step's batch is shared among them") }
        if root, let w = Gemm.coretypeWarning { printError("reel-train: warning: \(w)") }
        let result = try withProgress { show in try trainer.run { show($0.step == $0.totalSteps, $0.line) } }
        if trainer.interrupted { group.finish(); Glibc.exit(128 + Interruption.signal) }
        guard root else { return }
        if let trained = try? CausalVideoVAE.load(weightsPath: out) { DefaultVAE.register(trained, weightsPath: out) }
        printError("reel-train: wrote \(out) and \(CausalVideoVAE.configPath(forWeights: out)); \(result)")
    }
}
struct TrainDiT: ReelCommand {
    static let toolName = "reel-train"
    static let configuration = CommandConfiguration(
        commandName: "dit",
        abstract: "Train the diffusion transformer (the generator) on reel-synth datasets.",
        discussion: """
        Encodes the clip-*.reel files of each --data directory once with the VAE (posterior means) \
        and their captions and prompts with the text encoder, caching both in the directory \
        (.dit-cache-<vae id>.safetensors), so a step runs only the transformer. Every 50th clip \
        is held out. Shows step, loss, steps/s and ETA on standard error, the training loss per \
        noise-level bin every 250 steps and the held-out loss per bin every --eval-every steps; \
        writes a checkpoint every --checkpoint-every steps (--resume continues from it exactly) and \
        the EMA weights as F16 safetensors with their config JSON beside them (--out).
        """
    )

    @Option(name: .customLong("data"), help: ArgumentHelp("A reel-synth dataset directory (repeatable).", valueName: "dir"))
    var data: [String] = []
    @Option(help: "Optimisation steps.")
    var steps = 10000
    @Option(help: "Tokens per step (the batch holds about this many, whatever the clip length).")
    var tokens = 4096
    @Option(help: "Peak learning rate (warm-up, then cosine decay).")
    var lr = 6e-4
    @Option(help: "Warm-up steps.")
    var warmup = 300
    @Option(help: "Transformer width.")
    var width = 192
    @Option(help: "Transformer blocks.")
    var depth = 6
    @Option(help: "Attention heads.")
    var heads = 6
    @Option(help: ArgumentHelp("Spatial patch of latent cells per token, PHxPW, each side 1 to 8 (default: 2x2).", valueName: "PHxPW"), transform: { text throws(ToolError) in
        let parts = text.lowercased().split(separator: "x", omittingEmptySubsequences: false).map { Int($0) }
        guard parts.count == 2, let ph = parts[0], let pw = parts[1], (1...8).contains(ph), (1...8).contains(pw) else {
            throw .usage("expected PHxPW with sides 1 to 8, e.g. 2x2")
        }
        return FrameSize(width: pw, height: ph)
    })
    var patch = FrameSize(width: 2, height: 2)
    @Option(help: "Timestep shift of training's logit-normal levels and of the sampler.")
    var shift: Float = 2
    @OptionGroup var run: RunOptions
    @Option(help: "Write a checkpoint every n steps (0: only at the end).")
    var checkpointEvery = 500
    @Option(help: "Evaluate the held-out loss and write --out every n steps (0: only at the end).")
    var evalEvery = 1000
    @Option(help: ArgumentHelp("The training checkpoint file.", valueName: "path"))
    var checkpoint = "dit-checkpoint.safetensors"
    @Option(name: .customLong("vae"), help: ArgumentHelp("The VAE whose latents to learn (default: the shipped one).", valueName: "path"))
    var vae: String?
    @Option(name: .customLong("text-model"), help: ArgumentHelp("Directory of all-MiniLM-L6-v2.", valueName: "dir"))
    var textModel: String?
    @Option(name: .customLong("out"), help: ArgumentHelp("The trained weights (config JSON written beside them).", valueName: "path"))
    var out = "dit.safetensors"
    @Flag(name: .customLong("evaluate"), help: "Train nothing: print the held-out loss by noise level (all frames, the first latent frame, the later ones) of the --init weights or the --resume checkpoint's EMA, then exit.")
    var evaluateOnly = false
    @Option(help: ArgumentHelp("Share of samples with some latent frames given clean (image to video, extend, blend), 0 to 1.", valueName: "share"))
    var conditionedShare: Float = 0.3
    @Option(help: ArgumentHelp("Share of samples with an independent noise level per latent frame, 0 to 1.", valueName: "share"))
    var independentShare: Float = 0.15
    @Option(name: .customLong("uniform-levels"), help: ArgumentHelp("Share of samples whose noise level is drawn as the sampler spaces its steps (uniform, then --shift) instead of logit-normal, 0 to 1: trains the highest levels, where the layout is decided.", valueName: "share"))
    var uniformLevels: Float = 0
    @Option(help: ArgumentHelp("Latent frame counts of the training samples and their weights, F:W,F:W,... (a count longer than a dataset's clips is skipped for it).", valueName: "F:W,..."))
    var frameWeights = "1:0.15,2:0.1,3:0.15,4:0.1,5:0.4,9:0.1"
    @Option(help: ArgumentHelp("What the network predicts: velocity (e - x0) or sample (x0, the velocity then (x_t - x0) / t; meant for tokens of many values, no better yet in reel(7)'s stills runs).", valueName: "velocity|sample"))
    var prediction: String = "velocity"
    @Option(name: .customLong("init"), help: ArgumentHelp("Start from these weights (config JSON beside them; e.g. the shipped model) instead of random ones; the optimizer starts afresh. Ignored when --resume finds a checkpoint.", valueName: "path"))
    var initFrom: String?

    func execute() throws {
        guard width % heads == 0, (width / heads) % 6 == 0 || (width / heads) % 4 == 0 else {
            throw ToolError.usage("--width \(width) over --heads \(heads) must give a head width divisible by 4")
        }
        guard checkpointEvery >= 0, evalEvery >= 0 else {
            throw ToolError.usage("--checkpoint-every and --eval-every must be 0 or more")
        }
        guard (0...1).contains(conditionedShare), (0...1).contains(independentShare), conditionedShare + independentShare <= 1 else {
            throw ToolError.usage("--conditioned-share \(conditionedShare) and --independent-share \(independentShare) must each be 0 to 1, together at most 1")
        }
        guard (0...1).contains(uniformLevels) else {
            throw ToolError.usage("--uniform-levels \(uniformLevels) is out of range: expected a share from 0 to 1")
        }
        var weights: [(frames: Int, weight: Double)] = []
        for item in frameWeights.split(separator: ",", omittingEmptySubsequences: false) {
            let fw = item.split(separator: ":", omittingEmptySubsequences: false)
            guard fw.count == 2, let f = Int(fw[0]), (1...64).contains(f), let w = Double(fw[1]), w > 0, w.isFinite else {
                throw ToolError.usage("--frame-weights \(frameWeights): '\(item)' is not F:W with F 1 to 64 latent frames and a weight W > 0")
            }
            weights.append((f, w))
        }
        guard let predicted = DiTPrediction(rawValue: prediction) else {
            throw ToolError.usage("--prediction \(prediction): expected velocity or sample")
        }
        let hd = width / heads
        let rt = (hd / 4) & ~1, rh = ((hd - rt) / 2) & ~1
        var o = DiTTrainingOptions()
        o.conditionedShare = conditionedShare; o.independentShare = independentShare; o.frameWeights = weights
        o.uniformLevelShare = uniformLevels
        o.dataDirectories = data
        o.config = DiTConfig(patchHeight: patch.height, patchWidth: patch.width, width: width, depth: depth, heads: heads,
                             ropeT: rt, ropeH: rh, ropeW: hd - rt - rh, timestepShift: shift,
                             prediction: predicted == .velocity ? nil : predicted)
        o.steps = steps; o.tokensPerStep = tokens; o.learningRate = lr; o.warmupSteps = warmup; o.seed = run.seed
        o.checkpointEvery = checkpointEvery; o.evalEvery = evalEvery; o.checkpointPath = checkpoint; o.resume = run.resume
        o.shouldStop = { Interruption.signal != 0 }
        o.timeLimit = run.timeLimit; o.stopAtStep = run.stopAt; o.vaePath = vae; o.textModel = textModel; o.outputPath = out
        o.initPath = initFrom
        o.evaluateOnly = evaluateOnly
        if evaluateOnly && initFrom == nil && !(run.resume && FileManager.default.fileExists(atPath: checkpoint)) {
            throw ToolError.usage("--evaluate needs weights to evaluate: --init PATH, or --resume with an existing --checkpoint")
        }
        let group = try joinProcessGroup()
        defer { group.finish() }
        if group.size > 1 && evaluateOnly { throw ToolError.usage("--evaluate runs on one process, not under mpirun") }
        o.group = group
        let root = group.isRoot
        let trainer = try DiTTrainer(options: o, log: { if root { printError($0) } })
        if root && group.size > 1 { printError("reel-train: \(group.size) data-parallel ranks (MPI); each step's batch is shared among them") }
        if root, let w = Gemm.coretypeWarning { printError("reel-train: warning: \(w)") }
        let result = try withProgress { show in try trainer.run { show($0.step == $0.totalSteps, $0.line) } }
        if trainer.interrupted { group.finish(); Glibc.exit(128 + Interruption.signal) }
        if evaluateOnly || !root { return }
        printError("reel-train: wrote \(out) and \(DiffusionTransformer.configPath(forWeights: out)); held-out loss by level bin: \(result.text)")
    }
}
