// The video compression network's configuration: the JSON file beside its weights.

import ReelSystem
import Foundation

/// Sizes of a CausalVideoVAE. Stored as JSON beside the safetensors weights
/// (`vae-default.json` beside `vae-default.safetensors`).
public struct VAEConfig: Codable, Equatable, Sendable {
    /// Pixels per latent cell along each side: 4 or 8.
    public var spatialFactor: Int
    /// Video frames per latent frame after the first (always 4).
    public var temporalFactor: Int
    /// Channels of the latent (mean and log-variance each have this many).
    public var latentChannels: Int
    /// Channels of the stage at 1/4 resolution.
    public var baseChannels: Int
    /// Residual blocks at 1/4 resolution (encoder and decoder each).
    public var baseBlocks: Int
    /// Channels of the second stage: at 1/4 resolution (spatial factor 4) or 1/8 (spatial factor 8).
    public var deepChannels: Int
    /// Residual blocks in the deep stage (encoder and decoder each).
    public var deepBlocks: Int
    /// Mean and standard deviation of the latent means over the training data:
    /// a diffusion model works on (z - latentShift) / latentScale.
    public var latentShift: Float
    public var latentScale: Float
    /// The model id written into latent streams (HEAD's model field).
    public var id: String
    /// How the weights were made (dataset, steps, seed), for people.
    public var recipe: String

    public init(spatialFactor: Int = 4, temporalFactor: Int = 4, latentChannels: Int = 32, baseChannels: Int = 96,
                baseBlocks: Int = 1, deepChannels: Int = 96, deepBlocks: Int = 2, latentShift: Float = 0,
                latentScale: Float = 1, id: String = "", recipe: String = "") {
        self.spatialFactor = spatialFactor
        self.temporalFactor = temporalFactor
        self.latentChannels = latentChannels
        self.baseChannels = baseChannels
        self.baseBlocks = baseBlocks
        self.deepChannels = deepChannels
        self.deepBlocks = deepBlocks
        self.latentShift = latentShift
        self.latentScale = latentScale
        self.id = id
        self.recipe = recipe
    }

    /// Throws unless every size is one this implementation builds.
    public func validate() throws(VAEError) {
        guard spatialFactor == 4 || spatialFactor == 8 else {
            throw .badConfig("spatialFactor is \(spatialFactor), expected 4 or 8")
        }
        guard temporalFactor == 4 else { throw .badConfig("temporalFactor is \(temporalFactor), expected 4") }
        for (name, v, lo, hi) in [("latentChannels", latentChannels, 1, 256), ("baseChannels", baseChannels, 1, 1024),
                                  ("deepChannels", deepChannels, 1, 1024), ("baseBlocks", baseBlocks, 0, 32),
                                  ("deepBlocks", deepBlocks, 0, 32)] where v < lo || v > hi {
            throw .badConfig("\(name) is \(v), expected \(lo) to \(hi)")
        }
        guard latentScale.isFinite, latentScale > 0, latentShift.isFinite else {
            throw .badConfig("latentScale \(latentScale) / latentShift \(latentShift) must be finite, the scale positive")
        }
    }

    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }

    public static func decode(_ data: Data, name: String) throws(VAEError) -> VAEConfig {
        let config: VAEConfig
        do { config = try JSONDecoder().decode(VAEConfig.self, from: data) } catch {
            throw .badConfig("\(name) is not a VAE config: \(error)")
        }
        try config.validate()
        return config
    }
}

/// Everything that can go wrong in ReelVAE, with a message for `reel-<tool>: <message>`.
public enum VAEError: Error, Equatable, Sendable, CustomStringConvertible {
    case badConfig(String)
    case badWeights(String)
    case cannotOpen(String)
    case badInput(String)
    /// Training options that cannot work (exit 64).
    case usage(String)

    public var description: String {
        switch self {
        case .badConfig(let s), .badWeights(let s), .cannotOpen(let s), .badInput(let s), .usage(let s): return s
        }
    }
}

extension VAEError: ReelError {
    public var kind: ErrorKind {
        switch self {
        case .cannotOpen: .missingInput
        case .usage: .usage
        case .badConfig, .badWeights, .badInput: .badData
        }
    }
}
