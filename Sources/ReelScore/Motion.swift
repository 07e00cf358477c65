// The motion class of one track, from its centre and size over time
// (reel-world(7)'s kinematics; see reel-score(1), MOTION CLASSES).
//
// Positions are taken after the camera's shift is removed. In frames t of the
// measured set (see ObjectTrack.measured), with the travel threshold
// m = max(1 px, 0.02 of the short side):
//   - the centre's range is under 0.1 of the short side in x and y: the object stays in place; it
//     grows or shrinks when its size changes by over 15% from the first frames
//     to the last, spins when its k-fold outline (k = 4 square, 3 triangle,
//     5 star) turns by over 0.35 rad, and is still otherwise;
//   - it travels in x only (the y range under max(m, 0.2 x range)): moves left
//     or right, the direction it goes first (it may bounce off an edge later);
//   - in y only: bounces when, away from the turns, its vertical velocity
//     grows downwards (the median second difference of y is over
//     `gravityThreshold`: gravity), else moves up or down, the way it goes first;
//   - in both: circles.
// Speeds are path speeds in pixels per second (8 frames per second), compared
// with the geometric mean of the world's slow and quick speeds (0.25 and 0.6 of
// the canvas's extent per second): the width for left and right; for up, down,
// bounces and circles the mean of 0.25 of the longer side and 0.6 of the
// shorter, which separates the two speeds whichever side a renderer measures
// them on (for aspect ratios up to 2.4). Grows and shrinks: the scale's rate
// per second (0.25 or 0.6 of the nominal size); spins: turns per second.

import ReelWorld

struct MotionEstimate: Sendable, Equatable {
    var motion: Motion
    var speed: Speed?
    /// How poorly the world's kinematics explain the track (0: exactly); used to choose the camera.
    var misfit: Double
    /// Path speed, pixels per second (0 when staying in place); turns per second for spins, scale per second for grows/shrinks.
    var rate: Double
}

enum MotionClassifier {
    static let fps = Double(worldFPS)
    static let scaleChange = 0.15
    static let placeFraction = 0.1
    static let spinAngle = 0.35

    /// The k of the k-fold symmetry whose orientation shows a spin (nil for the ball).
    static func fold(_ shape: Shape) -> Int? {
        switch shape {
        case .ball: nil
        case .square: 4
        case .triangle: 3
        case .star: 5
        }
    }

    /// Between the world's slow and quick speeds along `extent` pixels (the width for left, right
    /// and circles, the height for up, down and bounces): their geometric mean.
    static func speedThreshold(extent: Int) -> Double {
        (Speed.slowly.value * Speed.quickly.value).squareRoot() * Double(extent)
    }

    /// The vertical acceleration of a track, pixels per frame squared (downwards positive): the
    /// slope of the per-frame velocity against time, pooled over the runs in which the velocity
    /// keeps its sign (a turn at an edge or at the ground starts a new run; a bounce's top, where
    /// the velocity passes through zero, too; so do unmeasured frames), less the step on each side
    /// of a turn (it mixes both velocities). A least-squares fit over the whole track, so the
    /// half-pixel wobble of an anti-aliased centre averages out.
    static func pooledAcceleration(_ dy: [Double], afterGap: [Bool]? = nil) -> (slope: Double, points: Int) {
        // Runs, each with whether it starts and ends at a turn (not at a gap of unmeasured frames).
        var runs: [[Double]] = [[]]
        var turnBefore = [false], turnAfter: [Bool] = []
        for (i, v) in dy.enumerated() {
            let gap = afterGap?[i] ?? false
            if let last = runs[runs.count - 1].last, gap || (last > 0) != (v > 0) {
                runs.append([])
                turnAfter.append(!gap)
                turnBefore.append(!gap)
            }
            runs[runs.count - 1].append(v)
        }
        turnAfter.append(false)
        // The steps next to a turn are dropped: a step that holds a reflection is a mix of both velocities.
        for k in runs.indices {
            if turnBefore[k], !runs[k].isEmpty { runs[k].removeFirst() }
            if turnAfter[k], !runs[k].isEmpty { runs[k].removeLast() }
        }
        var sxy = 0.0, sxx = 0.0, points = 0
        for r in runs where r.count >= 2 {
            let tm = Double(r.count - 1) / 2, vm = r.mean
            for (k, v) in r.enumerated() {
                sxy += (Double(k) - tm) * (v - vm)
                sxx += (Double(k) - tm) * (Double(k) - tm)
            }
            points += r.count
        }
        return (sxx > 0 ? sxy / sxx : 0, points)
    }

    /// 95% of the least gravity (pixels per frame squared) of a bounce on a canvas `height` pixels
    /// high: a bounce covers v H per second over drops of at most 0.8 of the height, so its
    /// acceleration is at least 2 v^2 H / 0.8 per second squared (v the slow speed). Lines fit
    /// under a tenth of it on rendered pixels; after the VAE some reach 0.9 of it.
    static func gravityThreshold(height: Int) -> Double {
        let v = Speed.slowly.value
        return 0.95 * 2 * v * v * Double(height) / 0.8 / (fps * fps)
    }

    static func speedClass(_ rate: Double, threshold: Double) -> Speed { rate >= threshold ? .quickly : .slowly }

    /// The log-distance of a speed from the nearer of the world's two speeds.
    static func speedMisfit(_ pxPerSecond: Double, extent: Double) -> Double {
        let v = max(pxPerSecond, 1e-3) / extent
        return min(abs(log(v / Speed.slowly.value)), abs(log(v / Speed.quickly.value)))
    }

    static func classify(_ track: ObjectTrack, shape: Shape, shift: [Double], width: Int, height: Int) -> MotionEstimate {
        // Travel from every frame whose centre is known (behind another object too: Amodal); sizes
        // and outlines from the measured frames only.
        let frames = track.positioned
        let sized = track.measured
        let short = Double(min(width, height))
        guard frames.count >= 2 else { return MotionEstimate(motion: .still, speed: nil, misfit: 0, rate: 0) }
        let xs = frames.map { track.center($0).x - shift[$0] }
        let ys = frames.map { track.center($0).y }
        let m = max(1.0, 0.02 * short)
        // Every world motion that leaves its place travels at least 0.4 of the short side (a slow
        // circle's diameter; lines and bounces cross half their room): under a tenth, the drift of a
        // centre half hidden behind another object or blurred by a decoder is no motion.
        let place = max(m, placeFraction * short)
        let rx = (xs.max()! - xs.min()!), ry = (ys.max()! - ys.min()!)

        if max(rx, ry) < place {
            let misfit = (rx + ry) / short
            let sizes = sized.map { track.blobs[$0].area.squareRoot() }
            let n = sizes.count
            let first = n >= 4 ? (sizes[0] + sizes[1]) / 2 : sizes[0]
            let last = n >= 4 ? (sizes[n - 1] + sizes[n - 2]) / 2 : sizes[n - 1]
            let ratio = last / max(first, 1e-6)
            if ratio > 1 + scaleChange || ratio < 1 / (1 + scaleChange) {
                let grows = ratio > 1
                // Scale per second over the first frames (quick growth stops at 1.5 after 13 frames).
                let start: Double = grows ? 0.5 : 1.5
                let k = min(n - 1, 4)
                let rate = abs(start * sizes[k] / sizes[0] - start) / (Double(sized[k] - sized[0]) / fps)
                let threshold = (Speed.slowly.value * Speed.quickly.value).squareRoot()
                return MotionEstimate(motion: grows ? .grows : .shrinks, speed: speedClass(rate, threshold: threshold),
                                      misfit: misfit, rate: rate)
            }
            let spinDuration = Double(sized.last! - sized.first!) / fps
            if let k = fold(shape), spinDuration > 0 {
                var total = 0.0, agree = 0, steps = 0
                let period = 2 * Double.pi / Double(k)
                var previous = track.blobs[sized[0]].orientation(k)
                for f in sized.dropFirst() {
                    let o = track.blobs[f].orientation(k)
                    var d = (o - previous).truncatingRemainder(dividingBy: period)
                    if d > period / 2 { d -= period }
                    if d < -period / 2 { d += period }
                    total += d
                    previous = o
                    steps += 1
                    if abs(d) > 0.02 { agree += (d > 0) == (total > 0) ? 1 : 0 }
                }
                if abs(total) > spinAngle && Double(agree) >= 0.6 * Double(steps) {
                    let turns = abs(total) / (2 * Double.pi) / spinDuration
                    let threshold = (Speed.slowly.value * Speed.quickly.value).squareRoot()
                    return MotionEstimate(motion: .spins, speed: speedClass(turns, threshold: threshold), misfit: misfit, rate: turns)
                }
            }
            return MotionEstimate(motion: .still, speed: nil, misfit: misfit, rate: 0)
        }

        // Steps between consecutive measured frames, per frame.
        var dx: [Double] = [], dy: [Double] = []
        var afterGap: [Bool] = []       // per step: frames are missing between it and the step before
        for i in 1..<frames.count where frames[i] - frames[i - 1] == 1 {
            afterGap.append(!dy.isEmpty && i >= 2 && frames[i - 1] - frames[i - 2] != 1)
            dx.append(xs[i] - xs[i - 1])
            dy.append(ys[i] - ys[i - 1])
        }
        if dx.isEmpty {
            for i in 1..<frames.count {
                let g = Double(frames[i] - frames[i - 1])
                dx.append((xs[i] - xs[i - 1]) / g)
                dy.append((ys[i] - ys[i - 1]) / g)
            }
        }
        func firstDirection(_ v: [Double]) -> Double {
            for value in v.dropFirst() where abs(value - v[0]) > m / 2 { return value - v[0] }
            return (v.last ?? 0) - v[0]
        }
        let W = Double(width), H = Double(height)
        if ry < max(m, 0.2 * rx) {
            let rate = median(dx.map(abs)) * fps
            let misfit = ry / short + dx.filter { abs($0) > 0.05 }.map { speedMisfit(abs($0) * fps, extent: W) }.mean
            let motion: Motion = firstDirection(xs) < 0 ? .movesLeft : .movesRight
            return MotionEstimate(motion: motion, speed: speedClass(rate, threshold: speedThreshold(extent: width)),
                                  misfit: misfit, rate: rate)
        }
        let threshold = speedThreshold(extent: height)
        if rx < max(m, 0.2 * ry) {
            // Vertical: gravity away from the turns?
            let gravity = pooledAcceleration(dy, afterGap: afterGap.count == dy.count ? afterGap : nil)
            let misfit = rx / short
            if gravity.points >= 3 && gravity.slope > gravityThreshold(height: height) {
                let rate = dy.map(abs).mean * fps
                return MotionEstimate(motion: .bounces, speed: speedClass(rate, threshold: threshold), misfit: misfit, rate: rate)
            }
            let rate = median(dy.map(abs)) * fps
            let motion: Motion = firstDirection(ys) < 0 ? .movesUp : .movesDown
            return MotionEstimate(motion: motion, speed: speedClass(rate, threshold: threshold), misfit: misfit, rate: rate)
        }
        // Both axes: a circle. Misfit: distance from the best circle, and its radius against 0.2 of the short side.
        let (cx, cy, r) = fitCircle(xs, ys)
        var residual = 0.0
        for i in xs.indices {
            let d = ((xs[i] - cx) * (xs[i] - cx) + (ys[i] - cy) * (ys[i] - cy)).squareRoot() - r
            residual += d * d
        }
        residual = (residual / Double(xs.count)).squareRoot()
        let expected = 0.2 * short
        let misfit = r.isFinite && r > 0 ? residual / max(r, 1) + abs(log(r / expected)) : 10
        let rate = median(zip(dx, dy).map { ($0 * $0 + $1 * $1).squareRoot() }) * fps
        _ = H
        return MotionEstimate(motion: .circles, speed: speedClass(rate, threshold: speedThreshold(extent: width)), misfit: misfit, rate: rate)
    }

    /// Least-squares circle through points (Kasa's algebraic fit): centre and radius.
    static func fitCircle(_ xs: [Double], _ ys: [Double]) -> (Double, Double, Double) {
        let n = Double(xs.count)
        let mx = xs.mean, my = ys.mean
        var suu = 0.0, svv = 0.0, suv = 0.0, suuu = 0.0, svvv = 0.0, suvv = 0.0, svuu = 0.0
        for i in xs.indices {
            let u = xs[i] - mx, v = ys[i] - my
            suu += u * u; svv += v * v; suv += u * v
            suuu += u * u * u; svvv += v * v * v; suvv += u * v * v; svuu += v * u * u
        }
        let det = suu * svv - suv * suv
        guard abs(det) > 1e-9 else { return (mx, my, .infinity) }
        let a = 0.5 * (suuu + suvv), b = 0.5 * (svvv + svuu)
        let uc = (a * svv - b * suv) / det, vc = (b * suu - a * suv) / det
        let r = (uc * uc + vc * vc + (suu + svv) / n).squareRoot()
        return (mx + uc, my + vc, r)
    }
}

func median(_ v: [Double]) -> Double {
    guard !v.isEmpty else { return 0 }
    let s = v.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

extension Array where Element == Double {
    var mean: Double { isEmpty ? 0 : reduce(0, +) / Double(count) }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
