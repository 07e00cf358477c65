import XCTest
import ReelWorld
@testable import ReelText

final class PromptExpansionTests: XCTestCase {
    let expander = PromptExpander()

    /// Attributes of the first `n` objects of a caption, read back with ReelWorld's vocabulary.
    func scene(_ prompt: String, seed: UInt64 = 1) throws -> (Scene, String) {
        let e = try expander.expand(prompt, seed: seed)
        let scene = try XCTUnwrap(e.scene, prompt)
        let caption = try XCTUnwrap(e.caption, prompt)
        // The caption names exactly the scene's attributes (ReelWorld's contract).
        let terms = Vocabulary.terms(in: caption)
        for o in scene.objects {
            XCTAssertTrue(terms.contains(.shape(o.shape)) && terms.contains(.color(o.color))
                          && terms.contains(.size(o.size)) && terms.contains(.motion(o.motion)), caption)
        }
        XCTAssertTrue(terms.contains(.background(scene.background)), caption)
        return (scene, caption)
    }

    func testStatedAttributesAreKeptOverManySeeds() throws {
        struct Case { var prompt: String; var check: (Scene) -> Bool }
        let cases: [Case] = [
            Case(prompt: "red ball bouncing") { $0.objects[0].color == .red && $0.objects[0].shape == .ball && $0.objects[0].motion == .bounces },
            Case(prompt: "a crimson sphere drifting to the right") {
                $0.objects[0].color == .red && $0.objects[0].shape == .ball && $0.objects[0].motion == .movesRight },
            Case(prompt: "a blue square moving left on a white background") {
                $0.objects[0].color == .blue && $0.objects[0].shape == .square && $0.objects[0].motion == .movesLeft && $0.background == .white },
            Case(prompt: "slowly spinning yellow star") {
                $0.objects[0].shape == .star && $0.objects[0].motion == .spins && $0.objects[0].speed == .slowly && $0.objects[0].color == .yellow },
            Case(prompt: "a triangle going left quickly") {
                $0.objects[0].shape == .triangle && $0.objects[0].motion == .movesLeft && $0.objects[0].speed == .quickly },
            Case(prompt: "green cube on a sunset background") {
                $0.objects[0].shape == .square && $0.objects[0].color == .green && $0.background == .sunset },
            Case(prompt: "a ball, camera panning left") { $0.objects[0].shape == .ball && $0.camera == .pansLeft },
            Case(prompt: "a star while the camera moves right") { $0.objects[0].shape == .star && $0.camera == .pansRight },
            Case(prompt: "two balls") { $0.objects.count == 2 && $0.objects.allSatisfy { $0.shape == .ball } },
            Case(prompt: "three tiny pink stars bouncing") {
                $0.objects.count == 3 && $0.objects.allSatisfy { $0.shape == .star && $0.size == .small && $0.color == .pink && $0.motion == .bounces } },
            Case(prompt: "a big red ball and a small blue box moving up") {
                $0.objects.count >= 2 && $0.objects[0].size == .large && $0.objects[0].color == .red && $0.objects[0].shape == .ball
                    && $0.objects[1].size == .small && $0.objects[1].color == .blue && $0.objects[1].shape == .square && $0.objects[1].motion == .movesUp },
            Case(prompt: "a still purple triangle under a starry night sky, static camera") {
                $0.objects[0].motion == .still && $0.objects[0].color == .purple && $0.background == .night && $0.camera == .static },
            Case(prompt: "a pink ball on white") { $0.objects[0].color == .pink && $0.background == .white },
            Case(prompt: "a white star against a plain black wall") { $0.objects[0].color == .white && $0.background == .black },
            Case(prompt: "a ball moving") { Set([Motion.movesLeft, .movesRight, .movesUp, .movesDown, .bounces, .circles]).contains($0.objects[0].motion) },
            Case(prompt: "orange orb circling on a checkerboard background") {
                $0.objects[0].color == .orange && $0.objects[0].shape == .ball && $0.objects[0].motion == .circles && $0.background == .checker },
            Case(prompt: "a huge shrinking black square on sand") {
                $0.objects[0].size == .large && $0.objects[0].motion == .shrinks && $0.objects[0].color == .black && $0.background == .sand },
        ]
        for c in cases {
            for seed in UInt64(0)..<20 {
                let (s, caption) = try scene(c.prompt, seed: seed)
                XCTAssertTrue(c.check(s), "\(c.prompt) (seed \(seed)) -> \(caption)")
            }
        }
    }

    func testParaphrasesMapToTheSameAttributes() {
        let groups: [[String]] = [
            ["a crimson sphere drifting to the right", "red ball moving right", "a scarlet circle heading right", "Red ball, going right!"],
            ["a blue cube spinning slowly", "slowly rotating azure box", "a blue block that spins slowly"],
            ["two balls bouncing", "2 bouncing balls", "a couple of balls bouncing"],
            ["a star, camera panning left", "a star as the camera pans left", "star with the camera moving left"],
        ]
        func key(_ p: ParsedPrompt) -> String {
            var objects: [String] = []
            for o in p.objects {
                for _ in 0..<o.count {
                    objects.append("\(o.shape.map { "\($0)" } ?? "-") \(o.color.map { "\($0)" } ?? "-") \(o.motion.map { "\($0)" } ?? "-") \(o.speed.map { "\($0)" } ?? "-")")
                }
            }
            return objects.joined(separator: "|") + " bg \(p.background.map { "\($0)" } ?? "-") cam \(p.camera.map { "\($0)" } ?? "-")"
        }
        for g in groups {
            let keys = g.map { key(PromptParser.parse($0)) }
            XCTAssertEqual(Set(keys).count, 1, "\(zip(g, keys).map { "\($0) -> \($1)" })")
        }
    }

    func testSeedsAreReproducibleAndDiffer() throws {
        for prompt in ["red ball bouncing", "a square", "two stars on a night background"] {
            let a = try expander.expand(prompt, seed: 42).caption
            let b = try expander.expand(prompt, seed: 42).caption
            XCTAssertEqual(a, b, prompt)
            let others = Set(try (0..<8).map { try expander.expand(prompt, seed: UInt64($0)).caption ?? "" })
            XCTAssertGreaterThan(others.count, 1, "\(prompt): every seed gave \(others)")
        }
    }

    func testUnknownWordsAreWarnedAndKept() throws {
        let e = try expander.expand("a red ball next to a giraffe eating pizza", seed: 3)
        XCTAssertEqual(e.parsed.unknownWords, ["giraffe", "eating", "pizza"])
        XCTAssertTrue(e.warnings.contains { $0.contains("giraffe, eating, pizza") }, "\(e.warnings)")
        XCTAssertEqual(e.prompt, "a red ball next to a giraffe eating pizza")
        XCTAssertEqual(e.scene?.objects.first?.color, .red)

        // Nothing recognizable still makes a scene, drawn from the training distribution.
        let outside = try expander.expand("a cat playing the piano", seed: 3)
        XCTAssertNotNil(outside.caption)
        XCTAssertFalse(outside.scene?.objects.isEmpty ?? true)
        XCTAssertNil(outside.constraints.objectCount)
        XCTAssertTrue(outside.warnings.contains { $0.contains("cat") }, "\(outside.warnings)")
        XCTAssertTrue(outside.warnings.contains { $0.contains("training distribution") }, "\(outside.warnings)")

        let clean = try expander.expand("red ball bouncing", seed: 3)
        XCTAssertTrue(clean.warnings.isEmpty, "\(clean.warnings)")
    }

    func testTooManyObjectsIsAnErrorAndColoursNearTheBackgroundAreKept() throws {
        XCTAssertThrowsError(try expander.expand("four balls", seed: 1)) { error in
            XCTAssertEqual(error as? PromptExpansionError, .tooManyObjects(named: 4))
        }
        // The training rule (a colour at least 80 from the background) is not a refusal.
        for (prompt, color, background) in [("purple ball moving up at sunset", ObjectColor.purple, Background.sunset),
                                             ("a white ball on a white background", .white, .white)] {
            for seed in UInt64(0)..<10 {
                let e = try expander.expand(prompt, seed: seed)
                XCTAssertEqual(e.scene?.objects.first?.color, color, prompt)
                XCTAssertEqual(e.scene?.background, background, prompt)
                XCTAssertEqual(e.scene?.objects.count, 1, prompt)
                XCTAssertTrue(e.warnings.contains { $0.contains("outside what the model was trained on")
                    && $0.contains("\(color.rawValue) object on the \(background.rawValue) background") }, "\(e.warnings)")
            }
        }
        // An allowed pair says nothing, and a colour alone still picks an allowing background.
        XCTAssertTrue(try expander.expand("a red ball on a white background", seed: 1).warnings.isEmpty)
        for seed in UInt64(0)..<20 {
            let e = try expander.expand("a purple ball", seed: seed)
            XCTAssertTrue(try XCTUnwrap(e.scene).background.allows(.purple))
        }
        let e = try? expander.expand("a ball on a red background", seed: 1)
        XCTAssertTrue(e?.warnings.contains { $0.contains("red background") } ?? false)
    }

    /// Every short prompt the training set's caption writer makes reads back
    /// without unknown words, and its expansion keeps what it names.
    func testTrainingShortPromptsRoundTrip() throws {
        var failures = 0
        for seed in UInt64(0)..<400 {
            let truth = try SceneSampler.sample(seed: seed, width: 64, height: 64, frames: 8)
            var rng = SplitMix64(seed: seed &+ 1000)
            let prompt = Captions.shortPrompt(truth, rng: &rng)
            let parsed = PromptParser.parse(prompt)
            XCTAssertEqual(parsed.unknownWords, [], prompt)
            // Each named object gets exactly the words said about it, in order.
            XCTAssertLessThanOrEqual(parsed.objects.count, truth.objects.count, prompt)
            for (k, o) in parsed.objects.enumerated() where k < truth.objects.count {
                let t = truth.objects[k]
                XCTAssertEqual(o.shape, t.shape, prompt)
                if let c = o.color { XCTAssertEqual(c, t.color, prompt) }
                if let z = o.size { XCTAssertEqual(z, t.size, prompt) }
                if let m = o.motion { XCTAssertEqual(m, t.motion, prompt) }
                if let v = o.speed { XCTAssertEqual(v, t.speed, prompt) }
            }
            let e = try expander.expand(prompt, seed: seed)
            let scene = try XCTUnwrap(e.scene)
            let first = scene.objects[0], want = truth.objects[0]
            var ok = first.shape == want.shape
            for term in Vocabulary.terms(in: prompt) {
                switch term {
                case .background(let b): ok = ok && scene.background == b
                case .camera(let c): ok = ok && scene.camera == c
                case .color(let c): ok = ok && scene.objects.contains { $0.color == c }
                case .size(let z): ok = ok && scene.objects.contains { $0.size == z }
                case .motion(let m): ok = ok && scene.objects.contains { $0.motion == m }
                case .speed(let v): ok = ok && scene.objects.contains { $0.speed == v }
                case .shape(let h): ok = ok && scene.objects.contains { $0.shape == h }
                }
            }
            if !ok {
                failures += 1
                XCTFail("\(prompt) -> \(e.caption ?? "nil")")
            }
        }
        XCTAssertEqual(failures, 0)
    }
}
