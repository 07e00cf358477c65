import XCTest

/// Every seed corpus of make fuzz (Tests/ToolTests/Fixtures/fuzz/<target>), and the malformed
/// stream corpus, replayed through its parser by reel-fuzz: an input that once crashed a parser
/// (added there with its fix) must not crash it again.
final class FuzzCorpusTests: XCTestCase {
    static let targets = ["stream", "safetensors", "png", "video", "json", "prompt", "wordpiece", "storyboard"]

    func testEverySeedCorpusReplaysWithoutACrash() throws {
        let fixtures = Tools.packageRoot.appendingPathComponent("Tests/ToolTests/Fixtures/fuzz")
        let present = try FileManager.default.contentsOfDirectory(atPath: fixtures.path).sorted()
        XCTAssertEqual(present, Self.targets.sorted(), "a corpus directory per target")
        for target in Self.targets {
            var files = try FileManager.default.contentsOfDirectory(atPath: fixtures.appendingPathComponent(target).path)
                .map { fixtures.appendingPathComponent(target).appendingPathComponent($0).path }
            if target == "stream" {
                let malformed = Tools.packageRoot.appendingPathComponent("Tests/ReelStreamTests/Fixtures/malformed")
                files += try FileManager.default.contentsOfDirectory(atPath: malformed.path).map { malformed.appendingPathComponent($0).path }
            }
            XCTAssertFalse(files.isEmpty, "\(target): an empty seed corpus")
            let r = try Tools.sh("reel-fuzz --target \(target) " + files.sorted().map { "'\($0)'" }.joined(separator: " "))
            XCTAssertEqual(r.status, 0, "\(target): \(r.stderr)")
            XCTAssertEqual(r.out, "reel-fuzz: \(target): \(files.count) input\(files.count == 1 ? "" : "s") replayed, none crashed\n")
        }
    }

    func testAnUnknownTargetIsAUsageError() throws {
        let r = try Tools.sh("reel-fuzz --target tiff x.tiff")
        XCTAssertEqual(r.status, 64)
        XCTAssertTrue(r.stderr.contains("'tiff'") && r.stderr.contains("stream"), r.stderr)
        let missing = try Tools.sh("reel-fuzz --target json /nonexistent/seed.json")
        XCTAssertEqual(missing.status, 66)
        XCTAssertTrue(missing.stderr.contains("reel-fuzz: cannot open /nonexistent/seed.json"), missing.stderr)
    }
}
