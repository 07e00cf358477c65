// Prompt expansion (Sora's re-captioning, for the shapes world): a short
// prompt becomes a detailed caption in the style the model was trained on.
// Every attribute the prompt names is pinned; the others are drawn from the
// training distribution conditioned on the pinned ones (ReelWorld's
// SceneSampler), and ReelWorld's one caption writer renders the scene.
import ReelWorld

/// Why a prompt cannot be expanded.
public enum PromptExpansionError: Error, Equatable, CustomStringConvertible, Sendable {
    /// More objects than a scene holds.
    case tooManyObjects(named: Int)
    /// The named attributes break a rule of the world (colour on background, ...).
    case world(WorldError)

    public var description: String {
        switch self {
        case .tooManyObjects(let n):
            return "the prompt names \(n) objects, but a shapes-world scene holds 1 to 3 (use --no-expand to embed it as is)"
        case .world(let e):
            return "the prompt cannot be expanded: \(e) (use --no-expand to embed it as is)"
        }
    }
}

/// The result of expanding one prompt.
public struct PromptExpansion: Sendable {
    /// The prompt as given.
    public var prompt: String
    /// The detailed caption; nil when no word of the prompt is in the
    /// vocabulary, so there was nothing to expand.
    public var caption: String?
    /// What the prompt names.
    public var parsed: ParsedPrompt
    /// The sampled scene the caption describes.
    public var scene: Scene?
    public var seed: UInt64
    /// Messages for the person: unknown words, unsupported phrases.
    public var warnings: [String]
}

public struct PromptExpander: Sendable {
    /// The canvas scenes are sampled on. Captions place objects by thirds of
    /// the frame, so only the aspect ratio matters, a little.
    public var width: Int
    public var height: Int
    public var frames: Int

    public init(width: Int = 64, height: Int = 64, frames: Int = 16) {
        self.width = width; self.height = height; self.frames = frames
    }

    /// Motions a directionless verb ("moving", "drifting") can mean: those that change position.
    static let travelMotions: [Motion] = [.movesLeft, .movesRight, .movesUp, .movesDown, .bounces, .circles]

    /// How often a training short prompt names the second object of a scene
    /// with more than one (Captions.shortPrompt: "withSecond", 0.4); a third
    /// object is never named.
    static let secondObjectMentionRate = 0.4

    /// The object count given that a prompt names `named` objects without
    /// stating a count: the training prior (SceneSampler.objectCountWeights)
    /// times the chance that a short prompt of such a scene names exactly
    /// `named` objects. "a red ball" is one object with probability 0.625.
    static func objectCount<G: RandomNumberGenerator>(named: Int, rng: inout G) -> Int? {
        guard named >= 1 && named < 3 else { return nil }
        var options: [(Int, Double)] = []
        for (n, prior) in SceneSampler.objectCountWeights where n >= named {
            let mention = named == 1 ? (n == 1 ? 1 : 1 - secondObjectMentionRate) : secondObjectMentionRate
            options.append((n, prior * mention))
        }
        let total = options.reduce(0) { $0 + $1.1 }
        var u = Double(rng.next() >> 11) * 0x1p-53 * total
        for (n, w) in options {
            if u < w { return n }
            u -= w
        }
        return options.last?.0
    }

    /// The sampler's constraints for a parsed prompt. A directionless motion
    /// verb picks one of `travelMotions`, and the object count is drawn as
    /// `objectCount(named:)` says unless the prompt states it, with `rng`.
    public func constraints<G: RandomNumberGenerator>(for parsed: ParsedPrompt, rng: inout G) throws -> SceneConstraints {
        let named = parsed.objectCount
        guard named <= 3 else { throw PromptExpansionError.tooManyObjects(named: named) }
        var objects: [ObjectConstraints] = []
        for group in parsed.objects {
            for _ in 0..<group.count {
                var motion = group.motion
                if motion == nil && group.moves {
                    motion = Self.travelMotions[Int(rng.next() % UInt64(Self.travelMotions.count))]
                }
                objects.append(ObjectConstraints(shape: group.shape, color: group.color, size: group.size,
                                                 motion: motion, speed: group.speed))
            }
        }
        let count = parsed.countStated ? max(1, named) : Self.objectCount(named: named, rng: &rng)
        return SceneConstraints(background: parsed.background, camera: parsed.camera,
                                objectCount: count, objects: objects)
    }

    /// Expands `prompt`; the same prompt and seed always give the same caption.
    public func expand(_ prompt: String, seed: UInt64) throws -> PromptExpansion {
        let parsed = PromptParser.parse(prompt)
        var warnings: [String] = []
        for phrase in parsed.unsupportedPhrases {
            warnings.append("\"\(phrase)\" is not in the shapes world (backgrounds: "
                + Background.allCases.map(\.rawValue).joined(separator: ", ") + "); ignored by the expansion")
        }
        guard parsed.namesAnything else {
            let unknown = parsed.unknownWords.isEmpty ? "" : " (unknown: " + parsed.unknownWords.joined(separator: ", ") + ")"
            warnings.append("no word of the prompt is in the shapes world vocabulary\(unknown); the prompt is embedded as is")
            return PromptExpansion(prompt: prompt, caption: nil, parsed: parsed, scene: nil, seed: seed, warnings: warnings)
        }
        if !parsed.unknownWords.isEmpty {
            warnings.append("words outside the shapes world vocabulary: " + parsed.unknownWords.joined(separator: ", ")
                + "; the prompt keeps them, the caption does not")
        }
        // Directionless motion verbs and the object count draw from their own
        // stream, so the scene sampler sees the same generator whatever the prompt says.
        var motionRNG = SplitMix64(seed: SplitMix64.mix(seed ^ 0x6D6F_7469_6F6E))
        let constraints = try constraints(for: parsed, rng: &motionRNG)
        let scene: Scene
        do {
            scene = try SceneSampler.sample(seed: seed, width: width, height: height, frames: frames, constraints: constraints)
        } catch {
            throw PromptExpansionError.world(error)
        }
        return PromptExpansion(prompt: prompt, caption: Captions.detailed(scene), parsed: parsed, scene: scene,
                               seed: seed, warnings: warnings)
    }
}
