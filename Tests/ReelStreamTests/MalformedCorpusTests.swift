// The malformed-input corpus: streams that are wrong in one way each, built
// from valid streams made by the real writer. Each must be refused with the
// expected StreamError case and a message that names the problem. Every case
// is also committed under Fixtures/malformed/ with a MANIFEST line
// (name, exit status, case, message fragment) that Scripts/test_reelstream.py
// and ReelFormatTests (exit statuses through ReelCLI) read.
import Foundation
import XCTest
@testable import ReelStream

/// One malformed stream and what a reader must say about it.
struct MalformedCase {
    let name: String
    let bytes: [UInt8]
    /// The StreamError case, by name.
    let error: String
    /// A fragment of the error's description.
    let fragment: String
    /// Exit status of a reel tool that reads it (sysexits EX_DATAERR).
    var status: Int { 65 }
}

/// The StreamError case name of `e`.
func caseName(_ e: StreamError) -> String {
    switch e {
    case .empty: "empty"
    case .badSignature: "badSignature"
    case .unsupportedVersion: "unsupportedVersion"
    case .truncatedPreamble: "truncatedPreamble"
    case .truncatedHeader: "truncatedHeader"
    case .truncatedPayload: "truncatedPayload"
    case .missingDone: "missingDone"
    case .badType: "badType"
    case .payloadTooLarge: "payloadTooLarge"
    case .checksumMismatch: "checksumMismatch"
    case .nonzeroPadding: "nonzeroPadding"
    case .unknownCritical: "unknownCritical"
    case .trailingData: "trailingData"
    case .malformed: "malformed"
    case .inconsistent: "inconsistent"
    case .io: "io"
    case .brokenPipe: "brokenPipe"
    }
}

enum MalformedCorpus {
    /// A stream of `records` (with a valid CRC each) and DONE.
    static func stream(_ records: [Record]) throws -> [UInt8] {
        let w = StreamWriter()
        for r in records { try w.write(r) }
        try w.finish()
        return w.bytes
    }

    /// `r` with a little-endian u32 replaced at `offset` of its payload.
    static func patched(_ r: Record, _ offset: Int, u32 v: UInt32) -> Record {
        var b = r.payload.bytes
        withUnsafeBytes(of: v.littleEndian) { for i in 0..<4 { b[offset + i] = $0[i] } }
        return Record(type: r.type, bytes: b)
    }

    static func patched(_ r: Record, _ offset: Int, u16 v: UInt16) -> Record {
        var b = r.payload.bytes
        b[offset] = UInt8(v & 0xFF); b[offset + 1] = UInt8(v >> 8)
        return Record(type: r.type, bytes: b)
    }

    /// A preamble and one record header with any type, checksum and length.
    static func rawHeader(_ type: [UInt8], crc: UInt32 = 0, length: UInt64) -> [UInt8] {
        var b = Array(try! stream([]).prefix(16)) // preamble as the writer makes it
        b += type
        withUnsafeBytes(of: crc.littleEndian) { b += $0 }
        withUnsafeBytes(of: length.littleEndian) { b += $0 }
        return b
    }

    static func frame(clip: UInt32 = 0, index: Int = 0, bytes: Int) -> Record {
        let f = Frame(clip: clip, index: index, byteCount: bytes)
        for i in 0..<bytes { f.mutableData[i] = UInt8(i & 0xFF) }
        return f.record
    }

    static func cases() throws -> [MalformedCase] {
        let good = try ReelExamples.manExample() // 184 bytes: preamble, HEAD, FRAM, text, DONE
        precondition(good.count == 184)
        // Layout of `good`: 0 preamble · 16 HEAD header · 32 HEAD payload (48) ·
        // 80 FRAM header · 96 FRAM payload (20) · 116 padding (4) · 120 text header ·
        // 136 text payload (28) · 164 padding (4) · 168 DONE header · 184 end.
        func cut(_ n: Int) -> [UInt8] { Array(good[0..<n]) }
        func flipped(_ i: Int, _ mask: UInt8) -> [UInt8] { var b = good; b[i] ^= mask; return b }

        let head = ClipHeader(clip: 0, kind: .pixels, dtype: .u8, channels: 3, width: 2, height: 2, fps: Rational(24), frameCount: 1)
        let hr = head.record
        let fr = frame(bytes: 12)
        // Tokens alone (no HEAD, as a stream of tokens may be): 4 channels, 2x4x4 cut
        // into 1x2x2 patches → a 2x2x2 grid of 16-value f32 tokens.
        let geo = PatchGeometry(clip: 0, dtype: .f32, pt: 1, ph: 2, pw: 2, channels: 4, frames: 2, height: 4, width: 4)
        func tokens(_ positions: [(Int32, Int32, Int32)], dim: Int = 16) -> Record {
            let b = TokenBlock(clip: 0, count: positions.count, dim: dim, dtype: .f32)
            for (i, p) in positions.enumerated() { b.setPosition(i, t: p.0, h: p.1, w: p.2) }
            for i in 0..<(positions.count * dim * 4) { b.mutableData[i] = 0 }
            return b.record
        }
        let text = TextSegment(segment: 0, role: .prompt, text: "red ball").record
        var badUTF8 = text.payload.bytes
        badUTF8[20 + 3] = 0xC3; badUTF8[20 + 4] = 0x28 // "red" then an invalid two-byte sequence
        var versioned = good
        versioned[8] = 2; versioned[9] = 0; versioned[10] = 0; versioned[11] = 0
        var swappedVersion = good
        swappedVersion[8] = 0; swappedVersion[9] = 1
        var trailing = good
        trailing += Array("hello\n".utf8)
        var doneWithPayload = try stream([hr, fr])
        doneWithPayload.removeLast(16)
        doneWithPayload += try stream([Record(type: .done, bytes: [0, 0, 0, 0])]).dropFirst(16).prefix(24)
        var padded = good
        padded[117] = 0x01 // FRAM padding
        var crcStored = good
        crcStored[20] ^= 0xFF // HEAD's stored checksum
        let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, 0x49, 0x48, 0x44, 0x52,
                            0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0, 0x90, 0x77, 0x53, 0xDE]
        let npy: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, 0x76, 0] + Array("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }".utf8)
        var garbage: [UInt8] = []
        var x: UInt32 = 0x1234_5678
        for _ in 0..<64 { x ^= x << 13; x ^= x >> 17; x ^= x << 5; garbage.append(UInt8(x & 0xFF)) }
        garbage[0] = 0xF0 // not a signature byte, not text

        return [
            // Empty input and foreign data.
            MalformedCase(name: "empty", bytes: [], error: "empty", fragment: "input is empty"),
            MalformedCase(name: "garbage", bytes: garbage, error: "badSignature", fragment: "not a reel stream: first bytes are f0"),
            MalformedCase(name: "png", bytes: png, error: "badSignature", fragment: "this is a PNG image"),
            MalformedCase(name: "npy", bytes: npy, error: "badSignature", fragment: "this is a .npy file"),
            MalformedCase(name: "text-file", bytes: Array("HEAD FRAM DONE\n".utf8), error: "badSignature", fragment: "this looks like text"),
            // Mangled signatures.
            MalformedCase(name: "signature-byte-swapped", bytes: [0x4C, 0x45, 0x52, 0x8A, 0x0A, 0x1A, 0x0A, 0x0D] + good[8...],
                          error: "badSignature", fragment: "the signature is byte-swapped"),
            MalformedCase(name: "signature-lf-to-crlf", bytes: Array(good[0..<4]) + [0x0D, 0x0D, 0x0A, 0x1A, 0x0D, 0x0A] + good[8...],
                          error: "badSignature", fragment: "LF became CR LF"),
            MalformedCase(name: "signature-lone-lf-to-crlf", bytes: Array(good[0..<7]) + [0x0D, 0x0A] + good[8...],
                          error: "badSignature", fragment: "LF became CR LF"),
            MalformedCase(name: "signature-crlf-to-lf", bytes: Array(good[0..<4]) + good[5...],
                          error: "badSignature", fragment: "CR LF became LF"),
            MalformedCase(name: "signature-7-bit", bytes: flipped(0, 0x80), error: "badSignature", fragment: "lost its high bit"),
            // Versions.
            MalformedCase(name: "version-2.0", bytes: versioned, error: "unsupportedVersion",
                          fragment: "version 2.0 is not supported: this reel reads version 1.x"),
            MalformedCase(name: "version-byte-swapped", bytes: swappedVersion, error: "unsupportedVersion", fragment: "looks byte-swapped"),
            // Truncation at every record boundary and inside each part of a record.
            MalformedCase(name: "truncated-in-signature", bytes: cut(5), error: "truncatedPreamble", fragment: "5 of 16 preamble bytes"),
            MalformedCase(name: "truncated-in-version", bytes: cut(12), error: "truncatedPreamble", fragment: "12 of 16 preamble bytes"),
            MalformedCase(name: "truncated-after-preamble", bytes: cut(16), error: "missingDone", fragment: "ends after record 0 without a DONE record"),
            MalformedCase(name: "truncated-in-head-header", bytes: cut(23), error: "truncatedHeader", fragment: "record 1 is truncated: 7 of 16 header bytes"),
            MalformedCase(name: "truncated-in-head-payload", bytes: cut(62), error: "truncatedPayload", fragment: "record 1 (HEAD) is truncated: 30 of 48 payload bytes"),
            MalformedCase(name: "truncated-after-head", bytes: cut(80), error: "missingDone", fragment: "ends after record 1 without a DONE record"),
            MalformedCase(name: "truncated-in-frame-header", bytes: cut(90), error: "truncatedHeader", fragment: "record 2 is truncated: 10 of 16 header bytes"),
            MalformedCase(name: "truncated-in-frame-payload", bytes: cut(109), error: "truncatedPayload", fragment: "record 2 (FRAM) is truncated: 13 of 20 payload bytes"),
            MalformedCase(name: "truncated-in-frame-padding", bytes: cut(118), error: "truncatedPayload", fragment: "record 2 (FRAM) is truncated: 22 of 24 payload bytes"),
            MalformedCase(name: "truncated-after-frame", bytes: cut(120), error: "missingDone", fragment: "ends after record 2 without a DONE record"),
            MalformedCase(name: "truncated-in-text-payload", bytes: cut(141), error: "truncatedPayload", fragment: "record 3 (text) is truncated: 5 of 28 payload bytes"),
            MalformedCase(name: "truncated-in-text-padding", bytes: cut(165), error: "truncatedPayload", fragment: "record 3 (text) is truncated: 29 of 32 payload bytes"),
            MalformedCase(name: "truncated-before-done", bytes: cut(168), error: "missingDone", fragment: "ends after record 3 without a DONE record"),
            MalformedCase(name: "truncated-in-done", bytes: cut(176), error: "truncatedHeader", fragment: "record 4 is truncated: 8 of 16 header bytes"),
            MalformedCase(name: "truncated-second-stream", bytes: good + cut(5), error: "truncatedPreamble", fragment: "5 of 16 preamble bytes"),
            MalformedCase(name: "trailing-garbage", bytes: trailing, error: "trailingData", fragment: "data after the DONE record (record 4)"),
            // Damage the checksum catches, and padding.
            MalformedCase(name: "checksum-sample-bit", bytes: flipped(96 + 8 + 5, 0x04), error: "checksumMismatch", fragment: "record 2 (FRAM) is corrupt: checksum is"),
            MalformedCase(name: "checksum-stored", bytes: crcStored, error: "checksumMismatch", fragment: "record 1 (HEAD) is corrupt"),
            MalformedCase(name: "checksum-type-case", bytes: flipped(120, 0x20), error: "checksumMismatch", fragment: "record 3 (Text) is corrupt"),
            MalformedCase(name: "nonzero-padding", bytes: padded, error: "nonzeroPadding", fragment: "record 2 (FRAM) is corrupt: its padding bytes are not zero"),
            // Record framing.
            MalformedCase(name: "payload-2^40", bytes: rawHeader(Array("HEAD".utf8), length: 1 << 40), error: "payloadTooLarge",
                          fragment: "record 1 (HEAD) claims 1099511627776 payload bytes, more than the limit of 1073741824"),
            MalformedCase(name: "payload-1GiB-plus-1", bytes: rawHeader(Array("FRAM".utf8), length: (1 << 30) + 1), error: "payloadTooLarge",
                          fragment: "claims 1073741825 payload bytes"),
            MalformedCase(name: "type-not-letters", bytes: rawHeader([0x00, 0x01, 0x48, 0x7F], length: 0), error: "badType",
                          fragment: "invalid type \"\\x0\\x1H\\x7f\": expected four ASCII letters"),
            MalformedCase(name: "unknown-critical", bytes: try stream([hr, Record(type: RecordType("ZOOM"), bytes: [1, 2, 3]), fr]),
                          error: "unknownCritical", fragment: "record 2 has critical type ZOOM, unknown to this reel"),
            MalformedCase(name: "done-with-payload", bytes: doneWithPayload, error: "malformed", fragment: "record 3 (DONE) is malformed: payload of 4 bytes, expected none"),
            // HEAD values.
            MalformedCase(name: "head-width-100000", bytes: try stream([patched(hr, 12, u32: 100_000), fr]), error: "malformed",
                          fragment: "frame size 100000x2, expected each side 1 to 16384"),
            MalformedCase(name: "head-channels-0", bytes: try stream([patched(hr, 8, u32: 0)]), error: "malformed",
                          fragment: "0 channels, expected 1 to 4096"),
            MalformedCase(name: "head-frame-bytes-2^42",
                          bytes: try stream([patched(patched(patched(patched(hr, 8, u32: 4096), 12, u32: 16384), 16, u32: 16384), 6, u16: 4)]),
                          error: "malformed", fragment: "frames of 4096x16384x16384 f32 exceed the 1073741824-byte record limit"),
            MalformedCase(name: "head-dtype-9", bytes: try stream([patched(hr, 6, u16: 9)]), error: "malformed", fragment: "unknown dtype 9"),
            MalformedCase(name: "head-fps-zero-denominator", bytes: try stream([patched(hr, 24, u32: 0)]), error: "malformed",
                          fragment: "frame rate 24/0 has a zero denominator"),
            MalformedCase(name: "head-source-width-100000", bytes: try stream([patched(hr, 36, u32: 100_000)]), error: "malformed",
                          fragment: "source size 100000x2, expected each side 1 to 16384"),
            MalformedCase(name: "head-short", bytes: try stream([Record(type: .head, bytes: Array(hr.payload.bytes.prefix(40)))]), error: "malformed",
                          fragment: "record 1 (HEAD) is malformed: payload is 40 bytes, expected at least 48"),
            MalformedCase(name: "head-duplicate", bytes: try stream([hr, fr, hr]), error: "inconsistent", fragment: "record 3: a second HEAD record for clip 0"),
            // FRAM against its HEAD.
            MalformedCase(name: "frame-before-head", bytes: try stream([fr, hr]), error: "inconsistent",
                          fragment: "record 1: frame 0 of clip 0 comes before that clip's HEAD record"),
            MalformedCase(name: "frame-size-mismatch", bytes: try stream([hr, frame(bytes: 11)]), error: "malformed",
                          fragment: "frame 0 has 11 sample bytes, but clip 0 is 3x2x2 u8 = 12 bytes"),
            MalformedCase(name: "frame-index-beyond-count", bytes: try stream([hr, frame(index: 1, bytes: 12)]), error: "inconsistent",
                          fragment: "frame 1 of clip 0 is beyond the 1 frames its HEAD record declares"),
            // PTCH and TOKS.
            MalformedCase(name: "tokens-before-geometry", bytes: try stream([tokens([(0, 0, 0)]), geo.record]), error: "inconsistent",
                          fragment: "tokens of clip 0 come before that clip's PTCH record"),
            MalformedCase(name: "tokens-outside-grid", bytes: try stream([geo.record, tokens([(0, 0, 0), (1, 2, 0)])]), error: "malformed",
                          fragment: "token 1 is at (t 1, h 2, w 0), outside the 2x2x2 patch grid"),
            MalformedCase(name: "tokens-negative-position", bytes: try stream([geo.record, tokens([(-1, 0, 0)])]), error: "malformed",
                          fragment: "token 0 is at (t -1, h 0, w 0)"),
            MalformedCase(name: "tokens-count-2^30", bytes: try stream([geo.record, patched(tokens([(0, 0, 0)]), 4, u32: 1 << 30)]), error: "malformed",
                          fragment: "1073741824 tokens, more than the limit of 16777216"),
            MalformedCase(name: "tokens-count-mismatch", bytes: try stream([geo.record, patched(tokens([(0, 0, 0)]), 4, u32: 2)]), error: "malformed",
                          fragment: "but 2 tokens of 16 f32 need"),
            MalformedCase(name: "tokens-dim-mismatch", bytes: try stream([geo.record, tokens([(0, 0, 0)], dim: 5)]), error: "malformed",
                          fragment: "token dimension 5, but clip 0's patches have 16 values"),
            MalformedCase(name: "geometry-dim-overflow",
                          bytes: try stream([PatchGeometry(clip: 0, dtype: .f32, pt: 64, ph: 64, pw: 64, channels: 4096, frames: 64, height: 64, width: 64).record]),
                          error: "malformed", fragment: "token dimension 1073741824 exceeds 1048576"),
            MalformedCase(name: "geometry-not-divisible",
                          bytes: try stream([PatchGeometry(clip: 0, dtype: .f32, pt: 1, ph: 3, pw: 2, channels: 4, frames: 2, height: 4, width: 4).record]),
                          error: "malformed", fragment: "size 2x4x4 is not divisible by the patch 1x3x2"),
            MalformedCase(name: "geometry-disagrees-with-head",
                          bytes: try stream([hr, PatchGeometry(clip: 0, dtype: .u8, pt: 1, ph: 2, pw: 2, channels: 8, frames: 2, height: 2, width: 2).record]),
                          error: "inconsistent", fragment: "clip 0's patch geometry (8x2x2 u8) disagrees with its header (3x2x2 u8)"),
            MalformedCase(name: "head-disagrees-with-geometry",
                          bytes: try stream([PatchGeometry(clip: 0, dtype: .u8, pt: 1, ph: 2, pw: 2, channels: 3, frames: 2, height: 2, width: 2).record,
                                             patched(hr, 6, u16: 4)]),
                          error: "inconsistent", fragment: "clip 0's header (3x2x2 f32) disagrees with its patch geometry (3x2x2 u8)"),
            // Ancillary kinds this version knows are validated too.
            MalformedCase(name: "text-invalid-utf8", bytes: try stream([Record(type: .text, bytes: badUTF8)]), error: "malformed",
                          fragment: "record 1 (text) is malformed: text is not valid UTF-8"),
            MalformedCase(name: "text-empty-range", bytes: try stream([patched(patched(text, 8, u32: 5), 12, u32: 5)]), error: "malformed",
                          fragment: "frame range 5..<5 is empty"),
            MalformedCase(name: "text-role-7", bytes: try stream([patched(text, 16, u16: 7)]), error: "malformed", fragment: "unknown role 7"),
            MalformedCase(name: "noise-1.5", bytes: try stream([hr, NoiseLevels(clip: 0, levels: [1.5]).record]), error: "malformed",
                          fragment: "record 2 (nois) is malformed: level of frame 0 is 1.5, expected 0 to 1"),
            MalformedCase(name: "noise-nan", bytes: try stream([hr, NoiseLevels(clip: 0, levels: [Float.nan]).record]), error: "malformed",
                          fragment: "level of frame 0 is nan, expected 0 to 1"),
            MalformedCase(name: "noise-before-head", bytes: try stream([NoiseLevels(clip: 0, levels: [0.5]).record, hr]), error: "inconsistent",
                          fragment: "noise levels for clip 0 come before that clip's HEAD record"),
            MalformedCase(name: "noise-beyond-count", bytes: try stream([hr, NoiseLevels(clip: 0, first: 0, levels: [0, 1]).record]), error: "inconsistent",
                          fragment: "noise levels for frames 0..<2 of clip 0, which has 1 frames"),
            MalformedCase(name: "embedding-size-mismatch",
                          bytes: try stream([patched(TextEmbedding(segment: 0, kind: .pooled, count: 1, dim: 4, values: [1, 0, 0, 0]).record, 12, u32: 5)]),
                          error: "malformed", fragment: "1 x 5 f32 values do not fill the 16 bytes after the header"),
            MalformedCase(name: "meta-key-too-long", bytes: try stream([patched(Metadata(key: "k", value: "v").record, 0, u32: 9)]), error: "malformed",
                          fragment: "key length 9 exceeds the 2 bytes that follow"),
            MalformedCase(name: "prov-invalid-utf8", bytes: try stream([Record(type: .provenance, bytes: [0x7B, 0xFF, 0x7D])]), error: "malformed",
                          fragment: "record 1 (prov) is malformed: payload is not valid UTF-8"),
        ]
    }

    /// The MANIFEST under Fixtures/malformed: one line per case.
    static func manifest(_ cases: [MalformedCase]) -> String {
        "# name\texit status\tStreamError case\tmessage fragment (written by MalformedCorpusTests; do not edit)\n"
            + cases.map { "\($0.name)\t\($0.status)\t\($0.error)\t\($0.fragment)\n" }.joined()
    }
}

final class MalformedCorpusTests: XCTestCase {
    func testEveryMalformedStreamIsRefusedWithItsError() throws {
        let cases = try MalformedCorpus.cases()
        XCTAssertGreaterThanOrEqual(cases.count, 30)
        XCTAssertEqual(Set(cases.map(\.name)).count, cases.count, "case names are unique")
        for c in cases {
            do {
                try ReelExamples.decodeAll(c.bytes)
                XCTFail("\(c.name): read without an error")
            } catch let e as StreamError {
                XCTAssertEqual(caseName(e), c.error, "\(c.name): \(e)")
                XCTAssertTrue(e.description.contains(c.fragment), "\(c.name): \"\(e)\" lacks \"\(c.fragment)\"")
            }
        }
    }

    /// The committed copies (read by the Python reader's test and by the
    /// integrator's run through the built tools) are what the cases make now.
    func testCommittedCorpusMatches() throws {
        let cases = try MalformedCorpus.cases()
        for c in cases {
            if let problem = try ReelExamples.checkCommitted("malformed/\(c.name).reel", c.bytes) { XCTFail(problem) }
        }
        if let problem = try ReelExamples.checkCommitted("malformed/MANIFEST", Array(MalformedCorpus.manifest(cases).utf8)) {
            XCTFail(problem)
        }
        let dir = ReelExamples.fixtures.appendingPathComponent("malformed")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".reel") }
        XCTAssertEqual(Set(files), Set(cases.map { "\($0.name).reel" }), "no stale files in Fixtures/malformed")
    }

    /// Streams that look odd but are valid, so that the corpus is not simply "anything unusual fails".
    func testValidEdgeCases() throws {
        let hr = ClipHeader(clip: 0, channels: 3, width: 2, height: 2, frameCount: 0).record
        // A clip with a HEAD and no frames (a canvas size for a generator; frames come later or never).
        XCTAssertEqual(try ReelExamples.decodeAll(try MalformedCorpus.stream([hr])).count, 1)
        // A HEAD declaring 3 frames whose frames were replaced by tokens (patchified).
        let lh = ClipHeader(clip: 0, kind: .latents, dtype: .f32, channels: 4, width: 4, height: 4, frameCount: 3)
        XCTAssertEqual(try ReelExamples.decodeAll(try MalformedCorpus.stream([lh.record])).count, 1)
        // No records at all: preamble and DONE.
        XCTAssertEqual(try ReelExamples.decodeAll(try MalformedCorpus.stream([])).count, 0)
        // An unknown ancillary record is returned for forwarding, byte for byte.
        let decoded = try ReelExamples.decodeAll(try MalformedCorpus.stream([Record(type: RecordType("zOOM"), bytes: [9, 8, 7])]))
        guard case let .unknown(u)? = decoded.first else { return XCTFail("expected an unknown record") }
        XCTAssertEqual(u.payload.bytes, [9, 8, 7])
        // HEAD's fixed size may grow: a reader skips fields it does not know and finds the model id.
        var b = ClipHeader(clip: 0, kind: .latents, dtype: .f32, channels: 4, width: 4, height: 4, model: "m").record.payload.bytes
        b.insert(contentsOf: [0xAA, 0xBB, 0xCC, 0xDD, 0, 0, 0, 0], at: 48)
        b[44] = 56
        guard case let .header(h)? = try ReelExamples.decodeAll(try MalformedCorpus.stream([Record(type: .head, bytes: b)])).first else {
            return XCTFail("expected a header")
        }
        XCTAssertEqual(h.model, "m")
        // Minor version 1.7 reads as 1.x; the reserved preamble bytes are ignored.
        var minor = try ReelExamples.manExample()
        minor[10] = 7; minor[12] = 0x55
        XCTAssertEqual(try ReelExamples.decodeAll(minor).count, 3)
        // Two streams joined by cat read as one; their clip numbers must differ.
        let one = try ReelExamples.manExample()
        let other = try MalformedCorpus.stream([ClipHeader(clip: 1, channels: 1, width: 1, height: 1).record, MalformedCorpus.frame(clip: 1, bytes: 1)])
        XCTAssertEqual(try ReelExamples.decodeAll(one + other).count, 5)
        XCTAssertThrowsError(try ReelExamples.decodeAll(one + one)) { e in
            XCTAssertTrue("\(e)".contains("record 5: a second HEAD record for clip 0"), "\(e)")
        }
    }
}
