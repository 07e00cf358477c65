// The committed fixtures and reel(5)'s worked example are exactly what the
// writer makes, and they decode to the values that made them.
import Foundation
import XCTest
@testable import ReelStream

final class FixtureTests: XCTestCase {
    func testCommittedFixturesAreWhatTheWriterMakes() throws {
        if let p = try ReelExamples.checkCommitted("example.reel", try ReelExamples.manExample()) { XCTFail(p) }
        if let p = try ReelExamples.checkCommitted("every-kind.reel", try ReelExamples.everyKind()) { XCTFail(p) }
    }

    /// The hex dump in reel(5) (lines "OFFSET  hex bytes  annotation" between
    /// the BEGIN/END EXAMPLE comments) is the example stream, byte for byte.
    func testManPageHexDumpIsTheWriterOutput() throws {
        let page = try String(contentsOf: ReelExamples.root.appendingPathComponent("man/man5/reel.5"), encoding: .utf8)
        guard let a = page.range(of: ".\\\" BEGIN EXAMPLE"), let b = page.range(of: ".\\\" END EXAMPLE") else {
            return XCTFail("reel.5 has no BEGIN EXAMPLE / END EXAMPLE block")
        }
        var dumped: [UInt8] = []
        for line in page[a.upperBound..<b.lowerBound].split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard let first = fields.first, first.count == 4, let offset = Int(first, radix: 16) else { continue }
            XCTAssertEqual(offset, dumped.count, "offset column of \"\(line)\"")
            for f in fields.dropFirst() {
                guard f.count == 2, let v = UInt8(f, radix: 16) else { break }
                dumped.append(v)
            }
        }
        XCTAssertEqual(dumped, try ReelExamples.manExample(), "reel.5's hex dump differs from the writer's bytes")
    }

    func testEveryKindDecodesToItsValues() throws {
        let records = try ReelExamples.decodeAll(try ReelExamples.everyKind())
        var kinds: [String] = []
        var tokenValues: [Float] = []
        for r in records {
            switch r {
            case let .header(h):
                kinds.append("HEAD")
                if h.clip == 1 {
                    XCTAssertEqual(h.model, "reel-vae-tiny"); XCTAssertTrue(h.firstFrameAlone)
                    XCTAssertEqual(h.temporalFactor, 4); XCTAssertEqual(h.sourceWidth, 32)
                }
            case let .frame(f):
                kinds.append("FRAM")
                if f.clip == 0 { XCTAssertEqual(f.data[3 * 2 + 3 + 1], ReelExamples.clip0(f.index, 1, 1, 1)) }
                if f.clip == 1 {
                    let d = f.data.bindMemory(to: Float.self)
                    XCTAssertEqual(d[2 * 16 + 3 * 4 + 1], ReelExamples.clip1(f.index, 2, 3, 1))
                }
            case .patchGeometry: kinds.append("PTCH")
            case let .tokens(b):
                kinds.append("TOKS")
                if b.clip == 1 { tokenValues += Array(b.data.bindMemory(to: Float.self)) }
            case .text: kinds.append("text")
            case .embedding: kinds.append("embd")
            case let .noise(n): kinds.append("nois"); XCTAssertEqual(n.levels, [0, 0.75])
            case let .partial(n): kinds.append("PART"); XCTAssertEqual(n.first, 1); XCTAssertEqual(n.levels, [0.5])
            case .metadata: kinds.append("meta")
            case let .provenance(json): kinds.append("prov"); XCTAssertTrue(json.contains("\"seed\":7"))
            case let .unknown(u): kinds.append(u.type.description)
            }
        }
        XCTAssertEqual(kinds, ["HEAD", "text", "text", "embd", "embd", "FRAM", "FRAM", "HEAD", "nois", "PART", "text", "FRAM", "FRAM",
                               "PTCH", "TOKS", "TOKS", "HEAD", "FRAM", "PTCH", "TOKS", "HEAD", "FRAM", "meta", "meta", "xtra", "prov"])
        // Token 6 is at (t 1, h 1, w 0); its value (c 2, dt 0, dy 1, dx 0) is latent (t 1, c 2, y 3, x 0).
        XCTAssertEqual(tokenValues[6 * 16 + 2 * 4 + 1 * 2 + 0], ReelExamples.clip1(1, 2, 3, 0))
    }
}
