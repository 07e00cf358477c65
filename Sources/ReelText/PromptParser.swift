// Reading a short prompt into the shapes-world attributes it names.
//
// Words and phrases map to attributes through ReelWorld's vocabulary
// (`Vocabulary.table`: reel-world(7)'s words and their synonyms, longest phrase
// first) and this file's few extra phrases (`extraPhrases`). Before phrase
// matching every word the vocabulary does not know is resolved:
//   - a hyphenated compound is split and its parts looked up: a compound with
//     a colour in it is that colour, its last one ("snow-white": white,
//     "rose-colored": pink, "sky-blue": blue); otherwise its parts count as
//     words ("slow-moving": slow, moving; "star-shaped": star);
//   - a typo (a word that is not an English word, one edit from a vocabulary
//     word: "yelow", "sqaure", "rigth") is read as that word;
//   - what is left is mapped by embedding (`WordMapper`) when a mapper is given.
// On top of it this file reads the little grammar of a prompt:
//   - objects: colour, size, motion and speed words before a shape noun
//     belong to that object ("slowly spinning red star"); motion and speed
//     after it do too ("a ball bouncing quickly"); "both"/"all" give a motion
//     to every object;
//   - counts: "two balls", "3 red stars", a plural noun ("balls") means two;
//   - negation: "does not move", "isn't moving", "never moves", "without
//     moving", "no motion" mean still; "not spinning" rules spins out; a
//     negated speed is the other speed; "the camera does not move" is static;
//   - relations between objects ("passes behind", "in front of", "next to",
//     "to the left of", "above") are recorded, not read as attributes: "to
//     the left of" is no motion; an object that passes another moves, and the
//     one it passes, when the prompt gives it no motion, stays still;
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
    /// Motions the prompt rules out ("a ball that is not bouncing").
    public var excludedMotions: [Motion] = []
    /// It passes another object ("passes behind"): a "moves" means left or right.
    public var passesAcross = false

    public init(shape: Shape? = nil, color: ObjectColor? = nil, size: ObjectSize? = nil,
                motion: Motion? = nil, speed: Speed? = nil, moves: Bool = false, count: Int = 1) {
        self.shape = shape; self.color = color; self.size = size
        self.motion = motion; self.speed = speed; self.moves = moves; self.count = count
    }

    var isEmpty: Bool {
        shape == nil && color == nil && size == nil && motion == nil && speed == nil && !moves && excludedMotions.isEmpty
    }
}

/// Which words of a prompt gave which attribute, and how they were read.
public struct Attribution: Sendable, Equatable, CustomStringConvertible {
    public enum Target: Sendable, Equatable {
        /// The k-th named object group (0-based).
        case object(Int)
        case background
        case camera
        /// Read but not applied (a relation, a negated colour).
        case none
    }
    /// The prompt's words.
    public var words: String
    /// What they mean, in words ("colour red", "motion still", "not spins").
    public var meaning: String
    public var target: Target
    /// How they were read when not straight from the vocabulary
    /// ("typo of 'yellow'", "compound: 'rose'", "nearest to 'crimson' (0.71)", "negation").
    public var how: String?

    public var description: String {
        let to: String
        switch target {
        case .object(let k): to = " of object \(k + 1)"
        case .background: to = ""
        case .camera: to = ""
        case .none: to = ""
        }
        return "\"\(words)\" -> \(meaning)\(to)" + (how.map { " (\($0))" } ?? "")
    }
}

/// A relation between two named objects ("a ball passes behind a square").
public struct ObjectRelation: Sendable, Equatable {
    /// The object groups (0-based) before and after the relation words.
    public var subject: Int
    public var reference: Int
    /// The relation's words ("passes behind").
    public var phrase: String
    /// Whether the subject passes the reference (so it moves).
    public var passes: Bool
}

/// A word read some other way than the vocabulary says: a compound, a typo,
/// an embedding match ("rose-colored" -> "pink").
public struct WordReading: Sendable, Equatable, CustomStringConvertible {
    public var from: String
    public var to: String
    public var how: String
    public var description: String { "\(from) -> \(to)" }
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
    /// Which words gave which attribute, in prompt order.
    public var attributions: [Attribution] = []
    /// Words read as other words (compounds, typos, embedding matches).
    public var readings: [WordReading] = []
    /// Relations between objects; not rendered by the world yet.
    public var relations: [ObjectRelation] = []

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
        "is", "are", "be", "being", "was", "while", "as", "and", "with", "plus", "also", "then", "each",
        "on", "in", "into", "onto", "at", "of", "over", "against", "across", "before", "front",
        "by", "through", "from", "to", "toward", "towards", "around", "along",
        "next", "within", "like", "very", "really", "so", "too", "way",
        "background", "backdrop", "wall", "scene", "frame", "video", "clip", "shot", "image", "picture",
        "animation", "footage", "view", "shape", "shapes", "object", "objects", "thing", "things",
        "color", "colour", "colored", "coloured", "sized", "size", "center", "centre", "middle", "side",
        "screen", "canvas", "plain", "simple", "solid", "bright", "dark", "light", "pale",
        "other", "another", "same", "time", "place", "here",
        "which", "who", "does", "do", "did", "will", "would", "can", "could", "has", "have", "had", "just",
        "only", "slightly", "quite", "rather", "somewhat", "extremely", "perfectly", "completely", "totally",
        "fully", "stays", "stay", "staying", "remains", "remain", "remaining", "keeps", "keep", "keeping",
        "filmed", "seen", "shown", "showing", "watch", "see", "look", "featuring", "appears", "there's",
        "shaped", "tinted", "toned", "hued", "itself", "super", "extra", "deep", "vivid", "but", "or",
        "all", "whole", "entire", "any", "s", "we", "you", "i", "our", "my", "your", "made",
    ]

    /// Motion verbs that say "it moves" without saying how.
    static let genericMotionWords: Set<String> = [
        "moving", "moves", "move", "going", "goes", "go", "drifting", "drifts", "drift", "heading", "heads",
        "floating", "floats", "sliding", "slides", "rolling", "rolls", "gliding", "glides", "travelling",
        "traveling", "travels", "flying", "flies", "zooming", "zooms", "racing", "races", "running", "runs",
        "wandering", "cruising", "speeding", "darting", "shooting", "sailing",
        "motion", "movement", "moved", "tracking", "tracks", "sweeping", "sweeps", "panning", "pans", "pan",
    ]

    /// Phrases this parser adds to the vocabulary.
    public static let extraPhrases: [String: Term] = [
        "stays put": .motion(.still), "staying put": .motion(.still), "stay put": .motion(.still),
        "at rest": .motion(.still), "sitting": .motion(.still), "sits": .motion(.still), "rests": .motion(.still),
        "up and down": .motion(.bounces), "in a circle": .motion(.circles), "in circles": .motion(.circles),
        "move in a circle": .motion(.circles), "moves in circles": .motion(.circles), "moving in circles": .motion(.circles),
        "at high speed": .speed(.quickly), "high speed": .speed(.quickly), "at speed": .speed(.quickly),
        "in a hurry": .speed(.quickly), "low speed": .speed(.slowly), "at a crawl": .speed(.slowly),
        // Motion synonyms the vocabulary lacks and the embedding mapper misses (general English verbs
        // and adjectives of motion, not the suite's words alone).
        "soaring": .motion(.movesUp), "soars": .motion(.movesUp), "soar": .motion(.movesUp),
        "climbing": .motion(.movesUp), "climbs": .motion(.movesUp), "climb": .motion(.movesUp),
        "ascending": .motion(.movesUp), "ascends": .motion(.movesUp), "ascend": .motion(.movesUp),
        "descending": .motion(.movesDown), "descends": .motion(.movesDown), "descend": .motion(.movesDown),
        "dropping": .motion(.movesDown), "drops": .motion(.movesDown), "plunging": .motion(.movesDown),
        "plunges": .motion(.movesDown),
        "immobile": .motion(.still), "unmoving": .motion(.still), "motionless": .motion(.still),
        "at a standstill": .motion(.still), "idle": .motion(.still),
        "inflating": .motion(.grows), "inflates": .motion(.grows), "enlarging": .motion(.grows),
        "enlarges": .motion(.grows), "swells": .motion(.grows), "ballooning": .motion(.grows),
        "deflating": .motion(.shrinks), "deflates": .motion(.shrinks), "dwindling": .motion(.shrinks),
        "dwindles": .motion(.shrinks), "diminishing": .motion(.shrinks), "shriveling": .motion(.shrinks),
        "steady camera": .camera(.static), "stationary camera": .camera(.static), "camera is fixed": .camera(.static),
        "camera fixed": .camera(.static), "camera stays still": .camera(.static),
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

    static let negationWords: Set<String> = [
        "not", "doesn't", "don't", "isn't", "aren't", "won't", "never", "no", "without", "nor", "cannot",
        "can't", "didn't", "doesnt", "dont", "isnt", "wont", "neither", "non",
    ]

    /// Words that give the next motion or speed to every object ("both bouncing").
    static let everyObjectWords: Set<String> = ["both", "they", "them", "together", "everything", "all of them"]

    /// Relation phrases between two objects; `true`: the first passes the second.
    static let relationPhrases: [String: Bool] = {
        var t: [String: Bool] = [:]
        for verb in ["passes", "passing", "pass", "goes", "going", "moves", "moving", "drifts", "drifting",
                     "rolls", "rolling", "slides", "sliding", "crosses", "crossing", "travels", "travelling"] {
            for prep in ["behind", "in front of", "past", "by"] { t["\(verb) \(prep)"] = true }
        }
        for w in ["passes", "passing", "pass", "past", "crosses", "crossing", "overtakes", "overtaking"] { t[w] = true }
        for p in ["in front of", "behind", "next to", "beside", "besides", "near", "nearby", "above", "below",
                  "under", "underneath", "beneath", "on top of", "to the left of", "to the right of", "left of",
                  "right of", "on the left of", "on the right of", "on the left", "on the right", "on the left side",
                  "on the right side", "at the left", "at the right", "in the left", "in the right", "to the left side",
                  "between", "in between", "alongside", "close to", "far from", "away from", "opposite",
                  "across from", "at the top", "at the bottom", "on top", "in the corner", "at the top of",
                  "at the bottom of", "in the middle of", "in the center of", "on the left side of",
                  "on the right side of", "side by side", "facing"] {
            t[p] = false
        }
        return t
    }()
    static let longestRelation = relationPhrases.keys.map { $0.split(separator: " ").count }.max() ?? 1

    static let backgroundNouns: Set<String> = ["background", "backdrop", "wall", "backgrounds"]
    /// Words after which a colour that is also a background ("white", "black") is the background.
    static let backgroundPrepositions: Set<String> = ["on", "against", "over"]

    /// Every word the parser knows, for typo correction.
    static let knownWords: Set<String> = {
        var s = fillerWords.union(genericMotionWords).union(negationWords).union(everyObjectWords)
        for k in Vocabulary.table.keys { for w in k.split(separator: " ") { s.insert(String(w)) } }
        for k in extraPhrases.keys { for w in k.split(separator: " ") { s.insert(String(w)) } }
        for k in relationPhrases.keys { for w in k.split(separator: " ") { s.insert(String(w)) } }
        s.formUnion(directions.keys)
        s.formUnion(numberWords.keys)
        s.insert("camera"); s.insert("cam")
        return s
    }()

    /// Words typos are corrected to: those that carry meaning (not filler),
    /// plus the background nouns, so "backgroud" is still a background.
    static let typoTargets: [String] = knownWords.filter { !fillerWords.contains($0) || backgroundNouns.contains($0) }
        .filter { $0.count >= 3 && $0.allSatisfy(\.isLetter) }.sorted()

    static func lookup(_ phrase: String) -> Term? { Vocabulary.table[phrase] ?? extraPhrases[phrase] }

    /// Optimal-string-alignment edit distance (insertions, deletions,
    /// substitutions and adjacent transpositions), capped at `limit + 1`.
    static func editDistance(_ a: [Character], _ b: [Character], limit: Int) -> Int {
        if abs(a.count - b.count) > limit { return limit + 1 }
        var d = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { d[i][0] = i }
        for j in 0...b.count { d[0][j] = j }
        if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] { d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1) }
            }
        }
        return d[a.count][b.count]
    }

    /// The vocabulary word `word` is a typo of, if exactly one is near
    /// enough: one edit for words of five letters or more, two for nine or
    /// more; for three- and four-letter words only a missing letter or two
    /// swapped letters ("gren", "pnik"), since a changed letter there makes
    /// another word too easily ("tall" is not "ball").
    public static func correctTypo(_ word: String) -> String? {
        let w = Array(word)
        guard w.count >= 3, w.allSatisfy(\.isLetter) else { return nil }
        let limit = w.count >= 9 ? 2 : 1
        var best: [String] = []
        var bestDistance = limit + 1
        for target in typoTargets {
            let t = Array(target)
            let d = editDistance(w, t, limit: limit)
            guard d <= limit, d > 0 else { continue }
            if w.count <= 4 {
                let missingLetter = t.count == w.count + 1
                let swapped = t.count == w.count && Set(t) == Set(w) && zip(t, w).filter { $0 != $1 }.count == 2
                guard missingLetter || swapped else { continue }
            }
            if d < bestDistance { best = [target]; bestDistance = d } else if d == bestDistance { best.append(target) }
        }
        guard !best.isEmpty else { return nil }
        // A word of the attribute vocabulary wins over a relation or filler word ("yelow": yellow, not below).
        let attributeWords = best.filter { lookup($0) != nil || genericMotionWords.contains($0) || directions[$0] != nil }
        if !attributeWords.isEmpty { best = attributeWords }
        // Several candidates are fine when they mean the same ("spining": spinning, spin).
        let meanings = Set(best.map { lookup($0).map { "\($0)" } ?? $0 })
        // Of those, the one closest in length, and a plural only for a word that ends in s ("balll": ball).
        func rank(_ c: String) -> (Int, Int, String) {
            (abs(c.count - w.count), c.hasSuffix("s") != word.hasSuffix("s") ? 1 : 0, c)
        }
        guard meanings.count == 1, var chosen = best.min(by: { rank($0) < rank($1) }) else { return nil }
        if !word.hasSuffix("s"), case .shape = lookup(chosen) {
            for cut in [1, 2] where chosen.count > cut {
                let singular = String(chosen.dropLast(cut))
                if case .shape = lookup(singular) { chosen = singular; break }
            }
        }
        return chosen
    }

    /// One word of the prompt after compound splitting and typo correction.
    struct Word {
        var text: String
        /// The prompt's word it came from, and how, when it is not the word itself.
        var original: String
        var how: String?
    }

    /// Splits compounds and corrects typos; `isEnglish` says a word is a real
    /// word (a whole token of the encoder's vocabulary), so not a typo.
    static func resolve(_ words: [String], isEnglish: (String) -> Bool) -> ([Word], [WordReading]) {
        var out: [Word] = []
        var readings: [WordReading] = []
        for w in words {
            if knownWords.contains(w) || lookup(w) != nil || Int(w) != nil { out.append(Word(text: w, original: w)); continue }
            if let css = ColorNames.objectColor(w) {
                // A CSS colour name the vocabulary does not know ("maroon"): its nearest object colour.
                let how = "CSS colour \(w) (\(css.rgb.r),\(css.rgb.g),\(css.rgb.b)), \(Int(css.distance.rounded())) from \(css.color.rawValue)"
                out.append(Word(text: css.color.rawValue, original: w, how: how))
                readings.append(WordReading(from: w, to: css.color.rawValue, how: how))
                continue
            }
            if w.contains("-") {
                let parts = w.split(separator: "-").map(String.init).filter { !$0.isEmpty }
                var resolved: [String] = []
                for p in parts {
                    if knownWords.contains(p) || lookup(p) != nil { resolved.append(p) }
                    else if let css = ColorNames.objectColor(p) { resolved.append(css.color.rawValue) }
                    else if !isEnglish(p), let c = correctTypo(p) { resolved.append(c) }
                }
                let colours = resolved.filter { if case .color = lookup($0) { return true } else { return false } }
                let chosen: [String]
                if let last = colours.last {
                    chosen = [last]
                } else {
                    chosen = resolved.filter { !fillerWords.contains($0) }
                }
                if !chosen.isEmpty {
                    let how = "compound: " + chosen.joined(separator: " ")
                    for c in chosen { out.append(Word(text: c, original: w, how: how)) }
                    readings.append(WordReading(from: w, to: chosen.map { meaningWord($0) }.joined(separator: " "), how: how))
                    continue
                }
                out.append(Word(text: w, original: w))
                continue
            }
            if !isEnglish(w), let c = correctTypo(w) {
                out.append(Word(text: c, original: w, how: "typo of \"\(c)\""))
                readings.append(WordReading(from: w, to: c, how: "typo"))
                continue
            }
            out.append(Word(text: w, original: w))
        }
        return (out, readings)
    }

    /// The canonical word of what `word` means ("rose": pink), for messages.
    static func meaningWord(_ word: String) -> String {
        guard let t = lookup(word) else { return word }
        return termWord(t)
    }

    static func termWord(_ t: Term) -> String {
        switch t {
        case .shape(let s): return s.rawValue
        case .color(let c): return c.rawValue
        case .size(let s): return s.rawValue
        case .motion(let m): return m.rawValue
        case .speed(let s): return s.rawValue
        case .background(let b): return b.rawValue + " background"
        case .camera(let c): return "camera " + c.rawValue
        }
    }

    static func termMeaning(_ t: Term) -> String {
        switch t {
        case .shape(let s): return "shape \(s.rawValue)"
        case .color(let c): return "colour \(c.rawValue)"
        case .size(let s): return "size \(s.rawValue)"
        case .motion(let m): return "motion \(m.rawValue)"
        case .speed(let s): return "speed \(s.rawValue)"
        case .background(let b): return "background \(b.rawValue)"
        case .camera(let c): return "camera \(c.rawValue)"
        }
    }

    /// One token of the prompt after phrase matching.
    enum Kind: Equatable {
        case term(Term, words: [String])
        case number(Int)
        case direction(Motion)
        case genericMotion
        case camera
        case negation
        case everyObject
        case relation(String, passes: Bool)
        case filler(String)
        case unknown(String)
    }

    struct Token {
        var kind: Kind
        /// The prompt's words behind the token.
        var source: String
        var how: String?
    }

    static func tokens(_ words: [Word]) -> [Token] {
        var out: [Token] = []
        var i = 0
        func source(_ r: Range<Int>) -> (String, String?) {
            var originals: [String] = []
            for k in r where originals.last != words[k].original { originals.append(words[k].original) }
            let hows = words[r].compactMap(\.how)
            return (originals.joined(separator: " "), hows.first)
        }
        while i < words.count {
            let texts = words.map(\.text)
            // Relations first, so "to the left of" is not "to the left".
            var n = min(longestRelation, words.count - i)
            var matched = false
            while n >= 1 {
                let phrase = texts[i..<(i + n)].joined(separator: " ")
                if let passes = relationPhrases[phrase] {
                    let (s, h) = source(i..<(i + n))
                    out.append(Token(kind: .relation(phrase, passes: passes), source: s, how: h))
                    matched = true
                    break
                }
                n -= 1
            }
            if matched { i += n; continue }
            n = min(max(Vocabulary.longestPhrase, 3), words.count - i)
            while n >= 1 {
                let phrase = texts[i..<(i + n)].joined(separator: " ")
                // A lone direction word is a direction, not "moves left" etc.
                let (s, h) = source(i..<(i + n))
                if n == 1, let d = directions[phrase] { out.append(Token(kind: .direction(d), source: s, how: h)); matched = true; break }
                if let term = lookup(phrase) {
                    out.append(Token(kind: .term(term, words: Array(texts[i..<(i + n)])), source: s, how: h))
                    matched = true
                    break
                }
                n -= 1
            }
            if matched { i += n; continue }
            let w = texts[i]
            let (s, h) = source(i..<(i + 1))
            let kind: Kind
            if let k = numberWords[w] { kind = .number(k) }
            else if genericMotionWords.contains(w) { kind = .genericMotion }
            else if w == "camera" || w == "cam" { kind = .camera }
            else if negationWords.contains(w) { kind = .negation }
            else if everyObjectWords.contains(w) { kind = .everyObject }
            else if fillerWords.contains(w) { kind = .filler(w) }
            else { kind = .unknown(w) }
            out.append(Token(kind: kind, source: s, how: h))
            i += 1
        }
        return out
    }

    /// Maps runs of unknown tokens with `mapper`: the run as a phrase when it
    /// is two or three words and maps, else each word.
    static func mapUnknown(_ toks: [Token], mapper: WordMapper, readings: inout [WordReading]) -> [Token] {
        var out: [Token] = []
        var i = 0
        func mapped(_ text: String) -> Token? {
            guard let m = mapper.map(text) else { return nil }
            let how = "nearest to \"\(m.nearest)\", similarity \(String(format2(m.similarity)))"
            switch m.meaning {
            case .term(let t):
                var word = termWord(t)
                if case .shape(let s) = t { word = text.hasSuffix("s") && !text.hasSuffix("ss") ? s.rawValue + "s" : s.rawValue }
                if case .background = t { word = text }
                readings.append(WordReading(from: text, to: termWord(t), how: how))
                return Token(kind: .term(t, words: [word]), source: text, how: how)
            case .moves:
                readings.append(WordReading(from: text, to: "moves", how: how))
                return Token(kind: .genericMotion, source: text, how: how)
            case .nothing:
                return nil
            }
        }
        while i < toks.count {
            guard case .unknown = toks[i].kind else { out.append(toks[i]); i += 1; continue }
            var j = i
            while j < toks.count, case .unknown = toks[j].kind { j += 1 }
            let run = toks[i..<j].map(\.source)
            if run.count >= 2 && run.count <= 3, let t = mapped(run.joined(separator: " ")) {
                out.append(t)
            } else {
                for (k, w) in run.enumerated() { out.append(mapped(w) ?? toks[i + k]) }
            }
            i = j
        }
        return out
    }

    static func format2(_ x: Double) -> String {
        let r = (x * 100).rounded() / 100
        var s = "\(r)"
        if s.hasPrefix("0.") && s.count == 3 { s += "0" }
        return s
    }

    /// The filler word before token `i`, articles skipped ("on a white": "on").
    static func wordBefore(_ i: Int, in toks: [Token]) -> String? {
        var k = i - 1
        while k >= 0 {
            guard case .filler(let w) = toks[k].kind else { return nil }
            if w != "a" && w != "an" && w != "the" && w != "plain" && w != "solid" { return w }
            k -= 1
        }
        return nil
    }

    /// Whether token `i` is an adjective of a shape noun that follows
    /// ("a spinning star", "a slowly spinning star"): only colour, size,
    /// motion and speed words lie between (an article starts a new object:
    /// "a ball moving up, a ball").
    static func precedesNoun(_ i: Int, in toks: [Token]) -> Bool {
        var k = i + 1
        while k < toks.count {
            switch toks[k].kind {
            case .term(.shape, _): return true
            case .term(.color, _), .term(.size, _), .term(.motion, _), .term(.speed, _): k += 1
            default: return false
            }
        }
        return false
    }

    /// Reads `prompt` (any case, any punctuation) with the vocabulary only.
    public static func parse(_ prompt: String) -> ParsedPrompt { parse(prompt, mapper: nil) }

    /// Reads `prompt`; words the vocabulary does not know are mapped by
    /// embedding with `mapper` when one is given.
    public static func parse(_ prompt: String, mapper: WordMapper?) -> ParsedPrompt {
        var result = ParsedPrompt()
        let (words, readings) = resolve(Vocabulary.words(prompt), isEnglish: { mapper?.isKnownWord($0) ?? false })
        result.readings = readings
        var toks = tokens(words)
        if let mapper { toks = mapUnknown(toks, mapper: mapper, readings: &result.readings) }

        var pending = NamedObject()          // adjectives waiting for their noun
        var pendingAttributions: [Attribution] = []
        var pendingCount: Int?
        var current: Int?                    // index of the object group motion words attach to
        var afterCamera = false              // the last content word was "camera"
        var negated = false                  // a negation waits for the word it negates
        var everyObject = false              // "both": the next motion is every object's
        var pendingRelation: (subject: Int, phrase: String, passes: Bool)?

        func note(_ t: Token, _ meaning: String, _ target: Attribution.Target, how: String? = nil) {
            let a = Attribution(words: t.source, meaning: meaning, target: target, how: how ?? t.how)
            if case .object(-1) = target { pendingAttributions.append(a) } else { result.attributions.append(a) }
        }
        func attachMotion(_ m: Motion, _ t: Token, at i: Int, how: String? = nil) {
            if everyObject, !result.objects.isEmpty {
                for k in result.objects.indices where result.objects[k].motion == nil {
                    result.objects[k].motion = m; result.objects[k].moves = false
                    note(t, "motion \(m.rawValue)", .object(k), how: how ?? "for every object")
                }
                return
            }
            if let c = current, result.objects[c].motion == nil, !precedesNoun(i, in: toks) {
                result.objects[c].motion = m
                result.objects[c].moves = false
                note(t, "motion \(m.rawValue)", .object(c), how: how)
            } else {
                pending.motion = m
                pending.moves = false
                note(t, "motion \(m.rawValue)", .object(-1), how: how)
            }
        }
        func attachMoves(_ t: Token, at i: Int) {
            if let c = current, result.objects[c].motion == nil, !precedesNoun(i, in: toks) {
                if !result.objects[c].moves { note(t, "moves (a motion other than still)", .object(c)) }
                result.objects[c].moves = true
            } else if pending.motion == nil {
                pending.moves = true
                note(t, "moves (a motion other than still)", .object(-1))
            }
        }
        func attachExclusion(_ m: Motion, _ t: Token, at i: Int) {
            if let c = current, !precedesNoun(i, in: toks) {
                result.objects[c].excludedMotions.append(m)
                note(t, "not \(m.rawValue)", .object(c), how: "negation")
            } else {
                pending.excludedMotions.append(m)
                note(t, "not \(m.rawValue)", .object(-1), how: "negation")
            }
        }
        func attachSpeed(_ s: Speed, _ t: Token, at i: Int, how: String? = nil) {
            if everyObject, !result.objects.isEmpty {
                for k in result.objects.indices where result.objects[k].speed == nil {
                    result.objects[k].speed = s
                    note(t, "speed \(s.rawValue)", .object(k), how: how ?? "for every object")
                }
                return
            }
            if let c = current, result.objects[c].speed == nil, !precedesNoun(i, in: toks) {
                result.objects[c].speed = s
                note(t, "speed \(s.rawValue)", .object(c), how: how)
            } else {
                pending.speed = s
                note(t, "speed \(s.rawValue)", .object(-1), how: how)
            }
        }

        var i = 0
        while i < toks.count {
            let tok = toks[i]
            defer { i += 1 }
            switch tok.kind {
            case .camera:
                afterCamera = true
                continue
            case .filler:
                continue
            case .negation:
                negated = true
                continue
            case .everyObject:
                everyObject = true
                continue
            case .relation(let phrase, let passes):
                negated = false
                afterCamera = false
                if let c = current ?? result.objects.indices.last {
                    pendingRelation = (c, phrase, passes)
                    if passes, result.objects[c].motion == nil {
                        result.objects[c].moves = true
                        result.objects[c].passesAcross = true
                        note(tok, "moves left or right (it passes another object)", .object(c))
                    }
                }
                current = nil
                continue
            case .unknown(let w):
                if !result.unknownWords.contains(w) { result.unknownWords.append(w) }
                afterCamera = false
                continue
            case .number(let k):
                pendingCount = k
                afterCamera = false
                negated = false
                continue
            case .direction(let d):
                if afterCamera, d == .movesLeft || d == .movesRight {
                    result.camera = d == .movesLeft ? .pansLeft : .pansRight
                    note(tok, "camera \(result.camera!.rawValue)", .camera)
                } else if negated {
                    attachExclusion(d, tok, at: i)
                } else {
                    attachMotion(d, tok, at: i)
                }
                afterCamera = false
                negated = false
                everyObject = false
                continue
            case .genericMotion:
                if afterCamera {
                    // "camera moving left": the direction decides; "the camera does not move": static.
                    if negated {
                        result.camera = .static
                        note(tok, "camera static", .camera, how: "negation")
                        afterCamera = false
                        negated = false
                    }
                    continue
                }
                if negated {
                    attachMotion(.still, tok, at: i, how: "negation")
                    negated = false
                } else {
                    attachMoves(tok, at: i)
                }
                everyObject = false
                continue
            case .term(let term, let termWords):
                let wasCamera = afterCamera
                let wasNegated = negated
                afterCamera = false
                negated = false
                switch term {
                case .camera(let c):
                    result.camera = c
                    note(tok, "camera \(c.rawValue)", .camera)
                case .motion(let m):
                    if wasCamera {
                        let pan: Camera?
                        switch (m, wasNegated) {
                        case (_, true), (.still, false): pan = .static
                        case (.movesLeft, false): pan = .pansLeft
                        case (.movesRight, false): pan = .pansRight
                        default: pan = nil
                        }
                        if let pan {
                            result.camera = pan
                            note(tok, "camera \(pan.rawValue)", .camera, how: wasNegated ? "negation" : nil)
                        } else {
                            attachMotion(m, tok, at: i)
                        }
                    } else if wasNegated {
                        if m == .still {
                            attachMoves(tok, at: i)
                        } else {
                            attachExclusion(m, tok, at: i)
                        }
                    } else {
                        attachMotion(m, tok, at: i)
                    }
                    everyObject = false
                case .speed(let s):
                    if wasNegated {
                        let other: Speed = s == .slowly ? .quickly : .slowly
                        attachSpeed(other, tok, at: i, how: "negation: not \(s.rawValue)")
                    } else {
                        attachSpeed(s, tok, at: i)
                    }
                case .background(let b):
                    // "starry night sky": a background word right after a
                    // background phrase is part of it, not a second background.
                    if i > 0, case .term(.background, _) = toks[i - 1].kind { break }
                    // "a grey ball", "a navy cube": a background word used as a colour.
                    if precedesNoun(i, in: toks), i + 1 < toks.count, case .term(.shape, _) = toks[i + 1].kind {
                        if b == .navy {
                            pending.color = .blue
                            note(tok, "colour blue", .object(-1), how: "navy is no object colour; the nearest is blue")
                        } else {
                            result.unsupportedPhrases.append("\(tok.source) \(toks[i + 1].source)")
                            note(tok, "nothing: \(tok.source) is no object colour", .none)
                        }
                        current = nil
                        break
                    }
                    result.background = b
                    note(tok, "background \(b.rawValue)", .background)
                case .size(let s):
                    if wasNegated { note(tok, "nothing (a negated size is not pinned)", .none); break }
                    pending.size = s
                    note(tok, "size \(s.rawValue)", .object(-1))
                    current = nil
                case .color(let c):
                    if i + 1 < toks.count, case .filler(let next) = toks[i + 1].kind, backgroundNouns.contains(next) {
                        // "red background": a colour used as a background the world does not have.
                        if let b = Background(rawValue: c.rawValue) {
                            result.background = b
                            note(tok, "background \(b.rawValue)", .background)
                        } else {
                            result.unsupportedPhrases.append("\(termWords.joined(separator: " ")) \(next)")
                        }
                        i += 1
                    } else if let before = wordBefore(i, in: toks), backgroundPrepositions.contains(before),
                              let b = Background(rawValue: c.rawValue) {
                        // "a ball on white": a colour after "on" that is also a background.
                        result.background = b
                        note(tok, "background \(b.rawValue)", .background)
                    } else if wasNegated {
                        note(tok, "nothing (a negated colour is not pinned)", .none)
                    } else {
                        pending.color = c
                        note(tok, "colour \(c.rawValue)", .object(-1))
                        current = nil
                    }
                case .shape(let s):
                    // "a cubic block": a word mapped to a shape right before a shape noun is that
                    // noun's adjective, not an object of its own; the noun gives the shape.
                    if tok.how?.hasPrefix("nearest") == true, i + 1 < toks.count, case .term(.shape, _) = toks[i + 1].kind {
                        note(tok, "nothing (an adjective of the shape noun after it)", .none)
                        break
                    }
                    var object = pending
                    object.shape = s
                    let word = termWords.last ?? ""
                    let plural = word != s.rawValue && !s.synonyms.contains(word)
                    object.count = pendingCount ?? (plural ? 2 : 1)
                    if pendingCount != nil || plural { result.countStated = true }
                    result.objects.append(object)
                    let k = result.objects.count - 1
                    current = k
                    for var a in pendingAttributions { a.target = .object(k); result.attributions.append(a) }
                    pendingAttributions = []
                    note(tok, "shape \(s.rawValue)" + (object.count > 1 ? ", \(object.count) of them" : ""), .object(k))
                    if let r = pendingRelation {
                        result.relations.append(ObjectRelation(subject: r.subject, reference: k, phrase: r.phrase, passes: r.passes))
                        note(tok, "relation \"\(r.phrase)\" (not rendered yet)", .none, how: "object \(r.subject + 1) \(r.phrase) object \(k + 1)")
                        pendingRelation = nil
                    }
                    pending = NamedObject()
                    pendingCount = nil
                    everyObject = false
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
                o.excludedMotions += pending.excludedMotions
                result.objects[c] = o
                for var a in pendingAttributions { a.target = .object(c); result.attributions.append(a) }
            } else if pending.shape == nil && pending.color == nil && pending.size == nil && pendingCount == nil,
                      !result.objects.isEmpty {
                // A second motion or speed for an object that has one ("bouncing and spinning"): one object
                // has one motion, so the first stands; a new object would add what the prompt did not ask for.
                for var a in pendingAttributions {
                    a.meaning = "nothing (\(a.meaning) again; the first one stands)"
                    a.target = .none
                    result.attributions.append(a)
                }
            } else {
                pending.count = pendingCount ?? 1
                if pendingCount != nil { result.countStated = true }
                result.objects.append(pending)
                let k = result.objects.count - 1
                for var a in pendingAttributions { a.target = .object(k); result.attributions.append(a) }
            }
        }
        // The object another one passes stays where it is unless the prompt moves it.
        for r in result.relations where r.passes {
            if result.objects[r.reference].motion == nil && !result.objects[r.reference].moves {
                result.objects[r.reference].motion = .still
                result.attributions.append(Attribution(words: r.phrase, meaning: "motion still", target: .object(r.reference),
                                                       how: "object \(r.subject + 1) passes it; no motion of its own was named"))
            }
        }
        return result
    }
}
