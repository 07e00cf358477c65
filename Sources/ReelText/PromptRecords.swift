// A prompt on the reel stream: its text records and embedding records
// (reel(5) `text` and `embd`), the form reel-prompt-expand writes and the
// denoiser reads.
import ReelStream

/// One text to put on the stream: what it says, its role, its encoding.
public struct EncodedText: Sendable {
    public var text: String
    public var role: TextRole
    public var embedding: SentenceEmbedding

    public init(text: String, role: TextRole, embedding: SentenceEmbedding) {
        self.text = text; self.role = role; self.embedding = embedding
    }
}

/// A video frame range a text applies to: START..<END, END open by default.
public struct FrameRange: Equatable, Sendable, CustomStringConvertible {
    public var start: UInt32
    public var end: UInt32

    public static let whole = FrameRange(start: 0, end: ReelFormat.open)

    public init(start: UInt32, end: UInt32) { self.start = start; self.end = end }

    /// Parses `START:END` (frames, END exclusive) or `START:` (to the end of the clip).
    public init(parsing s: String) throws {
        let parts = s.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let a = UInt32(parts[0]), a < ReelFormat.open else {
            throw TextError.badArgument("--at \"\(s)\" is not a frame range: expected START:END or START: (e.g. 0:16, 16:)")
        }
        if parts[1].isEmpty || parts[1] == "end" {
            self.init(start: a, end: ReelFormat.open)
            return
        }
        guard let b = UInt32(parts[1]), b < ReelFormat.open else {
            throw TextError.badArgument("--at \"\(s)\": end \"\(parts[1])\" is not a frame number (expected START:END, e.g. 0:16)")
        }
        guard a < b else {
            throw TextError.badArgument("--at \(s) is empty: the end frame \(b) must be after the start frame \(a) (END is exclusive)")
        }
        self.init(start: a, end: b)
    }

    public var description: String { end == ReelFormat.open ? "\(start):" : "\(start):\(end)" }
}

public enum PromptRecords {
    /// For each text, in order: a `text` record (segment `firstSegment + i`),
    /// an `embd` record of its token states (T,D), and one of its pooled
    /// embedding (1,D).
    public static func records(_ texts: [EncodedText], firstSegment: UInt32, clip: UInt32 = ReelFormat.open,
                               range: FrameRange = .whole) -> [Record] {
        var out: [Record] = []
        for (i, t) in texts.enumerated() {
            let segment = firstSegment + UInt32(i)
            out.append(TextSegment(segment: segment, clip: clip, start: range.start, end: range.end,
                                   role: t.role, text: t.text).record)
            let e = t.embedding
            out.append(TextEmbedding(segment: segment, kind: .tokens, count: e.tokenCount, dim: e.dim,
                                     values: e.tokenStates).record)
            out.append(TextEmbedding(segment: segment, kind: .pooled, count: 1, dim: e.dim, values: e.pooled).record)
        }
        return out
    }

    /// Writes `input`'s records (when there is an input stream), then `texts` as records of the
    /// next free segments, then `provenance`, and finishes `writer`: what reel-prompt-expand puts
    /// on its output. The input is read and checked whole first, so that a corrupt one leaves no
    /// half stream downstream; an empty input (nothing piped in) starts a new stream.
    public static func append(_ texts: [EncodedText], range: FrameRange = .whole, provenance: Record,
                              after input: StreamReader?, to writer: StreamWriter) throws {
        var segments = SegmentCounter()
        var held: [Record] = []
        if let input {
            var state = StreamState()
            do {
                while let record = try input.next() {
                    segments.observe(try state.decode(record, index: input.recordIndex))
                    held.append(record)
                }
            } catch StreamError.empty {
                // Nothing piped in (e.g. </dev/null).
            }
        }
        for r in held { try writer.write(r) }
        for r in records(texts, firstSegment: segments.next, range: range) { try writer.write(r) }
        try writer.write(provenance)
        try writer.finish()
    }

    /// The first segment number free after the text and embedding records seen so far.
    public struct SegmentCounter: Sendable {
        public private(set) var next: UInt32 = 0
        public init() {}
        public mutating func observe(_ decoded: DecodedRecord) {
            switch decoded {
            case .text(let t): next = max(next, t.segment &+ 1)
            case .embedding(let e): next = max(next, e.segment &+ 1)
            default: break
            }
        }
    }
}
