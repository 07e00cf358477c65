import XCTest
import ReelStream
import ReelPatch
@testable import ReelInspect

/// Streams whose records are damaged but carry valid checksums (so the damage
/// reaches the layout checks): every tool must either succeed or throw, never trap.
final class MalformedStreamTests: XCTestCase {
    func damaged(_ bytes: [UInt8], seed: UInt64) throws -> [UInt8] {
        var rng = SplitMix(seed)
        let records = try StreamReader(bytes: bytes).readAll()
        let victim = Int(rng.next() % UInt64(records.count))
        let w = StreamWriter()
        for (i, r) in records.enumerated() {
            guard i == victim else { try w.write(r); continue }
            var p = r.payload.bytes
            switch rng.next() % 4 {
            case 0 where !p.isEmpty:   // flip bytes in the fixed fields
                for _ in 0..<3 { p[Int(rng.next() % UInt64(min(p.count, 48)))] ^= UInt8(truncatingIfNeeded: rng.next() | 1) }
            case 1 where !p.isEmpty:   // cut the payload short
                p.removeLast(Int(rng.next() % UInt64(p.count)) + 1)
            case 2:                    // grow it
                p += [UInt8](repeating: 7, count: Int(rng.next() % 40) + 1)
            default:                   // set a 32-bit field to a huge or zero value
                if p.count >= 4 {
                    let o = Int(rng.next() % UInt64(min(p.count - 3, 45)))
                    let v: UInt32 = rng.next() % 2 == 0 ? 0xFFFF_FFFF : 0
                    withUnsafeBytes(of: v) { for k in 0..<4 { p[o + k] = $0[k] } }
                }
            }
            try w.write(Record(type: r.type, bytes: p))
        }
        try w.finish()
        return w.bytes
    }

    func testDamagedStreamsAreRejectedNotCrashed() throws {
        let frames = try knownStream()
        let pw = StreamWriter()
        try SpacetimePatcher(patch: PatchSize(pt: 2, ph: 4, pw: 4)).patchifyStream(from: StreamReader(bytes: frames), to: pw,
                                                                                    provenance: Provenance(tool: "t", args: []).record)
        let tokens = pw.bytes
        var outcomes = [0, 0]
        for seed in 0..<300 as Range<UInt64> {
            for source in [frames, tokens] {
                let bad = try damaged(source, seed: seed)
                let tools: [() throws -> Void] = [
                    { _ = inspect(bad) },
                    { try SpacetimePatcher().patchifyStream(from: StreamReader(bytes: bad), to: StreamWriter(), provenance: Provenance(tool: "t", args: []).record) },
                    { try SpacetimePatcher.unpatchifyStream(from: StreamReader(bytes: bad), to: StreamWriter(), provenance: Provenance(tool: "t", args: []).record) },
                ]
                for tool in tools {
                    do { try tool(); outcomes[0] += 1 } catch { outcomes[1] += 1; XCTAssertFalse(String(describing: error).isEmpty) }
                }
                if let e = inspect(bad).error { XCTAssertFalse(e.contains("Fatal"), e) }
            }
        }
        print("damaged streams: \(outcomes[0]) runs succeeded, \(outcomes[1]) errors reported")
        XCTAssertGreaterThan(outcomes[1], 300, "most damage is caught")
    }
}

struct SplitMix {
    var state: UInt64
    init(_ seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
