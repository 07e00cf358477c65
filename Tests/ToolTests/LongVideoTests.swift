import Foundation
import ReelStream
import XCTest

/// Long video by repeated extension (reel-denoise(1), Long video) with the shipped models: a
/// minute of video in the memory of one window, its first windows equal to a short run's, and no
/// colour drift from the first second to the last, judged by reel-score per segment.
final class LongVideoTests: XCTestCase {
    var dir: URL!
    override func setUpWithError() throws { dir = try Tools.temporaryDirectory() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }


    /// TOKS values by latent frame, and the source-frames count, of a denoised stream.
    func tokens(_ name: String) throws -> (frames: [[UInt8]], source: String?) {
        let reader = StreamReader(bytes: Array(try Data(contentsOf: dir.appendingPathComponent(name))), name: name)
        var state = StreamState()
        var frames: [[UInt8]] = [], source: String?
        while let rec = try reader.next() {
            switch try state.decode(rec, index: reader.recordIndex) {
            case .tokens(let t): frames.append(Array(t.data))
            case .metadata(let m) where m.key == "source-frames": source = m.value
            default: break
            }
        }
        return (frames, source)
    }

    func testAMinuteByRepeatedExtensionKeepsItsColoursInTheMemoryOfOneWindow() throws {
        let prompt = "a red ball on a white background"
        let out = try Tools.succeed("""
            reel-prompt-expand --seed 5 "\(prompt)" > text.reel
            /usr/bin/time -f %M -o rss-long reel-denoise --frames 480 --steps 8 --seed 3 < text.reel > long.reel
            /usr/bin/time -f %M -o rss-short reel-denoise --frames 65 --steps 8 --seed 3 < text.reel > short.reel
            reel-prompt-expand --at 0:8 "\(prompt)" < long.reel | reel-prompt-expand --at 472:480 "\(prompt)" \
              | reel-unpatchify | reel-score --json
            """, cwd: dir)
        let long = try tokens("long.reel"), short = try tokens("short.reel")
        XCTAssertEqual(long.frames.count, 121, "480 frames are 1 + 120 latent frames")
        XCTAssertEqual(long.source, "0 480")
        // 65 frames are 17 latent frames: the first window (9) and two more (4 each), drawn from the
        // same noise as the long run's first three windows.
        XCTAssertEqual(short.frames.count, 17)
        XCTAssertTrue(long.frames[0..<17].elementsEqual(short.frames), "the long run's first windows differ from a short run's")
        // Memory: one window, whatever the length (peak RSS in KiB, within 15% of the short run's).
        func rss(_ f: String) throws -> Double {
            let text = try String(contentsOf: dir.appendingPathComponent(f), encoding: .utf8)
            return try XCTUnwrap(Double(text.split(separator: "\n").last.map(String.init) ?? ""), text)
        }
        let rl = try rss("rss-long"), rs = try rss("rss-short")
        XCTAssertLessThan(rl, rs * 1.15, "peak memory grew with the length: \(rl) KiB for 480 frames, \(rs) KiB for 65")
        // No drift: the colour and background reel-score sees in the last second are those of the first.
        let report = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
        let segments = try XCTUnwrap(report["segments"] as? [[String: Any]])
        func observed(_ range: [Int], _ attribute: String) throws -> String? {
            let seg = try XCTUnwrap(segments.first { ($0["frames"] as? [Int]) == range }, "no segment \(range) in \(out)")
            let checks = (seg["checks"] as? [[String: Any]]) ?? []
            return checks.first { ($0["attribute"] as? String) == attribute }?["observed"] as? String
        }
        for attribute in ["background", "object 1 colour"] {
            let first = try observed([0, 8], attribute), last = try observed([472, 480], attribute)
            XCTAssertNotNil(first, "\(attribute) not seen in the first second: \(out)")
            XCTAssertEqual(first, last, "\(attribute) drifted from the first second to the last")
        }
        XCTAssertEqual(try observed([0, 8], "object 1 colour"), "red")
    }

    func testLongVideoOptionsThatCannotServeExitWithTheirStatus() throws {
        let r = try Tools.sh("""
            reel-prompt-expand --seed 1 "a ball" > t.reel
            reel-denoise --frames 100 --window 15 < t.reel > a.reel; echo "window $?"
            reel-denoise --frames 100 --context 33 < t.reel > b.reel; echo "context $?"
            reel-denoise --frames 100 --until-level 0.5 < t.reel > c.reel; echo "until $?"
            """, cwd: dir)
        XCTAssertTrue(r.out.contains("window 64") && r.out.contains("context 64") && r.out.contains("until 64"), r.out + r.stderr)
        XCTAssertTrue(r.stderr.contains("--window 15 is not a window the model serves"), r.stderr)
        XCTAssertTrue(r.stderr.contains("--context 33 must be 1 + 4k video frames and shorter than the window (33)"), r.stderr)
        for f in ["a.reel", "b.reel", "c.reel"] {
            let size = (try? FileManager.default.attributesOfItem(atPath: dir.appendingPathComponent(f).path)[.size] as? Int) ?? 0
            XCTAssertEqual(size, 0, "\(f): output written on failure")
        }
    }
}
