// Storyboards (reel-storyboard(1), the file format in reel-storyboard(5)): a plain-text file that
// places text, image and video cards on a timeline of video frames, and the canvas it compiles to.
//
// The parser is pure: it reads the file's text and checks everything that can be checked
// without the models (settings, card ranges, overlaps, the latent grid). `compile` lays the
// cards out as a LatentCanvas from the latent frames and text embeddings the caller makes
// (reel-storyboard encodes the media with the VAE and expands the prompts with ReelText):
//
//   latent frame 0 is video frame 0 (encoded alone by the causal VAE); latent frame j >= 1 holds
//   video frames 1 + tf (j - 1) ..< 1 + tf j (tf = 4). A media card is a whole number of latent
//   frames: it starts at frame 0 or at 1 + tf k and ends at 1 + tf k or at the canvas's end. At
//   frame 0 its frames are encoded as a clip of their own; later, after one copy of its first
//   frame (the frame a causal encoder reads alone), and that leading latent frame is dropped,
//   so the card's latent frames hold exactly its own video frames. They are kept (level 0);
//   every other latent frame is generated (level 1). A text card is a segment over its video
//   frames; it guides the latent frames whose first video frame lies in it (reel-denoise(1)).

import ReelStream
import ReelSystem

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public struct Storyboard: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case text, image, video
        public var isMedia: Bool { self != .text }
    }

    /// One card: its kind, its video frames start..<start+length, and its content (the prompt,
    /// or the media path as written in the file).
    public struct Card: Sendable, Equatable {
        public var kind: Kind
        public var start: Int
        public var length: Int
        public var content: String
        /// The file's line (from 1), for messages.
        public var line: Int
        public var end: Int { start + length }

        public init(kind: Kind, start: Int, length: Int, content: String, line: Int) {
            self.kind = kind
            self.start = start
            self.length = length
            self.content = content
            self.line = line
        }
    }

    /// The file's name in messages (as given on the command line).
    public var name: String
    /// The directory media paths are relative to ("" for the current one).
    public var directory: String
    public var width: Int
    public var height: Int
    /// Video frames of the canvas.
    public var frames: Int
    public var fps: Rational
    /// Video frames per latent frame after the first (the causal VAE's temporal factor).
    public var temporalFactor: Int
    /// In the file's order.
    public var cards: [Card]

    public var textCards: [Card] { cards.filter { $0.kind == .text } }
    public var mediaCards: [Card] { cards.filter { $0.kind.isMedia } }

    /// Latent frames of the canvas: 1 + ceil((frames - 1) / tf).
    public var latentFrames: Int { Storyboard.latentFrames(covering: frames, temporalFactor: temporalFactor) }

    /// Latent frames needed to hold video frames 0..<n (n >= 1).
    public static func latentFrames(covering n: Int, temporalFactor tf: Int) -> Int { 1 + (n - 1 + tf - 1) / tf }

    /// The latent frame that holds video frame f.
    public static func latentFrame(holding f: Int, temporalFactor tf: Int) -> Int { f == 0 ? 0 : 1 + (f - 1) / tf }

    /// The first video frame of latent frame j.
    public static func firstVideoFrame(ofLatent j: Int, temporalFactor tf: Int) -> Int { j == 0 ? 0 : 1 + (j - 1) * tf }

    /// The latent frames a media card fills (its range lies on latent frame boundaries).
    public func latentRange(of card: Card) -> Range<Int> {
        let tf = temporalFactor
        return Storyboard.latentFrame(holding: card.start, temporalFactor: tf)
            ..< Storyboard.latentFrames(covering: card.end, temporalFactor: tf)
    }

    /// A media card's path: as written when absolute, else relative to the storyboard's directory.
    public func mediaPath(of card: Card) -> String {
        card.content.hasPrefix("/") || directory.isEmpty ? card.content : directory + "/" + card.content
    }

    // MARK: - Reading

    /// Reads and parses the file at `path`, or standard input when it is "-" (media paths then
    /// relative to the current directory): 66 when it cannot be opened, 65 when it is not UTF-8
    /// text, 74 when reading fails.
    public static func read(path: String, temporalFactor: Int = 4) throws(CanvasError) -> Storyboard {
        let stdin = path == "-"
        let name = stdin ? "standard input" : path
        let fd = stdin ? 0 : open(path, O_RDONLY)
        guard fd >= 0 else { throw .cannotOpen("cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { if !stdin { close(fd) } }
        if stdin && isatty(0) != 0 {
            throw .usage("standard input is a terminal: name a storyboard file, or pipe one in (reel-storyboard - < story.txt)")
        }
        var st = stat()
        if fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR {
            throw .cannotOpen("\(path) is a directory: expected a storyboard file (reel-storyboard(5))")
        }
        let limit = 1 << 24
        let whole: [UInt8]?
        do { whole = try FileIO.readToEnd(fd, limit: limit) } catch { throw .io("cannot read \(name): \(error.text)") }
        guard let bytes = whole else { throw .badInput("\(name) is more than \(limit) bytes: not a storyboard") }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            let at = Storyboard.firstInvalidUTF8(bytes)
            throw .badInput("\(name) is not UTF-8 text (byte \(at)): a storyboard is a text file (reel-storyboard(5))")
        }
        let slash = stdin ? nil : path.lastIndex(of: "/")
        let directory = slash.map { String(path[..<$0]) }.map { $0.isEmpty ? "/" : $0 } ?? ""
        return try parse(text, name: name, directory: directory, temporalFactor: temporalFactor)
    }

    /// The offset of the first byte that is not UTF-8: the length of the longest valid prefix.
    static func firstInvalidUTF8(_ bytes: [UInt8]) -> Int {
        var lo = 0, hi = bytes.count
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if String(validating: bytes[0..<mid], as: UTF8.self) != nil { lo = mid } else { hi = mid - 1 }
        }
        return lo
    }

    /// Parses a storyboard's text. `name` prefixes every message ("story.txt line 4: ...").
    public static func parse(_ text: String, name: String, directory: String = "",
                             temporalFactor tf: Int = 4) throws(CanvasError) -> Storyboard {
        precondition(tf >= 1)
        struct Setting { var value: String; var line: Int }
        var settings: [String: Setting] = [:]
        var rawCards: [(kind: Kind, start: String, length: String, content: String, line: Int)] = []
        let kinds = Kind.allCases.map(\.rawValue), settingNames = ["size", "frames", "fps"]

        // Lines end with LF or CRLF (one Character in Swift, so split on both).
        for (i, rawLine) in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).enumerated() {
            let line = i + 1
            func fail(_ m: String) -> CanvasError { .usage("\(name) line \(line): \(m)") }
            let body = try stripComment(rawLine, fail: fail)
            let words = body.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard let keyword = words.first.map(String.init) else { continue }
            if settingNames.contains(keyword) {
                if let first = settings[keyword] {
                    throw fail("a second \(keyword) line (the first is line \(first.line)): give each setting once")
                }
                guard words.count == 2 else {
                    let example = ["size": "size 64x64", "frames": "frames 33 (or 1.5s)", "fps": "fps 24"][keyword]!
                    throw fail("\(keyword) takes one value, e.g. \(example)")
                }
                settings[keyword] = Setting(value: String(words[1]), line: line)
            } else if let kind = Kind(rawValue: keyword) {
                let what = kind == .text ? "PROMPT" : "FILE"
                guard words.count >= 4 else {
                    throw fail("\(kind) card needs a start, a length and \(kind == .text ? "a prompt" : "a file"): \(kind) START LENGTH \(what)")
                }
                // The content is the rest of the line after the third word.
                var rest = Substring(body)
                for _ in 0..<3 {
                    while let c = rest.first, c == " " || c == "\t" { rest.removeFirst() }
                    while let c = rest.first, c != " " && c != "\t" { rest.removeFirst() }
                }
                let content = try unquote(rest, fail: fail)
                guard !content.isEmpty else {
                    throw fail("\(kind) card has an empty \(kind == .text ? "prompt" : "file name")")
                }
                guard content.utf8.count <= ReelFormat.maxTextBytes else {
                    throw fail("the prompt is \(content.utf8.count) bytes, more than the limit of \(ReelFormat.maxTextBytes)")
                }
                rawCards.append((kind, String(words[1]), String(words[2]), content, line))
            } else {
                throw fail("\"\(keyword)\" is not a card or a setting: expected \((kinds + settingNames).joined(separator: ", "))")
            }
        }

        // Settings.
        func fail(_ s: Setting, _ m: String) -> CanvasError { .usage("\(name) line \(s.line): \(m)") }
        var fps = Rational(24)
        if let s = settings["fps"] { fps = try parseRate(s.value) { fail(s, $0) } }
        guard let sizeSetting = settings["size"] else {
            throw .usage("\(name): no size line: a storyboard gives its canvas size, e.g. size 64x64")
        }
        let size = sizeSetting.value.lowercased().split(separator: "x", omittingEmptySubsequences: false)
        guard size.count == 2, let w = Int(size[0]), let h = Int(size[1]), w > 0, h > 0 else {
            throw fail(sizeSetting, "size \"\(sizeSetting.value)\" is not a size: expected WIDTHxHEIGHT, e.g. 64x64")
        }
        guard w <= ReelFormat.maxSide, h <= ReelFormat.maxSide else {
            throw fail(sizeSetting, "size \(w)x\(h) is too large: each side is at most \(ReelFormat.maxSide)")
        }
        guard let framesSetting = settings["frames"] else {
            throw .usage("\(name): no frames line: a storyboard gives its length, e.g. frames 33 (video frames) or frames 1.5s")
        }
        let total = try parseTime(framesSetting.value, what: "frames", fps: fps) { fail(framesSetting, $0) }
        guard total >= 1 else { throw fail(framesSetting, "frames \(framesSetting.value) is no frame: a canvas has at least 1") }
        guard total <= Int(ReelFormat.open) - 1 else { throw fail(framesSetting, "frames \(total) is too many") }

        // Cards.
        var cards: [Card] = []
        for raw in rawCards {
            let line = raw.line
            func fail(_ m: String) -> CanvasError { .usage("\(name) line \(line): \(m)") }
            let start = try parseTime(raw.start, what: "start", fps: fps, fail: fail)
            let length = try parseTime(raw.length, what: "length", fps: fps, fail: fail)
            guard length >= 1 else { throw fail("\(raw.kind) card at \(start) has length \(raw.length): a card lasts at least 1 frame") }
            let card = Card(kind: raw.kind, start: start, length: length, content: raw.content, line: line)
            guard card.end <= total else {
                throw fail("\(card.kind) card at \(start) (frames \(start)..<\(card.end)) runs past the canvas's end: it has \(total) frames (0..<\(total))")
            }
            // Media cards fill whole latent frames.
            if card.kind.isMedia {
                if start != 0 && (start - 1) % tf != 0 {
                    let lower = 1 + (start - 1) / tf * tf
                    throw fail("\(card.kind) card at \(start) does not start on a latent frame: an image or video card starts at frame 0 or 1 + \(tf)k (here \(lower) or \(lower + tf))")
                }
                let end = card.end
                if end != total && end != 1 && (end - 1) % tf != 0 {
                    let j = Storyboard.latentFrame(holding: end - 1, temporalFactor: tf)
                    let lower = Storyboard.firstVideoFrame(ofLatent: j, temporalFactor: tf)
                    let options = [lower > start ? lower : nil, min(lower + tf, total)].compactMap { $0 }.map(String.init)
                    throw fail("\(card.kind) card at \(start) ends at frame \(end), inside latent frame \(j) (frames \(lower)..<\(lower + tf)): it must end at frame 1 + \(tf)k or at the canvas's end (here \(options.joined(separator: " or ")))")
                }
            } else {
                // A text card guides the latent frames whose first video frame lies in it.
                let j = Storyboard.latentFrame(holding: start, temporalFactor: tf)
                let first = Storyboard.firstVideoFrame(ofLatent: j, temporalFactor: tf)
                let next = first == start ? start : Storyboard.firstVideoFrame(ofLatent: j + 1, temporalFactor: tf)
                guard next < card.end else {
                    throw fail("text card at \(start) (frames \(start)..<\(card.end)) holds the first frame of no latent frame (the next is frame \(next)), so it would guide nothing: make it reach frame \(next)")
                }
            }
            // Overlaps: text with text, media with media.
            for other in cards where other.kind.isMedia == card.kind.isMedia && other.start < card.end && card.start < other.end {
                throw fail("\(card.kind) card at \(start) overlaps the \(other.kind) card at line \(other.line) (frames \(other.start)..<\(other.end))")
            }
            cards.append(card)
        }
        guard !cards.isEmpty else {
            throw .usage("\(name): no cards: a storyboard places at least one text, image or video card (e.g. text 0 17 a red ball bouncing)")
        }
        return Storyboard(name: name, directory: directory, width: w, height: h, frames: total, fps: fps,
                          temporalFactor: tf, cards: cards)
    }

    /// The line without its comment: a # at the start or after a space or tab, outside quotes.
    static func stripComment(_ s: Substring, fail: (String) -> CanvasError) throws(CanvasError) -> Substring {
        var quoted = false, escaped = false
        var previous: Character = " "
        for i in s.indices {
            let c = s[i]
            if quoted {
                if escaped { escaped = false } else if c == "\\" { escaped = true } else if c == "\"" { quoted = false }
            } else if c == "\"" {
                quoted = true
            } else if c == "#" && (previous == " " || previous == "\t") {
                return s[..<i]
            }
            previous = c
        }
        return s
    }

    /// A card's content: trimmed; a double-quoted one keeps its spaces and #, with \" and \\.
    static func unquote(_ s: Substring, fail: (String) -> CanvasError) throws(CanvasError) -> String {
        var t = s
        while let c = t.first, c == " " || c == "\t" { t.removeFirst() }
        while let c = t.last, c == " " || c == "\t" { t.removeLast() }
        guard t.first == "\"" else { return String(t) }
        var out = "", escaped = false, closed = false
        for c in t.dropFirst() {
            if closed { throw fail("text after the closing quote: \(t)") }
            if escaped {
                guard c == "\"" || c == "\\" else { throw fail("\\\(c) is not an escape in a quoted text: only \\\" and \\\\ are") }
                out.append(c); escaped = false
            } else if c == "\\" {
                escaped = true
            } else if c == "\"" {
                closed = true
            } else {
                out.append(c)
            }
        }
        guard closed else { throw fail("the quote is not closed: \(t)") }
        return out
    }

    /// Frames: a count (17), or seconds with an s (0.5s, 2s), rounded to the nearest frame at `fps`.
    static func parseTime(_ s: String, what: String, fps: Rational, fail: (String) -> CanvasError) throws(CanvasError) -> Int {
        let bad = fail("\(what) \"\(s)\" is not a number of frames or of seconds (e.g. 17 or 0.5s)")
        if s.hasSuffix("s") {
            let number = s.dropLast()
            guard !number.isEmpty, number.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }),
                  let t = Double(number), t.isFinite, t <= 1e7 else { throw bad }
            return Int((t * Double(fps.numerator) / Double(fps.denominator)).rounded())
        }
        guard s.allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int(s), n <= Int(ReelFormat.open) - 1 else { throw bad }
        return n
    }

    /// A frame rate: 24, 29.97 or 30000/1001, above 0 and up to 1000.
    static func parseRate(_ s: String, fail: (String) -> CanvasError) throws(CanvasError) -> Rational {
        let bad = fail("fps \"\(s)\" is not a frame rate: expected a number or a fraction, e.g. 24, 29.97 or 30000/1001")
        var n = 0, d = 1
        if let slash = s.firstIndex(of: "/") {
            guard let a = Int(s[..<slash]), let b = Int(s[s.index(after: slash)...]), a > 0, b > 0,
                  a <= 1_000_000, b <= 1_000_000 else { throw bad }
            (n, d) = (a, b)
        } else {
            let parts = s.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count <= 2, parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }),
                  let whole = Int(parts[0].isEmpty ? "0" : parts[0]), whole <= 1_000_000 else { throw bad }
            n = whole
            if parts.count == 2 {
                guard !parts[1].isEmpty, parts[1].count <= 6, let f = Int(parts[1]) else { throw bad }
                for _ in 0..<parts[1].count { d *= 10 }
                n = whole * d + f
            }
        }
        var (a, b) = (n, d)
        while b != 0 { (a, b) = (b, a % b) }
        let g = max(a, 1)
        (n, d) = (n / g, d / g)
        guard n > 0 else { throw fail("fps \(s) is not a positive rate") }
        guard Double(n) / Double(d) <= 1000 else { throw fail("fps \(s) is over 1000 frames per second") }
        return Rational(UInt32(n), UInt32(d))
    }
}

// MARK: - Compiling

/// What the caller makes for a card: a media card's latent frames, a text card's texts.
public struct StoryboardMedia: Sendable {
    public var card: Storyboard.Card
    /// The file to read (relative paths resolved against the storyboard's directory).
    public var path: String
    /// Video frames of the card (an image is held for all of them).
    public var frames: Int
    /// Whether to encode one copy of the first frame before them (a card after frame 0): the
    /// leading latent frame is then dropped.
    public var leadingFrame: Bool
    /// Latent frames the encoding must give: 1 + ceil((frames - 1) / tf), or with the leading
    /// frame 1 + ceil(frames / tf).
    public var latentFrames: Int
}

public struct StoryboardText: Sendable {
    public var role: TextRole
    public var text: String
    /// Its embeddings (token states, pooled); their segment numbers are set by `compile`.
    public var embeddings: [TextEmbedding]

    public init(role: TextRole, text: String, embeddings: [TextEmbedding]) {
        self.role = role
        self.text = text
        self.embeddings = embeddings
    }
}

extension Storyboard {
    /// The request for a media card's latent frames.
    public func mediaRequest(_ card: Card) -> StoryboardMedia {
        let tf = temporalFactor, lead = card.start > 0
        let count = lead ? 1 + (card.length + tf - 1) / tf : Storyboard.latentFrames(covering: card.length, temporalFactor: tf)
        return StoryboardMedia(card: card, path: mediaPath(of: card), frames: card.length, leadingFrame: lead, latentFrames: count)
    }

    /// The canvas: `header` is the latent clip's header (channels, grid, factors, the VAE's id;
    /// its temporal factor the storyboard's), `media` gives a media card's latent frames (each
    /// channels x height x width values; the leading one included when asked), `texts` a text
    /// card's texts. Text segments are numbered from 0 in the order of their cards' starts; one
    /// that reaches the canvas's last frame runs to the end (END open).
    public func compile(header: ClipHeader,
                        media: (StoryboardMedia) throws -> [[Float]],
                        texts: (Card) throws -> [StoryboardText]) throws -> LatentCanvas {
        precondition(header.temporalFactor == temporalFactor, "the VAE's temporal factor \(header.temporalFactor) is not the storyboard's \(temporalFactor)")
        let n = latentFrames, values = header.channels * header.height * header.width
        var frames = [[Float]?](repeating: nil, count: n)
        var levels = [Float](repeating: 1, count: n)
        for card in cards where card.kind.isMedia {
            let request = mediaRequest(card)
            let latents = try media(request)
            guard latents.count == request.latentFrames, latents.allSatisfy({ $0.count == values }) else {
                throw CanvasError.badInput("\(name) line \(card.line): \(request.path) gave \(latents.count) latent frames of \(latents.first?.count ?? 0) values; the card needs \(request.latentFrames) of \(values)")
            }
            let kept = request.leadingFrame ? Array(latents.dropFirst()) : latents
            let range = latentRange(of: card)
            precondition(kept.count == range.count)
            for (j, f) in zip(range, kept) {
                frames[j] = f
                levels[j] = 0
            }
        }
        var canvas = LatentCanvas(like: header, frames: frames, levels: levels, sourceFrames: self.frames)
        var next: UInt32 = 0
        for card in cards.filter({ $0.kind == .text }).sorted(by: { $0.start < $1.start }) {
            let end = card.end >= self.frames ? ReelFormat.open : UInt32(card.end)
            for t in try texts(card) {
                canvas.segments.append(TextSegment(segment: next, clip: header.clip, start: UInt32(card.start), end: end,
                                                   role: t.role, text: t.text))
                for var e in t.embeddings {
                    e.segment = next
                    canvas.embeddings.append(e)
                }
                next += 1
            }
        }
        return canvas
    }
}
