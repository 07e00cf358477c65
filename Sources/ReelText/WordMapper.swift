// Mapping words outside the shapes world's vocabulary onto it, with the
// sentence encoder reel already runs (all-MiniLM-L6-v2): an unknown word or
// phrase is embedded and compared (cosine of pooled embeddings) with every
// word and phrase of the vocabulary (reel-world(7)'s words and their synonyms,
// plus the parser's motion verbs), and with a few anchor words that name
// nothing in the world ("cat", "music"), so that a word about something
// else finds its own kind rather than the nearest colour. The nearest entry
// is taken when it is an attribute, its similarity is at least `threshold`
// and it beats the nearest entry of any other meaning by `margin`.
//
// Typos are a separate, cheaper step (`PromptParser.correctTypo`): a word
// that is not a whole token of the encoder's vocabulary (so not an English
// word) and is one edit from a vocabulary word is read as that word.
import Foundation
import ReelWorld

/// What an entry of the mapper's table means.
public enum MappedMeaning: Hashable, Sendable {
    /// An attribute value.
    case term(Term)
    /// "Moves" without a direction (a generic motion verb).
    case moves
    /// Nothing in the shapes world (an anchor word).
    case nothing
}

/// One mapping of an unknown word or phrase.
public struct WordMatch: Sendable, Equatable {
    /// The prompt's word or phrase.
    public var text: String
    /// The vocabulary entry it is nearest to.
    public var nearest: String
    public var meaning: MappedMeaning
    /// Cosine similarity of the two embeddings.
    public var similarity: Double
    /// Similarity of the nearest entry with another meaning.
    public var runnerUp: Double
}

public final class WordMapper: @unchecked Sendable {
    public let encoder: SentenceEncoder
    /// Least cosine similarity to take a mapping.
    public var threshold: Double
    /// Least lead over the nearest entry of another meaning.
    public var margin: Double

    /// Words that name nothing in the shapes world; an unknown word nearest
    /// to one of them is left unknown.
    public static let anchors: [String] = [
        "cat", "dog", "bird", "animal", "person", "man", "woman", "child", "tree", "flower", "grass", "car", "house",
        "city", "street", "park", "food", "pizza", "fruit", "water", "music", "piano", "song", "game", "book",
        "happy", "sad", "beautiful", "nice", "weird", "eating", "playing", "talking", "sleeping", "thinking",
        "afternoon", "morning", "weekend", "day", "year", "video", "picture", "scene", "thing", "object",
        "shape", "color", "size", "speed", "camera", "frame", "the", "and", "with", "of", "it",
        "wood", "metal", "glass", "paper", "plastic", "shiny", "matte", "texture", "light", "shadow",
        "place", "position", "corner", "edge", "center", "left side", "right side", "top", "bottom",
    ]

    /// The table: every entry's text and meaning.
    public static let entries: [(String, MappedMeaning)] = {
        var out: [(String, MappedMeaning)] = []
        var seen = Set<String>()
        func add(_ text: String, _ m: MappedMeaning) { if seen.insert(text).inserted { out.append((text, m)) } }
        for (phrase, term) in Vocabulary.table.sorted(by: { $0.key < $1.key }) {
            // "red background" and the like add nothing a bare word does not.
            if phrase.hasSuffix(" wall") || phrase.hasSuffix(" backdrop") { continue }
            add(phrase, .term(term))
        }
        for (phrase, term) in PromptParser.extraPhrases.sorted(by: { $0.key < $1.key }) { add(phrase, .term(term)) }
        for w in PromptParser.genericMotionWords.sorted() { add(w, .moves) }
        for w in anchors { add(w, .nothing) }
        return out
    }()

    private let lock = NSLock()
    private var table: [[Float]]?
    private var cache: [String: WordMatch?] = [:]

    public init(encoder: SentenceEncoder, threshold: Double = 0.49, margin: Double = 0.03) {
        self.encoder = encoder
        self.threshold = threshold
        self.margin = margin
    }

    /// Whether `word` is a whole token of the encoder's vocabulary (an English word, not a typo).
    public func isKnownWord(_ word: String) -> Bool { encoder.tokenizer.id(of: word) != nil }

    private func tableEmbeddings() -> [[Float]] {
        if let t = table { return t }
        var rows: [[Float]] = []
        let texts = Self.entries.map(\.0)
        var i = 0
        while i < texts.count {
            let batch = Array(texts[i..<min(i + 64, texts.count)])
            rows += encoder.encode(batch).map(\.pooled)
            i += 64
        }
        table = rows
        return rows
    }

    /// The nearest entry of every meaning to `text`, best first (for tuning and --explain).
    public func ranking(_ text: String) -> [(String, MappedMeaning, Double)] {
        lock.lock(); defer { lock.unlock() }
        return rankingLocked(text)
    }

    private func rankingLocked(_ text: String) -> [(String, MappedMeaning, Double)] {
        let rows = tableEmbeddings()
        let q = encoder.encode(text).pooled
        var best: [MappedMeaning: (String, Double)] = [:]
        for (k, row) in rows.enumerated() {
            var dot: Float = 0
            for c in 0..<min(q.count, row.count) { dot += q[c] * row[c] }
            let (entry, meaning) = Self.entries[k]
            if Double(dot) > best[meaning]?.1 ?? -2 { best[meaning] = (entry, Double(dot)) }
        }
        return best.map { ($0.value.0, $0.key, $0.value.1) }.sorted { $0.2 > $1.2 }
    }

    /// The mapping of `text`, or nil when it is not close enough to an attribute.
    public func map(_ text: String) -> WordMatch? {
        lock.lock(); defer { lock.unlock() }
        if let hit = cache[text] { return hit }
        let ranked = rankingLocked(text)
        var result: WordMatch?
        if let top = ranked.first {
            let second = ranked.count > 1 ? ranked[1].2 : -1
            if top.1 != .nothing, top.2 >= threshold, top.2 - second >= margin {
                result = WordMatch(text: text, nearest: top.0, meaning: top.1, similarity: top.2, runnerUp: second)
            }
        }
        cache[text] = result
        return result
    }
}
