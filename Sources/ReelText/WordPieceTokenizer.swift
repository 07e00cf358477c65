// WordPiece tokenizer for BERT-family encoders (all-MiniLM-L6-v2), a port of
// Hugging Face `tokenizers`' BertNormalizer + BertPreTokenizer + WordPiece +
// the [CLS] A [SEP] template, which `transformers.BertTokenizer(Fast)` runs.
// The golden ids in Tests/ReelTextTests/Fixtures come from that library
// (Scripts/make_text_fixtures.py).
//
// Pipeline for one text:
//   1. special tokens ([CLS], [SEP], [PAD], [MASK], [UNK]) written literally in
//      the text are split off first and map to their own ids (they are not
//      normalized, so "[sep]" is not one);
//   2. normalize: drop NUL, U+FFFD and control/format/private-use scalars,
//      map every whitespace scalar to " ", surround CJK ideographs with spaces,
//      strip accents (NFD, drop nonspacing marks), lower-case;
//   3. pre-tokenize: split on whitespace, and split off every punctuation
//      scalar (ASCII symbols !"#$%&'()*+,-./:;<=>?@[\]^_`{|}~ count too);
//   4. WordPiece: greedy longest match from the left, continuation pieces
//      prefixed "##"; a word longer than 100 scalars, or one that cannot be
//      covered, becomes [UNK];
//   5. truncate to maxLength - 2 pieces and wrap in [CLS] ... [SEP].
// Everything works on Unicode scalars, as the Rust code works on `char`s.
import Foundation

public struct WordPieceTokenizer: Sendable {
    /// Token string for each id (the lines of vocab.txt).
    public let tokens: [String]
    let ids: [String: Int32]
    public let lowercase: Bool
    public let stripAccents: Bool
    public let splitCJK: Bool
    /// Longest sequence the encoder sees, [CLS] and [SEP] included.
    public let maxLength: Int
    public let maxInputCharsPerWord = 100
    public let classifierID: Int32
    public let separatorID: Int32
    public let unknownID: Int32
    public let paddingID: Int32
    /// Special tokens matched literally in the raw text, longest first.
    let specials: [(scalars: [Unicode.Scalar], id: Int32)]

    public var vocabularySize: Int { tokens.count }

    /// A tokenizer over `vocabulary` (token strings in id order).
    /// `stripAccents: nil` follows BERT: strip accents when lower-casing.
    public init(vocabulary: [String], lowercase: Bool = true, stripAccents: Bool? = nil,
                splitCJK: Bool = true, maxLength: Int = 256) throws {
        var ids: [String: Int32] = [:]
        ids.reserveCapacity(vocabulary.count)
        for (i, t) in vocabulary.enumerated() where ids[t] == nil { ids[t] = Int32(i) }
        func required(_ t: String) throws -> Int32 {
            guard let id = ids[t] else {
                throw TextError.badModelFile(path: "vocab.txt", reason: "the vocabulary has no \(t) token")
            }
            return id
        }
        guard maxLength >= 2 else {
            throw TextError.badArgument("max length \(maxLength) is too small; it must be at least 2 ([CLS] and [SEP])")
        }
        self.tokens = vocabulary
        self.ids = ids
        self.lowercase = lowercase
        self.stripAccents = stripAccents ?? lowercase
        self.splitCJK = splitCJK
        self.maxLength = maxLength
        self.classifierID = try required("[CLS]")
        self.separatorID = try required("[SEP]")
        self.unknownID = try required("[UNK]")
        self.paddingID = try required("[PAD]")
        var specials: [(scalars: [Unicode.Scalar], id: Int32)] = []
        for t in ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] {
            if let id = ids[t] { specials.append((Array(t.unicodeScalars), id)) }
        }
        self.specials = specials.sorted { $0.scalars.count > $1.scalars.count }
    }

    /// Loads vocab.txt and the casing options of tokenizer_config.json from a
    /// model directory; the maximum length is sentence_bert_config.json's
    /// max_seq_length (256 for all-MiniLM-L6-v2) unless `maxLength` is given.
    public init(modelDirectory: URL, maxLength: Int? = nil) throws {
        let vocabURL = modelDirectory.appendingPathComponent("vocab.txt")
        let data: Data
        do { data = try Data(contentsOf: vocabURL) } catch {
            throw TextError.cannotRead(path: vocabURL.path, reason: "\(error.localizedDescription)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw TextError.badModelFile(path: vocabURL.path, reason: "it is not UTF-8 text")
        }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map {
            $0.hasSuffix("\r") ? String($0.dropLast()) : String($0)
        }
        if lines.last == "" { lines.removeLast() }
        let config = (try? Self.jsonObject(modelDirectory.appendingPathComponent("tokenizer_config.json"))) ?? [:]
        let st = (try? Self.jsonObject(modelDirectory.appendingPathComponent("sentence_bert_config.json"))) ?? [:]
        let lower = config["do_lower_case"] as? Bool ?? true
        let strip = config["strip_accents"] as? Bool
        let cjk = config["tokenize_chinese_chars"] as? Bool ?? true
        let length = maxLength ?? (st["max_seq_length"] as? Int) ?? 256
        try self.init(vocabulary: lines, lowercase: lower, stripAccents: strip, splitCJK: cjk, maxLength: length)
    }

    static func jsonObject(_ url: URL) throws -> [String: Any] {
        let data = try Data(contentsOf: url)
        return (try JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
    }

    public func id(of token: String) -> Int32? { ids[token] }

    // MARK: Encoding

    /// Token ids with [CLS] and [SEP], truncated to `maxLength` (default: the
    /// tokenizer's) by dropping pieces from the end.
    public func encode(_ text: String, maxLength: Int? = nil) -> [Int32] {
        let limit = max(2, maxLength ?? self.maxLength)
        var body = pieceIDs(text)
        if body.count > limit - 2 { body.removeSubrange((limit - 2)...) }
        return [classifierID] + body + [separatorID]
    }

    /// Token strings of `text` without [CLS]/[SEP] and without truncation.
    public func tokenize(_ text: String) -> [String] {
        pieceIDs(text).map { tokens[Int($0)] }
    }

    /// WordPiece ids of `text`, no [CLS]/[SEP], no truncation.
    public func pieceIDs(_ text: String) -> [Int32] {
        var out: [Int32] = []
        for segment in splitSpecialTokens(Array(text.unicodeScalars)) {
            switch segment {
            case .special(let id): out.append(id)
            case .text(let scalars):
                for word in preTokenize(normalize(scalars)) { wordPiece(word, into: &out) }
            }
        }
        return out
    }

    enum Segment { case text([Unicode.Scalar]), special(Int32) }

    /// Splits literal special tokens off the raw text (leftmost, longest).
    func splitSpecialTokens(_ s: [Unicode.Scalar]) -> [Segment] {
        var segments: [Segment] = []
        var start = 0, i = 0
        outer: while i < s.count {
            if s[i] == "[" {
                for sp in specials where i + sp.scalars.count <= s.count
                    && s[i..<(i + sp.scalars.count)].elementsEqual(sp.scalars) {
                    if start < i { segments.append(.text(Array(s[start..<i]))) }
                    segments.append(.special(sp.id))
                    i += sp.scalars.count
                    start = i
                    continue outer
                }
            }
            i += 1
        }
        if start < s.count { segments.append(.text(Array(s[start...]))) }
        return segments
    }

    // MARK: Normalizer (BertNormalizer)

    func normalize(_ input: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var s: [Unicode.Scalar] = []
        s.reserveCapacity(input.count + 8)
        for c in input {
            if c.value == 0 || c.value == 0xFFFD || Self.isControl(c) { continue }
            if Self.isWhitespace(c) { s.append(" "); continue }
            if splitCJK && Self.isCJK(c) { s.append(" "); s.append(c); s.append(" "); continue }
            s.append(c)
        }
        if stripAccents {
            var str = String.UnicodeScalarView()
            str.append(contentsOf: s)
            let nfd = String(str).decomposedStringWithCanonicalMapping
            s = nfd.unicodeScalars.filter { $0.properties.generalCategory != .nonspacingMark }
        }
        if lowercase {
            var lowered: [Unicode.Scalar] = []
            lowered.reserveCapacity(s.count)
            for c in s {
                if c.isASCII {
                    lowered.append(c.value >= 65 && c.value <= 90 ? Unicode.Scalar(c.value + 32)! : c)
                } else {
                    lowered.append(contentsOf: c.properties.lowercaseMapping.unicodeScalars)
                }
            }
            s = lowered
        }
        return s
    }

    /// Cc, Cf, Co and Cs count as control (tab, newline, carriage return do
    /// not: they are whitespace); unassigned scalars are kept, as in `tokenizers`.
    static func isControl(_ c: Unicode.Scalar) -> Bool {
        if c == "\t" || c == "\n" || c == "\r" { return false }
        switch c.properties.generalCategory {
        case .control, .format, .privateUse, .surrogate: return true
        default: return false
        }
    }

    static func isWhitespace(_ c: Unicode.Scalar) -> Bool {
        c == " " || c == "\t" || c == "\n" || c == "\r" || c.properties.isWhitespace
    }

    /// CJK Unified Ideographs blocks, as BERT defines them (not Hangul or kana).
    static func isCJK(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F,
             0x2B740...0x2B81F, 0x2B920...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F:
            return true
        default:
            return false
        }
    }

    /// BERT punctuation: the ASCII symbol ranges, or any Unicode P* category.
    static func isPunctuation(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 33...47, 58...64, 91...96, 123...126: return true
        default: break
        }
        switch c.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return true
        default:
            return false
        }
    }

    // MARK: Pre-tokenizer (BertPreTokenizer)

    func preTokenize(_ s: [Unicode.Scalar]) -> [ArraySlice<Unicode.Scalar>] {
        var words: [ArraySlice<Unicode.Scalar>] = []
        var start = 0
        for (i, c) in s.enumerated() {
            if Self.isWhitespace(c) {
                if start < i { words.append(s[start..<i]) }
                start = i + 1
            } else if Self.isPunctuation(c) {
                if start < i { words.append(s[start..<i]) }
                words.append(s[i...i])
                start = i + 1
            }
        }
        if start < s.count { words.append(s[start...]) }
        return words
    }

    // MARK: WordPiece

    func wordPiece(_ word: ArraySlice<Unicode.Scalar>, into out: inout [Int32]) {
        if word.count > maxInputCharsPerWord { out.append(unknownID); return }
        var pieces: [Int32] = []
        var start = word.startIndex
        while start < word.endIndex {
            var end = word.endIndex
            var found: Int32?
            while start < end {
                var piece = start == word.startIndex ? "" : "##"
                piece.unicodeScalars.append(contentsOf: word[start..<end])
                if let id = ids[piece] { found = id; break }
                end -= 1
            }
            guard let id = found else { out.append(unknownID); return }
            pieces.append(id)
            start = end
        }
        out.append(contentsOf: pieces)
    }
}
