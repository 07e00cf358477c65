// Clips as reel-synth makes them: a seed per clip, its scene, its texts.

/// One captioned clip of the shapes world.
public struct SynthClip: Sendable {
    /// Position in the dataset; the file names use it.
    public let index: Int
    /// SplitMix64.clipSeed(datasetSeed, index): the scene's seed.
    public let seed: UInt64
    public let scene: Scene
    /// Captions.shortPrompt, drawn from a generator seeded by the clip seed.
    public let prompt: String
    /// Captions.detailed.
    public let caption: String

    /// Clip `index` of the dataset made from `seed`: the same clip whatever
    /// the count or the first index of the run.
    public init(datasetSeed seed: UInt64, index: Int, width: Int, height: Int, frames: Int,
                constraints: SceneConstraints = .none) throws(WorldError) {
        self.index = index
        self.seed = SplitMix64.clipSeed(seed, index: index)
        scene = try SceneSampler.sample(seed: self.seed, width: width, height: height, frames: frames,
                                        constraints: constraints)
        var promptRNG = SplitMix64(seed: SplitMix64.mix(self.seed ^ 0x5052_4F4D_5054))
        prompt = Captions.shortPrompt(scene, rng: &promptRNG)
        caption = Captions.detailed(scene)
    }

    /// "clip-000042": the stem of the clip's files in a dataset directory.
    public var name: String { SynthClip.name(index) }

    public static func name(_ index: Int) -> String {
        let digits = String(index)
        return "clip-" + String(repeating: "0", count: max(0, 6 - digits.count)) + digits
    }
}
