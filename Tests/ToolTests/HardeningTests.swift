import Foundation
import ReelStream
import XCTest

/// Inputs that are not regular files: a named pipe is read once (reel-encode used to open it a
/// second time and block forever).
final class HardeningTests: XCTestCase {
    func testEncodeReadsAPNGAndAVideoFromANamedPipe() throws {
        let dir = try Tools.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try Tools.sh("""
            reel-synth --seed 4 --frames 1 --count 1 2>/dev/null | reel-decode -o still.png
            reel-synth --seed 4 --frames 9 --count 1 2>/dev/null | reel-decode -o clip.mp4
            mkfifo pipe
            (cat still.png > pipe) & timeout 20 reel-encode --pixels pipe > a.reel; echo "png status $?"
            (cat clip.mp4 > pipe) & timeout 20 reel-encode --pixels --frames 5 pipe > b.reel; echo "video status $?"
            reel-inspect < a.reel | grep "read"; reel-inspect < b.reel | grep "read"
            """, cwd: dir)
        XCTAssertTrue(r.out.contains("png status 0") && r.out.contains("video status 0"), r.out + r.stderr)
        XCTAssertTrue(r.out.contains("; 1 frame read"), r.out)
        XCTAssertTrue(r.out.contains("; 5 frames read"), r.out)
    }

    /// reel-inspect --npy DIR on a stream that fails leaves neither files nor the DIR it made;
    /// an existing DIR stays, empty.
    func testInspectNpyLeavesNothingWhenTheStreamFails() throws {
        let dir = try Tools.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try Tools.sh("""
            reel-synth --frames 5 --count 1 2>/dev/null > s.reel
            set +e
            head -c 30000 s.reel | reel-inspect --npy made > /dev/null 2>&1; echo "status $?"
            mkdir kept; head -c 30000 s.reel | reel-inspect --npy kept > /dev/null 2>&1
            set -e
            echo "made: $(ls -d made 2>/dev/null) kept: $(ls -A kept | wc -l)"
            reel-inspect --npy whole < s.reel > /dev/null && ls whole
            """, cwd: dir)
        XCTAssertTrue(r.out.contains("status 65"), r.out + r.stderr)
        XCTAssertTrue(r.out.contains("made:  kept: 0"), r.out)
        XCTAssertTrue(r.out.contains("clip0-frames.npy"), r.out)
    }

    /// reel-prompt-expand checks its whole input stream before it writes a byte: a truncated
    /// input gives exit 65 and an empty output, not a half stream without DONE.
    func testPromptExpandWritesNothingForACorruptInput() throws {
        let dir = try Tools.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try Tools.sh("""
            reel-synth --frames 5 --count 1 2>/dev/null > s.reel
            set +e; head -c 30000 s.reel | reel-prompt-expand "a red ball" > out.reel; echo "status $?"; set -e
            echo "bytes $(wc -c < out.reel)"
            reel-prompt-expand "a red ball" < s.reel | reel-inspect --check && echo "whole ok"
            """, cwd: dir)
        XCTAssertTrue(r.out.contains("status 65") && r.out.contains("bytes 0"), r.out + r.stderr)
        XCTAssertTrue(r.out.contains("whole ok"), r.out + r.stderr)
    }

    /// reel(7)'s GNU parallel recipe: variations rendered by parallel on the local host (":", as
    /// --sshlogin names it) equal the same runs one after another, and join into one stream that
    /// reel-score --best ranks.
    func testVariationsWithGNUParallelJoinAndRank() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/parallel") else {
            throw Tools.unavailable("GNU parallel is not installed (make test installs it)")
        }
        let dir = try Tools.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try Tools.sh("""
            parallel --will-cite --sshlogin : -j 2 'reel-prompt-expand --seed {} "a red ball moving left" \\
              | reel-denoise --steps 3 --seed {} --clip {} | reel-unpatchify > v{}.reel' ::: 1 2
            for k in 1 2; do reel-prompt-expand --seed $k "a red ball moving left" | reel-denoise --steps 3 --seed $k --clip $k \\
              | reel-unpatchify > s$k.reel; done
            cat v1.reel v2.reel | reel-score --best 1 > best.reel
            reel-inspect < best.reel | grep -c "^clip "
            """, cwd: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        for k in 1...2 {
            let p = try PipelineTests.read(dir.appendingPathComponent("v\(k).reel"))
            let s = try PipelineTests.read(dir.appendingPathComponent("s\(k).reel"))
            XCTAssertEqual(p.headers.first?.clip, UInt32(k))
            XCTAssertEqual(p.frames.count, 5)
            XCTAssertEqual(p.frames, s.frames, "variation \(k) under parallel differs from the same run alone")
        }
        XCTAssertEqual(try PipelineTests.read(dir.appendingPathComponent("best.reel")).headers.count, 1)
    }

    /// Damaged media with no decodable frame is bad data (65), not a usage error; a start past
    /// the end stays a usage error (64).
    func testDamagedMediaIsBadData() throws {
        let dir = try Tools.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try Tools.sh("""
            reel-synth --frames 9 --count 1 2>/dev/null | reel-decode -o g.gif
            head -c 13 g.gif > cut.gif
            set +e
            reel-encode --pixels cut.gif > /dev/null 2> err1; echo "cut $?"
            reel-encode --pixels --start 60 g.gif > /dev/null 2> err2; echo "late $?"
            """, cwd: dir)
        XCTAssertTrue(r.out.contains("cut 65") && r.out.contains("late 64"), r.out)
        let err = (try? String(contentsOf: dir.appendingPathComponent("err1"), encoding: .utf8)) ?? ""
        XCTAssertTrue(err.contains("cut.gif") && err.contains("damaged"), err)
    }

    /// A GIF cut to a third, or an MP4 missing its last byte, still gives the frames before the
    /// damage (exit 0), and reel-encode says the file ended early and how many frames it read.
    func testTruncatedMediaIsNamedWithTheFramesRead() throws {
        let dir = try Tools.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try Tools.sh("""
            reel-synth --seed 5 --size 64x64 --frames 24 > c.reel
            reel-decode -o g.gif < c.reel && reel-decode -o m.mp4 < c.reel
            head -c $(( $(stat -c %s g.gif) / 3 )) g.gif > cut.gif
            head -c $(( $(stat -c %s m.mp4) - 1 )) m.mp4 > cut.mp4
            reel-encode --pixels g.gif 2> whole.txt | reel-inspect --json - | grep -o '"frames":[0-9]*' | head -1
            reel-encode --pixels cut.gif 2> gif.txt > /dev/null; echo "gif $?"
            reel-encode --pixels cut.mp4 2> mp4.txt > /dev/null; echo "mp4 $?"
            reel-encode --pixels m.mp4 2>> whole.txt > /dev/null
            """, cwd: dir)
        XCTAssertTrue(r.out.contains("gif 0") && r.out.contains("mp4 0"), r.out + r.stderr)
        func read(_ f: String) -> String { (try? String(contentsOf: dir.appendingPathComponent(f), encoding: .utf8)) ?? "" }
        XCTAssertTrue(read("gif.txt").hasPrefix("reel-encode: warning: cut.gif ended early after "), read("gif.txt"))
        XCTAssertTrue(read("gif.txt").contains("the GIF has no trailer"), read("gif.txt"))
        XCTAssertTrue(read("mp4.txt").hasPrefix("reel-encode: warning: cut.mp4 ended early after "), read("mp4.txt"))
        XCTAssertTrue(read("mp4.txt").contains("the file ends inside its moov box"), read("mp4.txt"))
        XCTAssertEqual(read("whole.txt"), "", "whole files get no note")
    }

    /// Media on standard input (told from a reel stream by the signature) is read like a file of
    /// its kind, every option applying; a stream on standard input still refuses them.
    func testEncodeReadsMediaOnStandardInput() throws {
        let dir = try Tools.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try Tools.sh("""
            reel-synth --seed 3 --frames 8 > c.reel && reel-decode -o v.mp4 < c.reel && reel-synth --frames 1 | reel-decode -o a.png
            cat v.mp4 | reel-encode --pixels --size 32x32 --frames 3 - | reel-inspect --json - | grep -o '"frames_read":[0-9]*'
            cat a.png | reel-encode - | reel-inspect --json - | grep -o '"kind":"[a-z]*"' | head -1
            reel-encode --pixels - < c.reel > /dev/null 2> err.txt; echo "stream $?"
            """, cwd: dir)
        XCTAssertTrue(r.out.contains("\"frames_read\":3") && r.out.contains("\"kind\":\"latents\"") && r.out.contains("stream 64"), r.out + r.stderr)
    }

    /// A pixel canvas with gaps (reel-encode --pixels --at): a PNG sequence is numbered by frame,
    /// a video holds the stored frames back to back and reel-decode says which are not stored.
    func testDecodeOfACanvasWithGapsSaysWhatIsMissing() throws {
        let dir = try Tools.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try Tools.sh("""
            reel-synth --frames 1 | reel-decode -o a.png && reel-synth --frames 8 | reel-decode -o v.mp4
            reel-encode --pixels --at 0 a.png --at 6 v.mp4 --size 64x64 --frames 4 > placed.reel
            reel-decode -o seq/ < placed.reel && ls seq | tr '\n' ' '
            reel-decode -o placed.gif < placed.reel 2> note.txt; echo "gif $?"
            """, cwd: dir)
        XCTAssertTrue(r.out.contains("frame_0003.png frame_0006.png") && !r.out.contains("frame_0004") && r.out.contains("gif 0"), r.out + r.stderr)
        let note = (try? String(contentsOf: dir.appendingPathComponent("note.txt"), encoding: .utf8)) ?? ""
        XCTAssertTrue(note.hasPrefix("reel-decode: note: clip 0 does not store frames 4-5 (a canvas with gaps): placed.gif holds its 8 stored frames"), note)
    }

    /// reel-decode -o: "-" is standard output (every format that holds a clip); a device is
    /// written into, never replaced (/dev/full: 74, the node stays); a symlink stays a link and
    /// its target is replaced; a FIFO's reader gets the file.
    func testDecodeOutputToStdoutDevicesSymlinksAndFIFOs() throws {
        let dir = try Tools.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try Tools.sh("""
            reel-synth --frames 9 --count 1 2>/dev/null > c.reel
            reel-decode -o - --format gif < c.reel > out.gif && head -c 6 out.gif; echo
            reel-decode -o - --format mp4 < c.reel | head -c 8 | tail -c 4; echo
            reel-decode -o file.gif < c.reel && cmp file.gif out.gif && echo "same as a file"
            set +e; reel-decode -o /dev/full --format gif < c.reel 2>/dev/null; echo "full $?"; set -e
            test -c /dev/full && echo "device kept"
            echo old > target.gif; ln -s target.gif link.gif
            reel-decode -o link.gif < c.reel && test -L link.gif && cmp target.gif out.gif && echo "link kept, target replaced"
            mkfifo pipe.gif; (cat pipe.gif > got.gif) & reader=$!
            reel-decode -o pipe.gif < c.reel; wait $reader; test -p pipe.gif && cmp got.gif out.gif && echo "fifo written"
            set +e; reel-decode -o - < c.reel 2>/dev/null; echo "no format $?"
            """, cwd: dir)
        for want in ["GIF89a", "ftyp", "same as a file", "full 74", "device kept", "link kept, target replaced", "fifo written", "no format 64"] {
            XCTAssertTrue(r.out.contains(want), "\(want): \(r.out) \(r.stderr)")
        }
    }

    /// reel-decode --clip 0 decodes clip 0 even when another clip of the stream names a network
    /// that cannot be found; asking for that clip names the network.
    func testDecodeOneClipWhateverTheOthersNeed() throws {
        let dir = try Tools.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = try Tools.sh("reel-synth --frames 5 --count 2 2>/dev/null | reel-encode - > two.reel", cwd: dir)
        let reader = StreamReader(bytes: Array(try Data(contentsOf: dir.appendingPathComponent("two.reel"))))
        let w = StreamWriter()
        var state = StreamState()
        while let r = try reader.next() {
            if case var .header(h) = try state.decode(r, index: reader.recordIndex), h.clip == 1 {
                h.model = "some-other-vae"
                try w.write(h.record)
            } else if r.type != .done {
                try w.write(r)
            }
        }
        try w.finish()
        try Data(w.bytes).write(to: dir.appendingPathComponent("mixed.reel"))
        let ok = try Tools.sh("reel-decode --clip 0 -o zero.gif < mixed.reel", cwd: dir)
        XCTAssertEqual(ok.status, 0, ok.stderr)
        let bad = try Tools.sh("reel-decode --clip 1 -o one.gif < mixed.reel", cwd: dir)
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("some-other-vae"), bad.stderr)
    }

    /// reel-encode - on pixel patch tokens refuses them (it wrote a stream reel-inspect rejects).
    func testEncodeRefusesPatchTokens() throws {
        let r = try Tools.sh("reel-synth --frames 5 --count 1 2>/dev/null | reel-patchify --patch 1x8x8 | reel-encode - > out.reel")
        XCTAssertEqual(r.status, 65, r.stderr)
        XCTAssertTrue(r.stderr.contains("reel-unpatchify first"), r.stderr)
    }

    /// Frame options do not apply to a stream on standard input, whatever value is typed: the
    /// default's own value (`--fit crop`, `--clip 0`) is refused like any other (it was accepted,
    /// compared against the default's literal); a bad value names the choices.
    func testEncodeStdinRefusesEveryFrameOptionEvenAtItsDefault() throws {
        for opt in ["--fit crop", "--fit pad", "--filter lanczos3", "--start 0", "--clip 0"] {
            let r = try Tools.sh("reel-synth --frames 1 --count 1 2>/dev/null | reel-encode \(opt) - > out.reel")
            XCTAssertEqual(r.status, 64, "\(opt): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains("\(opt.split(separator: " ")[0]) does not apply to -"), "\(opt): \(r.stderr)")
        }
        XCTAssertEqual(try Tools.sh("reel-synth --frames 1 --count 1 2>/dev/null | reel-encode - > out.reel").status, 0)
        let bad = try Tools.sh("reel-encode --fit squash in.png > out.reel")
        XCTAssertEqual(bad.status, 64, bad.stderr)
        XCTAssertTrue(bad.stderr.contains("'crop', 'pad' or 'stretch'"), bad.stderr)
    }

    /// An invalid UTF-8 prompt argument is bad data (65), as reel-prompt-expand(1) says, not
    /// stored with a replacement character; valid non-ASCII text passes.
    func testInvalidUTF8PromptIsRefused() throws {
        let r = try Tools.sh("set +e; reel-prompt-expand \"$(printf '\\xff\\xfe ball')\" > out.reel; echo \"status $?\"; wc -c < out.reel")
        XCTAssertTrue(r.out.contains("status 65"), r.out + r.stderr)
        XCTAssertTrue(r.stderr.contains("not UTF-8") && r.stderr.contains("ff fe"), r.stderr)
        XCTAssertEqual(try Tools.sh("reel-prompt-expand 'a caf\u{E9} ball' > /dev/null").status, 0)
    }

    /// make install copies what is built (no build, no apt-get) with the model bundles, pages,
    /// completions, the text-model fetcher and the Python reader; make uninstall removes it all.
    func testMakeInstallAndUninstall() throws {
        let dest = try Tools.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dest) }
        let root = Tools.packageRoot.path
        let r = try Tools.sh("""
            make -s -C '\(root)' install DESTDIR='\(dest.path)' PREFIX=/usr > /dev/null
            cd '\(dest.path)/usr'
            ls bin/reel-decode bin/reel-fetch-text-model bin/reel_ReelDiT.resources/dit-default.safetensors \\
               bin/reel_ReelVAE.resources share/man/man5/reel.5 share/man/man7/reel.7 \\
               share/bash-completion/completions/reel-denoise share/reel/python/reelstream.py > /dev/null && echo "installed"
            grep -q reel-denoise share/bash-completion/completions/reel-denoise && echo "completion"
            make -s -C '\(root)' uninstall DESTDIR='\(dest.path)' PREFIX=/usr > /dev/null
            echo "left $(find '\(dest.path)' -type f | wc -l) files"
            """)
        XCTAssertTrue(r.out.contains("installed") && r.out.contains("completion"), r.out + r.stderr)
        XCTAssertTrue(r.out.contains("left 0 files"), r.out)
    }

    /// On a terminal reel-decode and reel-encode show their progress (frames written of the clip's count); to a
    /// pipe or file it stays quiet.
    func testDecodeShowsProgressOnATerminalOnly() throws {
        let dir = try Tools.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try Tools.sh("""
            reel-synth --frames 9 --count 1 2>/dev/null > c.reel
            script -qc "reel-decode -o a.gif < c.reel" /dev/null | tr '\\r' '\\n' | grep -c "reel-decode: frame 9/9"
            script -qc "reel-encode - < c.reel > lat.reel" /dev/null | tr '\\r' '\\n' | grep -c "reel-encode: frame 9/9"
            reel-decode -o b.gif < c.reel 2> quiet.txt; reel-encode - < c.reel 2>> quiet.txt > /dev/null; wc -c < quiet.txt
            """, cwd: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.out.split(separator: "\n").map(String.init)
        XCTAssertEqual(Array(lines.prefix(2)), ["1", "1"], r.out)
        XCTAssertEqual(lines.last?.trimmingCharacters(in: .whitespaces), "0", r.out)
    }

    /// reel-inspect --check accepts what reel(5) allows: a HEAD announcing frames with no FRAM,
    /// and the repository's own every-kind fixture (frames, then PTCH and TOKS of the same clip).
    func testInspectAcceptsStreamsTheFormatAllows() throws {
        let fixture = Tools.packageRoot.appendingPathComponent("Tests/ReelStreamTests/Fixtures/every-kind.reel").path
        let w = StreamWriter()
        try w.write(ClipHeader(clip: 0, kind: .pixels, dtype: .u8, channels: 3, width: 4, height: 4, frameCount: 5).record)
        try w.finish()
        let dir = try Tools.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data(w.bytes).write(to: dir.appendingPathComponent("head-only.reel"))
        let r = try Tools.sh("reel-inspect --check < head-only.reel && reel-inspect --check < '\(fixture)' && echo fine", cwd: dir)
        XCTAssertTrue(r.out.contains("fine"), r.stderr)
    }

    /// A clip the H.264 encoder cannot take (16384x16384) is bad data (65), not an I/O error (74).
    func testEncoderRefusingTheClipSizeIsBadData() throws {
        let w = StreamWriter()
        try w.write(ClipHeader(clip: 0, kind: .pixels, dtype: .u8, channels: 3, width: 16384, height: 16384, frameCount: 0).record)
        try w.finish()
        let dir = try Tools.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data(w.bytes).write(to: dir.appendingPathComponent("huge.reel"))
        let r = try Tools.sh("reel-decode -o h.mp4 < huge.reel", cwd: dir)
        XCTAssertEqual(r.status, 65, r.stderr)
        XCTAssertTrue(r.stderr.contains("16384x16384"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("h.mp4").path))
    }
}
