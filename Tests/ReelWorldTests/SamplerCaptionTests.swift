import XCTest
@testable import ReelWorld

/// Every attribute value of a scene, as terms.
func attributes(of scene: Scene) -> Set<Term> {
    var s: Set<Term> = [.background(scene.background), .camera(scene.camera)]
    for o in scene.objects {
        s.formUnion([.shape(o.shape), .color(o.color), .size(o.size), .motion(o.motion)])
        if let sp = o.speed { s.insert(.speed(sp)) }
    }
    return s
}

final class SamplerCaptionTests: XCTestCase {
    func testColourRuleOverManySamples() throws {
        var rng = SplitMix64(seed: 2024)
        var seen = Set<Background>()
        var counts = [0, 0, 0, 0]
        for _ in 0..<3000 {
            let scene = try SceneSampler.sample(width: 64, height: 64, frames: 2, rng: &rng)
            seen.insert(scene.background)
            counts[scene.objects.count] += 1
            for o in scene.objects {
                XCTAssertGreaterThanOrEqual(scene.background.distance(to: o.rgb), 80, "\(o.color) on \(scene.background)")
                XCTAssertEqual(o.rgb, o.color.rgb)
                XCTAssertEqual(o.speed == nil, o.motion == .still)
                if o.shape == .ball { XCTAssertNotEqual(o.motion, .spins, "spins is invisible on a ball") }
            }
            XCTAssertEqual(Set(scene.objects.map(\.color)).count, scene.objects.count, "unpinned colours are distinct")
        }
        XCTAssertEqual(seen.count, Background.allCases.count)
        XCTAssertEqual(counts[0], 0)
        XCTAssertEqual(Double(counts[1]) / 3000, 0.5, accuracy: 0.04)
        XCTAssertEqual(Double(counts[3]) / 3000, 0.2, accuracy: 0.04)
    }

    func testSamplerHonoursConstraints() throws {
        var rng = SplitMix64(seed: 99)
        for trial in 0..<400 {
            let bg = rng.pick(Background.allCases)
            let color = rng.pick(bg.allowedColors)
            let motion = rng.pick(Motion.allCases)
            let pin = ObjectConstraints(shape: rng.pick(Shape.allCases), color: color, size: rng.pick(ObjectSize.allCases),
                                        motion: motion, speed: motion.hasSpeed ? rng.pick(Speed.allCases) : nil)
            let second = ObjectConstraints(shape: trial % 2 == 0 ? .star : nil, size: trial % 3 == 0 ? .large : nil)
            let cam = rng.pick(Camera.allCases)
            let count = 2 + trial % 2
            let c = SceneConstraints(background: bg, camera: cam, objectCount: count, objects: [pin, second])
            let scene = try SceneSampler.sample(width: 64, height: 112, frames: 4, constraints: c, rng: &rng)
            XCTAssertEqual(scene.background, bg)
            XCTAssertEqual(scene.camera, cam)
            XCTAssertEqual(scene.objects.count, count)
            let o = scene.objects[0]
            XCTAssertEqual(o.shape, pin.shape); XCTAssertEqual(o.color, pin.color); XCTAssertEqual(o.size, pin.size)
            XCTAssertEqual(o.motion, pin.motion); XCTAssertEqual(o.speed, pin.speed)
            if let s = second.shape { XCTAssertEqual(scene.objects[1].shape, s) }
            if let s = second.size { XCTAssertEqual(scene.objects[1].size, s) }
        }
        // A pinned speed makes the object move; a pinned colour picks a background that allows it.
        for _ in 0..<200 {
            let s = try SceneSampler.sample(width: 64, height: 64, frames: 2,
                                            constraints: SceneConstraints(objects: [ObjectConstraints(color: .white, speed: .quickly)]),
                                            rng: &rng)
            XCTAssertNotEqual(s.objects[0].motion, .still)
            XCTAssertEqual(s.objects[0].speed, .quickly)
            XCTAssertTrue(s.background.allows(.white))
            XCTAssertNotEqual(s.background, .white)
        }
        // Contradictions are errors, not silent changes.
        XCTAssertThrowsError(try SceneSampler.sample(width: 64, height: 64, frames: 2,
            constraints: SceneConstraints(background: .white, objects: [ObjectConstraints(color: .white)]), rng: &rng)) {
            XCTAssertEqual($0 as? WorldError, .colorNotAllowed(.white, .white))
        }
        XCTAssertThrowsError(try SceneSampler.sample(width: 64, height: 64, frames: 2,
            constraints: SceneConstraints(objects: [ObjectConstraints(motion: .still, speed: .slowly)]), rng: &rng))
        XCTAssertThrowsError(try SceneSampler.sample(width: 64, height: 64, frames: 2,
            constraints: SceneConstraints(objectCount: 4), rng: &rng))
        XCTAssertThrowsError(try SceneSampler.sample(width: 64, height: 64, frames: 2,
            constraints: SceneConstraints(objectCount: 1, objects: [ObjectConstraints(), ObjectConstraints()]), rng: &rng))
    }

    func testKinematics() throws {
        let W = 96.0
        func one(_ motion: Motion, _ speed: Speed?, shape: Shape = .square) throws -> SceneObject {
            let s = try SceneSampler.sample(seed: 8, width: 96, height: 64, frames: 24,
                                            constraints: SceneConstraints(background: .white, camera: .static, objectCount: 1,
                                                                          objects: [ObjectConstraints(shape: shape, color: .red, size: .small, motion: motion, speed: speed)]))
            return s.objects[0]
        }
        // Lines: 0.6 and 0.25 canvas widths per second at 8 fps, except where the path folds at an edge.
        for (speed, v) in [(Speed.quickly, 0.6), (.slowly, 0.25)] {
            let o = try one(.movesRight, speed)
            var steps = 0
            for i in 1..<24 {
                let d = o.center[i].x - o.center[i - 1].x
                XCTAssertEqual(o.center[i].y, o.center[0].y)
                if abs(abs(d) - v * W / 8) < 1e-9 { steps += 1 }
                let half = o.width / 2
                XCTAssertGreaterThanOrEqual(o.center[i].x, half - 1e-9)
                XCTAssertLessThanOrEqual(o.center[i].x, W - half + 1e-9)
            }
            XCTAssertGreaterThanOrEqual(steps, 18)
            XCTAssertGreaterThan(o.center[1].x, o.center[0].x - 1e-9 - (o.center[0].x > W - o.width ? W : 0))
        }
        let up = try one(.movesUp, .slowly)
        XCTAssertLessThan(up.center[1].y, up.center[0].y + 1e-9 + (up.center[0].y < up.width ? 64 : 0))
        // Bounces: rests on the bottom edge, never leaves the canvas.
        let b = try one(.bounces, .quickly, shape: .ball)
        let floor = 64 - b.width / 2
        XCTAssertEqual(b.center.map(\.y).max() ?? 0, floor, accuracy: 3)
        XCTAssertTrue(b.center.allSatisfy { $0.y <= floor + 1e-9 && $0.y >= b.width / 2 - 1e-9 && $0.x == b.center[0].x })
        // Circles: constant distance from the anchor, path speed 0.6 W per second.
        let c = try one(.circles, .quickly)
        let radii = c.center.map { (($0.x - c.anchor.x) * ($0.x - c.anchor.x) + ($0.y - c.anchor.y) * ($0.y - c.anchor.y)).squareRoot() }
        XCTAssertEqual(radii.min() ?? 0, radii.max() ?? 1, accuracy: 1e-9)
        let angle = 0.6 * W / radii[0] / 8
        let chord = 2 * radii[0] * sin(angle / 2)
        let step = ((c.center[1].x - c.center[0].x) * (c.center[1].x - c.center[0].x) + (c.center[1].y - c.center[0].y) * (c.center[1].y - c.center[0].y)).squareRoot()
        XCTAssertEqual(step, chord, accuracy: 1e-9)
        // Grows and shrinks: 0.5 -> 1.5 at 0.25 per second, monotone.
        let g = try one(.grows, .slowly)
        XCTAssertEqual(g.scale[0], 0.5); XCTAssertEqual(g.scale[8], 0.75, accuracy: 1e-12)
        XCTAssertEqual(Set(g.center).count, 1)
        let sh = try one(.shrinks, .quickly)
        XCTAssertEqual(sh.scale[0], 1.5); XCTAssertEqual(sh.scale[8], 0.9, accuracy: 1e-12); XCTAssertEqual(sh.scale[23], 0.5)
        // Spins: 0.25 turns per second.
        let sp = try one(.spins, .slowly, shape: .star)
        XCTAssertEqual(abs(sp.rotation[8] - sp.rotation[0]), Double.pi / 2, accuracy: 1e-9)
        let still = try one(.still, nil)
        XCTAssertEqual(Set(still.center).count, 1); XCTAssertEqual(Set(still.scale), [1]); XCTAssertEqual(Set(still.rotation), [0])
    }

    func testDetailedCaptionNamesExactlyTheAttributes() throws {
        var rng = SplitMix64(seed: 5)
        for _ in 0..<1500 {
            let scene = try SceneSampler.sample(width: 64, height: 64, frames: 4, rng: &rng)
            let caption = Captions.detailed(scene)
            XCTAssertEqual(Set(Vocabulary.terms(in: caption)), attributes(of: scene), caption)
            let words = " " + Vocabulary.words(caption).joined(separator: " ") + " "
            for o in scene.objects {
                for word in [o.shape.rawValue, o.color.rawValue, o.size.rawValue, o.motion.rawValue] + (o.speed.map { [$0.rawValue] } ?? []) {
                    XCTAssertTrue(words.contains(" \(word) "), "'\(word)' missing from: \(caption)")
                }
            }
            XCTAssertTrue(words.contains(" \(scene.background.rawValue) ") || words.contains(" starry ") || words.contains(" checker ") || words.contains(" stripes "), caption)
            XCTAssertTrue(caption.hasSuffix("The camera \(scene.camera == .static ? "is static" : scene.camera.rawValue)."), caption)
            XCTAssertEqual(caption.filter { $0 == "." }.count, scene.objects.count + 2)
        }
        let example = Scene(width: 64, height: 64, frames: 2, background: .white, camera: .static, seed: 0, starSeed: 0,
                            cameraShift: [0, 0],
                            objects: [SceneObject(shape: .ball, color: .red, size: .small, motion: .bounces, speed: .quickly,
                                                  width: 9.6, anchor: Point(x: 32, y: 40), center: [Point(x: 32, y: 50), Point(x: 32, y: 45)],
                                                  scale: [1, 1], rotation: [0, 0])])
        XCTAssertEqual(Captions.detailed(example),
                       "A small red ball bounces up and down quickly near the center of the frame. The background is a plain white wall. The camera is static.")
        // A single frame is an image: no motion, speed or camera words.
        var image = example
        image.frames = 1
        image.cameraShift = [0]
        image.objects[0] = SceneObject(shape: .ball, color: .red, size: .small, motion: .still, speed: nil, width: 9.6,
                                       anchor: Point(x: 32, y: 40), center: [Point(x: 32, y: 40)], scale: [1], rotation: [0])
        XCTAssertEqual(Captions.detailed(image), "A small red ball is near the center of the frame. The background is a plain white wall.")
    }

    func testShortPromptIsASubsetOfTheScene() throws {
        var rng = SplitMix64(seed: 6)
        var distinct = Set<String>()
        for _ in 0..<1500 {
            let scene = try SceneSampler.sample(width: 112, height: 64, frames: 4, rng: &rng)
            let prompt = Captions.shortPrompt(scene, rng: &rng)
            distinct.insert(prompt)
            let terms = Vocabulary.terms(in: prompt)
            XCTAssertTrue(Set(terms).isSubset(of: attributes(of: scene)), "\(prompt) vs \(Captions.detailed(scene))")
            XCTAssertTrue(terms.contains { if case .shape = $0 { return true }; return false }, prompt)
            XCTAssertLessThan(prompt.count, Captions.detailed(scene).count)
            XCTAssertFalse(prompt.contains("a a") || prompt.contains(" a o") || prompt.hasPrefix("a o"), prompt)
        }
        XCTAssertGreaterThan(distinct.count, 500, "prompts vary")
    }
}
