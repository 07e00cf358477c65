import Foundation
import XCTest
import ReelSystem
@testable import ReelSafetensors

let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

func temporaryDirectory() throws -> URL {
    let dir = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("reel-st-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
}

/// Bit patterns of the stored 16-bit elements of `name`.
func raw16(_ f: SafetensorsFile, _ name: String) throws -> [UInt16] {
    try f.withRawBytes(name) { raw in
        (0..<raw.count / 2).map { UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self)) }
    }
}

func sameBits(_ a: Float, _ b: Float) -> Bool { a.bitPattern == b.bitPattern }

final class GoldenFileTests: XCTestCase {
    /// Written by Scripts/make_safetensors_fixtures.py with safetensors.torch.save_file.
    func testReadsPythonGoldenFileBitExactly() throws {
        let f = try SafetensorsFile(contentsOf: fixtures.appendingPathComponent("golden.safetensors"))
        XCTAssertEqual(f.metadata, ["format": "pt", "note": "reel golden"])
        XCTAssertEqual(Set(f.tensorNames), ["f32", "f16_source", "f16", "f16_as_f32", "bf16_source", "bf16", "bf16_as_f32",
                                            "f64", "i64", "i32", "i16", "i8", "u8", "bool", "scalar", "empty"])

        let f32 = try f.floats("f32", shape: [2, 4])
        let expected: [Float] = [0, -0.0, 1.5, -3.25, .infinity, -.infinity, Float(bitPattern: 1), .greatestFiniteMagnitude]
        XCTAssertEqual(f32.map(\.bitPattern), expected.map(\.bitPattern))

        // F16 decoding versus torch's widening, element by element, bit for bit (NaN: both NaN).
        for (narrow, wide) in [("f16", "f16_as_f32"), ("bf16", "bf16_as_f32")] {
            let mine = try f.floats(narrow)
            let torch = try f.floats(wide)
            XCTAssertEqual(mine.count, torch.count)
            var mismatches = 0
            for (a, b) in zip(mine, torch) where !(sameBits(a, b) || (a.isNaN && b.isNaN)) { mismatches += 1 }
            XCTAssertEqual(mismatches, 0, "\(narrow) decoding differs from torch in \(mismatches) elements")
        }

        // F32 -> F16/BF16 rounding versus torch's narrowing of the same sources.
        let halfSource = try f.floats("f16_source")
        let torchHalf = try raw16(f, "f16")
        let myHalf = halfSource.map(HalfPrecision.halfBits(from:))
        for i in halfSource.indices where !(myHalf[i] == torchHalf[i]) {
            let bothNaN = HalfPrecision.float(fromHalfBits: myHalf[i]).isNaN && HalfPrecision.float(fromHalfBits: torchHalf[i]).isNaN
            XCTAssertTrue(bothNaN, "F16 of \(halfSource[i]): mine 0x\(String(myHalf[i], radix: 16)), torch 0x\(String(torchHalf[i], radix: 16))")
        }
        let brainSource = try f.floats("bf16_source")
        let torchBrain = try raw16(f, "bf16")
        let myBrain = brainSource.map(HalfPrecision.bfloat16Bits(from:))
        for i in brainSource.indices where myBrain[i] != torchBrain[i] {
            let bothNaN = HalfPrecision.float(fromBFloat16Bits: myBrain[i]).isNaN && HalfPrecision.float(fromBFloat16Bits: torchBrain[i]).isNaN
            XCTAssertTrue(bothNaN, "BF16 of \(brainSource[i]): mine 0x\(String(myBrain[i], radix: 16)), torch 0x\(String(torchBrain[i], radix: 16))")
        }

        XCTAssertEqual(try f.floats("f64"), [1, -2.5, .infinity, Float(1.0 / 3.0)])   // 1e300 rounds to inf
        XCTAssertEqual(try f.doubles("f64"), [1, -2.5, 1e300, 1.0 / 3.0])
        XCTAssertEqual(try f.doubles("scalar"), [42.5])
        XCTAssertThrowsError(try f.doubles("i32"))
        XCTAssertEqual(try f.integers("i64"), [0, -1, 1 << 62, Int64.min])
        XCTAssertEqual(try f.integers("i32"), [7, -8, Int64(Int32.max), Int64(Int32.min)])
        XCTAssertEqual(try f.info("i32").shape, [2, 2])
        XCTAssertEqual(try f.integers("i16"), [-32768, 32767])
        XCTAssertEqual(try f.integers("i8"), [-128, 127, 0])
        XCTAssertEqual(try f.integers("u8"), [0, 255, 17])
        XCTAssertEqual(try f.integers("bool"), [1, 0, 1])
        XCTAssertEqual(try f.info("scalar").shape, [])
        XCTAssertEqual(try f.floats("scalar"), [42.5])
        XCTAssertEqual(try f.info("empty").shape, [0, 3])
        XCTAssertEqual(try f.floats("empty"), [])
    }

    /// The writer reproduces safetensors' own bytes: ordering, JSON, padding.
    func testWriterIsByteIdenticalToPython() throws {
        let golden = try SafetensorsFile(contentsOf: fixtures.appendingPathComponent("golden.safetensors"))
        var w = SafetensorsWriter(metadata: ["writer": "python"])
        try w.add("f32", shape: [2, 4], dtype: .f32, values: golden.floats("f32"))
        try w.add("f16_source", shape: golden.info("f16_source").shape, dtype: .f16, values: golden.floats("f16_source"))
        // Without NaN: torch's vectorized cast writes BF16 NaN as 0xFFFF, this writer as 0x7FC0.
        let brain = try golden.floats("bf16_source").filter { !$0.isNaN }
        try w.add("bf16_source", shape: [brain.count], dtype: .bf16, values: brain)
        try w.add("scalar", shape: [], values: [42.5])
        try w.add("empty", shape: [0, 3], values: [])
        let python = try Data(contentsOf: fixtures.appendingPathComponent("written_by_python.safetensors"))
        let mine = w.serialized()
        XCTAssertEqual(mine.count, python.count)
        // The streamed file write produces the same bytes as serialized().
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try w.write(toPath: dir.path + "/w.safetensors")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: dir.path + "/w.safetensors")), Data(mine))
        if mine != [UInt8](python) {
            let n = Int(python[0]) | Int(python[1]) << 8
            let at = zip(mine, python).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? -1
            XCTFail("differs from Python's file first at byte \(at) (data starts at \(8 + n))\nmine:   \(String(decoding: mine[8..<(8 + n)], as: UTF8.self))\npython: \(String(decoding: python[8..<(8 + n)], as: UTF8.self))")
        }
    }
}

final class RoundTripTests: XCTestCase {
    func testRoundTripThroughFile() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let vals = (0..<12).map { Float($0) * 0.25 - 1 }
        let path = dir.appendingPathComponent("swift_written.safetensors").path
        let tensors: [(name: String, shape: [Int], dtype: SafetensorsDtype, values: [Float])] = [
            ("weights", [3, 4], .f32, vals),
            ("half", [2, 3], .f16, Array(vals[0..<6])),
            ("brain", [4], .bf16, Array(vals[0..<4])),
            ("scalar", [], .f32, [3.5]),
            ("empty", [0, 2], .f32, []),
        ]
        try writeSafetensors(path: path, tensors: tensors, metadata: ["made by": "reel \"test\"\n"])

        // Nothing but the file is left in the directory (the temporary file was renamed).
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["swift_written.safetensors"])

        let f = try SafetensorsFile(path: path)
        XCTAssertEqual(f.metadata, ["made by": "reel \"test\"\n"])
        XCTAssertEqual((f.dataStart - 8) % 8, 0, "header padded to 8 bytes")
        XCTAssertEqual(f.dataStart % 8, 0)
        for t in tensors {
            let info = try f.info(t.name)
            XCTAssertEqual(info.dtype, t.dtype)
            XCTAssertEqual(info.shape, t.shape)
            XCTAssertEqual(try f.floats(t.name), t.values, t.name)   // all exactly representable
            XCTAssertEqual(info.dataOffsets.lowerBound % t.dtype.byteSize, 0, "aligned")
        }
        // Sorted by dtype (wider first) then name.
        XCTAssertEqual(f.tensorNames, ["empty", "scalar", "weights", "brain", "half"])

        if let export = ProcessInfo.processInfo.environment["REEL_SAFETENSORS_EXPORT_DIR"] {
            try FileManager.default.createDirectory(atPath: export, withIntermediateDirectories: true)
            try writeSafetensors(path: export + "/swift_written.safetensors", tensors: tensors)
        }
    }

    func testCopyFloatsIntoBuffer() throws {
        var w = SafetensorsWriter()
        try w.add("x", shape: [2, 2], dtype: .bf16, values: [1, 2, 3, 4])
        let f = try SafetensorsFile(bytes: w.serialized())
        var out = [Float](repeating: 0, count: 4)
        try out.withUnsafeMutableBufferPointer { try f.copyFloats("x", into: $0) }
        XCTAssertEqual(out, [1, 2, 3, 4])
        XCTAssertFalse(f.hasMetadata)
    }

    func testRawBytesTensorAndIntegerRoundTrip() throws {
        var w = SafetensorsWriter(metadata: [:])
        let ids: [Int64] = [0, -5, .max]
        try w.add("ids", shape: [3], dtype: .i64, rawBytes: ids.flatMap { v in (0..<8).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } })
        let f = try SafetensorsFile(bytes: w.serialized())
        XCTAssertEqual(try f.integers("ids"), ids)
        XCTAssertTrue(f.hasMetadata)
        XCTAssertEqual(f.metadata, [:])
    }

    func testWriterRejectsBadTensors() {
        var w = SafetensorsWriter()
        XCTAssertThrowsError(try w.add("a", shape: [2, 2], values: [1, 2, 3])) {
            guard case .invalidTensorForWriting(tensor: "a", reason: _)? = $0 as? SafetensorsError else { return XCTFail() }
        }
        XCTAssertThrowsError(try w.add("a", shape: [-1], values: []))
        XCTAssertThrowsError(try w.add("a", shape: [1], dtype: .i32, values: [1]))
        XCTAssertThrowsError(try w.add("__metadata__", shape: [1], values: [1]))
        XCTAssertThrowsError(try w.add("a", shape: [1 << 40, 1 << 40], values: []))
        XCTAssertNoThrow(try w.add("a", shape: [1], values: [1]))
        XCTAssertThrowsError(try w.add("a", shape: [1], values: [1])) { XCTAssertTrue("\($0)".contains("already added")) }
        XCTAssertThrowsError(try w.add("b", shape: [2], dtype: .u8, rawBytes: [1]))
    }

    func testFailedWriteLeavesNothingAndKeepsOldFile() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        XCTAssertThrowsError(try writeSafetensors(path: dir.path + "/missing/x.safetensors", tensors: [])) {
            // ReelSystem's AtomicFile: a missing directory is missing input (66), named.
            XCTAssertEqual(($0 as? ReelError)?.kind, .missingInput, "\($0)")
            XCTAssertTrue("\($0)".contains("missing does not exist"), "\($0)")
        }
        // Renaming onto a directory fails after the temporary file is written: it must be removed.
        try FileManager.default.createDirectory(atPath: dir.path + "/occupied", withIntermediateDirectories: false)
        try Data([1]).write(to: URL(fileURLWithPath: dir.path + "/occupied/keep"))
        XCTAssertThrowsError(try writeSafetensors(path: dir.path + "/occupied", tensors: []))
        XCTAssertEqual(Set(try FileManager.default.contentsOfDirectory(atPath: dir.path)), ["occupied"])
        // Overwriting an existing file replaces it whole.
        let path = dir.path + "/w.safetensors"
        try writeSafetensors(path: path, tensors: [("a", [1], .f32, [1])])
        try writeSafetensors(path: path, tensors: [("b", [2], .f32, [2, 3])])
        XCTAssertEqual(try SafetensorsFile(path: path).tensorNames, ["b"])
    }

    func testEmptyFileMatchesReference() throws {
        // safetensors' own test_empty: {} padded to 8 bytes.
        XCTAssertEqual(SafetensorsWriter().serialized(), [8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32])
        XCTAssertEqual(try SafetensorsFile(bytes: SafetensorsWriter().serialized()).tensorNames, [])
    }
}
