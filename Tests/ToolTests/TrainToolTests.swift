import Foundation
import XCTest

/// reel-train as a user runs it: Ctrl-C (SIGINT) checkpoints, says where, and exits 130, and
/// --resume continues from that checkpoint; --init refuses weights of another architecture.
final class TrainToolTests: XCTestCase {
    var dir: URL!
    override func setUpWithError() throws { dir = try Tools.temporaryDirectory() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    let tiny = "--width 24 --depth 1 --heads 2 --tokens 64 --checkpoint-every 0 --eval-every 0 --checkpoint ck.safetensors --out m.safetensors"

    func testInterruptCheckpointsAndResumeContinues() throws {
        let r = try Tools.sh("""
            reel-synth --seed 1 --frames 5 --count 6 --out data > /dev/null
            reel-train dit --data data \(tiny) --steps 1000000 > log 2>&1 &
            pid=$!
            for i in $(seq 1 1200); do grep -q "step [1-9]" log && break; sleep 0.1; done
            kill -INT $pid
            set +e; wait $pid; echo "status $?"; set -e
            test -s ck.safetensors && echo "checkpoint kept"
            reel-train dit --data data \(tiny) --steps 1000000 --stop-at 1 --resume > log2 2>&1 || true
            cat log log2 >&2
            """, cwd: dir)
        XCTAssertTrue(r.out.contains("status 130"), r.out + r.stderr)
        XCTAssertTrue(r.out.contains("checkpoint kept"), r.out)
        XCTAssertTrue(r.stderr.contains("interrupted at step") && r.stderr.contains("ck.safetensors"), r.stderr)
        XCTAssertTrue(r.stderr.contains("resumed from ck.safetensors at step"), r.stderr)
    }

    func testNetworkSizesAreUsageErrorsInTheOptionsOwnNames() throws {
        for (args, want) in [("--spatial-factor 3", "--spatial-factor 3"), ("--latent-channels 0", "--latent-channels 0"),
                             ("--deep-channels 5000", "--deep-channels 5000")] {
            let r = try Tools.sh("reel-train vae --data nowhere \(args)", cwd: dir)
            XCTAssertEqual(r.status, 64, "\(args): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains(want) && !r.stderr.contains("Factor is") && !r.stderr.contains("Channels is"), r.stderr)
        }
    }

    /// Each error reaches its status by its kind: options the trainer cannot use are 64, a dataset
    /// directory that is not there is 66 and names it (was 70 with Foundation's message for dit).
    func testTrainerErrorsReachTheirStatusesByKind() throws {
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("empty"), withIntermediateDirectories: true)
        for (cmd, status, want) in [
            ("reel-train dit --data nowhere --steps 1", Int32(66), "the dataset directory nowhere does not exist"),
            ("reel-train vae --data nowhere --steps 1 --no-real", 66, "nowhere"),
            ("reel-train dit --data empty --steps 1", 65, "holds no clip-*.reel files"),
            ("reel-train vae --data empty --steps 0 --no-real", 64, "--steps is 0"),
            ("reel-train vae --no-real --steps 1", 64, "no training data"),
        ] {
            let r = try Tools.sh(cmd, cwd: dir)
            XCTAssertEqual(r.status, status, "\(cmd): \(r.stderr)")
            XCTAssertTrue(r.stderr.hasPrefix("reel-train: ") && r.stderr.contains(want), "\(cmd): \(r.stderr)")
        }
    }

    /// The README's example as written: a VAE trained here, used by reel-encode --model, is found
    /// by reel-decode and reel-score from the id the stream names (the machine's model cache,
    /// REEL_CACHE here), with no --model; a stream naming an unknown network says so.
    func testAStreamNamingItsNetworkDecodesWithoutTheFlag() throws {
        let r = try Tools.sh("""
            export REEL_CACHE=$PWD/cache
            reel-synth --seed 1 --frames 9 --count 4 --out data/ > /dev/null
            reel-train vae --data data/ --no-real --steps 2 --frames 9 --min-frames 5 --crop 16 --base-channels 8 \
              --deep-channels 8 --latent-channels 4 --checkpoint ck.safetensors --out my-vae.safetensors 2> train.log
            reel-synth --seed 2 --frames 9 > clip.reel && reel-decode -o clip.mp4 < clip.reel
            reel-encode --model my-vae.safetensors clip.mp4 | tee lat.reel | reel-decode -o back.mp4
            reel-score < lat.reel > /dev/null && echo scored
            ls cache/models
            set +e
            REEL_CACHE=$PWD/elsewhere reel-decode -o none.mp4 < lat.reel; echo "status $?"
            """, cwd: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("back.mp4").path), r.stderr)
        XCTAssertTrue(r.out.contains("scored"), r.out + r.stderr)
        XCTAssertTrue(r.out.contains(".safetensors") && r.out.contains(".json"), "the cache links the weights and config: \(r.out)")
        XCTAssertTrue(r.out.contains("status 65"), r.out)
        XCTAssertTrue(r.stderr.contains("neither the shipped one") && r.stderr.contains("choose it with --model"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("none.mp4").path))
    }

    func testInitRefusesAnotherArchitecture() throws {
        let r = try Tools.sh("""
            reel-synth --seed 2 --frames 1 --count 4 --out data > /dev/null
            reel-train dit --data data \(tiny) --steps 1 > /dev/null 2>&1
            set +e
            reel-train dit --data data --width 48 --depth 1 --heads 2 --tokens 64 --steps 1 --init m.safetensors --out n.safetensors --checkpoint ck2.safetensors 2>err
            echo "status $?"
            """, cwd: dir)
        XCTAssertTrue(r.out.contains("status 64"), r.out + r.stderr)
        let err = (try? String(contentsOf: dir.appendingPathComponent("err"), encoding: .utf8)) ?? ""
        XCTAssertTrue(err.contains("--init m.safetensors has another architecture") && err.contains("width 24"), err)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("n.safetensors").path))
    }
}

/// A signal in the middle of reel-decode leaves nothing behind: no hidden temporary file, no
/// temporary frames, no directory it created; it dies of the signal (143 for SIGTERM).
final class SignalCleanupTests: XCTestCase {
    func testTerminatedDecodeLeavesNoTemporaryFiles() throws {
        let dir = try Tools.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        for out in ["long.mp4", "seq/", "frames_%04d.png"] {
            let r = try Tools.sh("""
                reel-synth --seed 3 --frames 33 --size 128x128 --count 1 > px.reel 2>/dev/null
                mkdir -p run && cd run && mkfifo ../in
                reel-decode -o '\(out)' < ../in &
                pid=$!
                exec 3> ../in
                head -c 1400000 ../px.reel >&3  # past the pipe buffers between the decoder stages
                for i in $(seq 1 200); do ls -A | grep -q . && break; sleep 0.05; done
                echo "before: $(ls -A | wc -l) entries"
                kill -TERM $pid
                set +e; wait $pid; echo "status $?"; set -e
                exec 3>&-
                echo "left: $(ls -A | tr '\\n' ' ')"
                cd .. && rm -rf run in
                """, cwd: dir)
            XCTAssertFalse(r.out.contains("before: 0 entries"), "\(out): nothing was being written when the signal came: \(r.out)")
            XCTAssertTrue(r.out.contains("status 143"), "\(out): \(r.out) \(r.stderr)")
            XCTAssertTrue(r.out.contains("left: \n") || r.out.hasSuffix("left: ") || r.out.contains("left: \r"), "\(out) left files: \(r.out)")
        }
    }
}
