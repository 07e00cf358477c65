import XCTest
@testable import ReelWorld

/// Independent geometry from the JSON alone: is the pixel centre at least
/// `margin` pixels inside object `o` in frame `i`? (Convex cores only: the
/// star's inner pentagon; enough to find pixels that must be fully covered.)
func deepInside(_ o: SceneObject, frame i: Int, x: Double, y: Double, margin: Double) -> Bool {
    let w = o.width * o.scale[i]
    let dx = x - o.center[i].x, dy = y - o.center[i].y
    // Into the shape's own frame: undo a clockwise rotation.
    let c = cos(o.rotation[i]), s = sin(o.rotation[i])
    let lx = c * dx + s * dy, ly = -s * dx + c * dy
    switch o.shape {
    case .ball:
        return (dx * dx + dy * dy).squareRoot() <= w / 2 - margin
    case .square:
        return abs(lx) <= w / 2 - margin && abs(ly) <= w / 2 - margin
    case .triangle:
        // Side w, point up, centroid at 0: inradius w/(2 sqrt 3); outward edge normals at 90 (base), -30, -150 degrees (y down).
        let r = w / (2 * 3.0.squareRoot())
        for a in [Double.pi / 2, -Double.pi / 6, -5 * Double.pi / 6] where lx * cos(a) + ly * sin(a) > r - margin {
            return false
        }
        return true
    case .star:
        let inner = ShapeGeometry.starOuterRadius * starInnerRatio * w
        return (dx * dx + dy * dy).squareRoot() <= inner * cos(Double.pi / 5) - margin
    }
}

/// Radius of a circle that holds object `o` in frame `i`.
func reach(_ o: SceneObject, frame i: Int) -> Double {
    o.width * o.scale[i] * ShapeGeometry.circumradius(o.shape)
}

func distance(_ p: (Double, Double, Double), _ c: RGB) -> Double {
    let d = (p.0 - Double(c.r), p.1 - Double(c.g), p.2 - Double(c.b))
    return (d.0 * d.0 + d.1 * d.1 + d.2 * d.2).squareRoot()
}

final class RenderTests: XCTestCase {
    let sizes = [(64, 64), (112, 64), (64, 112)]

    /// For sampled scenes in three aspect ratios: inside each object's drawn
    /// area (pixels deep inside its shape per the JSON, not under a later
    /// object) the mean colour is the object's colour; where an object is
    /// alone and whole in the frame, the centroid of the pixels of its colour
    /// is its JSON centre.
    func testRenderingMatchesGroundTruth() throws {
        var colourChecks = 0, centroidChecks = 0
        var worstColour = 0.0, worstCentroid = 0.0, worstArea = 0.0
        for (w, h) in sizes {
            for seed in UInt64(0)..<40 {
                let scene = try SceneSampler.sample(seed: seed * 7919 + UInt64(w), width: w, height: h, frames: 10)
                let renderer = try SceneRenderer(scene)
                var empty = scene
                for k in empty.objects.indices { empty.objects[k].width = 1e-9 }
                let backgroundOnly = try SceneRenderer(empty)
                for i in 0..<scene.frames {
                    let px = renderer.renderFrame(i)
                    let bare = backgroundOnly.renderFrame(i)
                    XCTAssertEqual(px.count, w * h * 3)
                    for (k, o) in scene.objects.enumerated() {
                        let later = scene.objects[(k + 1)...]
                        // Mean colour over the deep interior not covered by later objects.
                        var sum = (0.0, 0.0, 0.0), n = 0
                        for y in 0..<h {
                            for x in 0..<w {
                                let cx = Double(x) + 0.5, cy = Double(y) + 0.5
                                guard deepInside(o, frame: i, x: cx, y: cy, margin: 0.75) else { continue }
                                let hidden = later.contains { l in
                                    let dx = cx - l.center[i].x, dy = cy - l.center[i].y
                                    return (dx * dx + dy * dy).squareRoot() <= reach(l, frame: i) + 1
                                }
                                if hidden { continue }
                                let p = (y * w + x) * 3
                                sum.0 += Double(px[p]); sum.1 += Double(px[p + 1]); sum.2 += Double(px[p + 2])
                                n += 1
                            }
                        }
                        if n >= 3 {
                            let mean = (sum.0 / Double(n), sum.1 / Double(n), sum.2 / Double(n))
                            let d = distance(mean, o.rgb)
                            worstColour = max(worstColour, d)
                            XCTAssertLessThanOrEqual(d, 1.0, "seed \(seed) \(w)x\(h) frame \(i) object \(k) \(o.color) mean \(mean)")
                            colourChecks += 1
                        }

                        // Centroid: whole in the frame, no other object near, not too small.
                        let r = reach(o, frame: i)
                        let c = o.center[i]
                        guard c.x - r >= 1, c.y - r >= 1, c.x + r <= Double(w) - 1, c.y + r <= Double(h) - 1,
                              o.width * o.scale[i] >= 6 else { continue }
                        let alone = scene.objects.enumerated().allSatisfy { j, other in
                            guard j != k else { return true }
                            let dx = c.x - other.center[i].x, dy = c.y - other.center[i].y
                            return (dx * dx + dy * dy).squareRoot() > r + reach(other, frame: i) + 2
                        }
                        guard alone else { continue }
                        // Coverage of each pixel from its colour: where it lies between the
                        // bare background's colour and the object's colour.
                        var sx = 0.0, sy = 0.0, m = 0.0
                        for y in 0..<h {
                            for x in 0..<w {
                                let ddx = Double(x) + 0.5 - c.x, ddy = Double(y) + 0.5 - c.y
                                guard (ddx * ddx + ddy * ddy).squareRoot() <= r + 1.5 else { continue }
                                let p = (y * w + x) * 3
                                var dot = 0.0, norm = 0.0
                                for (ch, oc) in [o.rgb.r, o.rgb.g, o.rgb.b].enumerated() {
                                    let b = Double(bare[p + ch])
                                    dot += (Double(px[p + ch]) - b) * (Double(oc) - b)
                                    norm += (Double(oc) - b) * (Double(oc) - b)
                                }
                                let a = max(0, min(1, dot / norm))
                                if a > 0.02 {
                                    sx += a * (Double(x) + 0.5); sy += a * (Double(y) + 0.5); m += a
                                }
                            }
                        }
                        XCTAssertGreaterThan(m, 0)
                        let err = ((sx / m - c.x) * (sx / m - c.x) + (sy / m - c.y) * (sy / m - c.y)).squareRoot()
                        worstCentroid = max(worstCentroid, err)
                        XCTAssertLessThanOrEqual(err, 0.1, "seed \(seed) \(w)x\(h) frame \(i) object \(k) \(o.shape) centroid off by \(err)")
                        // The summed coverage is the shape's area.
                        let area = ShapeGeometry.area(o.shape) * pow(o.width * o.scale[i], 2)
                        worstArea = max(worstArea, abs(m - area) / area)
                        XCTAssertEqual(m, area, accuracy: 0.03 * area + 1, "seed \(seed) object \(k) \(o.shape) area")
                        centroidChecks += 1
                    }
                }
            }
        }
        print("ground truth: \(colourChecks) colour checks (worst mean-colour distance \(worstColour)), \(centroidChecks) centroid checks (worst \(worstCentroid) px, worst area error \(worstArea * 100)%)")
        XCTAssertGreaterThan(colourChecks, 1000)
        XCTAssertGreaterThan(centroidChecks, 300)
    }

    func testAspectRatiosAndImages() throws {
        for (w, h) in sizes + [(32, 32), (256, 144), (144, 256)] {
            for frames in [1, 3] {
                let scene = try SceneSampler.sample(seed: 5, width: w, height: h, frames: frames)
                XCTAssertEqual(scene.width, w); XCTAssertEqual(scene.height, h)
                XCTAssertEqual(scene.objects.first?.center.count, frames)
                let bytes = try SceneRenderer(scene).render()
                XCTAssertEqual(bytes.count, frames * h * w * 3)
                for o in scene.objects {
                    XCTAssertEqual(o.width, o.size.fraction * Double(min(w, h)), accuracy: 1e-9)
                }
            }
        }
        for (w, h) in [(30, 64), (64, 24), (0, 64), (8192, 64)] {
            XCTAssertThrowsError(try SceneSampler.sample(seed: 1, width: w, height: h, frames: 4)) { e in
                XCTAssertEqual(e as? WorldError, .invalidCanvas(width: w, height: h))
            }
        }
        XCTAssertEqual(WorldError.invalidCanvas(width: 30, height: 64).description, "size 30x64 is not a multiple of 8 (try 32x64)")
        XCTAssertThrowsError(try SceneSampler.sample(seed: 1, width: 64, height: 64, frames: 0))
    }

    func testDeterminism() throws {
        for seed in [UInt64(0), 1, 42, .max] {
            let a = try SceneSampler.sample(seed: seed, width: 64, height: 64, frames: 8)
            let b = try SceneSampler.sample(seed: seed, width: 64, height: 64, frames: 8)
            XCTAssertEqual(a, b)
            XCTAssertEqual(try a.jsonData(), try b.jsonData())
            XCTAssertEqual(try SceneRenderer(a).render(), try SceneRenderer(b).render())
            let c = try SceneSampler.sample(seed: seed &+ 1, width: 64, height: 64, frames: 8)
            XCTAssertNotEqual(try SceneRenderer(a).render(), try SceneRenderer(c).render())
        }
        // Clip i of a dataset does not depend on where a run starts.
        let c3 = try SynthClip(datasetSeed: 9, index: 3, width: 64, height: 64, frames: 4)
        let again = try SynthClip(datasetSeed: 9, index: 3, width: 64, height: 64, frames: 4)
        XCTAssertEqual(c3.scene, again.scene)
        XCTAssertEqual(c3.prompt, again.prompt)
        XCTAssertNotEqual(c3.seed, try SynthClip(datasetSeed: 9, index: 4, width: 64, height: 64, frames: 4).seed)
        // A golden value pins SplitMix64 (Vigna's reference output for seed 1234567).
        var rng = SplitMix64(seed: 1_234_567)
        XCTAssertEqual(rng.next(), 6_457_827_717_110_365_317)
        XCTAssertEqual(rng.next(), 3_203_168_211_198_807_973)
    }

    /// A pan moves the background texture by exactly the camera shift: at
    /// 80 px wide the scene moves 0.2 * 80 / 8 = 2 px per frame.
    func testPanShiftsTexture() throws {
        for (bg, cam, step) in [(Background.checker, Camera.pansLeft, 2), (.stripes, .pansRight, -2), (.night, .pansLeft, 2)] {
            let scene = try SceneSampler.sample(seed: 3, width: 80, height: 64, frames: 3,
                                                constraints: SceneConstraints(background: bg, camera: cam, objectCount: 1))
            XCTAssertEqual(scene.cameraShift, [0, Double(step), Double(2 * step)])
            var bare = scene
            bare.objects[0].width = 1e-9     // draw the background alone
            let r = try SceneRenderer(bare)
            let f0 = r.renderFrame(0), f1 = r.renderFrame(1)
            var compared = 0
            for y in 0..<64 {
                for x in 0..<80 where x - step >= 0 && x - step < 80 {
                    for ch in 0..<3 {
                        XCTAssertEqual(f1[(y * 80 + x) * 3 + ch], f0[(y * 80 + x - step) * 3 + ch])
                    }
                    compared += 1
                }
            }
            XCTAssertEqual(compared, 78 * 64)
            XCTAssertNotEqual(f0, f1, "\(bg) must show the pan")
            // Objects move with the scene.
            let o = scene.objects[0]
            if o.motion == .still { XCTAssertEqual(o.center[1].x - o.center[0].x, Double(step), accuracy: 1e-9) }
        }
    }

    func testBackgrounds() throws {
        func frame(_ bg: Background, _ w: Int = 64, _ h: Int = 64) throws -> [UInt8] {
            var scene = try SceneSampler.sample(seed: 11, width: w, height: h, frames: 1,
                                                constraints: SceneConstraints(background: bg, camera: .static, objectCount: 1))
            scene.objects[0].width = 1e-9
            return try SceneRenderer(scene).renderFrame(0)
        }
        let white = try frame(.white)
        XCTAssertTrue(stride(from: 0, to: white.count, by: 3).allSatisfy { white[$0] == 244 && white[$0 + 1] == 244 && white[$0 + 2] == 240 })
        // Gradient: top row near the top colour, bottom row near the bottom colour.
        let sky = try frame(.sky)
        XCTAssertEqual(Int(sky[0]), 90, accuracy: 2)
        XCTAssertEqual(Int(sky[(63 * 64) * 3 + 2]), 250, accuracy: 2)
        // Checker: squares of 1/8 of the short side (8 px at 64, 12 px at 96x160).
        let checker = try frame(.checker, 96, 160)
        func v(_ x: Int, _ y: Int) -> UInt8 { checker[(y * 96 + x) * 3] }
        XCTAssertEqual(v(0, 0), 100); XCTAssertEqual(v(11, 11), 100)
        XCTAssertEqual(v(12, 0), 150); XCTAssertEqual(v(0, 12), 150); XCTAssertEqual(v(12, 12), 100)
        // Stripes: vertical bars, the same on every row.
        let stripes = try frame(.stripes)
        for y in 1..<64 { XCTAssertEqual(Array(stripes[(y * 64 * 3)..<((y + 1) * 64 * 3)]), Array(stripes[0..<(64 * 3)])) }
        XCTAssertEqual(stripes[0], 200); XCTAssertEqual(stripes[8 * 3], 120)
        // Night: some stars, brighter than the sky around them.
        let night = try frame(.night)
        let bright = stride(from: 0, to: night.count, by: 3).filter { night[$0] > 100 }.count
        XCTAssertGreaterThan(bright, 5)
        XCTAssertLessThan(bright, 200)
    }

    func testAntiAliasedEdges() throws {
        // A ball's edge pixels take intermediate values; interior pixels are exact.
        let scene = try SceneSampler.sample(seed: 2, width: 64, height: 64, frames: 1,
                                            constraints: SceneConstraints(background: .white, objectCount: 1,
                                                                          objects: [ObjectConstraints(shape: .ball, color: .black, size: .large, motion: .still)]))
        let px = try SceneRenderer(scene).renderFrame(0)
        let levels = Set(stride(from: 0, to: px.count, by: 3).map { px[$0] })
        XCTAssertTrue(levels.contains(15)); XCTAssertTrue(levels.contains(244))
        XCTAssertGreaterThan(levels.count, 6, "edge pixels must be blended")
    }

    func testJSONRoundTrip() throws {
        let scene = try SceneSampler.sample(seed: 77, width: 112, height: 64, frames: 5)
        let data = try scene.jsonData()
        let back = try Scene(jsonData: data)
        XCTAssertEqual(try back.jsonData(), data)
        XCTAssertEqual(try SceneRenderer(back).render(), try SceneRenderer(scene).render())
        let text = String(decoding: data, as: UTF8.self)
        for key in ["\"shape\"", "\"color\"", "\"size\"", "\"motion\"", "\"center\"", "\"scale\"", "\"rotation\"",
                    "\"background\"", "\"camera\"", "\"fps\":8", "\"width\":112", "\"height\":64", "\"frames\":5"] {
            XCTAssertTrue(text.contains(key), key)
        }
        let still = try SceneSampler.sample(seed: 1, width: 64, height: 64, frames: 1,
                                            constraints: SceneConstraints(objectCount: 1, objects: [ObjectConstraints(motion: .still)]))
        XCTAssertTrue(String(decoding: try still.jsonData(), as: UTF8.self).contains("\"speed\":null"))
        XCTAssertEqual(try Scene(jsonData: try still.jsonData()), still)
        XCTAssertThrowsError(try Scene(jsonData: Data("{}".utf8)))
        XCTAssertThrowsError(try Scene(jsonData: Data(text.replacingOccurrences(of: "\"frames\":5", with: "\"frames\":6").utf8)))
        XCTAssertThrowsError(try Scene(jsonData: Data(text.replacingOccurrences(of: "\"width\":112", with: "\"width\":113").utf8)))
    }
}
