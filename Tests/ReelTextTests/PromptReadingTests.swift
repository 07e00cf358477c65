import XCTest
import ReelWorld
@testable import ReelText

/// Issue 12's readings, without the encoder: compounds, typos, negation,
/// relations, and the filling rules of the expansion.
final class PromptReadingTests: XCTestCase {
    let expander = PromptExpander()

    func testCompoundsAndTypos() {
        XCTAssertEqual(PromptParser.parse("a rose-colored star").objects.first?.color, .pink)
        XCTAssertEqual(PromptParser.parse("a snow-white circle").objects.first?.color, .white)
        XCTAssertEqual(PromptParser.parse("a sky-blue ball").objects.first?.color, .blue)
        XCTAssertNil(PromptParser.parse("a sky-blue ball").background)
        let slow = PromptParser.parse("a slow-moving square").objects.first
        XCTAssertEqual(slow?.speed, .slowly)
        XCTAssertEqual(slow?.moves, true)
        let p = PromptParser.parse("a rose-colored star")
        XCTAssertEqual(p.readings.map(\.description), ["rose-colored -> pink"])
        XCTAssertTrue(p.unknownWords.isEmpty)
        let typo = PromptParser.parse("a yelow sqaure moving rigth")
        XCTAssertEqual(typo.objects, [NamedObject(shape: .square, color: .yellow, motion: .movesRight)])
        XCTAssertEqual(PromptParser.parse("a balll").objects.first?.count, 1)
        XCTAssertNil(PromptParser.correctTypo("tall"), "a changed letter in a short word is another word, not a typo")
    }

    func testNegationsOfMotion() {
        for prompt in ["a violet block that does not move", "a block that doesn't move", "a block, not moving",
                       "a block that never moves", "a block without moving", "a motionless block", "a stationary block",
                       "a block that isn't moving", "a block with no motion"] {
            XCTAssertEqual(PromptParser.parse(prompt).objects.first?.motion, .still, prompt)
        }
        let notSpinning = PromptParser.parse("a triangle that does not spin").objects.first
        XCTAssertNil(notSpinning?.motion)
        XCTAssertEqual(notSpinning?.excludedMotions, [.spins])
        for seed in UInt64(0)..<30 {
            let e = try? expander.expand("a triangle that does not spin", seed: seed)
            XCTAssertNotEqual(e?.scene?.objects.first?.motion, .spins)
        }
        XCTAssertEqual(PromptParser.parse("a ball, the camera does not move").camera, .static)
        XCTAssertNil(PromptParser.parse("a ball, the camera does not move").objects.first?.motion)
    }

    func testRelationsDoNotCorruptAttributes() throws {
        let p = PromptParser.parse("a blue ball passes behind a large red square")
        XCTAssertEqual(p.objects.count, 2)
        XCTAssertEqual(p.relations.first?.phrase, "passes behind")
        XCTAssertEqual(p.objects[1], NamedObject(shape: .square, color: .red, size: .large, motion: .still))
        XCTAssertTrue(p.objects[0].moves && p.objects[0].passesAcross)
        for seed in UInt64(0)..<20 {
            let s = try XCTUnwrap(try expander.expand("a blue ball passes behind a large red square", seed: seed).scene)
            XCTAssertTrue([Motion.movesLeft, .movesRight].contains(s.objects[0].motion))
            XCTAssertEqual(s.objects[1].motion, .still)
        }
        for prompt in ["a ball to the left of a square", "a ball on the left side of the frame", "a ball next to a square",
                       "a ball above a square", "a ball in front of a square"] {
            XCTAssertNil(PromptParser.parse(prompt).objects.first?.motion, prompt)
        }
        XCTAssertEqual(PromptParser.parse("a red ball and a spinning star").objects.map(\.motion), [nil, .spins])
        XCTAssertEqual(PromptParser.parse("a ball moving up, a ball moving down").objects.map(\.motion), [.movesUp, .movesDown])
        XCTAssertEqual(PromptParser.parse("a black triangle bouncing up and down").objects.count, 1)
    }

    func testFillingKeepsWhatThePromptSaid() throws {
        for seed in UInt64(0)..<40 {
            // No extra objects unless a count is asked.
            XCTAssertEqual(try expander.expand("a red ball", seed: seed).scene?.objects.count, 1)
            XCTAssertEqual(try expander.expand("a ball and a star", seed: seed).scene?.objects.count, 2)
            XCTAssertEqual(try expander.expand("two balls", seed: seed).scene?.objects.count, 2)
            // No pan along a named left/right motion or over a still object, unless asked.
            XCTAssertEqual(try expander.expand("a ball moves right slowly", seed: seed).scene?.camera, .static)
            XCTAssertEqual(try expander.expand("a still star", seed: seed).scene?.camera, .static)
            XCTAssertEqual(try expander.expand("a ball moves right, camera pans right", seed: seed).scene?.camera, .pansRight)
        }
        // Vertical motion and no motion keep the drawn camera, and nothing said about objects draws the count.
        let cameras = Set(try (UInt64(0)..<40).map { try expander.expand("a ball moving up", seed: $0).scene!.camera })
        XCTAssertGreaterThan(cameras.count, 1)
        let counts = Set(try (UInt64(0)..<40).map { try expander.expand("at sunset", seed: $0).scene!.objects.count })
        XCTAssertGreaterThan(counts.count, 1)
        // A speed on a still object is dropped, not an error.
        let e = try expander.expand("a motionless ball, quickly", seed: 1)
        XCTAssertEqual(e.scene?.objects.first?.motion, .still)
        XCTAssertTrue(e.warnings.contains { $0.contains("dropped") }, "\(e.warnings)")
    }

    func testExplanationSaysWhichWordsGaveWhatAndWhatWasFilled() throws {
        let e = try expander.expand("a rose-colored star that does not move", seed: 5)
        let text = e.explanation.joined(separator: "\n")
        XCTAssertTrue(text.contains("\"rose-colored\" -> colour pink of object 1 (compound: rose)"), text)
        XCTAssertTrue(text.contains("-> motion still of object 1 (negation)"), text)
        XCTAssertTrue(text.contains("filled in, object 1: size \(e.scene!.objects[0].size.rawValue)"), text)
        XCTAssertTrue(text.contains("filled in, background: \(e.scene!.background.rawValue)"), text)
        XCTAssertTrue(text.contains("filled in, camera: static"), text)
    }
}
