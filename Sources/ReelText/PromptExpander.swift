// Prompt expansion (Sora's re-captioning, for the shapes world): a short
// prompt becomes a detailed caption in the style the model was trained on.
// Every attribute the prompt names is pinned; the others are drawn from the
// training distribution conditioned on the pinned ones (ReelWorld's
// SceneSampler), and ReelWorld's one caption writer renders the scene.
//
// Filling in never changes what the prompt said:
//   - a prompt that names objects gets exactly those objects (no extra one
//     unless it states a count); only a prompt that says nothing about
//     objects has its object count drawn;
//   - the camera does not pan along the axis of a named straight-line motion
//     (pans are horizontal, so: a named "moves left/right", or a "moving" that
//     became one), nor over a named still object, unless the prompt names the
//     camera: such a scene's camera is static;
//   - a colour the training rule excludes on a named background (closer than
//     80) is kept, with a warning, never refused;
//   - a prompt that names nothing recognizable still gets a scene, drawn from
//     the training distribution.
import ReelSystem
import ReelWorld

/// Why a prompt cannot be expanded.
public enum PromptExpansionError: Error, Equatable, CustomStringConvertible, Sendable {
    /// More objects than a scene holds.
    case tooManyObjects(named: Int)
    /// The canvas or frame count is not a valid shapes-world clip.
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
    /// The detailed caption (always made; optional for source compatibility).
    public var caption: String?
    /// What the prompt names.
    public var parsed: ParsedPrompt
    /// What the sampler was asked to keep.
    public var constraints: SceneConstraints
    /// The sampled scene the caption describes.
    public var scene: Scene?
    public var seed: UInt64
    /// Messages for the person: words read by meaning, unknown words, unsupported phrases.
    public var warnings: [String]
    /// Which words gave which attribute and what was filled in (`--explain`).
    public var explanation: [String]
}

public struct PromptExpander: Sendable {
    /// The canvas scenes are sampled on. Captions place objects by thirds of
    /// the frame, so only the aspect ratio matters, a little.
    public var width: Int
    public var height: Int
    public var frames: Int
    /// Maps words outside the vocabulary by embedding; nil: vocabulary, compounds and typos only.
    public var mapper: WordMapper?

    public init(width: Int = 64, height: Int = 64, frames: Int = 16, mapper: WordMapper? = nil) {
        self.width = width; self.height = height; self.frames = frames; self.mapper = mapper
    }

    /// Motions a directionless verb ("moving", "drifting") can mean: those that change position.
    static let travelMotions: [Motion] = [.movesLeft, .movesRight, .movesUp, .movesDown, .bounces, .circles]

    /// The sampler's constraints for a parsed prompt. A directionless motion
    /// verb picks one of `travelMotions` (less any the prompt rules out), a
    /// ruled-out motion leaves the others uniform, with `rng`. The object
    /// count is what the prompt names; the camera is static when the prompt
    /// names none and a named object is still or moves left or right.
    public func constraints<G: RandomNumberGenerator>(for parsed: ParsedPrompt, rng: inout G) throws -> SceneConstraints {
        let named = parsed.objectCount
        guard named <= 3 else { throw PromptExpansionError.tooManyObjects(named: named) }
        func pick(_ options: [Motion]) -> Motion? {
            options.isEmpty ? nil : options[Int(rng.next() % UInt64(options.count))]
        }
        var objects: [ObjectConstraints] = []
        for group in parsed.objects {
            for _ in 0..<group.count {
                var motion = group.motion
                if motion == nil && group.moves {
                    let options = group.passesAcross ? [Motion.movesLeft, .movesRight] : Self.travelMotions
                    motion = pick(options.filter { !group.excludedMotions.contains($0) })
                } else if motion == nil && !group.excludedMotions.isEmpty {
                    // As the sampler draws (never spins for a ball, never still with a speed), less the ruled out.
                    motion = pick(Motion.allCases.filter { m in
                        !group.excludedMotions.contains(m) && !(m == .spins && group.shape ?? .ball == .ball)
                            && !(m == .still && group.speed != nil)
                    })
                }
                let speed = motion == .still ? nil : group.speed
                objects.append(ObjectConstraints(shape: group.shape, color: group.color, size: group.size,
                                                 motion: motion, speed: speed))
            }
        }
        var camera = parsed.camera
        if camera == nil, objects.contains(where: { $0.motion == .still || $0.motion?.lineDirection?.dx ?? 0 != 0 }) {
            camera = .static
        }
        var nearBackground = false
        if let b = parsed.background { nearBackground = objects.contains { $0.color.map { !b.allows($0) } ?? false } }
        return SceneConstraints(background: parsed.background, camera: camera,
                                objectCount: named == 0 ? nil : named, objects: objects,
                                allowsColorsNearBackground: nearBackground)
    }

    /// Expands `prompt`; the same prompt and seed always give the same caption.
    public func expand(_ prompt: String, seed: UInt64) throws -> PromptExpansion {
        let parsed = PromptParser.parse(prompt, mapper: mapper)
        var warnings: [String] = []
        if !parsed.readings.isEmpty {
            warnings.append("read by meaning: " + parsed.readings.map(\.description).joined(separator: ", "))
        }
        for phrase in parsed.unsupportedPhrases {
            warnings.append("\"\(phrase)\" is not in the shapes world (backgrounds: "
                + Background.allCases.map(\.rawValue).joined(separator: ", ") + "; object colours: "
                + ObjectColor.allCases.map(\.rawValue).joined(separator: ", ") + "); ignored by the expansion")
        }
        if !parsed.unknownWords.isEmpty {
            warnings.append("words outside the shapes world vocabulary: " + parsed.unknownWords.joined(separator: ", ")
                + "; the prompt keeps them, the caption does not")
        }
        if !parsed.namesAnything {
            warnings.append("no word of the prompt names anything in the shapes world; "
                + "the caption describes a scene drawn from the training distribution")
        }
        for group in parsed.objects where group.motion == .still {
            if let s = group.speed { warnings.append("speed '\(s.rawValue)' is dropped: a still object has no speed") }
        }
        // Directionless motion verbs draw from their own stream, so the scene
        // sampler sees the same generator whatever the prompt says.
        var motionRNG = SplitMix64(seed: SplitMix64.mix(seed ^ 0x6D6F_7469_6F6E))
        let constraints = try constraints(for: parsed, rng: &motionRNG)
        if constraints.allowsColorsNearBackground, let b = constraints.background {
            for c in Set(constraints.objects.compactMap(\.color)) where !b.allows(c) {
                let d = Int(b.distance(to: c.rgb).rounded())
                warnings.append("a \(c.rawValue) object on the \(b.rawValue) background is \(d) from its colour, closer than "
                    + "\(Int(minimumColorDistance)): outside what the model was trained on; kept as asked, it may be hard to see")
            }
        }
        let scene: Scene
        do {
            scene = try SceneSampler.sample(seed: seed, width: width, height: height, frames: frames, constraints: constraints)
        } catch {
            throw PromptExpansionError.world(error)
        }
        return PromptExpansion(prompt: prompt, caption: Captions.detailed(scene), parsed: parsed, constraints: constraints,
                               scene: scene, seed: seed, warnings: warnings,
                               explanation: Self.explain(parsed, constraints, scene))
    }

    /// Which words gave which attribute, then what was filled in and why.
    static func explain(_ parsed: ParsedPrompt, _ c: SceneConstraints, _ scene: Scene) -> [String] {
        var lines = parsed.attributions.map(\.description)
        if !parsed.unknownWords.isEmpty { lines.append("not read: " + parsed.unknownWords.joined(separator: ", ")) }
        // Named objects, in prompt order, and the scene objects they became.
        var owner: [Int] = []
        for (k, g) in parsed.objects.enumerated() { owner += [Int](repeating: k, count: g.count) }
        for (k, o) in scene.objects.enumerated() {
            let pin = k < c.objects.count ? c.objects[k] : ObjectConstraints()
            var filled: [String] = []
            if pin.shape == nil { filled.append("shape \(o.shape.rawValue)") }
            if pin.color == nil { filled.append("colour \(o.color.rawValue)") }
            if pin.size == nil { filled.append("size \(o.size.rawValue)") }
            let group = k < owner.count ? parsed.objects[owner[k]] : nil
            if pin.motion == nil {
                filled.append("motion \(o.motion.rawValue)")
            } else if group?.motion == nil, let m = pin.motion {
                let why = group?.passesAcross == true ? "for \"passes\"" : group?.moves == true ? "for \"moves\"" : "not a ruled-out motion"
                filled.append("motion \(m.rawValue) (\(why))")
            }
            if pin.speed == nil, let s = o.speed { filled.append("speed \(s.rawValue)") }
            let name = k < owner.count ? "object \(k + 1)" : "object \(k + 1) (not named: the prompt names no object)"
            if !filled.isEmpty { lines.append("filled in, \(name): " + filled.joined(separator: ", ")) }
        }
        if c.background == nil { lines.append("filled in, background: \(scene.background.rawValue)") }
        if parsed.camera == nil {
            if c.camera == .static {
                lines.append("filled in, camera: static (no pan along a named left/right motion or over a still object)")
            } else {
                lines.append("filled in, camera: \(scene.camera.rawValue)")
            }
        }
        if c.objectCount == nil { lines.append("filled in, object count: \(scene.objects.count)") }
        return lines
    }
}

extension PromptExpansionError: ReelError {
    /// A prompt the world cannot show is bad data (the prompt is the tool's input).
    public var kind: ErrorKind { .badData }
}
