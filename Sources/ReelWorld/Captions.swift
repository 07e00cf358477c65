// The one caption writer of the shapes world: training captions and prompt
// expansion both come from here, so they share one style.

public enum Captions {
    /// Where a point lies, by thirds of the frame: "near the center of the frame".
    public static func location(_ p: Point, width: Int, height: Int, horizontalOnly: Bool = false) -> String {
        let col = p.x < Double(width) / 3 ? 0 : (p.x < 2 * Double(width) / 3 ? 1 : 2)
        let row = horizontalOnly ? 1 : (p.y < Double(height) / 3 ? 0 : (p.y < 2 * Double(height) / 3 ? 1 : 2))
        switch (row, col) {
        case (0, 0): return "in the top left of the frame"
        case (0, 1): return "at the top of the frame"
        case (0, _): return "in the top right of the frame"
        case (1, 0): return "on the left side of the frame"
        case (1, 1): return "near the center of the frame"
        case (1, _): return "on the right side of the frame"
        case (_, 0): return "in the bottom left of the frame"
        case (_, 1): return "at the bottom of the frame"
        default: return "in the bottom right of the frame"
        }
    }

    /// One full sentence about an object, naming its size, colour, shape,
    /// motion and speed: "A small red ball bounces up and down quickly near
    /// the center of the frame." In an image (`image`: a single frame) the
    /// sentence names no motion: "A small red ball is near the center of the frame."
    public static func sentence(_ o: SceneObject, width: Int, height: Int, image: Bool = false) -> String {
        let subject = "A \(o.size.rawValue) \(o.color.rawValue) \(o.shape.rawValue)"
        if image { return "\(subject) is \(location(o.anchor, width: width, height: height))." }
        let speed = o.speed.map { " \($0.rawValue)" } ?? ""
        let at = location(o.anchor, width: width, height: height, horizontalOnly: o.motion == .bounces)
        switch o.motion {
        case .still: return "\(subject) stays still \(at)."
        case .movesLeft, .movesRight, .movesUp, .movesDown:
            return "\(subject) \(o.motion.rawValue)\(speed), starting \(at)."
        case .bounces: return "\(subject) bounces up and down\(speed) \(at)."
        case .circles: return "\(subject) circles\(speed) \(at)."
        case .grows: return "\(subject) grows\(speed) \(at)."
        case .shrinks: return "\(subject) shrinks\(speed) \(at)."
        case .spins: return "\(subject) spins\(speed) in place \(at)."
        }
    }

    /// The detailed caption: a sentence per object (back to front), the
    /// background, the camera. Names every attribute with its reel-world(7) word;
    /// a single frame (an image) has no motion, speed or camera words.
    public static func detailed(_ scene: Scene) -> String {
        let image = scene.frames == 1
        var parts = scene.objects.map { sentence($0, width: scene.width, height: scene.height, image: image) }
        parts.append("The background is \(scene.background.captionPhrase).")
        if image { return parts.joined(separator: " ") }
        switch scene.camera {
        case .static: parts.append("The camera is static.")
        case .pansLeft, .pansRight: parts.append("The camera \(scene.camera.rawValue).")
        }
        return parts.joined(separator: " ")
    }

    /// A short prompt the way a person types it ("red ball bouncing", "a blue
    /// square moving left on a white background"). It names a random subset
    /// of the scene's attributes, always the first object's shape, sometimes
    /// a synonym ("sphere", "cube"); every word it uses is true of the scene.
    /// A single frame's prompt names no motion or camera.
    public static func shortPrompt<G: RandomNumberGenerator>(_ scene: Scene, rng: inout G) -> String {
        guard let first = scene.objects.first else { return "" }
        func noun(_ o: SceneObject) -> String {
            let synonyms = o.shape.promptSynonyms
            if !synonyms.isEmpty, rng.unitInterval() < 0.2 { return rng.pick(synonyms) }
            return o.shape.rawValue
        }
        func object(_ o: SceneObject, color: Bool, size: Bool) -> String {
            var words: [String] = []
            if size { words.append(o.size.rawValue) }
            if color { words.append(o.color.rawValue) }
            words.append(noun(o))
            return words.joined(separator: " ")
        }
        func action(_ o: SceneObject, speed: Bool) -> String {
            guard let s = o.speed, speed else { return o.motion.progressive }
            return "\(o.motion.progressive) \(s.rawValue)"
        }
        let withColor = rng.unitInterval() < 0.85
        let withSize = rng.unitInterval() < 0.3
        let moving = scene.frames > 1
        let withMotion = rng.unitInterval() < 0.85 && moving
        let withSpeed = rng.unitInterval() < 0.3
        let withBackground = rng.unitInterval() < 0.35
        let withCamera = scene.camera != .static && rng.unitInterval() < 0.4 && moving
        let withSecond = scene.objects.count > 1 && rng.unitInterval() < 0.4
        let article = rng.unitInterval() < 0.4

        var text = (article ? "a " : "") + object(first, color: withColor, size: withSize)
        if withMotion { text += " " + action(first, speed: withSpeed) }
        if withSecond {
            let second = scene.objects[1]
            text += " and " + (article ? "a " : "") + object(second, color: withColor, size: false)
            if withMotion { text += " " + action(second, speed: false) }
        }
        if withBackground { text += " " + scene.background.promptPhrase }
        if withCamera { text += ", camera \(scene.camera == .pansLeft ? "panning left" : "panning right")" }
        return text.replacingAnArticles()
    }
}

extension String {
    /// " a orange" -> " an orange" inside the text.
    fileprivate func replacingAnArticles() -> String {
        var words = split(separator: " ", omittingEmptySubsequences: false).map(String.init)
        for i in words.indices.dropLast() where words[i] == "a" {
            if let c = words[i + 1].first, "aeiou".contains(c) { words[i] = "an" }
        }
        return words.joined(separator: " ")
    }
}
