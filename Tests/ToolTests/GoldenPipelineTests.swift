import Foundation
import XCTest

/// Golden checksums of deterministic pipelines, as netpbm pins its tools' output: reel-synth
/// streams and datasets, reel-synth | reel-patchify, and the first clips of the training data
/// that `make vae-data` and `make dit-data` render. A renderer change that alters clips (and so
/// the models' training data) fails here instead of passing silently; a deliberate one re-pins:
/// `make repin` (REEL_REPIN=1) rewrites Tests/ToolTests/Fixtures/golden.sha256 from this list.
final class GoldenPipelineTests: XCTestCase {
    static let fixture = Tools.packageRoot.appendingPathComponent("Tests/ToolTests/Fixtures/golden.sha256")

    /// The first clips of one `reel-synth --out` set of a Makefile recipe. Clip i is a function of
    /// the seed and i alone (checked against --count 1600 when this was written), so two clips pin
    /// the set; the .reel files' provenance names --count and --out, so their frames are pinned
    /// through reel-inspect --npy, with the prompt, caption and ground truth files.
    static func recipe(_ target: String, seed: Int, size: String, frames: Int, count: Int, dir: String) -> String {
        "reel-synth --seed \(seed) --size \(size) --frames \(frames) --count 2 --out \(dir)"
            + " && for c in \(dir)/*.reel; do reel-inspect --npy ${c%.reel}/ $c > /dev/null; done"
            + " && sha256sum \(dir)/*.txt \(dir)/*.json \(dir)/*/*.npy  # make \(target): 2 of \(count)"
    }

    /// Each pipeline is a bash command line, run in an empty directory with the built tools first
    /// on PATH; what it writes on standard output is hashed (a directory's files through sha256sum).
    static let pipelines: [String] = [
        // Streams on standard output at the three trained aspect ratios, 17 frames and 1 frame.
        "reel-synth --seed 7 --size 64x64 --frames 17",
        "reel-synth --seed 7 --size 112x64 --frames 17",
        "reel-synth --seed 7 --size 64x112 --frames 17",
        "reel-synth --seed 8 --size 64x64 --frames 1",
        "reel-synth --seed 8 --size 112x64 --frames 1",
        "reel-synth --seed 8 --size 64x112 --frames 1",
        // Several clips on one stream; every attribute pinned.
        "reel-synth --seed 3 --first 5 --count 3 --frames 9",
        "reel-synth --seed 2 --size 64x112 --frames 17 --objects 2 --shape star --color purple --object-size large"
            + " --motion spins --speed quickly --background checker --camera 'pans left'",
        // A dataset directory of three clips.
        "reel-synth --seed 5 --size 112x64 --frames 17 --count 3 --out d && sha256sum d/*",
        // Spacetime patches: the default 1x2x2, two others, and the way back.
        "reel-synth --seed 7 --size 64x64 --frames 17 | reel-patchify",
        "reel-synth --seed 7 --size 112x64 --frames 16 | reel-patchify --patch 2x8x8",
        "reel-synth --seed 7 --size 64x112 --frames 18 | reel-patchify --patch 3x4x4 | reel-unpatchify",
        // The VAE's training data (make vae-data).
        recipe("vae-data", seed: 1, size: "64x64", frames: 17, count: 1600, dir: "square"),
        recipe("vae-data", seed: 2, size: "112x64", frames: 17, count: 200, dir: "landscape"),
        recipe("vae-data", seed: 3, size: "64x112", frames: 17, count: 200, dir: "portrait"),
        // The diffusion transformer's training data (make dit-data).
        recipe("dit-data", seed: 11, size: "64x64", frames: 17, count: 2500, dir: "sq17"),
        recipe("dit-data", seed: 12, size: "112x64", frames: 17, count: 800, dir: "ls17"),
        recipe("dit-data", seed: 13, size: "64x112", frames: 17, count: 800, dir: "pt17"),
        recipe("dit-data", seed: 14, size: "64x64", frames: 33, count: 300, dir: "sq33"),
        recipe("dit-data", seed: 15, size: "64x64", frames: 1, count: 600, dir: "sq1"),
        recipe("dit-data", seed: 16, size: "112x64", frames: 1, count: 200, dir: "ls1"),
        recipe("dit-data", seed: 17, size: "64x112", frames: 1, count: 200, dir: "pt1"),
        recipe("dit-data", seed: 18, size: "64x64", frames: 17, count: 2000, dir: "sq17b"),
        recipe("dit-data", seed: 19, size: "112x64", frames: 17, count: 600, dir: "ls17b"),
        recipe("dit-data", seed: 20, size: "64x112", frames: 17, count: 600, dir: "pt17b"),
    ]

    static let header = """
        # Golden SHA-256 of deterministic reel pipelines, checked by ToolTests.GoldenPipelineTests:
        # one line per pipeline, the hash of what it writes on standard output, two spaces, then the
        # command (bash, run in an empty directory with the built tools first on PATH).
        # A change to the shapes world's renderer, the stream format, reel-patchify or a tool's
        # provenance (its version, its arguments) changes these, and with them the models' training
        # data. After a deliberate change, re-pin: `make repin` (or REEL_BIN=... REEL_REPIN=1 swift test
        # --filter GoldenPipelineTests), and commit this file with the change, saying why it moved.
        # The pipelines themselves are listed in Tests/ToolTests/GoldenPipelineTests.swift.

        """

    /// The SHA-256 of the pipeline's standard output (bash pipefail: every stage must exit 0).
    static func hash(_ command: String) throws -> String {
        let r = try Tools.sh("{\n\(command)\n} | sha256sum")
        guard r.status == 0 else { throw Failure(description: "\(command): exit \(r.status): \(r.stderr)") }
        return String(r.out.prefix(64))
    }

    struct Failure: Error, CustomStringConvertible { var description: String }

    /// Pinned hashes by command line.
    static func pinned() throws -> [String: String] {
        let text = try String(contentsOf: fixture, encoding: .utf8)
        var out: [String: String] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") && !line.isEmpty {
            let hash = String(line.prefix(64)), command = String(line.dropFirst(66))
            out[command] = hash
        }
        return out
    }

    func testGoldenPipelinesMatchTheirPinnedChecksums() throws {
        _ = try Tools.path("reel-synth")
        let repin = (ProcessInfo.processInfo.environment["REEL_REPIN"] ?? "") == "1"
        let pinned = repin ? ((try? Self.pinned()) ?? [:]) : try Self.pinned()
        var now: [String] = []
        var changed: [String] = []
        for command in Self.pipelines {
            let h = try Self.hash(command)
            now.append(h)
            guard let old = pinned[command] else {
                changed.append("not pinned yet: \(command)\n    now    \(h)"); continue
            }
            if old != h {
                let again = try Self.hash(command)
                changed.append(again == h
                    ? "changed: \(command)\n    pinned \(old)\n    now    \(h)"
                    : "not deterministic: \(command)\n    two runs gave \(h) and \(again)")
            }
        }
        let stale = Set(pinned.keys).subtracting(Self.pipelines).sorted()
        changed += stale.map { "pinned but no longer run: \($0)" }
        if repin {
            let body = zip(now, Self.pipelines).map { "\($0)  \($1)\n" }.joined()
            try (Self.header + body).write(to: Self.fixture, atomically: true, encoding: .utf8)
            print("GoldenPipelineTests: re-pinned \(Self.pipelines.count) pipelines in \(Self.fixture.path); "
                  + (changed.isEmpty ? "none changed" : "\(changed.count) changed:\n" + changed.joined(separator: "\n")))
            return
        }
        XCTAssertTrue(changed.isEmpty, """
            \(changed.count) golden pipeline(s) no longer match Tests/ToolTests/Fixtures/golden.sha256:
            \(changed.joined(separator: "\n"))
            If the change is deliberate (renderer, stream format, patches, provenance), re-pin with
            `make repin` (REEL_REPIN=1 swift test --filter GoldenPipelineTests) and commit the fixture
            with the change, saying why the outputs moved; if not, the change is drift: training data moved.
            """)
    }
}
