// Centres completed behind another object (Sources/ReelScore/Amodal.swift).

import ReelScore
import ReelWorld
import XCTest

final class AmodalTests: XCTestCase {
    /// A small red square moves right behind a large blue square that hides its lower half for
    /// the second half of the clip: the completed centres follow the true ones (the visible half's centroid
    /// is pulled up by a quarter of the square), and the motion is read as moves right.
    func testCentresBehindAnotherObjectFollowTheTruth() throws {
        let frames = 17, side = 64
        let small = ObjectSize.small.fraction * Double(side), large = ObjectSize.large.fraction * Double(side)
        let path = (0..<frames).map { Point(x: 4 + 2.5 * Double($0), y: 32) }  // whole in frames 0-5
        let front = Point(x: 36, y: 32 + large / 2)  // its top edge on the small square's middle
        let behind = SceneObject(shape: .square, color: .red, size: .small, motion: .movesRight, speed: .slowly,
                                 width: small, anchor: path[0], center: path,
                                 scale: [Double](repeating: 1, count: frames), rotation: [Double](repeating: 0, count: frames))
        let still = SceneObject(shape: .square, color: .blue, size: .large, motion: .still, speed: nil,
                                width: large, anchor: front, center: [Point](repeating: front, count: frames),
                                scale: [Double](repeating: 1, count: frames), rotation: [Double](repeating: 0, count: frames))
        let scene = Scene(width: side, height: side, frames: frames, background: .gray, camera: .static, seed: 1, starSeed: 1,
                          cameraShift: [Double](repeating: 0, count: frames), objects: [behind, still])
        let o = ClipAnalyzer.observe(try ClipPixels(rendering: scene))
        let k = try XCTUnwrap(o.objects.firstIndex { $0.color == .red })
        let track = o.tracks[k]
        var hidden = 0
        for t in 0..<frames where abs(path[t].x - front.x) < (large - small) / 2 - 1 {
            hidden += 1
            XCTAssertFalse(track.clean[t], "frame \(t): half hidden, so not clean")
            XCTAssertGreaterThan(abs(track.blobs[t].cy - path[t].y), 1.5, "frame \(t): the visible half's centroid is off")
            let c = try XCTUnwrap(track.centers[t], "frame \(t): completed")
            XCTAssertEqual(c.x, path[t].x, accuracy: 1, "frame \(t)")
            XCTAssertEqual(c.y, path[t].y, accuracy: 1, "frame \(t)")
        }
        XCTAssertGreaterThanOrEqual(hidden, 5)
        XCTAssertEqual(o.objects[k].motion, .movesRight)
    }
}
