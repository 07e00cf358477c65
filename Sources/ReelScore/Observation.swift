// What a clip shows: its background, its camera and its objects with their
// attributes, read from the pixels alone.

import ReelWorld

/// One object as the scorer sees it.
public struct ObservedObject: Sendable, Equatable {
    public var color: ObjectColor
    public var shape: Shape
    public var size: ObjectSize
    public var motion: Motion
    public var speed: Speed?
    /// Nominal width over the canvas's short side (the scale a grows or shrinks starts from removed).
    public var widthFraction: Double
    /// Path speed in pixels per second (turns per second for spins, scale per second for grows and shrinks).
    public var rate: Double
    /// Frames in which the object is seen.
    public var framesSeen: Int
    /// Per frame: centre in frame pixels, nil where the object is not seen.
    public var centers: [Point?]
}

public struct Observation: Sendable {
    public var width: Int, height: Int, frames: Int
    public var background: Background
    /// Mean capped distance of the pixels to that background (0 for the renderer's own pixels, without objects).
    public var backgroundFit: Double
    public var camera: Camera
    /// Per frame: how far the scene moved right (pixels), as measured or as the chosen camera implies.
    public var cameraShift: [Double]
    public var objects: [ObservedObject]
    public var tracks: [ObjectTrack]
    /// Per frame, (H,W): the palette index of each object pixel, 255 for the background.
    var labels: [[UInt8]] = []
}

public enum ClipAnalyzer {
    /// The most one object's misfit counts when choosing the camera (a line at the pan's 0.2 of the
    /// width per second instead of the world's 0.25 misfits by log 1.25 = 0.22).
    static let misfitCap = 0.3

    /// Everything `Observation` holds, from the clip's pixels.
    public static func observe(_ clip: ClipPixels) -> Observation {
        let (model, fit) = BackgroundModel.classify(clip)
        let segmenter = FrameSegmenter(model: model)
        var label: [UInt8] = [], coverage: [Float] = []
        var blobs: [[Blob]] = []
        blobs.reserveCapacity(clip.frameCount)
        var labels: [[UInt8]] = [], coverages: [[Float]] = []
        for f in clip.frames {
            blobs.append(segmenter.segment(f, label: &label, coverage: &coverage))
            labels.append(label)
            coverages.append(coverage)
        }
        var tracks = Tracker.tracks(blobs, colors: segmenter.colors, width: clip.width)
        let centers = Amodal.centers(tracks, labels: labels, coverage: coverages,
                                     colorIndex: tracks.map { t in segmenter.colors.firstIndex(of: t.color)! },
                                     width: clip.width, height: clip.height)
        for i in tracks.indices { tracks[i].centers = centers[i] }
        let shapes = tracks.map { ShapeClassifier.classify($0) }
        let W = clip.width, T = clip.frameCount
        let step = Double(W) * 0.2 / Double(worldFPS)            // a pan's shift per frame, pixels
        // The camera: measured on a textured background, else the hypothesis that best explains the objects.
        var camera = Camera.static
        var shift = [Double](repeating: 0, count: T)
        var estimates: [MotionEstimate] = []
        if T >= 2, model.background.isTextured, let measured = PanMeter.shifts(clip, model: model, labels: labels) {
            let total = measured.last ?? 0
            let expected = step * Double(T - 1)
            camera = abs(total) < expected / 2 ? .static : (total > 0 ? .pansLeft : .pansRight)
            shift = (0..<T).map { camera.sceneVelocity / 0.2 * step * Double($0) }
            estimates = tracks.indices.map { MotionClassifier.classify(tracks[$0], shape: shapes[$0], shift: shift, width: W, height: clip.height) }
        } else {
            var best = Double.infinity
            for c in (T >= 2 ? [Camera.static, .pansLeft, .pansRight] : [.static]) {
                let s = (0..<T).map { c.sceneVelocity / 0.2 * step * Double($0) }
                let e = tracks.indices.map { MotionClassifier.classify(tracks[$0], shape: shapes[$0], shift: s, width: W, height: clip.height) }
                // Each object's misfit capped: one track the world cannot explain (an object hidden
                // for much of the clip) must not outvote the others.
                let misfit = e.map { min($0.misfit, misfitCap) }.reduce(0, +) + (c == .static ? 0 : 0.02)
                if misfit < best { best = misfit; camera = c; shift = s; estimates = e }
            }
        }
        var objects: [ObservedObject] = []
        for (i, t) in tracks.enumerated() {
            let e = estimates[i]
            let shape = shapes[i]
            let unit = ShapeGeometry.area(shape)
            let measured = t.measured
            var width: Double
            if (e.motion == .grows || e.motion == .shrinks), let f = measured.first {
                let v = (e.speed ?? .slowly).value * Double(f) / Double(worldFPS)
                let scale = e.motion == .grows ? min(0.5 + v, 1.5) : max(1.5 - v, 0.5)
                width = (t.blobs[f].area / unit).squareRoot() / scale
            } else {
                width = median(measured.map { (t.blobs[$0].area / unit).squareRoot() })
            }
            let fraction = width / Double(clip.shortSide)
            let sizes = ObjectSize.allCases
            var size = sizes[0]
            for s in sizes where abs(log(fraction / s.fraction)) < abs(log(fraction / size.fraction)) { size = s }
            objects.append(ObservedObject(color: t.color, shape: shape, size: size, motion: e.motion, speed: e.speed,
                                          widthFraction: fraction, rate: e.rate, framesSeen: t.present.filter { $0 }.count,
                                          centers: t.blobs.indices.map { t.present[$0] ? Point(x: t.blobs[$0].cx, y: t.blobs[$0].cy) : nil }))
        }
        return Observation(width: W, height: clip.height, frames: T, background: model.background, backgroundFit: Double(fit),
                           camera: camera, cameraShift: shift, objects: objects, tracks: tracks, labels: labels)
    }
}

/// A pan seen in a textured background: the shift, frame to frame, of the
/// background's column profile (where along its colour segment each background
/// pixel lies, checker rows of odd cells flipped, averaged down each column),
/// found to a quarter pixel within half a texture period and summed.
enum PanMeter {
    static func shifts(_ clip: ClipPixels, model: BackgroundModel, labels: [[UInt8]]) -> [Double]? {
        let W = clip.width, H = clip.height, plane = W * H
        let cell = max(1, clip.shortSide / 8)
        func profile(_ t: Int) -> [Double] {
            var sum = [Double](repeating: 0, count: W), n = [Double](repeating: 0, count: W)
            let f = clip.frames[t]
            for y in 0..<H {
                let a = model.rowA[y], d = model.rowB[y] - a
                let dd = (d * d).sum()
                guard dd > 0 else { continue }
                let flip: Double = model.background == .checker && (y / cell) % 2 == 1 ? -1 : 1
                for x in 0..<W where labels[t][y * W + x] == 255 {
                    let p = y * W + x
                    let px = SIMD3(Float(f[p]), Float(f[plane + p]), Float(f[2 * plane + p]))
                    let s = Double(max(0, min(1, ((px - a) * d).sum() / dd))) - 0.5
                    sum[x] += flip * s
                    n[x] += 1
                }
            }
            return (0..<W).map { n[$0] > 0 ? sum[$0] / n[$0] : .nan }
        }
        let profiles = (0..<clip.frameCount).map(profile)
        let reach = Double(cell)
        var out: [Double] = [0]
        var total = 0.0
        for t in 1..<profiles.count {
            let p = profiles[t - 1], q = profiles[t]
            var best = (Double.infinity, 0.0)
            var delta = -reach
            while delta <= reach {
                // q(x) against p(x - delta), linearly interpolated.
                var err = 0.0, n = 0
                for x in 0..<W {
                    let u = Double(x) - delta
                    let i = Int(u.rounded(.down)), f = u - Double(i)
                    guard i >= 0, i + 1 < W, !q[x].isNaN, !p[i].isNaN, !p[i + 1].isNaN else { continue }
                    let v = p[i] * (1 - f) + p[i + 1] * f
                    err += (q[x] - v) * (q[x] - v)
                    n += 1
                }
                if n > W / 4 {
                    let e = err / Double(n)
                    if e < best.0 - 1e-12 || (abs(e - best.0) <= 1e-12 && abs(delta) < abs(best.1)) { best = (e, delta) }
                }
                delta += 0.25
            }
            guard best.0.isFinite else { return nil }
            total += best.1
            out.append(total)
        }
        return out
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
