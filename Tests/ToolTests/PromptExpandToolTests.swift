import Foundation
import ReelStream
import XCTest

/// reel-prompt-expand as a person uses it, from its man page.
final class PromptExpandToolTests: XCTestCase {
    var dir: URL!
    override func setUpWithError() throws {
        dir = try Tools.temporaryDirectory()
        // The text model is fetched by `make test` (make text-model); without it these skip.
        let probe = try Tools.sh("reel-prompt-expand 'red ball' > /dev/null", cwd: dir)
        if probe.status == 66 { throw Tools.unavailable("text model missing: run make text-model") }
    }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func testExpansionKeepsNamedAttributesAndSeedsDecide() throws {
        let prompt = "a crimson sphere drifting to the right"
        var captions = Set<String>()
        for seed in 1...4 {
            let r = try Tools.sh("reel-prompt-expand --print --seed \(seed) '\(prompt)'", cwd: dir)
            XCTAssertEqual(r.status, 0, r.stderr)
            let caption = r.out.trimmingCharacters(in: .whitespacesAndNewlines)
            XCTAssertTrue(caption.contains("red ball moves right"), caption)
            XCTAssertFalse(caption.contains("red ball moves left"), caption)
            let again = try Tools.sh("reel-prompt-expand --print --seed \(seed) '\(prompt)'", cwd: dir)
            XCTAssertEqual(again.out, r.out, "same seed, same caption")
            captions.insert(caption)
        }
        XCTAssertGreaterThan(captions.count, 1, "different seeds fill the unnamed attributes differently")
    }

    func testChainedCallsMakeAStoryboardOfTextSegments() throws {
        let r = try Tools.sh("reel-synth --seed 1 --frames 16 | reel-prompt-expand --seed 1 --at 0:8 'red ball bouncing'"
                             + " | reel-prompt-expand --seed 2 --at 8: 'a blue square spinning on a white background' > story.reel", cwd: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        let reader = StreamReader(bytes: Array(try Data(contentsOf: dir.appendingPathComponent("story.reel"))))
        var state = StreamState()
        var texts: [TextSegment] = [], pooled: [UInt32: [Float]] = [:], tokenStates: [UInt32: Int] = [:]
        var frames = 0, provs: [String] = []
        while let rec = try reader.next() {
            switch try state.decode(rec, index: reader.recordIndex) {
            case let .text(t): texts.append(t)
            case let .embedding(e):
                XCTAssertEqual(e.dim, 384)
                if e.kind == .pooled { pooled[e.segment] = e.values } else { tokenStates[e.segment] = e.count }
            case .frame: frames += 1
            case let .provenance(p): provs.append(p)
            default: break
            }
        }
        XCTAssertEqual(frames, 16, "the synth clip is forwarded whole")
        let added = texts.filter { $0.clip == ReelFormat.open }
        XCTAssertEqual(added.map(\.role), [.prompt, .caption, .prompt, .caption])
        XCTAssertEqual(added.map(\.start), [0, 0, 8, 8])
        XCTAssertEqual(added.map(\.end), [8, 8, ReelFormat.open, ReelFormat.open])
        XCTAssertEqual(added[0].text, "red ball bouncing")
        XCTAssertTrue(added[3].text.contains("blue square spins"), added[3].text)
        XCTAssertTrue(added[3].text.contains("plain white wall"), added[3].text)
        XCTAssertEqual(Set(texts.map(\.segment)).count, texts.count, "segment ids are unique along the chain")
        for t in added {
            guard let v = pooled[t.segment] else { XCTFail("no pooled embedding for segment \(t.segment)"); continue }
            let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            XCTAssertEqual(norm, 1, accuracy: 1e-4)
            XCTAssertGreaterThanOrEqual(tokenStates[t.segment] ?? 0, 3, "[CLS] words [SEP]")
        }
        XCTAssertEqual(provs.filter { $0.contains("\"tool\":\"reel-prompt-expand\"") }.count, 2)
    }

    func testMissingModelSaysHowToGetIt() throws {
        // --print needs no encoder; writing embeddings does.
        let r = try Tools.sh("REEL_TEXT_MODEL=/nonexistent/minilm reel-prompt-expand 'red ball' > out.reel", cwd: dir)
        XCTAssertEqual(r.status, 66, r.stderr)
        XCTAssertTrue(r.stderr.hasPrefix("reel-prompt-expand: "), r.stderr)
        XCTAssertTrue(r.stderr.contains("/nonexistent/minilm"), r.stderr)
        XCTAssertTrue(r.stderr.contains("fetch-text-model.sh") || r.stderr.contains("make text-model"), r.stderr)
    }
}
