// The diffusion transformer's configuration: the JSON file beside its weights.

import ReelSystem
import Foundation

/// Sizes and conventions of a DiffusionTransformer. Stored as JSON beside the
/// safetensors weights (`dit-default.json` beside `dit-default.safetensors`).
public struct DiTConfig: Codable, Equatable, Sendable {
    /// Channels of the VAE latent the model denoises.
    public var latentChannels: Int
    /// Spatial patch (rows, columns) of latent cells per token; the temporal patch is always 1,
    /// so every latent frame carries its own noise level.
    public var patchHeight: Int
    public var patchWidth: Int
    /// Transformer width, blocks, heads.
    public var width: Int
    public var depth: Int
    public var heads: Int
    public var mlpRatio: Int
    /// Width of the text encoder's token states (MiniLM: 384).
    public var textWidth: Int
    /// Rotary widths of each head's channels for the (t, h, w) axes (each even, sum = width / heads).
    public var ropeT: Int
    public var ropeH: Int
    public var ropeW: Int
    /// Latent normalization: the model sees (z - shift[c]) / scale[c] per latent channel.
    public var latentShift: [Float]
    public var latentScale: [Float]
    /// Timestep shift of the sampler and of training's logit-normal draw: t' = s t / (1 + (s - 1) t).
    public var timestepShift: Float
    /// The VAE whose latents this model generates (its id, as in the stream's HEAD).
    public var vaeID: String
    /// The VAE's spatial and temporal factors (what a stream's HEAD must say).
    public var spatialFactor: Int
    public var temporalFactor: Int
    /// Sampler defaults chosen by measurement (reel-denoise's --steps and --guidance).
    public var defaultSteps: Int
    public var defaultGuidance: Float
    /// Guidance applies only at levels at or below this one (a guidance interval: at the highest
    /// levels the unguided velocity lays out the scene better); nil: at every level.
    public var defaultGuidanceBelow: Float?
    /// What the network's last layer predicts: the velocity v = e - x0 (nil or `.velocity`, every
    /// model before it), or the clean sample x0 (`.sample`), from which the model gives
    /// v = (x_t - x0) / max(t, DiTPrediction.minimumLevel). Either way callers see a velocity.
    public var prediction: DiTPrediction?
    /// Pixel sizes the model was trained on ("64x64", "112x64", "64x112") and its longest clip in video frames.
    public var trainedSizes: [String]
    public var maxFrames: Int
    /// This model's id (written into provenance) and how it was made.
    public var id: String
    public var recipe: String

    public init(latentChannels: Int = 32, patchHeight: Int = 2, patchWidth: Int = 2, width: Int = 192, depth: Int = 6,
                heads: Int = 6, mlpRatio: Int = 4, textWidth: Int = 384, ropeT: Int = 8, ropeH: Int = 12, ropeW: Int = 12,
                latentShift: [Float]? = nil, latentScale: [Float]? = nil, timestepShift: Float = 2,
                vaeID: String = "", spatialFactor: Int = 4, temporalFactor: Int = 4, defaultSteps: Int = 20,
                defaultGuidance: Float = 4, trainedSizes: [String] = ["64x64", "112x64", "64x112"], maxFrames: Int = 33,
                id: String = "", recipe: String = "", prediction: DiTPrediction? = nil) {
        self.latentChannels = latentChannels
        self.patchHeight = patchHeight
        self.patchWidth = patchWidth
        self.width = width
        self.depth = depth
        self.heads = heads
        self.mlpRatio = mlpRatio
        self.textWidth = textWidth
        self.ropeT = ropeT
        self.ropeH = ropeH
        self.ropeW = ropeW
        self.latentShift = latentShift ?? [Float](repeating: 0, count: latentChannels)
        self.latentScale = latentScale ?? [Float](repeating: 1, count: latentChannels)
        self.timestepShift = timestepShift
        self.vaeID = vaeID
        self.spatialFactor = spatialFactor
        self.temporalFactor = temporalFactor
        self.defaultSteps = defaultSteps
        self.defaultGuidance = defaultGuidance
        self.trainedSizes = trainedSizes
        self.maxFrames = maxFrames
        self.id = id
        self.recipe = recipe
        self.prediction = prediction
    }

    /// Values per token: latent channels x patch rows x patch columns.
    public var tokenDim: Int { latentChannels * patchHeight * patchWidth }
    public var headDim: Int { width / heads }
    /// The patch as reel-patchify writes it (`1xPHxPW`).
    public var patchDescription: String { "1x\(patchHeight)x\(patchWidth)" }

    /// Throws unless every size is one this implementation builds.
    public func validate() throws(DiTError) {
        for (name, v, lo, hi) in [("latentChannels", latentChannels, 1, 256), ("patchHeight", patchHeight, 1, 8),
                                  ("patchWidth", patchWidth, 1, 8), ("width", width, 8, 2048), ("depth", depth, 1, 64),
                                  ("heads", heads, 1, 64), ("mlpRatio", mlpRatio, 1, 16), ("textWidth", textWidth, 1, 4096),
                                  ("defaultSteps", defaultSteps, 1, 1000), ("maxFrames", maxFrames, 1, 100_000)]
            where v < lo || v > hi {
            throw .badConfig("\(name) is \(v), expected \(lo) to \(hi)")
        }
        guard width % heads == 0 else { throw .badConfig("width \(width) is not divisible by heads \(heads)") }
        guard ropeT % 2 == 0, ropeH % 2 == 0, ropeW % 2 == 0, ropeT + ropeH + ropeW == headDim else {
            throw .badConfig("rotary widths \(ropeT)+\(ropeH)+\(ropeW) must be even and add up to the head width \(headDim)")
        }
        guard latentShift.count == latentChannels, latentScale.count == latentChannels,
              latentShift.allSatisfy(\.isFinite), latentScale.allSatisfy({ $0.isFinite && $0 > 0 }) else {
            throw .badConfig("latentShift and latentScale need \(latentChannels) finite values each, the scales positive")
        }
        guard timestepShift.isFinite, timestepShift > 0 else { throw .badConfig("timestepShift \(timestepShift) must be positive") }
        guard defaultGuidance.isFinite, defaultGuidance >= 0 else { throw .badConfig("defaultGuidance \(defaultGuidance) must be 0 or more") }
        if let g = defaultGuidanceBelow, !(g > 0 && g <= 1) { throw .badConfig("defaultGuidanceBelow \(g) must be a level above 0, at most 1") }
    }

    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }

    public static func decode(_ data: Data, name: String) throws(DiTError) -> DiTConfig {
        let config: DiTConfig
        do { config = try JSONDecoder().decode(DiTConfig.self, from: data) } catch {
            throw .badConfig("\(name) is not a diffusion transformer config: \(error)")
        }
        try config.validate()
        return config
    }
}

/// The network's target. With `.sample` the last layer predicts x0 and only the data, not the
/// noise, must pass through the network's width (as JiT, "Back to Basics: Let Denoising
/// Generative Models Denoise", argues for tokens of many values: here 128 per token against a
/// width of 192); training's loss stays on the velocity.
public enum DiTPrediction: String, Codable, Sendable, CaseIterable {
    case velocity
    case sample

    /// The smallest level the velocity divides by: below it v = (x_t - x0) / 0.05.
    public static let minimumLevel: Float = 0.05
}

/// Everything that can go wrong in ReelDiT, with a message for `reel-<tool>: <message>`.
public enum DiTError: Error, Equatable, Sendable, CustomStringConvertible {
    case badConfig(String)
    case badWeights(String)
    case cannotOpen(String)
    /// Input data the model cannot serve (another latent width, patch, factor).
    case badInput(String)
    /// A request the model cannot serve (size, length): a usage error.
    case unsupported(String)

    public var description: String {
        switch self {
        case .badConfig(let s), .badWeights(let s), .cannotOpen(let s), .badInput(let s), .unsupported(let s): return s
        }
    }
}

extension DiTError: ReelError {
    /// A missing model 66, a request the model cannot serve 64, bad data 65.
    public var kind: ErrorKind {
        switch self {
        case .cannotOpen: .missingInput
        case .unsupported: .usage
        case .badConfig, .badWeights, .badInput: .badData
        }
    }
}
