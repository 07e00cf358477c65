// Storyboards (Sources/ReelCanvas/Storyboard.swift, reel-storyboard(5)): the parser on good files,
// every refusal with its exact message, and the canvas a storyboard compiles to.

import Foundation
import ReelCanvas
import ReelStream
import XCTest

final class StoryboardTests: XCTestCase {
    static let head = "size 64x64\nframes 33\n"

    func parse(_ text: String) throws -> Storyboard { try Storyboard.parse(text, name: "story.txt") }

    func testAGoodFileParsesWithCommentsQuotesSecondsAndItsDirectory() throws {
        let s = try Storyboard.parse("""
            # two shots and a still
              size 112x64   # wide
            fps 30000/1001

            frames 1.1s
            image 0 1 stills/first.png
            text 0 17 a red ball bouncing   # the first shot
            text 17 0.5s "a blue square # spinning "\r
            video 17 16 /clips/shot.mp4
            """, name: "boards/story.txt", directory: "boards")
        XCTAssertEqual(s.width, 112); XCTAssertEqual(s.height, 64)
        XCTAssertEqual(s.fps, Rational(30000, 1001))
        XCTAssertEqual(s.frames, 33, "1.1 s at 29.97 fps is 32.97 frames, rounded to 33")
        XCTAssertEqual(s.latentFrames, 9)
        XCTAssertEqual(s.cards, [
            .init(kind: .image, start: 0, length: 1, content: "stills/first.png", line: 6),
            .init(kind: .text, start: 0, length: 17, content: "a red ball bouncing", line: 7),
            .init(kind: .text, start: 17, length: 15, content: "a blue square # spinning ", line: 8),
            .init(kind: .video, start: 17, length: 16, content: "/clips/shot.mp4", line: 9),
        ])
        XCTAssertEqual(s.mediaPath(of: s.cards[0]), "boards/stills/first.png", "relative to the storyboard's directory")
        XCTAssertEqual(s.mediaPath(of: s.cards[3]), "/clips/shot.mp4", "absolute as written")
        XCTAssertEqual(s.latentRange(of: s.cards[0]), 0..<1)
        XCTAssertEqual(s.latentRange(of: s.cards[3]), 5..<9)
        // The default rate, a # inside a word, and a media card that ends at a canvas end off the grid.
        let t = try parse("size 64x64\nframes 30\ntext 0 30 a ball#1\nvideo 25 5 a.mp4\n")
        XCTAssertEqual(t.fps, Rational(24))
        XCTAssertEqual(t.cards[0].content, "a ball#1")
        XCTAssertEqual(t.latentFrames, 9)
        XCTAssertEqual(t.latentRange(of: t.cards[1]), 7..<9, "frames 25..<30 are latent frames 7 and 8 (29..<33, cropped)")
        XCTAssertEqual(try parse(Self.head + "text 0 1s a ball").cards[0].length, 24)
    }

    func testEveryRefusalNamesTheLineAndTheValue() {
        let h = Self.head
        let cases: [(String, String)] = [
            (h + "text 0 17 a\ntext 12 8 b", "story.txt line 4: text card at 12 overlaps the text card at line 3 (frames 0..<17)"),
            (h + "image 0 1 a.png\nvideo 0 5 b.mp4", "story.txt line 4: video card at 0 overlaps the image card at line 3 (frames 0..<1)"),
            (h + "pictur 0 1 x.png", "story.txt line 3: \"pictur\" is not a card or a setting: expected text, image, video, size, frames, fps"),
            ("size 64x64\nsize 32x32\nframes 3\ntext 0 1 a", "story.txt line 2: a second size line (the first is line 1): give each setting once"),
            ("size 64\nframes 3\ntext 0 1 a", "story.txt line 1: size \"64\" is not a size: expected WIDTHxHEIGHT, e.g. 64x64"),
            ("size 0x64\nframes 3\ntext 0 1 a", "story.txt line 1: size \"0x64\" is not a size: expected WIDTHxHEIGHT, e.g. 64x64"),
            ("size 99999x64\nframes 3\ntext 0 1 a", "story.txt line 1: size 99999x64 is too large: each side is at most \(ReelFormat.maxSide)"),
            ("size 64x64 wide\nframes 3\ntext 0 1 a", "story.txt line 1: size takes one value, e.g. size 64x64"),
            ("frames\nsize 64x64", "story.txt line 1: frames takes one value, e.g. frames 33 (or 1.5s)"),
            ("frames 3\ntext 0 1 a", "story.txt: no size line: a storyboard gives its canvas size, e.g. size 64x64"),
            ("size 64x64\ntext 0 1 a", "story.txt: no frames line: a storyboard gives its length, e.g. frames 33 (video frames) or frames 1.5s"),
            ("size 64x64\nframes 0\ntext 0 1 a", "story.txt line 2: frames 0 is no frame: a canvas has at least 1"),
            ("size 64x64\nframes -3\ntext 0 1 a", "story.txt line 2: frames \"-3\" is not a number of frames or of seconds (e.g. 17 or 0.5s)"),
            (h + "fps 0\ntext 0 1 a", "story.txt line 3: fps 0 is not a positive rate"),
            (h + "fps abc\ntext 0 1 a", "story.txt line 3: fps \"abc\" is not a frame rate: expected a number or a fraction, e.g. 24, 29.97 or 30000/1001"),
            (h + "fps 2000\ntext 0 1 a", "story.txt line 3: fps 2000 is over 1000 frames per second"),
            (h + "text 0 17", "story.txt line 3: text card needs a start, a length and a prompt: text START LENGTH PROMPT"),
            (h + "video 0 17 # no file", "story.txt line 3: video card needs a start, a length and a file: video START LENGTH FILE"),
            (h + "text 0 17 \"\"", "story.txt line 3: text card has an empty prompt"),
            (h + "text x 17 a", "story.txt line 3: start \"x\" is not a number of frames or of seconds (e.g. 17 or 0.5s)"),
            (h + "text 0 1.5 a", "story.txt line 3: length \"1.5\" is not a number of frames or of seconds (e.g. 17 or 0.5s)"),
            (h + "text 0 0 a", "story.txt line 3: text card at 0 has length 0: a card lasts at least 1 frame"),
            (h + "text 0 0.01s a", "story.txt line 3: text card at 0 has length 0.01s: a card lasts at least 1 frame"),
            (h + "text 20 20 a", "story.txt line 3: text card at 20 (frames 20..<40) runs past the canvas's end: it has 33 frames (0..<33)"),
            (h + "text 2 2 a", "story.txt line 3: text card at 2 (frames 2..<4) holds the first frame of no latent frame (the next is frame 5), so it would guide nothing: make it reach frame 5"),
            (h + "image 2 3 a.png", "story.txt line 3: image card at 2 does not start on a latent frame: an image or video card starts at frame 0 or 1 + 4k (here 1 or 5)"),
            (h + "video 18 8 a.mp4", "story.txt line 3: video card at 18 does not start on a latent frame: an image or video card starts at frame 0 or 1 + 4k (here 17 or 21)"),
            (h + "image 1 3 a.png", "story.txt line 3: image card at 1 ends at frame 4, inside latent frame 1 (frames 1..<5): it must end at frame 1 + 4k or at the canvas's end (here 5)"),
            (h + "image 0 3 a.png", "story.txt line 3: image card at 0 ends at frame 3, inside latent frame 1 (frames 1..<5): it must end at frame 1 + 4k or at the canvas's end (here 1 or 5)"),
            ("size 64x64\nframes 30\nvideo 21 7 a.mp4", "story.txt line 3: video card at 21 ends at frame 28, inside latent frame 7 (frames 25..<29): it must end at frame 1 + 4k or at the canvas's end (here 25 or 29)"),
            (h + "text 0 5 \"abc", "story.txt line 3: the quote is not closed: \"abc"),
            (h + "text 0 5 \"abc\" d", "story.txt line 3: text after the closing quote: \"abc\" d"),
            (h + "text 0 5 \"a\\qb\"", "story.txt line 3: \\q is not an escape in a quoted text: only \\\" and \\\\ are"),
            (h + "\n# only comments\n", "story.txt: no cards: a storyboard places at least one text, image or video card (e.g. text 0 17 a red ball bouncing)"),
        ]
        for (text, message) in cases {
            XCTAssertThrowsError(try parse(text), text) { e in
                guard case CanvasError.usage(let m) = e else { return XCTFail("\(text): \(e) is not a usage error (exit 64)") }
                XCTAssertEqual(m, message, text)
            }
        }
    }

    func testReadingAFileSaysWhatCannotBeRead() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("storyboard-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let good = dir.appendingPathComponent("s.txt"), bad = dir.appendingPathComponent("b.txt")
        try (Self.head + "image 0 1 a.png\n").write(to: good, atomically: true, encoding: .utf8)
        try Data([0x74, 0x65, 0xff, 0x0a]).write(to: bad)
        let s = try Storyboard.read(path: good.path)
        XCTAssertEqual(s.directory, dir.path)
        XCTAssertEqual(s.mediaPath(of: s.cards[0]), dir.path + "/a.png")
        XCTAssertEqual(s.name, good.path)
        XCTAssertEqual(try Storyboard.parse("size 8x8\nframes 1\ntext 0 1 a", name: "x").directory, "")
        XCTAssertThrowsError(try Storyboard.read(path: bad.path)) { e in
            XCTAssertEqual(e as? CanvasError, .badInput("\(bad.path) is not UTF-8 text (byte 2): a storyboard is a text file (reel-storyboard(5))"))
        }
        XCTAssertThrowsError(try Storyboard.read(path: dir.path + "/none.txt")) { e in
            XCTAssertEqual(e as? CanvasError, .cannotOpen("cannot open \(dir.path)/none.txt: No such file or directory"))
        }
        XCTAssertThrowsError(try Storyboard.read(path: dir.path)) { e in
            XCTAssertEqual(e as? CanvasError, .cannotOpen("\(dir.path) is a directory: expected a storyboard file (reel-storyboard(5))"))
        }
    }

    /// The latent header a VAE of 2 channels, 4x in space and time would give a 12x8 canvas.
    func header(frames: Int) -> ClipHeader {
        ClipHeader(clip: 3, kind: .latents, dtype: .f32, channels: 2, width: 3, height: 2, fps: Rational(24),
                   frameCount: frames, spatialFactor: 4, temporalFactor: 4, sourceWidth: 12, sourceHeight: 8,
                   firstFrameAlone: true, model: "vae-x")
    }

    func testCompilingPlacesMediaOnTheirLatentFramesAndTextOnTheirFrames() throws {
        let s = try Storyboard.parse("""
            size 12x8
            frames 33
            text 17 16 second shot
            image 0 1 still.png
            text 0 17 first shot
            video 21 8 clip.mp4
            """, name: "story.txt", directory: "d")
        var requests: [StoryboardMedia] = []
        let canvas = try s.compile(header: header(frames: 9), media: { r in
            requests.append(r)
            // Latent frame k of the card's encoding holds 100 x line + k in every value.
            return (0..<r.latentFrames).map { k in [Float](repeating: Float(100 * r.card.line + k), count: 12) }
        }, texts: { card in
            [StoryboardText(role: .prompt, text: card.content,
                            embeddings: [TextEmbedding(segment: 99, kind: .pooled, count: 1, dim: 2, values: [Float(card.line), 0])]),
             StoryboardText(role: .caption, text: "The " + card.content + ".", embeddings: [])]
        })
        // The image at frame 0 is encoded alone (one latent frame); the video at 21 leads with a
        // copy of its first frame: 1 + 8/4 latent frames, the first dropped.
        XCTAssertEqual(requests.map(\.path), ["d/still.png", "d/clip.mp4"])
        XCTAssertEqual(requests.map(\.frames), [1, 8])
        XCTAssertEqual(requests.map(\.leadingFrame), [false, true])
        XCTAssertEqual(requests.map(\.latentFrames), [1, 3])
        XCTAssertEqual(canvas.frames.count, 9)
        XCTAssertEqual(canvas.frames.map { $0?[0] }, [400, nil, nil, nil, nil, nil, 601, 602, nil],
                       "the image on latent frame 0, the video's frames 21..<29 on latent frames 6 and 7")
        XCTAssertEqual(canvas.levels, [0, 1, 1, 1, 1, 1, 0, 0, 1])
        XCTAssertEqual(canvas.sourceFrames, 33)
        XCTAssertEqual(canvas.header.frameCount, 9)
        XCTAssertEqual(canvas.header.clip, 3)
        // Segments by start: the first shot's prompt and caption, then the second's, which runs to the end.
        XCTAssertEqual(canvas.segments, [
            TextSegment(segment: 0, clip: 3, start: 0, end: 17, role: .prompt, text: "first shot"),
            TextSegment(segment: 1, clip: 3, start: 0, end: 17, role: .caption, text: "The first shot."),
            TextSegment(segment: 2, clip: 3, start: 17, end: ReelFormat.open, role: .prompt, text: "second shot"),
            TextSegment(segment: 3, clip: 3, start: 17, end: ReelFormat.open, role: .caption, text: "The second shot."),
        ])
        XCTAssertEqual(canvas.embeddings.map(\.segment), [0, 2])
        XCTAssertEqual(canvas.embeddings.map { $0.values[0] }, [5, 3], "each card's embedding on its own segment")

        // Written, the canvas is a stream reel-denoise reads: zeros at level 1 for frames to generate.
        let w = StreamWriter()
        try canvas.write(to: w, provenance: Provenance(tool: "test", args: []).record)
        let back = try LatentClip.read(StreamReader(bytes: w.bytes), name: "canvas")
        XCTAssertEqual(back.frameCount, 9)
        XCTAssertEqual(back.sourceFrames, 33)
        XCTAssertEqual(back.frames[6], [Float](repeating: 601, count: 12))
        XCTAssertEqual(back.frames[1], [Float](repeating: 0, count: 12))
        XCTAssertEqual(back.segments.count, 4)
    }

    func testMediaThatGiveTheWrongNumberOfLatentFramesAreRefused() throws {
        let s = try parse("size 12x8\nframes 9\nvideo 0 9 a.mp4\n")
        XCTAssertThrowsError(try s.compile(header: header(frames: 3), media: { _ in [[Float](repeating: 0, count: 12)] },
                                           texts: { _ in [] })) { e in
            XCTAssertEqual(e as? CanvasError, .badInput("story.txt line 3: a.mp4 gave 1 latent frames of 12 values; the card needs 3 of 12"))
        }
    }
}
