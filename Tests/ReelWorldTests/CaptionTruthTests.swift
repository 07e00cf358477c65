import XCTest
@testable import ReelWorld

/// reel-synth's captions against its ground truth (reel-world(7), "Motion": what a
/// caption says, the frames show), at every aspect ratio and frame count.
final class CaptionTruthTests: XCTestCase {
    static let sizes = [(64, 64), (112, 64), (64, 112)]
    static let frameCounts = [1, 2, 9, 16, 17, 33]

    /// Steps (frame i-1 to i) that make up the first half of a clip of `frames` frames.
    static func halfSteps(_ frames: Int) -> Int { frames / 2 }

    /// The object's centre in frame `i` with the camera pan taken out (scene coordinates).
    static func world(_ o: SceneObject, _ scene: Scene, _ i: Int) -> Point {
        Point(x: o.center[i].x - scene.cameraShift[i], y: o.center[i].y)
    }

    /// Whether every step of the first half moves the object (pan taken out)
    /// in its captioned direction: the measure of issue 12.
    static func directionHolds(_ o: SceneObject, _ scene: Scene) -> Bool {
        guard let d = o.motion.lineDirection else { return true }
        let h = halfSteps(scene.frames)
        guard h >= 1 else { return true }
        for i in 1...h {
            let a = world(o, scene, i - 1), b = world(o, scene, i)
            if (b.x - a.x) * d.dx + (b.y - a.y) * d.dy <= 0 { return false }
        }
        return true
    }

    /// The clips of the large sample: default draws and line motions pinned
    /// with every speed and camera, at every size and frame count.
    static func sample() throws -> [SynthClip] {
        var clips: [SynthClip] = []
        var index = 0
        for (w, h) in sizes {
            for frames in frameCounts {
                for _ in 0..<30 {
                    clips.append(try SynthClip(datasetSeed: 12, index: index, width: w, height: h, frames: frames))
                    index += 1
                }
                for motion in [Motion.movesLeft, .movesRight, .movesUp, .movesDown] {
                    for speed in Speed.allCases {
                        for camera in Camera.allCases {
                            let pin = SceneConstraints(camera: camera, objects: [ObjectConstraints(motion: motion, speed: speed)])
                            clips.append(try SynthClip(datasetSeed: 13, index: index, width: w, height: h, frames: frames,
                                                       constraints: pin))
                            index += 1
                        }
                    }
                }
            }
        }
        return clips
    }

    func testGroundTruthFollowsTheCaption() throws {
        let clips = try CaptionTruthTests.sample()
        XCTAssertGreaterThan(clips.count, 800)
        var lines = 0, bouncedEarly = 0, worstVisible = 1.0
        for clip in clips {
            let scene = clip.scene
            let W = Double(scene.width), H = Double(scene.height)
            let dt = 1.0 / Double(worldFPS)
            let what = "\(scene.width)x\(scene.height)x\(scene.frames) seed \(clip.seed): \(clip.caption)"
            if scene.frames == 1 {
                // An image: no motion or camera words, still objects, static camera.
                XCTAssertEqual(scene.camera, .static, what)
                for text in [clip.prompt, clip.caption] {
                    for term in Vocabulary.terms(in: text) {
                        switch term {
                        case .motion, .camera, .speed: XCTFail("\(term) in the text of an image: \(text)")
                        default: break
                        }
                    }
                }
                for o in scene.objects {
                    XCTAssertEqual(o.motion, .still, what)
                    XCTAssertNil(o.speed, what)
                }
                continue
            }
            XCTAssertTrue(clip.caption.contains(o: scene.camera == .static ? "The camera is static." : "The camera \(scene.camera.rawValue)."), what)
            for o in scene.objects {
                let track = (0..<scene.frames).map { CaptionTruthTests.world(o, scene, $0) }
                // The camera does not carry the object out of the frame for most of the clip.
                let inside = o.center.filter { $0.x >= 0 && $0.x <= W && $0.y >= 0 && $0.y <= H }.count
                let visible = Double(inside) / Double(scene.frames)
                worstVisible = min(worstVisible, visible)
                XCTAssertGreaterThan(visible, 0.5, "\(o.motion.rawValue) visible in \(inside) of \(scene.frames) frames: \(what)")
                switch o.motion {
                case .still, .grows, .shrinks, .spins:
                    XCTAssertTrue(track.allSatisfy { abs($0.x - track[0].x) < 1e-9 && $0.y == track[0].y }, "\(o.motion.rawValue) moved: \(what)")
                case .bounces:
                    XCTAssertTrue(track.allSatisfy { abs($0.x - track[0].x) < 1e-9 }, "bounce drifted: \(what)")
                    XCTAssertGreaterThan(Set(track.map(\.y)).count, 1, "bounce does not move: \(what)")
                case .circles:
                    let a = o.anchor
                    let r = track.map { (($0.x - a.x) * ($0.x - a.x) + ($0.y - a.y) * ($0.y - a.y)).squareRoot() }
                    XCTAssertEqual(r.min() ?? 0, r.max() ?? 1, accuracy: 1e-6, what)
                case .movesLeft, .movesRight, .movesUp, .movesDown:
                    lines += 1
                    let d = o.motion.lineDirection!
                    let horizontal = d.dx != 0
                    let extent = horizontal ? W : H
                    let v = o.speed!.value * extent                       // pixels per second along the axis
                    let expected = v * dt
                    // Where the object's centre can go: its extent stays inside the frame.
                    let e = ShapeGeometry.extents(o.shape)
                    let lo = horizontal ? e.left * o.width : e.up * o.width
                    let hi = extent - (horizontal ? e.right : e.down) * o.width
                    // Distance from the side it moves away from, on screen, in frame 0.
                    let p0 = horizontal ? o.center[0].x : o.center[0].y
                    let forward = (horizontal ? d.dx : d.dy) > 0
                    let fromStart = forward ? p0 - lo : hi - p0
                    let room = hi - lo
                    // On screen the pan adds to a horizontal motion.
                    let pan = horizontal ? scene.camera.sceneVelocity * W * d.dx : 0
                    let h = CaptionTruthTests.halfSteps(scene.frames)
                    let need = (v + pan) * Double(h) * dt
                    var agreed = 0
                    for i in 1...h {
                        let step = (track[i].x - track[i - 1].x) * d.dx + (track[i].y - track[i - 1].y) * d.dy
                        let across = horizontal ? track[i].y - track[i - 1].y : track[i].x - track[i - 1].x
                        guard abs(step - expected) < 1e-6, abs(across) < 1e-9 else { break }
                        agreed += 1
                    }
                    XCTAssertGreaterThanOrEqual(agreed, 1, "the first step is not the named direction: \(what)")
                    if agreed < h {
                        // Only where the speed makes a bounce unavoidable: it started at
                        // the near edge and the half-clip travel exceeds the room.
                        bouncedEarly += 1
                        XCTAssertEqual(fromStart, 0, accuracy: 1e-6, "bounced after \(agreed) of \(h) steps without starting at the edge: \(what)")
                        XCTAssertGreaterThan(need, room - 1e-6, "bounced after \(agreed) of \(h) steps with room \(room) for \(need): \(what)")
                    } else {
                        XCTAssertLessThanOrEqual(fromStart, room / 2 + 1e-6, "starts on the far side: \(what)")
                    }
                    XCTAssertTrue(CaptionTruthTests.directionHolds(o, scene) || agreed < h, what)
                }
            }
        }
        print("caption truth: \(clips.count) clips, \(lines) line motions, \(bouncedEarly) with an unavoidable early bounce, worst visible share \(worstVisible)")
        XCTAssertGreaterThan(lines, 500)
    }

    /// Issue 12's measure on reel-synth's default clips (seed 0, 64x64, 16 frames).
    func testCaptionedDirectionHoldsOnDefaultClips() throws {
        var all = (0, 0), quick = (0, 0)
        for i in 0..<150 {
            let clip = try SynthClip(datasetSeed: 0, index: i, width: 64, height: 64, frames: 16)
            for o in clip.scene.objects where o.motion.lineDirection != nil {
                let ok = CaptionTruthTests.directionHolds(o, clip.scene) ? 1 : 0
                all = (all.0 + ok, all.1 + 1)
                if o.speed == .quickly { quick = (quick.0 + ok, quick.1 + 1) }
            }
        }
        let share = Double(all.0) / Double(max(1, all.1)), quickShare = Double(quick.0) / Double(max(1, quick.1))
        print("captioned direction holds over the first half: \(all.0)/\(all.1) = \(share) (quick \(quick.0)/\(quick.1) = \(quickShare))")
        XCTAssertGreaterThan(all.1, 30)
        // Before the revised world (reel-world(7)): 0.49 (quick 0.27). What is left is a
        // bounce the speed makes unavoidable (testGroundTruthFollowsTheCaption).
        XCTAssertGreaterThan(share, 0.97)
        XCTAssertGreaterThan(quickShare, 0.95)
    }
}

extension String {
    fileprivate func contains(o s: String) -> Bool { range(of: s) != nil }
}
