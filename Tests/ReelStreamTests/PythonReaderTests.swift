// Scripts/reelstream.py against the Swift reader and writer, when python3
// with numpy is available (skipped otherwise): it reads what Swift wrote,
// Swift reads what it wrote, and both say the same about every malformed stream.
import Foundation
import XCTest
@testable import ReelStream

final class PythonReaderTests: XCTestCase {
    /// Runs python3 with `arguments` in the repository root: status, stdout (as text and bytes), stderr.
    func python(_ arguments: [String], stdin: [UInt8]? = nil) throws -> (status: Int32, out: String, err: String, bytes: [UInt8]) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3"] + arguments
        p.currentDirectoryURL = ReelExamples.root
        let out = Pipe(), err = Pipe(), input = Pipe()
        p.standardOutput = out; p.standardError = err; p.standardInput = input
        try p.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin)) }
        try input.fileHandleForWriting.close()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self), [UInt8](o))
    }

    override func setUpWithError() throws {
        let probe = try python(["-c", "import numpy"])
        if probe.status != 0 { throw XCTSkip("python3 with numpy is not available: \(probe.err)") }
    }

    func testPythonReadsWhatSwiftWrote() throws {
        let bytes = try ReelExamples.everyKind()
        let r = try python(["Scripts/reelstream.py", "-", "--json"], stdin: bytes)
        XCTAssertEqual(r.status, 0, r.err)
        guard let records = try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [[String: Any]] else {
            return XCTFail("not a JSON array: \(r.out.prefix(200))")
        }
        XCTAssertEqual(records.count, 26)
        XCTAssertEqual(records.compactMap { $0["type"] as? String }.joined(separator: " "),
                       "HEAD text text embd embd FRAM FRAM HEAD nois PART text FRAM FRAM PTCH TOKS TOKS HEAD FRAM PTCH TOKS HEAD FRAM meta meta xtra prov")
        func array(_ i: Int, _ key: String) -> (shape: [Int], dtype: String, sum: Double)? {
            guard let a = records[i][key] as? [String: Any], let shape = a["shape"] as? [Int], let dt = a["dtype"] as? String,
                  let sum = a["sum"] as? Double else { return nil }
            return (shape, dt, sum)
        }
        // Frames of clip 0 (u8) and clip 1 (f32), with sums computed here from the same formulas.
        for (i, t) in [(5, 0), (6, 1)] {
            var sum = 0.0
            for c in 0..<3 { for y in 0..<2 { for x in 0..<3 { sum += Double(ReelExamples.clip0(t, c, y, x)) } } }
            let a = array(i, "data")
            XCTAssertEqual(a?.shape, [3, 2, 3]); XCTAssertEqual(a?.dtype, "uint8"); XCTAssertEqual(a?.sum, sum)
        }
        for (i, t) in [(11, 0), (12, 1)] {
            var sum = 0.0
            for c in 0..<4 { for y in 0..<4 { for x in 0..<4 { sum += Double(ReelExamples.clip1(t, c, y, x)) } } }
            let a = array(i, "data")
            XCTAssertEqual(a?.shape, [4, 4, 4]); XCTAssertEqual(a?.dtype, "float32"); XCTAssertEqual(a?.sum, sum)
        }
        XCTAssertEqual(array(14, "values")?.shape, [5, 16])
        XCTAssertEqual(array(14, "positions")?.shape, [5, 3])
        XCTAssertEqual(array(17, "data")?.dtype, "float16")
        XCTAssertEqual(array(19, "values")?.sum, 1.5 - 2 + 0.25 + 3)
        XCTAssertEqual(array(21, "data")?.sum, 66535)
        XCTAssertEqual(records[2]["text"] as? String, "A red ball bounces on a gray floor; caf\u{E9} \u{2713}")
        XCTAssertEqual(records[10]["role"] as? String, "negative")
        XCTAssertEqual(array(8, "levels")?.sum, 0.75)
        XCTAssertEqual(records[24]["payload"] as? String, "0102030405")
        let prov = records[25]["value"] as? [String: Any]
        XCTAssertEqual(prov?["seed"] as? Int, 7)
        XCTAssertEqual(prov?["args"] as? [String], ["--seed", "7", "a \"quoted\" arg"])
    }

    func testSwiftReadsWhatPythonWrote() throws {
        let program = """
        import sys; sys.path.insert(0, "Scripts"); import reelstream as rs, numpy as np
        w = rs.Writer(sys.stdout.buffer)
        w.head(7, 3, 5, 4, fps=(25, 1), frame_count=2)
        for t in range(2):
            w.frame(7, t, np.fromfunction(lambda c, y, x: (t * 7 + c * 5 + y * 3 + x) % 256, (3, 4, 5)), "u8")
        w.geometry(8, "f16", 1, 2, 2, 2, 1, 2, 4)
        w.tokens(8, [(0, 0, 1), (0, 0, 0)], np.arange(16).reshape(2, 8) / 4, "f16")
        w.text(3, "a blue cube, then a red one", role="caption", clip=7, start=1, end=2)
        w.noise(7, [0.25, 1])
        w.record("xyzw", b"unknown")
        w.provenance("python-test", ["-x"], seed=2**63 + 1, generated=True)
        w.finish()
        """
        let r = try python(["-c", program])
        XCTAssertEqual(r.status, 0, r.err)
        let bytes = r.bytes
        var kinds: [String] = []
        for d in try ReelExamples.decodeAll(bytes) {
            switch d {
            case let .header(h):
                kinds.append("HEAD")
                XCTAssertEqual([h.clip, UInt32(h.channels), UInt32(h.height), UInt32(h.width), h.fps.numerator], [7, 3, 4, 5, 25])
            case let .frame(f):
                kinds.append("FRAM")
                var i = 0
                for c in 0..<3 { for y in 0..<4 { for x in 0..<5 {
                    XCTAssertEqual(f.data[i], UInt8((f.index * 7 + c * 5 + y * 3 + x) % 256)); i += 1
                } } }
            case let .patchGeometry(g):
                kinds.append("PTCH"); XCTAssertEqual([g.gridT, g.gridH, g.gridW, g.tokenDim], [1, 1, 2, 8])
            case let .tokens(b):
                kinds.append("TOKS")
                XCTAssertEqual(b.position(0).w, 1); XCTAssertEqual(b.position(1).w, 0)
                let halves = b.data.bindMemory(to: UInt16.self)
                XCTAssertEqual((0..<16).map { ReelExamples.halfBits(Float($0) / 4) }, Array(halves))
            case let .text(t):
                kinds.append("text"); XCTAssertEqual(t.text, "a blue cube, then a red one"); XCTAssertEqual(t.role, .caption)
            case let .noise(n): kinds.append("nois"); XCTAssertEqual(n.levels, [0.25, 1])
            case let .provenance(json):
                kinds.append("prov"); XCTAssertTrue(json.contains("\"seed\":9223372036854775809"), json)
            case let .unknown(u): kinds.append(u.type.description); XCTAssertEqual(u.payload.bytes, Array("unknown".utf8))
            default: XCTFail("unexpected \(d)")
            }
        }
        XCTAssertEqual(kinds, ["HEAD", "FRAM", "FRAM", "PTCH", "TOKS", "text", "nois", "xyzw", "prov"])
    }

    /// The Python reader refuses every malformed stream with the Swift reader's exact message.
    func testBothReadersSayTheSameAboutEveryMalformedStream() throws {
        let cases = try MalformedCorpus.cases()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("reel-malformed-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for c in cases { try Data(c.bytes).write(to: dir.appendingPathComponent(c.name)) }
        let program = """
        import sys, os; sys.path.insert(0, "Scripts"); import reelstream as rs
        for name in sys.argv[2:]:
            try:
                rs.read_all(open(os.path.join(sys.argv[1], name), "rb").read()); print(name + "\\tok\\t")
            except rs.ReelError as e:
                print(name + "\\t" + e.case + "\\t" + e.message)
        """
        let r = try python(["-c", program, dir.path] + cases.map(\.name))
        XCTAssertEqual(r.status, 0, r.err)
        var python: [String: (String, String)] = [:]
        for line in r.out.split(separator: "\n") {
            let f = line.split(separator: "\t", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
            if f.count == 3 { python[f[0]] = (f[1], f[2]) }
        }
        for c in cases {
            var swift = "ok"
            do { try ReelExamples.decodeAll(c.bytes) } catch let e as StreamError { swift = e.description }
            XCTAssertEqual(python[c.name]?.0, c.error, c.name)
            XCTAssertEqual(python[c.name]?.1, swift, c.name)
        }
    }
}
