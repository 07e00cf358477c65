import Foundation
import ReelStream
import XCTest

/// reel-storyboard end to end: a storyboard file to a canvas, through the shipped model, decoded
/// and scored.
final class StoryboardTests: XCTestCase {
    var dir: URL!
    override func setUpWithError() throws {
        _ = try Tools.path("reel-storyboard")
        if try Tools.sh("reel-prompt-expand --print 'a red ball' > /dev/null").status == 66 {
            throw Tools.unavailable("text model missing: run make text-model")
        }
        dir = try Tools.temporaryDirectory()
    }
    override func tearDownWithError() throws { if let dir { try? FileManager.default.removeItem(at: dir) } }

    struct Stream {
        var header: ClipHeader?
        var frames: [Int: [UInt8]] = [:]
        var levels: [Float] = []
        var segments: [TextSegment] = []
        var embeddings: [TextEmbedding] = []
        var meta: [String: String] = [:]
    }

    func read(_ name: String) throws -> Stream {
        let reader = StreamReader(bytes: Array(try Data(contentsOf: dir.appendingPathComponent(name))), name: name)
        var state = StreamState(), s = Stream()
        while let r = try reader.next() {
            switch try state.decode(r, index: reader.recordIndex) {
            case .header(let h): s.header = h
            case .frame(let f): s.frames[f.index] = Array(f.data)
            case .noise(let n): s.levels = n.levels
            case .text(let t): s.segments.append(t)
            case .embedding(let e): s.embeddings.append(e)
            case .metadata(let m): s.meta[m.key] = m.value
            default: break
            }
        }
        return s
    }

    func write(_ name: String, _ text: String) throws {
        try text.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8)
    }

    func json(_ line: Substring) throws -> [String: Any] {
        try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }

    func testTwoTextCardsGiveTwoShotsThatTheScoreChecksEach() throws {
        try write("story.txt", """
            # two shots, one prompt each
            size 64x64
            frames 33
            text 0 17 a red ball on a white background
            text 17 16 a green square at night
            """)
        let r = try Tools.sh("""
            reel-storyboard --seed 1 story.txt > canvas.reel
            reel-patchify < canvas.reel | reel-denoise --steps 4 --seed 2 | reel-unpatchify > out.reel
            reel-decode -o f/ < out.reel && ls f | wc -l
            reel-score --json < out.reel
            reel-prompt-expand --seed 1 --print "a red ball on a white background" 2> /dev/null
            reel-prompt-expand --seed 1 --print "a green square at night" 2> /dev/null
            """, cwd: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.out.split(separator: "\n")
        XCTAssertEqual(lines.count, 4, r.out)
        XCTAssertEqual(lines.first, "33", "the canvas decodes to its 33 frames")

        let canvas = try read("canvas.reel")
        XCTAssertEqual(canvas.header?.frameCount, 9, "33 video frames are 1 + 32/4 latent frames")
        XCTAssertEqual(canvas.header.map { [$0.sourceWidth, $0.sourceHeight] }, [64, 64])
        XCTAssertEqual(canvas.levels, [Float](repeating: 1, count: 9), "no media: every frame is generated")
        XCTAssertEqual(canvas.meta["source-frames"], "0 33")
        let open = ReelFormat.open
        XCTAssertEqual(canvas.segments.map { [$0.segment, $0.start, $0.end] }, [[0, 0, 17], [1, 0, 17], [2, 17, open], [3, 17, open]])
        XCTAssertEqual(canvas.segments.map(\.role), [.prompt, .caption, .prompt, .caption])
        XCTAssertEqual(canvas.segments[0].text, "a red ball on a white background")
        XCTAssertEqual(canvas.segments[1].text, String(lines[2]), "the caption reel-prompt-expand --seed 1 writes")
        XCTAssertEqual(canvas.segments[3].text, String(lines[3]))
        XCTAssertNotEqual(canvas.segments[1].text, canvas.segments[3].text)
        for segment in 0..<UInt32(4) {
            let e = canvas.embeddings.filter { $0.segment == segment }
            XCTAssertEqual(e.map(\.kind), [.tokens, .pooled], "segment \(segment): token states and the pooled embedding")
            XCTAssertEqual(e.first?.dim, 384)
        }

        let out = try read("out.reel")
        XCTAssertEqual(out.frames.count, 9)
        XCTAssertEqual(out.segments.map { [$0.start, $0.end] }, canvas.segments.map { [$0.start, $0.end] }, "the texts travel on")

        // reel-score checks each segment on its own frames: the background the shipped model gets right.
        let report = try json(lines[1])
        XCTAssertEqual(report["frames"] as? Int, 33)
        let segments = try XCTUnwrap(report["segments"] as? [[String: Any]])
        XCTAssertEqual(segments.map { $0["frames"] as? [Int] ?? [] }, [[0, 17], [17, 33]])
        let backgrounds = segments.map { s in
            (s["checks"] as? [[String: Any]] ?? []).first { $0["attribute"] as? String == "background" }?["observed"] as? String
        }
        XCTAssertEqual(backgrounds, ["white", "night"], "each shot's background follows its own card")
    }

    func testImageAndVideoCardsAreKeptOnTheirLatentFrames() throws {
        // A still of the shapes world at frame 0, a shot of 8 frames (a PNG sequence) from frame 9.
        try write("story.txt", """
            size 64x64
            frames 17
            fps 8
            image 0 1 cards/card.png
            text 0 17 "a yellow ball at night"
            video 9 8 cards/shot
            """)
        let r = try Tools.sh("""
            mkdir cards lead
            reel-synth --seed 7 --frames 1 --background night --shape ball --color yellow | reel-decode -o cards/card.png
            reel-synth --seed 8 --frames 8 --background night --shape square --color green | reel-decode -o cards/shot/
            cp cards/shot/frame_0000.png lead/a.png && for f in cards/shot/*.png; do cp $f lead/b${f##*/}; done
            reel-encode cards/card.png > card.reel && reel-encode lead/ > lead.reel
            (cd / && reel-storyboard --seed 3 \(dir.path)/story.txt) > canvas.reel
            reel-patchify < canvas.reel | reel-denoise --steps 4 --seed 4 | reel-unpatchify > out.reel
            reel-decode -o f/ < out.reel && ls f | wc -l
            reel-score --json < out.reel
            """, cwd: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.out.split(separator: "\n")
        XCTAssertEqual(lines.first, "17")

        let canvas = try read("canvas.reel"), card = try read("card.reel"), lead = try read("lead.reel")
        XCTAssertEqual(canvas.header?.frameCount, 5)
        XCTAssertEqual(canvas.levels, [0, 1, 1, 0, 0], "the image on latent frame 0, the shot's frames 9..<17 on 3 and 4")
        XCTAssertEqual(canvas.frames[0], card.frames[0], "the image is encoded alone, as reel-encode encodes it")
        XCTAssertEqual(lead.frames.count, 3)
        XCTAssertEqual(canvas.frames[3], lead.frames[1], "the shot is encoded after a copy of its first frame")
        XCTAssertEqual(canvas.frames[4], lead.frames[2])
        XCTAssertEqual(canvas.segments.map { [$0.start, $0.end] }, [[0, ReelFormat.open], [0, ReelFormat.open]])

        let out = try read("out.reel")
        for k in [0, 3, 4] { XCTAssertEqual(out.frames[k], canvas.frames[k], "kept latent frame \(k) comes out bit for bit") }
        XCTAssertNotEqual(out.frames[1], canvas.frames[1], "latent frame 1 is generated")
        let report = try json(lines[1])
        XCTAssertEqual(report["frames"] as? Int, 17)
        let joins = (report["joins"] as? [[String: Any]] ?? []).compactMap { $0["frame"] as? Int }
        XCTAssertEqual(joins, [1, 9], "reel-score finds the joins between the kept cards and the generated frames")
    }

    func testRefusalsExitWithTheirStatusNameTheValueAndWriteNothing() throws {
        let head = "size 64x64\\nframes 17\\n"
        let cases: [(String, Int32, String)] = [
            ("\(head)text 0 9 a\\ntext 5 8 b\\n", 64, "s.txt line 4: text card at 5 overlaps the text card at line 3 (frames 0..<9)"),
            ("\(head)image 3 2 a.png\\n", 64, "s.txt line 3: image card at 3 does not start on a latent frame"),
            ("\(head)image 0 1 none.png\\n", 66, "s.txt line 3: cannot open d/none.png"),
            ("\(head)image 0 1 s.txt\\n", 65, "s.txt line 3: d/s.txt: not a valid image or video"),
            ("\(head)video 1 16 shot/\\n", 65, "s.txt line 3: d/shot/ gives 8 frames at 24 frames per second; the video card needs 16"),
            ("\(head)text 0 17 four red balls\\n", 65, "s.txt line 3: the prompt names 4 objects"),
        ]
        let made = try Tools.sh("mkdir d && reel-synth --frames 8 | reel-decode -o d/shot/", cwd: dir)
        XCTAssertEqual(made.status, 0, made.stderr)
        for (text, status, words) in cases {
            let r = try Tools.sh("printf '\(text)' > d/s.txt && reel-storyboard --seed 1 d/s.txt > out.reel", cwd: dir)
            XCTAssertEqual(r.status, status, "\(text): \(r.stderr)")
            XCTAssertTrue(r.stderr.hasPrefix("reel-storyboard: d/" + words), "\(text): \(r.stderr)")
            XCTAssertEqual(try Data(contentsOf: dir.appendingPathComponent("out.reel")).count, 0, "\(text): no partial output")
        }
        // On standard input, media paths are relative to the current directory.
        let piped = try Tools.sh("printf 'size 64x64\\nframes 9\\nvideo 1 8 d/shot/\\n' | reel-storyboard - > in.reel", cwd: dir)
        XCTAssertEqual(piped.status, 0, piped.stderr)
        XCTAssertEqual(try read("in.reel").levels, [1, 0, 0], "the shot's 8 frames on latent frames 1 and 2")
        let pipedMissing = try Tools.sh("printf 'size 64x64\\nframes 9\\nimage 0 1 none.png\\n' | reel-storyboard - > out.reel", cwd: dir)
        XCTAssertEqual(pipedMissing.status, 66)
        XCTAssertEqual(pipedMissing.stderr, "reel-storyboard: standard input line 3: cannot open none.png: No such file or directory\n")
        let missing = try Tools.sh("reel-storyboard none.txt > out.reel", cwd: dir)
        XCTAssertEqual(missing.status, 66)
        XCTAssertEqual(missing.stderr, "reel-storyboard: cannot open none.txt: No such file or directory\n")
        let usage = try Tools.sh("reel-storyboard --seed x d/s.txt > out.reel", cwd: dir)
        XCTAssertEqual(usage.status, 64, usage.stderr)
    }
}
