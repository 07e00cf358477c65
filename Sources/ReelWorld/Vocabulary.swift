// The shapes world's vocabulary (reel-world(7)): every word a caption, a prompt or a
// score may use, as enums whose raw values are exactly reel-world(7)'s words.

/// An sRGB colour, 0-255 per channel.
public struct RGB: Hashable, Codable, Sendable, CustomStringConvertible {
    public var r: UInt8
    public var g: UInt8
    public var b: UInt8

    public init(_ r: UInt8, _ g: UInt8, _ b: UInt8) {
        self.r = r
        self.g = g
        self.b = b
    }

    /// Euclidean distance in RGB, the measure reel-world(7)'s colour rule uses.
    public func distance(to other: RGB) -> Double {
        let dr = Double(r) - Double(other.r)
        let dg = Double(g) - Double(other.g)
        let db = Double(b) - Double(other.b)
        return (dr * dr + dg * dg + db * db).squareRoot()
    }

    /// Linear mix in sRGB: `t` = 0 gives self, 1 gives `other`.
    public func mixed(with other: RGB, _ t: Double) -> RGB {
        func ch(_ a: UInt8, _ b: UInt8) -> UInt8 {
            UInt8(max(0, min(255, (Double(a) + (Double(b) - Double(a)) * t).rounded())))
        }
        return RGB(ch(r, other.r), ch(g, other.g), ch(b, other.b))
    }

    public var description: String { "(\(r),\(g),\(b))" }

    // Encoded as a JSON array [r, g, b].
    public init(from decoder: Decoder) throws {
        var c = try decoder.unkeyedContainer()
        r = try c.decode(UInt8.self)
        g = try c.decode(UInt8.self)
        b = try c.decode(UInt8.self)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.unkeyedContainer()
        try c.encode(r)
        try c.encode(g)
        try c.encode(b)
    }
}

/// Frames per second of every clip in the shapes world.
public let worldFPS = 8

/// Minimum Euclidean RGB distance between an object's colour and the
/// background's nearest colour.
public let minimumColorDistance = 80.0

// MARK: - Backgrounds

public enum Background: String, CaseIterable, Codable, Sendable {
    case black, white, gray, navy, sand
    case sky, sunset, night
    case checker, stripes

    public enum Kind: Sendable, Equatable {
        case solid(RGB)
        /// Vertical gradient, top colour to bottom colour.
        case gradient(top: RGB, bottom: RGB)
        /// Two colours in a horizontally repeating pattern (checker or stripes).
        case pattern(RGB, RGB)
    }

    public var kind: Kind {
        switch self {
        case .black: return .solid(RGB(12, 12, 16))
        case .white: return .solid(RGB(244, 244, 240))
        case .gray: return .solid(RGB(128, 128, 128))
        case .navy: return .solid(RGB(20, 30, 80))
        case .sand: return .solid(RGB(220, 200, 150))
        case .sky: return .gradient(top: RGB(90, 160, 230), bottom: RGB(190, 220, 250))
        case .sunset: return .gradient(top: RGB(250, 150, 60), bottom: RGB(120, 50, 130))
        case .night: return .gradient(top: RGB(5, 5, 25), bottom: RGB(30, 30, 70))
        case .checker: return .pattern(RGB(100, 100, 100), RGB(150, 150, 150))
        case .stripes: return .pattern(RGB(200, 200, 200), RGB(120, 120, 120))
        }
    }

    /// Colour of night's small fixed stars.
    public static let starColor = RGB(240, 240, 240)

    /// Whether a camera pan is visible in the background itself (texture or stars).
    public var isTextured: Bool { self == .checker || self == .stripes || self == .night }

    /// Distance from `color` to this background's nearest colour: for a
    /// gradient, the nearest point of the segment between its ends (the
    /// gradient is a linear mix); night's stars count as a colour.
    public func distance(to color: RGB) -> Double {
        switch kind {
        case .solid(let c):
            return c.distance(to: color)
        case .pattern(let a, let b):
            return min(a.distance(to: color), b.distance(to: color))
        case .gradient(let top, let bottom):
            let p = [Double(color.r), Double(color.g), Double(color.b)]
            let a = [Double(top.r), Double(top.g), Double(top.b)]
            let d = [Double(bottom.r) - a[0], Double(bottom.g) - a[1], Double(bottom.b) - a[2]]
            let dd = d[0] * d[0] + d[1] * d[1] + d[2] * d[2]
            let t = max(0, min(1, ((p[0] - a[0]) * d[0] + (p[1] - a[1]) * d[1] + (p[2] - a[2]) * d[2]) / dd))
            var s = 0.0
            for i in 0..<3 {
                let q = a[i] + t * d[i] - p[i]
                s += q * q
            }
            let gradientDistance = s.squareRoot()
            if self == .night { return min(gradientDistance, Background.starColor.distance(to: color)) }
            return gradientDistance
        }
    }

    /// reel-world(7)'s colour rule: an object colour is allowed on this background
    /// when it is at least 80 away from the background's nearest colour.
    public func allows(_ color: ObjectColor) -> Bool {
        distance(to: color.rgb) >= minimumColorDistance
    }

    /// Object colours allowed on this background, in declaration order.
    public var allowedColors: [ObjectColor] { ObjectColor.allCases.filter { allows($0) } }

    /// How a short prompt names the background ("on a white background", "at night").
    public var promptPhrase: String {
        switch self {
        case .black, .white, .gray, .navy, .sand: return "on a \(rawValue) background"
        case .sky: return "in the sky"
        case .sunset: return "at sunset"
        case .night: return "at night"
        case .checker: return "on a checkered background"
        case .stripes: return "on a striped background"
        }
    }

    /// The noun phrase the detailed caption uses ("a plain white wall").
    /// Phrases avoid every other vocabulary word so a caption names only
    /// the scene's own attributes.
    public var captionPhrase: String {
        switch self {
        case .black, .white, .gray, .navy, .sand: return "a plain \(rawValue) wall"
        case .sky: return "a clear daytime sky"
        case .sunset: return "a glowing sunset"
        case .night: return "a starry night"
        case .checker: return "a checker pattern"
        case .stripes: return "a pattern of vertical stripes"
        }
    }
}

// MARK: - Objects

public enum Shape: String, CaseIterable, Codable, Sendable {
    case ball, square, triangle, star

    /// Other words people use for the shape (reel-world(7) lists circle, sphere, box, cube, block).
    public var synonyms: [String] {
        switch self {
        case .ball: return ["circle", "sphere", "orb", "dot", "disc", "disk"]
        case .square: return ["box", "cube", "block", "rectangle"]
        case .triangle: return ["pyramid"]
        case .star: return ["pentagram"]
        }
    }

    /// Synonyms a short prompt may use in place of the word (reel-world(7)'s own list).
    public var promptSynonyms: [String] {
        switch self {
        case .ball: return ["circle", "sphere"]
        case .square: return ["box", "cube", "block"]
        case .triangle, .star: return []
        }
    }

    /// Whether a rotation of the shape can be seen (spins is visible for square, triangle, star).
    public var showsRotation: Bool { self != .ball }
}

public enum ObjectColor: String, CaseIterable, Codable, Sendable {
    case red, orange, yellow, green, blue, purple, pink, white, black

    public var rgb: RGB {
        switch self {
        case .red: return RGB(220, 40, 40)
        case .orange: return RGB(245, 140, 20)
        case .yellow: return RGB(240, 220, 40)
        case .green: return RGB(40, 170, 60)
        case .blue: return RGB(40, 80, 230)
        case .purple: return RGB(140, 60, 200)
        case .pink: return RGB(245, 120, 190)
        case .white: return RGB(245, 245, 245)
        case .black: return RGB(15, 15, 15)
        }
    }

    public var synonyms: [String] {
        switch self {
        case .red: return ["crimson", "scarlet", "ruby", "cherry"]
        case .orange: return ["amber", "tangerine"]
        case .yellow: return ["golden", "gold", "lemon"]
        case .green: return ["emerald", "lime"]
        case .blue: return ["azure", "cobalt", "sapphire"]
        case .purple: return ["violet", "lavender", "magenta"]
        case .pink: return ["rose", "rosy"]
        case .white: return ["snowy", "ivory"]
        case .black: return ["ebony", "jet-black", "inky"]
        }
    }
}

public enum ObjectSize: String, CaseIterable, Codable, Sendable {
    case small, medium, large

    /// The object's width over the canvas's short side.
    public var fraction: Double {
        switch self {
        case .small: return 0.15
        case .medium: return 0.25
        case .large: return 0.40
        }
    }

    public var synonyms: [String] {
        switch self {
        case .small: return ["tiny", "little", "mini"]
        case .medium: return ["mid-sized", "midsize", "average"]
        case .large: return ["big", "huge", "giant", "enormous"]
        }
    }
}

public enum Motion: String, CaseIterable, Codable, Sendable {
    case still
    case movesLeft = "moves left"
    case movesRight = "moves right"
    case movesUp = "moves up"
    case movesDown = "moves down"
    case bounces, circles, grows, shrinks, spins

    /// Whether the motion has a speed (everything but still).
    public var hasSpeed: Bool { self != .still }

    /// Straight-line direction (x, y) in frame coordinates (y down), if any.
    public var lineDirection: (dx: Double, dy: Double)? {
        switch self {
        case .movesLeft: return (-1, 0)
        case .movesRight: return (1, 0)
        case .movesUp: return (0, -1)
        case .movesDown: return (0, 1)
        default: return nil
        }
    }

    /// The motion the way a short prompt types it ("bouncing", "moving left").
    public var progressive: String {
        switch self {
        case .still: return "sitting still"
        case .movesLeft: return "moving left"
        case .movesRight: return "moving right"
        case .movesUp: return "moving up"
        case .movesDown: return "moving down"
        case .bounces: return "bouncing"
        case .circles: return "circling"
        case .grows: return "growing"
        case .shrinks: return "shrinking"
        case .spins: return "spinning"
        }
    }

    /// Every surface form a person may type for the motion, multi-word ones included.
    public var phrases: [String] {
        switch self {
        case .still: return ["still", "sitting still", "stays still", "standing still", "motionless", "stationary", "resting", "not moving"]
        case .movesLeft: return ["moves left", "moving left", "move left", "goes left", "going left", "heading left", "rolling left", "slides left", "sliding left", "leftward", "leftwards", "to the left"]
        case .movesRight: return ["moves right", "moving right", "move right", "goes right", "going right", "heading right", "rolling right", "slides right", "sliding right", "rightward", "rightwards", "to the right"]
        case .movesUp: return ["moves up", "moving up", "move up", "goes up", "going up", "rising", "rises", "floating up", "floats up", "upward", "upwards"]
        case .movesDown: return ["moves down", "moving down", "move down", "goes down", "going down", "falling", "falls", "sinking", "sinks", "downward", "downwards"]
        case .bounces: return ["bounces", "bouncing", "bounce", "bouncy", "hopping", "hops", "jumping", "jumps"]
        case .circles: return ["circles", "circling", "moves in a circle", "moving in a circle", "orbiting", "orbits", "going around", "goes around", "round and round"]
        case .grows: return ["grows", "growing", "grow", "expanding", "expands", "getting bigger", "gets bigger", "swelling"]
        case .shrinks: return ["shrinks", "shrinking", "shrink", "contracting", "contracts", "getting smaller", "gets smaller"]
        case .spins: return ["spins", "spinning", "spin", "rotating", "rotates", "rotate", "turning", "twirling", "whirling"]
        }
    }
}

public enum Speed: String, CaseIterable, Codable, Sendable {
    case slowly, quickly

    /// Speed along the axis of motion, in canvas extents per second (reel-world(7)):
    /// widths for left/right and circles, heights for up/down and bounces. The
    /// same number is used as turns per second for spins and as nominal sizes
    /// per second for grows and shrinks.
    public var value: Double {
        switch self {
        case .slowly: return 0.25
        case .quickly: return 0.6
        }
    }

    public var synonyms: [String] {
        switch self {
        case .slowly: return ["slow", "slowly", "gently", "gentle", "leisurely", "lazily", "lazy"]
        case .quickly: return ["quick", "quickly", "fast", "rapidly", "rapid", "swiftly", "swift", "speedy"]
        }
    }
}

public enum Camera: String, CaseIterable, Codable, Sendable {
    case `static` = "static"
    case pansLeft = "pans left"
    case pansRight = "pans right"

    /// How the scene moves in the frame, in canvas widths per second:
    /// a camera that pans left sees the scene slide right (+x), and the reverse.
    public var sceneVelocity: Double {
        switch self {
        case .static: return 0
        case .pansLeft: return 0.2
        case .pansRight: return -0.2
        }
    }

    public var phrases: [String] {
        switch self {
        case .static: return ["static", "static camera", "camera is static", "still camera", "fixed camera", "locked camera", "locked-off camera", "tripod"]
        case .pansLeft: return ["pans left", "panning left", "pan left", "camera pans left", "camera panning left"]
        case .pansRight: return ["pans right", "panning right", "pan right", "camera pans right", "camera panning right"]
        }
    }
}

// MARK: - Synonym table and phrase matching

/// One attribute value named in a text.
public enum Term: Hashable, Sendable {
    case shape(Shape)
    case color(ObjectColor)
    case size(ObjectSize)
    case motion(Motion)
    case speed(Speed)
    case background(Background)
    case camera(Camera)
}

/// Lookup from words and phrases to attribute values, synonyms included.
public enum Vocabulary {
    /// Every phrase (lower case, words separated by single spaces) mapped to its term.
    /// Canonical words map to themselves; object colours win over solid backgrounds
    /// for the bare words "white" and "black" ("white background" is a background).
    public static let table: [String: Term] = {
        var t: [String: Term] = [:]
        func add(_ phrase: String, _ term: Term) { if t[phrase] == nil { t[phrase] = term } }
        for b in Background.allCases {
            add("\(b.rawValue) background", .background(b))
            add("\(b.rawValue) wall", .background(b))
            add("\(b.rawValue) backdrop", .background(b))
        }
        add("grey background", .background(.gray))
        add("grey wall", .background(.gray))
        add("dark blue background", .background(.navy))
        add("blue sky", .background(.sky))
        add("night sky", .background(.night))
        add("starry sky", .background(.night))
        add("starry night", .background(.night))
        add("daytime sky", .background(.sky))
        add("sunset sky", .background(.sunset))
        add("checkered background", .background(.checker))
        add("checkerboard background", .background(.checker))
        add("striped background", .background(.stripes))
        for c in Camera.allCases { for p in c.phrases { add(p, .camera(c)) } }
        for m in Motion.allCases { for p in m.phrases { add(p, .motion(m)) } }
        for s in Shape.allCases {
            add(s.rawValue, .shape(s))
            add(s.rawValue + "s", .shape(s))
            for w in s.synonyms { add(w, .shape(s)); add(w + (w.hasSuffix("x") ? "es" : "s"), .shape(s)) }
        }
        for c in ObjectColor.allCases {
            add(c.rawValue, .color(c))
            for w in c.synonyms { add(w, .color(c)) }
        }
        add("grey", .background(.gray))
        add("gray", .background(.gray))
        add("navy", .background(.navy))
        add("sand", .background(.sand))
        add("sandy", .background(.sand))
        add("beach", .background(.sand))
        add("desert", .background(.sand))
        add("sky", .background(.sky))
        add("daytime", .background(.sky))
        add("sunset", .background(.sunset))
        add("dusk", .background(.sunset))
        add("night", .background(.night))
        add("nighttime", .background(.night))
        add("stars", .background(.night))
        add("starry", .background(.night))
        add("checker", .background(.checker))
        add("checkered", .background(.checker))
        add("checkerboard", .background(.checker))
        add("checkers", .background(.checker))
        add("stripes", .background(.stripes))
        add("striped", .background(.stripes))
        for s in ObjectSize.allCases {
            add(s.rawValue, .size(s))
            for w in s.synonyms { add(w, .size(s)) }
        }
        for s in Speed.allCases {
            add(s.rawValue, .speed(s))
            for w in s.synonyms { add(w, .speed(s)) }
        }
        return t
    }()

    /// The longest phrase in `table`, in words.
    public static let longestPhrase: Int = table.keys.map { $0.split(separator: " ").count }.max() ?? 1

    /// Lower-cased words of `text`; letters, digits, hyphens and apostrophes are kept.
    public static func words(_ text: String) -> [String] {
        var out: [String] = []
        var cur = ""
        for ch in text.lowercased() {
            if ch.isLetter || ch.isNumber || ch == "-" || ch == "'" {
                cur.append(ch)
            } else if !cur.isEmpty {
                out.append(cur)
                cur = ""
            }
        }
        if !cur.isEmpty { out.append(cur) }
        return out
    }

    /// The terms named in `text`, in order, by greedy longest-phrase matching
    /// over its words: "crimson sphere bouncing on a white background" gives
    /// [color(red), shape(ball), motion(bounces), background(white)].
    public static func terms(in text: String) -> [Term] {
        let w = words(text)
        var out: [Term] = []
        var i = 0
        while i < w.count {
            var matched = false
            var n = min(longestPhrase, w.count - i)
            while n >= 1 {
                let phrase = w[i..<(i + n)].joined(separator: " ")
                if let term = table[phrase] {
                    out.append(term)
                    i += n
                    matched = true
                    break
                }
                n -= 1
            }
            if !matched { i += 1 }
        }
        return out
    }

    /// The canonical term for one word or phrase, if any ("cube" gives shape(square)).
    public static func term(for phrase: String) -> Term? {
        table[words(phrase).joined(separator: " ")]
    }
}
