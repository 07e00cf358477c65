// The shape of a track: its outline's k-fold symmetries (k = 3, 4, 5: the
// coverage-weighted angular moments |sum a r^2 e^{ik theta}| / sum a r^2, which
// do not change when the shape turns) and its spread (sum a r^2 / area^2),
// compared with the same features of the four shapes as ReelWorld's renderer
// draws them at the same area (prototypes, rendered once per size and kept).
// At a few pixels across every shape rounds off, so the prototypes carry the
// aliasing the observed shapes have; they are drawn sharp and blurred, and a
// shape is as near as its nearest blur (a decoder softens outlines).

import Foundation
import ReelWorld

struct ShapeFeatures: Sendable {
    var s3: Double, s4: Double, s5: Double, spread: Double

    init(_ b: Blob) {
        s3 = b.symmetry(3); s4 = b.symmetry(4); s5 = b.symmetry(5); spread = b.spread
    }

    init(s3: Double, s4: Double, s5: Double, spread: Double) {
        self.s3 = s3; self.s4 = s4; self.s5 = s5; self.spread = spread
    }

    func distance(to o: ShapeFeatures) -> Double {
        let a = s3 - o.s3, b = s4 - o.s4, c = s5 - o.s5, d = 4 * (spread - o.spread)
        return (a * a + b * b + c * c + d * d).squareRoot()
    }

    static func mean(_ fs: [ShapeFeatures]) -> ShapeFeatures {
        let n = Double(max(1, fs.count))
        return ShapeFeatures(s3: fs.map(\.s3).reduce(0, +) / n, s4: fs.map(\.s4).reduce(0, +) / n,
                             s5: fs.map(\.s5).reduce(0, +) / n, spread: fs.map(\.spread).reduce(0, +) / n)
    }
}

final class ShapePrototypes: @unchecked Sendable {
    static let shared = ShapePrototypes()
    private let lock = NSLock()
    private var cache: [Int: [ShapeFeatures]] = [:]

    /// The blurs (Gaussian sigma, pixels) the prototypes are drawn with: sharp, as the renderer
    /// draws them, and softened as a decoder (the shipped VAE) returns them, where a star's points
    /// round off towards a ball.
    static let blurs: [Double] = [0, 0.9, 1.5]

    /// Prototype features of the four shapes (Shape.allCases order), one per blur of `blurs`
    /// (index shape * blurs.count + blur), whose area is about `area` pixels.
    func features(area: Double) -> [ShapeFeatures] {
        let key = Int((area.squareRoot() * 2).rounded())       // half-pixel steps of sqrt(area)
        lock.lock()
        if let f = cache[key] { lock.unlock(); return f }
        lock.unlock()
        let root = max(1, Double(key) / 2)
        let f = Shape.allCases.flatMap { shape in ShapePrototypes.blurs.map { ShapePrototypes.render(shape, area: root * root, blur: $0) } }
        lock.lock()
        cache[key] = f
        lock.unlock()
        return f
    }

    /// Mean features of `shape` drawn at `area` pixels, over several rotations and sub-pixel offsets.
    static func render(_ shape: Shape, area: Double, blur: Double = 0) -> ShapeFeatures {
        let w = (area / ShapeGeometry.area(shape)).squareRoot()
        let side = max(32, Int(((w * 1.8 + 6) / 8).rounded(.up)) * 8)
        let model = BackgroundModel(.black, width: side, height: side)
        let segmenter = FrameSegmenter(model: model)
        var label: [UInt8] = [], coverage: [Float] = []
        var found: [ShapeFeatures] = []
        let turns = shape == .ball ? [0.0] : [0.0, 0.13, 0.29, 0.41, 0.57, 0.71]
        let offsets = [(0.0, 0.0), (0.37, 0.21), (0.5, 0.5), (0.13, 0.71)]
        for (i, (ox, oy)) in offsets.enumerated() {
            for (j, turn) in turns.enumerated() where (i + j) % 2 == 0 || shape == .ball {
                let c = Point(x: Double(side) / 2 + ox, y: Double(side) / 2 + oy)
                let o = SceneObject(shape: shape, color: .red, size: .medium, motion: .still, speed: nil, width: w,
                                    anchor: c, center: [c], scale: [1], rotation: [turn * 2 * Double.pi / 3])
                guard let scene = try? SceneRenderer(Scene(width: side, height: side, frames: 1, background: .black,
                                                            camera: .static, seed: 0, starSeed: 0, cameraShift: [0], objects: [o])) else { continue }
                let hwc = scene.renderFrame(0)
                let n = side * side
                var planar = [UInt8](repeating: 0, count: 3 * n)
                for p in 0..<n { planar[p] = hwc[3 * p]; planar[n + p] = hwc[3 * p + 1]; planar[2 * n + p] = hwc[3 * p + 2] }
                if blur > 0 { gaussianBlur(&planar, side: side, sigma: blur) }
                let blobs = segmenter.segment(planar, label: &label, coverage: &coverage)
                if let k = segmenter.colors.firstIndex(of: .red), blobs[k].area > 0 { found.append(ShapeFeatures(blobs[k])) }
            }
        }
        return ShapeFeatures.mean(found)
    }
}

/// Blurs each of the three planes of a side x side image with a separable Gaussian (edges clamped).
func gaussianBlur(_ planar: inout [UInt8], side: Int, sigma: Double) {
    let r = Int((3 * sigma).rounded(.up))
    var k = (-r...r).map { exp(-Double($0 * $0) / (2 * sigma * sigma)) }
    let sum = k.reduce(0, +)
    k = k.map { $0 / sum }
    let n = side * side
    var row = [Double](repeating: 0, count: n)
    for c in 0..<3 {
        let base = c * n
        for y in 0..<side {
            for x in 0..<side {
                var v = 0.0
                for d in -r...r { v += k[d + r] * Double(planar[base + y * side + min(side - 1, max(0, x + d))]) }
                row[y * side + x] = v
            }
        }
        for y in 0..<side {
            for x in 0..<side {
                var v = 0.0
                for d in -r...r { v += k[d + r] * row[min(side - 1, max(0, y + d)) * side + x] }
                planar[base + y * side + x] = UInt8(max(0, min(255, v.rounded())))
            }
        }
    }
}

enum ShapeClassifier {
    /// The shape whose prototypes lie nearest the track's features, summed over its measured frames.
    static func classify(_ track: ObjectTrack) -> Shape {
        var totals = [Double](repeating: 0, count: Shape.allCases.count)
        for f in track.measured {
            let b = track.blobs[f]
            let observed = ShapeFeatures(b)
            let protos = ShapePrototypes.shared.features(area: b.area)
            let blurs = ShapePrototypes.blurs.count
            for i in totals.indices {
                totals[i] += (0..<blurs).map { observed.distance(to: protos[i * blurs + $0]) }.min() ?? 0
            }
        }
        let best = totals.indices.min { totals[$0] < totals[$1] } ?? 0
        return Shape.allCases[best]
    }
}
