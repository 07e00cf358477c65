// reel-denoise: the diffusion transformer. Reads a canvas (patch tokens or latent frames,
// noise levels, text embeddings) or makes one from --size and --frames, samples the
// rectified flow, and writes the denoised clip as patch tokens. See man/man1/reel-denoise.1.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ArgumentParser
import Foundation
import ReelCLI
import ReelDiT
import ReelImage
import ReelStream
import ReelText
import ReelVAE

@main
struct Denoise: ReelCommand {
    static let toolName = "reel-denoise"
    static let configuration = CommandConfiguration(
        commandName: toolName,
        abstract: "Generate video latents with the diffusion transformer: text to video, and any canvas of kept and generated frames.",
        discussion: """
            Reads a reel stream on standard input: text segments with embeddings (from reel-prompt-expand) \
            and, optionally, one latent clip as patch tokens or latent frames with per-frame noise levels \
            (stored frames with no level are kept; frames of the clip's count that are not stored are \
            generated). With no clip, the canvas is --size and --frames, every frame generated. Writes the \
            denoised clip as patch tokens (then reel-unpatchify | reel-decode), its noise levels, every \
            other record, and provenance marked generated.
            """,
        version: reelVersion)

    @Option(name: .customLong("size"), help: ArgumentHelp("Pixel size of a new canvas, WxH (64x64, 112x64, 64x112 are trained; default: \(Self.defaultSize)).", valueName: "WxH"), transform: FrameSize.parse)
    var size = Self.defaultSize
    static let defaultSize = FrameSize(width: 64, height: 64)

    @Option(name: .customLong("frames"), help: "Video frames of a new canvas (default 17); with a clip on input, the length to extend its canvas to. Beyond --window (the model's longest, 33), a long video made window by window.")
    var frames: Int?

    @Option(name: .customLong("window"), help: ArgumentHelp("Long video: video frames the model generates at once (1 + 4k, 9 to the model's longest, the default).", valueName: "N"))
    var window: Int?

    @Option(name: .customLong("context"), help: ArgumentHelp("Long video: video frames of each window carried into the next as kept context (1 + 4k, shorter than the window; default 17).", valueName: "N"))
    var context = 17

    @Option(name: .customLong("steps"), help: "Sampling steps (default: the model's, chosen by measurement).")
    var steps: Int?

    @Option(name: .customLong("guidance"), help: "Classifier-free guidance scale (1: none; default: the model's).")
    var guidance: Float?

    @Option(name: .customLong("guidance-below"), help: ArgumentHelp("Apply guidance only at noise levels at or below this one (a guidance interval; 1: at every level; default: the model's).", valueName: "L"))
    var guidanceBelow: Float?

    @Option(name: .customLong("shift"), help: ArgumentHelp("Timestep shift of the sampler's schedule (t' = s t / (1 + (s - 1) t); 1: evenly spaced; default: the model's).", valueName: "S"))
    var shift: Float?

    @Option(name: .customLong("seed"), help: "Seed of the starting noise (variation k uses seed + k).")
    var seed: UInt64 = 0

    @Option(name: .customLong("variations"), help: "Clips to generate, each with its own seed and clip id.")
    var variations = 1

    @Option(name: .customLong("until-level"), help: ArgumentHelp("Stop once the sampler reaches this noise level (between 0 and 1) and write the partly denoised clip, marked with a PART record, for another reel-denoise to finish (with the same or another prompt, model or guidance).", valueName: "level"))
    var untilLevel: Float?

    @Option(name: .customLong("clip"), help: ArgumentHelp("Clip id of a new canvas (variation k gets id + k), so that runs on other cores or hosts can be joined into one stream.", valueName: "id"))
    var clip: UInt32 = 0

    @Option(name: .customLong("strength"), help: ArgumentHelp("Remix: the noise level given to stored frames that carry no level of their own (0 keeps them, the default; 1 ignores them; between, the clip is noised to that level and denoised with the new prompt).", valueName: "S"))
    var strength: Float = 0

    @Option(name: .customLong("preview"), help: ArgumentHelp("Write a contact sheet of the current clean estimate (latent frames left to right, through a cheap latent-to-RGB decoder) to this PNG every few steps, atomically, so a person can watch.", valueName: "file.png"))
    var preview: String?

    @Option(name: .customLong("model"), help: ArgumentHelp("Diffusion transformer weights (default: the shipped model).", valueName: "path"))
    var model: String?

    @Option(name: .customLong("text-model"), help: ArgumentHelp("Directory of all-MiniLM-L6-v2 (for the empty text of guidance).", valueName: "DIR"))
    var textModel: String?

    func execute() throws {
        let (w, h) = (size.width, size.height)
        guard variations >= 1 && variations <= 1024 else { throw ToolError.usage("--variations \(variations) is out of range: expected 1 to 1024") }
        if let steps, steps < 1 || steps > 1000 { throw ToolError.usage("--steps \(steps) is out of range: expected 1 to 1000") }
        if let guidance, !(guidance >= 0 && guidance <= 100) { throw ToolError.usage("--guidance \(guidance) is out of range: expected 0 to 100") }
        if let guidanceBelow, !(guidanceBelow > 0 && guidanceBelow <= 1) {
            throw ToolError.usage("--guidance-below \(guidanceBelow) is out of range: expected a level above 0, at most 1")
        }
        if let shift, !(shift >= 0.1 && shift <= 20) { throw ToolError.usage("--shift \(shift) is out of range: expected 0.1 to 20") }
        guard strength >= 0 && strength <= 1 else { throw ToolError.usage("--strength \(strength) is out of range: expected 0 to 1") }
        if let untilLevel, !(untilLevel > 0 && untilLevel < 1) {
            throw ToolError.usage("--until-level \(untilLevel) is out of range: expected a level between 0 and 1 (exclusive)")
        }
        let dit = try loadModel()
        let encoder = try SentenceEncoder(modelDirectory: textModel)
        let e = encoder.encode("")
        let null = TextCondition(tokenStates: e.tokenStates, tokenCount: e.tokenCount, pooled: e.pooled, frames: 0..<0)
        let records: [Record] = StreamIO.stdinIsStream ? try StreamIO.input(tool: Self.toolName).readAll() : []
        var o = DenoiseOptions(steps: steps ?? dit.config.defaultSteps, guidance: guidance ?? dit.config.defaultGuidance, seed: seed)
        o.variations = variations
        o.width = w; o.height = h; o.frames = frames ?? 17; o.extendTo = frames
        o.untilLevel = untilLevel
        o.strength = strength
        o.clip = clip
        o.window = window; o.context = context
        o.shift = shift
        o.guidanceBelow = guidanceBelow
        let writer = try StreamIO.output(tool: Self.toolName)
        let denoiser = CanvasDenoiser(model: dit, null: null, warn: { printError("reel-denoise: warning: \($0)") })
        denoiser.reencode = try Self.contextCodec(for: dit.config)
        let tty = isatty(2) != 0
        let start = Date()
        if tty {
            denoiser.progress = { k, total in
                let elapsed = Date().timeIntervalSince(start)
                let eta = k > 0 ? elapsed / Double(k) * Double(total - k) : 0
                FileHandle.standardError.write(Data(String(format: "\r\u{1B}[Kreel-denoise: step %d/%d  %.2f s/step  ETA %.0f s", k, total, elapsed / Double(max(k, 1)), eta).utf8))
                if k == total { FileHandle.standardError.write(Data("\n".utf8)) }
            }
        }
        if let preview {
            guard preview.lowercased().hasSuffix(".png") else { throw ToolError.usage("--preview \(preview) must name a .png file") }
            let decoder: LatentPreview
            decoder = try LatentPreview.resolve(for: dit, weightsPath: model ?? DefaultDiT.path())
            let cfg = dit.config
            denoiser.estimateEvery = max(1, o.steps / 10)
            denoiser.estimate = { variation, _, x0, f, h, w in
                guard variation == 0 else { return }
                let sheet = decoder.sheet(x0, frames: f, height: h, width: w, patchHeight: cfg.patchHeight, patchWidth: cfg.patchWidth)
                do {
                    let image = try PixelImage(width: sheet.width, height: sheet.height, channels: 3, samples: .u8(sheet.rgb))
                    try PNGCodec.write(image, to: preview)
                } catch {
                    printError("reel-denoise: warning: cannot write the preview \(preview): \(error)")
                }
            }
        }
        let provenance = Provenance.current(tool: Self.toolName, model: dit.config.id, seed: seed, generated: true).record
        try denoiser.run(records: records, options: o, to: writer, provenance: provenance)
    }

    /// Long video: a window's last frames decoded, rounded to 8-bit pixels and encoded anew
    /// (first frame alone) with the VAE the model was trained on, loaded when first needed.
    static func contextCodec(for cfg: DiTConfig) throws -> ([Float], Int, Int, Int, Int) throws -> [Float] {
        var vae: CausalVideoVAE?
        return { raw, frames, h, w, keep in
            if vae == nil {
                guard let found = try DefaultVAE.find(id: cfg.vaeID) else {
                    throw ToolError.usage("a long video needs the VAE \(cfg.vaeID) that the model was trained on, to carry context from window to window; it is neither the shipped one nor one used on this machine")
                }
                vae = found
            }
            let c = cfg.latentChannels, plane = c * h * w
            var x = raw
            cfg.normalize(tokens: &x)
            let z = cfg.latent(fromTokens: x, frames: frames, height: h, width: w)  // (F,C,h,w)
            let t = 1 + cfg.temporalFactor * (frames - 1), keepT = 1 + cfg.temporalFactor * (keep - 1)
            let context = try vae!.reencode((0..<frames).map { Array(z[($0 * plane)..<(($0 + 1) * plane)]) },
                                            latentWidth: w, latentHeight: h, picking: Array((t - keepT)..<t))
            var tokens = cfg.tokens(fromLatent: Array(context.joined()), frames: keep, height: h, width: w)
            cfg.denormalize(tokens: &tokens)
            return tokens
        }
    }

    func loadModel() throws -> DiffusionTransformer {
        try DefaultDiT.resolve(model)
    }
}

