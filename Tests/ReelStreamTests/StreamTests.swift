import XCTest
@testable import ReelStream

final class StreamTests: XCTestCase {
    func makeStream() throws -> [UInt8] {
        let w = StreamWriter()
        let h = ClipHeader(clip: 0, kind: .pixels, dtype: .u8, channels: 3, width: 4, height: 2, fps: Rational(8), frameCount: 2)
        try w.write(h.record)
        for t in 0..<2 {
            let f = Frame(clip: 0, index: t, byteCount: h.frameBytes)
            for i in 0..<h.frameBytes { f.mutableData[i] = UInt8((i * 7 + t) & 0xFF) }
            try w.write(f.record)
        }
        try w.write(TextSegment(segment: 0, role: .prompt, text: "red ball bouncing").record)
        try w.write(NoiseLevels(clip: 0, levels: [0, 1]).record)
        try w.write(Record(type: RecordType("xtra"), bytes: [1, 2, 3]))
        try w.finish()
        return w.bytes
    }

    func testRoundTripOfEveryKind() throws {
        let bytes = try makeStream()
        XCTAssertEqual(Array(bytes[0..<8]), ReelFormat.signature)
        XCTAssertEqual(bytes.count % 8, 0, "records stay 8-byte aligned")
        let r = StreamReader(bytes: bytes)
        var state = StreamState()
        var kinds: [String] = []
        while let rec = try r.next() {
            let d = try state.decode(rec, index: r.recordIndex)
            kinds.append(rec.type.description)
            switch d {
            case let .header(h): XCTAssertEqual(h.width, 4); XCTAssertEqual(h.frameBytes, 24)
            case let .frame(f): XCTAssertEqual(f.data[5], UInt8((5 * 7 + f.index) & 0xFF))
            case let .text(t): XCTAssertEqual(t.text, "red ball bouncing"); XCTAssertEqual(t.end, ReelFormat.open)
            case let .noise(n): XCTAssertEqual(n.levels, [0, 1])
            case let .unknown(u): XCTAssertEqual(u.payload.bytes, [1, 2, 3]); XCTAssertFalse(u.type.isCritical)
            default: XCTFail("unexpected \(rec.type)")
            }
        }
        XCTAssertEqual(kinds, ["HEAD", "FRAM", "FRAM", "text", "nois", "xtra"])
    }

    func testConcatenatedStreamsReadAsOne() throws {
        let one = try makeStream()
        let r = StreamReader(bytes: one + one)
        XCTAssertEqual(try r.readAll().count, 12)
    }

    func expectError(_ bytes: [UInt8], _ check: (StreamError) -> Bool, file: StaticString = #filePath, line: UInt = #line) {
        do {
            _ = try StreamReader(bytes: bytes).readAll()
            XCTFail("no error", file: file, line: line)
        } catch let e as StreamError {
            XCTAssertTrue(check(e), "unexpected: \(e)", file: file, line: line)
        } catch { XCTFail("\(error)", file: file, line: line) }
    }

    func testCorruptionIsCaught() throws {
        let good = try makeStream()
        // A flipped bit inside the first frame's samples.
        var bad = good
        bad[16 + 16 + 56 + 16 + 20] ^= 0x10
        expectError(bad) { if case .checksumMismatch(2, "FRAM", _, _) = $0 { return true }; return false }
        // Truncation mid-payload and at a record boundary.
        expectError(Array(good[0..<(16 + 16 + 30)])) { if case .truncatedPayload(1, "HEAD", 30, 48) = $0 { return true }; return false }
        expectError(Array(good[0..<(16 + 16 + 48)])) { if case .missingDone(1) = $0 { return true }; return false }
        // Line-ending conversion of the signature.
        var crlf = good
        crlf.remove(at: 4)
        expectError(crlf) { if case .badSignature = $0 { return $0.description.contains("text-mode") }; return false }
        expectError([]) { $0 == .empty }
    }

    func testUnknownCriticalRecordIsAnError() throws {
        let w = StreamWriter()
        try w.write(Record(type: RecordType("ZZZZ"), bytes: []))
        try w.finish()
        expectError(w.bytes) { if case .unknownCritical(1, "ZZZZ") = $0 { return true }; return false }
    }

    func testFrameSizeMustMatchHeader() throws {
        let w = StreamWriter()
        let h = ClipHeader(channels: 3, width: 4, height: 2)
        try w.write(h.record)
        try w.write(Frame(clip: 0, index: 0, byteCount: 23).record)
        try w.finish()
        let r = StreamReader(bytes: w.bytes)
        var s = StreamState()
        _ = try s.decode(try r.next()!, index: 1)
        XCTAssertThrowsError(try s.decode(try r.next()!, index: 2)) { e in
            XCTAssertTrue("\(e)".contains("23 sample bytes"), "\(e)")
        }
    }
}
