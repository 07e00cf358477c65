import Foundation
import XCTest
@testable import ReelText

/// The Swift encoder against sentence-transformers (fixtures from
/// Scripts/make_text_fixtures.py): token states and pooled embeddings within 1e-4.
final class SentenceEncoderTests: XCTestCase {
    static let tolerance: Float = 1e-4

    func testMatchesSentenceTransformers() throws {
        let encoder = try SentenceEncoder(directory: try Fixtures.modelDirectory())
        let golden = try XCTUnwrap(try Fixtures.json("encoder.json")["sentences"] as? [[String: Any]])
        XCTAssertGreaterThanOrEqual(golden.count, 10)
        var maxPooled: Float = 0, maxStates: Float = 0, statesChecked = 0
        for g in golden {
            let text = try XCTUnwrap(g["text"] as? String)
            let ids = try XCTUnwrap(g["ids"] as? [Int]).map(Int32.init)
            let expected = try XCTUnwrap(g["embedding"] as? [Double]).map(Float.init)
            let got = encoder.encode(text)
            XCTAssertEqual(got.ids, ids, "ids of \(text.debugDescription)")
            XCTAssertEqual(got.pooled.count, expected.count)
            let d = zip(got.pooled, expected).map { abs($0 - $1) }.max() ?? .infinity
            maxPooled = max(maxPooled, d)
            XCTAssertLessThan(d, Self.tolerance, "pooled embedding of \(text.prefix(60).debugDescription)")
            if let states = g["token_states"] as? [[Double]] {
                XCTAssertEqual(states.count, got.tokenCount)
                for (i, row) in states.enumerated() where i < got.tokenCount {
                    for (c, v) in row.enumerated() {
                        maxStates = max(maxStates, abs(got.tokenStates[i * got.dim + c] - Float(v)))
                    }
                }
                statesChecked += 1
            }
        }
        XCTAssertGreaterThan(statesChecked, 0)
        XCTAssertLessThan(maxStates, Self.tolerance)
        print("encoder: \(golden.count) sentences; max |pooled - ref| = \(maxPooled), max |token state - ref| = \(maxStates) over \(statesChecked) sentences")
        print("encoder: first pooled values \(Array(encoder.encode(golden[0]["text"] as! String).pooled.prefix(4))) vs \(Array((golden[0]["embedding"] as! [Double]).prefix(4)))")
    }

    /// A padded batch gives each sentence the same result as encoding it alone.
    func testBatchWithPaddingMatchesSingle() throws {
        let encoder = try SentenceEncoder(directory: try Fixtures.modelDirectory())
        let texts = ["red ball", "a large green triangle moves right quickly on a sunset background", ""]
        let batch = encoder.encode(texts)
        for (t, b) in zip(texts, batch) {
            let single = encoder.encode(t)
            XCTAssertEqual(single.ids, b.ids)
            let d = zip(single.pooled, b.pooled).map { abs($0 - $1) }.max() ?? .infinity
            XCTAssertLessThan(d, 1e-5, t)
        }
    }

    func testUnitLengthAndTruncation() throws {
        let encoder = try SentenceEncoder(directory: try Fixtures.modelDirectory(), maxLength: 16)
        let e = encoder.encode(String(repeating: "a blue cube ", count: 40))
        XCTAssertEqual(e.tokenCount, 16)
        XCTAssertEqual(e.tokenStates.count, 16 * 384)
        let norm = e.pooled.reduce(0) { $0 + $1 * $1 }.squareRoot()
        XCTAssertEqual(norm, 1, accuracy: 1e-5)
    }

    func testMissingModelSaysHowToGetIt() {
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("reel-no-model-\(getpid())")
        try? FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: empty) }
        XCTAssertThrowsError(try TextModelDirectory.locate(explicit: empty.path)) { error in
            XCTAssertTrue("\(error)".contains("Scripts/fetch-text-model.sh"), "\(error)")
            XCTAssertTrue("\(error)".contains("model.safetensors"), "\(error)")
        }
        XCTAssertThrowsError(try TextModelDirectory.locate(environment: ["HOME": empty.path])) { error in
            XCTAssertTrue("\(error)".contains("make text-model"), "\(error)")
            XCTAssertTrue("\(error)".contains(empty.path + "/.cache/reel/all-MiniLM-L6-v2"), "\(error)")
        }
        let env = ["REEL_TEXT_MODEL": "/nonexistent/model", "HOME": empty.path]
        XCTAssertThrowsError(try TextModelDirectory.locate(environment: env)) { error in
            XCTAssertTrue("\(error)".contains("/nonexistent/model"), "\(error)")
        }
    }
}
