// Temporal quality: flicker, smoothness, persistence; joins and loop seams.
//
// - flicker: mean absolute change (0-255, per channel) from one frame to the
//   next of the pixels that are background in both, the previous frame moved
//   by the camera's shift (linear interpolation), so a pan is not flicker;
// - jerk (smoothness): per object, the median absolute third difference of its
//   centre over consecutive measured frames (pixels per frame cubed; 0 for the
//   world's lines, parabolas and near 0 for its circles), the mean over objects;
// - persistence: per object seen in the first frame, the share of frames in
//   which it is seen, or hidden where it could be (behind another object or
//   past the frame's border), times the share of its measured frames whose
//   nearest shape is its shape;
// - quality = persistence * exp(-flicker / 2) / (1 + jerk), in [0, 1].

import ReelWorld

public struct TemporalQuality: Sendable, Equatable {
    public var flicker: Double
    public var jerk: Double
    public var persistence: Double
    public var quality: Double { persistence * exp(-flicker / 2) / (1 + jerk) }
}

/// The step into or out of a join between given and generated frames.
public struct JoinCheck: Sendable, Equatable {
    /// The first video frame after the join.
    public var frame: Int
    /// Mean absolute change across the join over the clip's median step.
    public var stepRatio: Double
    /// Every object keeps its motion class across the join.
    public var motionHolds: Bool
}

public struct LoopCheck: Sendable, Equatable {
    /// Last-to-first step over the clip's median step.
    public var seamRatio: Double
    /// The second half is the first played backwards (mean change under 1 per channel).
    public var isReversal: Bool
}

enum TemporalMeasure {
    /// Mean absolute per-channel difference of two frames.
    static func step(_ a: [UInt8], _ b: [UInt8]) -> Double {
        var s = 0
        a.withUnsafeBufferPointer { p in b.withUnsafeBufferPointer { q in
            for i in 0..<p.count { s += abs(Int(p[i]) - Int(q[i])) }
        } }
        return Double(s) / Double(max(1, a.count))
    }

    static func steps(_ clip: ClipPixels) -> [Double] {
        (1..<max(1, clip.frameCount)).map { step(clip.frames[$0 - 1], clip.frames[$0]) }
    }

    static func quality(_ clip: ClipPixels, _ o: Observation) -> TemporalQuality {
        let W = clip.width, H = clip.height, plane = W * H
        var flicker = 0.0
        if clip.frameCount >= 2 && o.labels.count == clip.frameCount {
            var total = 0.0
            for t in 1..<clip.frameCount {
                let d = o.cameraShift[t] - o.cameraShift[t - 1]
                let prev = clip.frames[t - 1], cur = clip.frames[t]
                let lp = o.labels[t - 1], lc = o.labels[t]
                var sum = 0.0, n = 0
                for y in 0..<H {
                    for x in 0..<W {
                        let p = y * W + x
                        guard lc[p] == 255 else { continue }
                        let u = Double(x) - d
                        let i = Int(u.rounded(.down)), f = u - Double(i)
                        guard i >= 0, i + 1 < W, lp[y * W + i] == 255, lp[y * W + i + 1] == 255 else { continue }
                        for c in 0..<3 {
                            let v = Double(prev[c * plane + y * W + i]) * (1 - f) + Double(prev[c * plane + y * W + i + 1]) * f
                            sum += abs(Double(cur[c * plane + p]) - v)
                        }
                        n += 3
                    }
                }
                total += n > 0 ? sum / Double(n) : 0
            }
            flicker = total / Double(clip.frameCount - 1)
        }
        var jerks: [Double] = []
        var persistence: [Double] = []
        for (k, t) in o.tracks.enumerated() {
            let m = t.measured
            var third: [Double] = []
            if m.count >= 4 {
                for i in 3..<m.count where m[i] - m[i - 3] == 3 {
                    let p = (0..<4).map { t.blobs[m[i - 3 + $0]] }
                    let jx = p[3].cx - 3 * p[2].cx + 3 * p[1].cx - p[0].cx
                    let jy = p[3].cy - 3 * p[2].cy + 3 * p[1].cy - p[0].cy
                    third.append((jx * jx + jy * jy).squareRoot())
                }
            }
            if !third.isEmpty { jerks.append(median(third)) }
            guard t.present.first == true else { continue }
            var kept = 0
            var last = t.blobs[0]
            for f in 0..<t.present.count {
                if t.present[f] { kept += 1; last = t.blobs[f]; continue }
                let nearEdge = last.minX <= 2 || last.minY <= 2 || last.maxX >= W - 3 || last.maxY >= H - 3
                let behind = o.tracks.indices.contains { j in j != k && o.tracks[j].present[f] && last.overlaps(o.tracks[j].blobs[f], margin: 2) }
                if nearEdge || behind { kept += 1 }
            }
            let shape = o.objects[k].shape
            let agree = m.filter { f in
                let protos = ShapePrototypes.shared.features(area: t.blobs[f].area)
                let feat = ShapeFeatures(t.blobs[f])
                let best = protos.indices.min { feat.distance(to: protos[$0]) < feat.distance(to: protos[$1]) } ?? 0
                return Shape.allCases[best / ShapePrototypes.blurs.count] == shape  // index shape * blurs.count + blur
            }.count
            persistence.append(Double(kept) / Double(t.present.count) * (m.isEmpty ? 1 : Double(agree) / Double(m.count)))
        }
        return TemporalQuality(flicker: flicker, jerk: jerks.mean, persistence: persistence.isEmpty ? 1 : persistence.mean)
    }

    /// Joins between given (level 0) and generated frames, per video frame.
    static func joins(_ clip: ClipPixels, given: [Bool]) -> [JoinCheck] {
        let steps = steps(clip)
        let typical = max(median(steps), 0.5)
        var out: [JoinCheck] = []
        for t in 1..<max(1, min(given.count, clip.frameCount)) where given[t] != given[t - 1] {
            let ratio = steps[t - 1] / typical
            var holds = true
            if t >= 3 && clip.frameCount - t >= 3 {
                let before = ClipAnalyzer.observe(clip.slice(0..<t)), after = ClipAnalyzer.observe(clip.slice(t..<clip.frameCount))
                for b in before.objects {
                    if let a = after.objects.first(where: { $0.color == b.color }), a.motion != b.motion { holds = false }
                }
            }
            out.append(JoinCheck(frame: t, stepRatio: ratio, motionHolds: holds))
        }
        return out
    }

    static func loop(_ clip: ClipPixels) -> LoopCheck? {
        let T = clip.frameCount
        guard T >= 3 else { return nil }
        let typical = max(median(steps(clip)), 0.5)
        let seam = step(clip.frames[T - 1], clip.frames[0]) / typical
        var mirror = 0.0
        for t in 0..<(T / 2) { mirror += step(clip.frames[t], clip.frames[T - 1 - t]) }
        mirror /= Double(max(1, T / 2))
        return LoopCheck(seamRatio: seam, isReversal: mirror < 1 && median(steps(clip)) > 0.5)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
