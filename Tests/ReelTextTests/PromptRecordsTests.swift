import XCTest
import ReelStream
@testable import ReelText

final class PromptRecordsTests: XCTestCase {
    func embedding(_ n: Int, dim: Int = 4, base: Float) -> SentenceEmbedding {
        SentenceEmbedding(ids: (0..<n).map { Int32($0) }, tokenStates: (0..<(n * dim)).map { base + Float($0) },
                          pooled: (0..<dim).map { base - Float($0) }, dim: dim)
    }

    func testRecordsRoundTripThroughAStream() throws {
        let texts = [EncodedText(text: "red ball", role: .prompt, embedding: embedding(4, base: 1)),
                     EncodedText(text: "A small red ball bounces.", role: .caption, embedding: embedding(7, base: 100))]
        let writer = StreamWriter()
        for r in PromptRecords.records(texts, firstSegment: 5, range: FrameRange(start: 8, end: 24)) { try writer.write(r) }
        try writer.finish()

        let records = try StreamReader(bytes: writer.bytes).readAll()
        XCTAssertEqual(records.map(\.type), [.text, .embedding, .embedding, .text, .embedding, .embedding])
        var state = StreamState()
        var counter = PromptRecords.SegmentCounter()
        var decoded: [DecodedRecord] = []
        for (i, r) in records.enumerated() {
            let d = try state.decode(r, index: i + 1)
            counter.observe(d)
            decoded.append(d)
        }
        XCTAssertEqual(counter.next, 7)
        guard case .text(let prompt) = decoded[0], case .embedding(let tokens) = decoded[1],
              case .embedding(let pooled) = decoded[2], case .text(let caption) = decoded[3],
              case .embedding(let captionTokens) = decoded[4] else {
            return XCTFail("unexpected records \(decoded)")
        }
        XCTAssertEqual(prompt, TextSegment(segment: 5, start: 8, end: 24, role: .prompt, text: "red ball"))
        XCTAssertEqual(caption.segment, 6)
        XCTAssertEqual(caption.role, .caption)
        XCTAssertEqual(caption.text, "A small red ball bounces.")
        XCTAssertEqual(tokens.segment, 5)
        XCTAssertEqual(tokens.kind, .tokens)
        XCTAssertEqual(tokens.count, 4)
        XCTAssertEqual(tokens.dim, 4)
        XCTAssertEqual(tokens.values, texts[0].embedding.tokenStates)
        XCTAssertEqual(pooled.kind, .pooled)
        XCTAssertEqual(pooled.count, 1)
        XCTAssertEqual(pooled.values, texts[0].embedding.pooled)
        XCTAssertEqual(captionTokens.count, 7)
        XCTAssertEqual(captionTokens.segment, 6)
    }

    func testFrameRanges() throws {
        XCTAssertEqual(try FrameRange(parsing: "0:16"), FrameRange(start: 0, end: 16))
        XCTAssertEqual(try FrameRange(parsing: "16:"), FrameRange(start: 16, end: ReelFormat.open))
        XCTAssertEqual(try FrameRange(parsing: "3:end"), FrameRange(start: 3, end: ReelFormat.open))
        for bad in ["", "5", "a:b", "8:8", "9:3", "-1:4", "1:2:3", ":4"] {
            XCTAssertThrowsError(try FrameRange(parsing: bad), bad) { error in
                XCTAssertTrue("\(error)".contains("--at"), "\(error)")
            }
        }
    }

    func testAppendForwardsTheInputAndNumbersSegmentsAfterIt() throws {
        let first = [EncodedText(text: "red ball", role: .prompt, embedding: embedding(3, base: 1))]
        let one = StreamWriter()
        let prov = Provenance(tool: "test", args: []).record
        try PromptRecords.append(first, provenance: prov, after: nil, to: one)
        let second = [EncodedText(text: "blue cube", role: .prompt, embedding: embedding(2, base: 5))]
        let two = StreamWriter()
        try PromptRecords.append(second, range: FrameRange(start: 8, end: 16), provenance: prov,
                                 after: StreamReader(bytes: one.bytes), to: two)
        let records = try StreamReader(bytes: two.bytes).readAll()
        XCTAssertEqual(records.map(\.type), [.text, .embedding, .embedding, .provenance, .text, .embedding, .embedding, .provenance])
        var state = StreamState()
        let texts = try records.enumerated().compactMap { i, r -> TextSegment? in
            if case .text(let t) = try state.decode(r, index: i + 1) { return t }
            return nil
        }
        XCTAssertEqual(texts.map(\.segment), [0, 1])
        XCTAssertEqual(texts.map(\.text), ["red ball", "blue cube"])
        XCTAssertEqual(texts[1].start, 8)
        // A corrupt input writes nothing.
        let bad = StreamWriter()
        XCTAssertThrowsError(try PromptRecords.append(second, provenance: prov, after: StreamReader(bytes: Array(one.bytes.dropLast(3))), to: bad))
        XCTAssertTrue(bad.bytes.isEmpty)
    }
}
