// Reading a short prompt into the shapes-world attributes it names.
//
// Words and phrases map to attributes through ReelWorld's vocabulary
// (`Vocabulary.table`: WORLD.md's words and their synonyms, longest phrase
// first). On top of it this file reads the little grammar of a prompt:
//   - objects: colour, size, motion and speed words before a shape noun
//     belong to that object ("slowly spinning red star"); motion and speed
//     after it do too ("a ball bouncing quickly");
//   - counts: "two balls", "3 red stars", a plural noun ("balls") means two;
//   - the camera: "camera panning left", "the camera moves right" (a motion
//     after "camera" is a pan), "static camera";
//   - backgrounds: "on a sunset background", "under a blue sky", "at night";
//     a colour that is no background ("red background") is reported;
//   - motion verbs without a direction ("drifting", "moving") mean "not
//     still" and take a direction when one follows ("drifting to the right").
// Words that are none of these and not filler ("a", "the", "on", ...) are
// unknown: the expansion warns about them and the prompt keeps them.
import ReelWorld

/// What a prompt says about one object (or a group of identical ones).
public struct NamedObject: Sendable, Equatable {
    public var shape: Shape?
    public var color: ObjectColor?
    public var size: ObjectSize?
    public var motion: Motion?
    public var speed: Speed?
    /// A motion verb without a direction ("moving", "drifting"): any motion but still.
    public var moves = false
    /// How many objects these words describe ("two balls": 2).
    public var count = 1

    public init(shape: Shape? = nil, color: ObjectColor? = nil, size: ObjectSize? = nil,
                motion: Motion? = nil, speed: Speed? = nil, moves: Bool = false, count: Int = 1) {
        self.shape = shape; self.color = color; self.size = size
        self.motion = motion; self.speed = speed; self.moves = moves; self.count = count
    }

    var isEmpty: Bool { shape == nil && color == nil && size == nil && motion == nil && speed == nil && !moves }
}

/// The attributes a prompt names, and the words it could not read.
public struct ParsedPrompt: Sendable, Equatable {
    public var objects: [NamedObject] = []
    public var background: Background?
    public var camera: Camera?
    /// Words outside the shapes world's vocabulary, in order, without repeats.
    public var unknownWords: [String] = []
    /// Phrases that name something the shapes world does not have ("red background").
    public var unsupportedPhrases: [String] = []
    /// The prompt says how many objects there are ("two balls", "3 stars", "balls").
    public var countStated = false

    public init() {}

    /// Number of objects the prompt names (groups expanded).
    public var objectCount: Int { objects.reduce(0) { $0 + $1.count } }

    /// Whether the prompt names any attribute at all.
    public var namesAnything: Bool { !objects.isEmpty || background != nil || camera != nil }
}

public enum PromptParser {
    /// Words that carry no attribute and are not unknown.
    static let fillerWords: Set<String> = [
        "a", "an", "the", "one", "some", "this", "that", "these", "those", "its", "it", "it's", "their", "there",
        "is", "are", "be", "being", "was", "while", "as", "and", "with", "plus", "also", "then", "both", "each",
        "on", "in", "into", "onto", "at", "of", "over", "against", "across", "under", "below", "above", "before",
        "front", "behind", "by", "through", "from", "to", "toward", "towards", "around", "along",
        "near", "next", "beside", "inside", "within", "like", "very", "really", "so", "too", "all", "way",
        "background", "backdrop", "wall", "scene", "frame", "video", "clip", "shot", "image", "picture",
        "animation", "footage", "view", "shape", "shapes", "object", "objects", "thing", "things",
        "color", "colour", "colored", "coloured", "sized", "size", "center", "centre", "middle", "side",
        "screen", "canvas", "camera", "plain", "simple", "solid", "bright", "dark", "light", "pale",
        "other", "another", "same", "together", "time", "place", "here",
    ]

    /// Motion verbs that say "it moves" without saying how.
    static let genericMotionWords: Set<String> = [
        "moving", "moves", "move", "going", "goes", "go", "drifting", "drifts", "drift", "heading", "heads",
        "floating", "floats", "sliding", "slides", "rolling", "rolls", "gliding", "glides", "travelling",
        "traveling", "travels", "flying", "flies", "zooming", "zooms", "racing", "races", "running", "runs",
        "wandering", "cruising", "speeding", "darting", "shooting", "sailing",
    ]

    /// Direction words that finish a generic motion verb ("drifting right").
    static let directions: [String: Motion] = [
        "left": .movesLeft, "right": .movesRight, "up": .movesUp, "down": .movesDown,
        "leftward": .movesLeft, "rightward": .movesRight, "upward": .movesUp, "downward": .movesDown,
        "leftwards": .movesLeft, "rightwards": .movesRight, "upwards": .movesUp, "downwards": .movesDown,
    ]

    static let numberWords: [String: Int] = [
        "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "2": 2, "3": 3, "4": 4, "5": 5, "6": 6,
        "pair": 2, "couple": 2, "single": 1, "1": 1, "lone": 1, "solo": 1,
    ]

    static let backgroundNouns: Set<String> = ["background", "backdrop", "wall", "backgrounds"]
    /// Words after which a colour that is also a background ("white", "black") is the background.
    static let backgroundPrepositions: Set<String> = ["on", "against", "over"]

    /// One token of the prompt after phrase matching.
    enum Token: Equatable {
        case term(Term, words: [String])
        case number(Int)
        case direction(Motion)
        case genericMotion
        case camera
        case filler(String)
        case unknown(String)
    }

    static func tokens(_ words: [String]) -> [Token] {
        var out: [Token] = []
        var i = 0
        while i < words.count {
            var n = min(Vocabulary.longestPhrase, words.count - i)
            var matched = false
            while n >= 1 {
                let phrase = words[i..<(i + n)].joined(separator: " ")
                // A lone direction word is a direction, not "moves left" etc.
                if n == 1, let d = directions[phrase] { out.append(.direction(d)); matched = true; break }
                if let term = Vocabulary.table[phrase] {
                    out.append(.term(term, words: Array(words[i..<(i + n)])))
                    matched = true
                    break
                }
                n -= 1
            }
            if matched { i += n; continue }
            let w = words[i]
            if let k = numberWords[w] { out.append(.number(k)) }
            else if genericMotionWords.contains(w) { out.append(.genericMotion) }
            else if w == "camera" || w == "cam" { out.append(.camera) }
            else if fillerWords.contains(w) { out.append(.filler(w)) }
            else { out.append(.unknown(w)) }
            i += 1
        }
        return out
    }

    /// The filler word before token `i`, articles skipped ("on a white": "on").
    static func wordBefore(_ i: Int, in toks: [Token]) -> String? {
        var k = i - 1
        while k >= 0 {
            guard case .filler(let w) = toks[k] else { return nil }
            if w != "a" && w != "an" && w != "the" && w != "plain" && w != "solid" { return w }
            k -= 1
        }
        return nil
    }

    /// Reads `prompt` (any case, any punctuation).
    public static func parse(_ prompt: String) -> ParsedPrompt {
        let words = Vocabulary.words(prompt)
        let toks = tokens(words)
        var result = ParsedPrompt()
        var pending = NamedObject()          // adjectives waiting for their noun
        var pendingCount: Int?
        var current: Int?                    // index of the object group motion words attach to
        var afterCamera = false              // the last content word was "camera"

        func attachMotion(_ m: Motion) {
            if let c = current, result.objects[c].motion == nil {
                result.objects[c].motion = m
                result.objects[c].moves = false
            } else {
                pending.motion = m
                pending.moves = false
            }
        }
        func attachSpeed(_ s: Speed) {
            if let c = current, result.objects[c].speed == nil { result.objects[c].speed = s } else { pending.speed = s }
        }

        var i = 0
        while i < toks.count {
            let tok = toks[i]
            defer { i += 1 }
            switch tok {
            case .camera:
                afterCamera = true
                continue
            case .filler:
                continue
            case .unknown(let w):
                if !result.unknownWords.contains(w) { result.unknownWords.append(w) }
                afterCamera = false
                continue
            case .number(let k):
                pendingCount = k
                afterCamera = false
                continue
            case .direction(let d):
                if afterCamera, d == .movesLeft || d == .movesRight {
                    result.camera = d == .movesLeft ? .pansLeft : .pansRight
                } else {
                    attachMotion(d)
                }
                afterCamera = false
                continue
            case .genericMotion:
                if afterCamera { continue }  // "camera moving left": the direction decides
                if let c = current, result.objects[c].motion == nil { result.objects[c].moves = true }
                else if pending.motion == nil { pending.moves = true }
                continue
            case .term(let term, let termWords):
                let wasCamera = afterCamera
                afterCamera = false
                switch term {
                case .camera(let c):
                    result.camera = c
                case .motion(let m):
                    if wasCamera {
                        switch m {
                        case .movesLeft: result.camera = .pansLeft
                        case .movesRight: result.camera = .pansRight
                        case .still: result.camera = .static
                        default: attachMotion(m)
                        }
                    } else {
                        attachMotion(m)
                    }
                case .speed(let s):
                    attachSpeed(s)
                case .background(let b):
                    // "starry night sky": a background word right after a
                    // background phrase is part of it, not a second background.
                    if i > 0, case .term(.background, _) = toks[i - 1] { break }
                    result.background = b
                case .size(let s):
                    pending.size = s
                    current = nil
                case .color(let c):
                    if i + 1 < toks.count, case .filler(let next) = toks[i + 1], backgroundNouns.contains(next) {
                        // "red background": a colour used as a background the world does not have.
                        if let b = Background(rawValue: c.rawValue) { result.background = b }
                        else { result.unsupportedPhrases.append("\(termWords.joined(separator: " ")) \(next)") }
                        i += 1
                    } else if let before = wordBefore(i, in: toks), backgroundPrepositions.contains(before),
                              let b = Background(rawValue: c.rawValue) {
                        // "a ball on white": a colour after "on" that is also a background.
                        result.background = b
                    } else {
                        pending.color = c
                        current = nil
                    }
                case .shape(let s):
                    var object = pending
                    object.shape = s
                    let word = termWords.last ?? ""
                    let plural = word != s.rawValue && !s.synonyms.contains(word)
                    object.count = pendingCount ?? (plural ? 2 : 1)
                    if pendingCount != nil || plural { result.countStated = true }
                    result.objects.append(object)
                    current = result.objects.count - 1
                    pending = NamedObject()
                    pendingCount = nil
                }
            }
        }
        // Adjectives with no noun after them: complete the last object, or make one.
        if !pending.isEmpty || pendingCount != nil {
            if let c = current ?? result.objects.indices.last,
               (pending.color == nil || result.objects[c].color == nil),
               (pending.size == nil || result.objects[c].size == nil),
               (pending.motion == nil || result.objects[c].motion == nil),
               (pending.speed == nil || result.objects[c].speed == nil), pendingCount == nil {
                var o = result.objects[c]
                o.color = o.color ?? pending.color
                o.size = o.size ?? pending.size
                if o.motion == nil { o.motion = pending.motion; o.moves = o.moves || pending.moves }
                o.speed = o.speed ?? pending.speed
                result.objects[c] = o
            } else {
                pending.count = pendingCount ?? 1
                if pendingCount != nil { result.countStated = true }
                result.objects.append(pending)
            }
        }
        return result
    }

}
