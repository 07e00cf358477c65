// reel-blend's canvas: the end of clip A overlapping the start of clip B (see reel-blend(1)).
//
// In latent frames: A has a frames, B has b; the transition is L latent frames (4L video
// frames). The canvas is A's frames 0..<a-L, then L transition frames, then B's frames
// L+1..<b: B's latent frame 0 (its first video frame, encoded alone) has no place after
// other frames and is dropped. Transition frame i sits at curve time u = (i + 0.5) / L, where
// the curve gives c = how far the transition has gone (0: all A, 1: all B). Its stored value
// is the latent mix (1 - c) A[a-L+i] + c B[1+i], and its noise level
//     s = strength x 4 c (1 - c)
// so frames near either end are kept closely, the middle (c = 0.5) is generated from noise
// at strength 1, and a cut (c only 0 or 1) generates nothing.

public struct BlendCurve: Sendable, Equatable {
    /// Points (u, c), u from 0 to 1 increasing, c(0) = 0, c(1) = 1; linear between.
    public var points: [(u: Double, c: Double)]
    public var name: String

    public static func == (l: BlendCurve, r: BlendCurve) -> Bool {
        l.name == r.name && l.points.elementsEqual(r.points) { $0.u == $1.u && $0.c == $1.c }
    }

    public static let names = ["linear", "ease", "cut"]

    /// A named curve, or a list of points "u:c,u:c,...".
    public init(parsing s: String) throws(CanvasError) {
        name = s
        switch s {
        case "linear": points = [(0, 0), (1, 1)]
        case "ease": points = (0...16).map { k in let u = Double(k) / 16; return (u, u * u * (3 - 2 * u)) }
        case "cut": points = [(0, 0), (0.5, 0), (0.5, 1), (1, 1)]
        default:
            var p: [(u: Double, c: Double)] = []
            for part in s.split(separator: ",", omittingEmptySubsequences: false) {
                let uc = part.split(separator: ":", omittingEmptySubsequences: false)
                guard uc.count == 2, let u = Double(uc[0]), let c = Double(uc[1]), u.isFinite, c.isFinite else {
                    throw .usage("--curve \(s): \"\(part)\" is not a point u:c; expected \(BlendCurve.names.joined(separator: ", ")) or points such as 0:0,0.5:0.8,1:1")
                }
                guard (0...1).contains(u), (0...1).contains(c) else {
                    throw .usage("--curve \(s): the point \(part) is outside 0 to 1")
                }
                if let last = p.last, u < last.u {
                    throw .usage("--curve \(s): the times must not decrease (\(last.u) then \(u))")
                }
                p.append((u, c))
            }
            guard let first = p.first, let last = p.last, first.u == 0, first.c == 0 else {
                throw .usage("--curve \(s) must start at 0:0 (no part of the transition before it begins)")
            }
            guard last.u == 1, last.c == 1 else { throw .usage("--curve \(s) must end at 1:1 (the transition complete)") }
            points = p
        }
    }

    /// c at time u (a step where two points share u: the later one from u on).
    public func value(_ u: Double) -> Double {
        var result = points[0].c
        for k in 1..<points.count {
            let (u0, c0) = points[k - 1], (u1, c1) = points[k]
            if u >= u1 { result = c1; continue }
            if u >= u0 { result = u1 > u0 ? c0 + (c1 - c0) * (u - u0) / (u1 - u0) : c1 }
            break
        }
        return result
    }
}

public enum Blend {
    /// The canvas of A then B through a transition of `length` video frames (a multiple of the
    /// temporal factor).
    public static func canvas(_ a: LatentClip, _ b: LatentClip, length: Int, curve: BlendCurve,
                              strength: Float = 1) throws(CanvasError) -> LatentCanvas {
        let ha = a.header, hb = b.header
        guard ha.model == hb.model else {
            throw .badInput("the clips' latents come from different networks: \(ha.model) and \(hb.model)")
        }
        guard ha.channels == hb.channels, ha.width == hb.width, ha.height == hb.height,
              ha.sourceWidth == hb.sourceWidth, ha.sourceHeight == hb.sourceHeight else {
            throw .badInput("the clips differ in size: \(ha.sourceWidth)x\(ha.sourceHeight) (latent \(ha.channels)x\(ha.height)x\(ha.width)) and \(hb.sourceWidth)x\(hb.sourceHeight) (latent \(hb.channels)x\(hb.height)x\(hb.width)); blend clips of one size")
        }
        guard ha.fps == hb.fps else {
            throw .badInput("the clips have different frame rates: \(ha.fps) and \(hb.fps) frames per second")
        }
        guard ha.temporalFactor == hb.temporalFactor else {
            throw .badInput("the clips' temporal factors differ: \(ha.temporalFactor) and \(hb.temporalFactor)")
        }
        let tf = ha.temporalFactor
        guard length >= tf, length % tf == 0 else {
            throw .usage("--length \(length) must be a positive multiple of \(tf) video frames (one latent frame each)")
        }
        guard strength >= 0, strength <= 1 else { throw .usage("--strength \(strength) is out of range: expected 0 to 1") }
        let L = length / tf, na = a.frameCount, nb = b.frameCount
        guard L <= na - 1 else {
            throw .badInput("the first clip has \(a.sourceFrames) frames (\(na) latent), too short for a transition of \(length): it needs at least \(1 + length)")
        }
        guard L <= nb - 1 else {
            throw .badInput("the second clip has \(b.sourceFrames) frames (\(nb) latent), too short for a transition of \(length): it needs at least \(1 + length)")
        }
        var frames: [[Float]?] = [], levels: [Float] = []
        for f in 0..<(na - L) { frames.append(a.frames[f]); levels.append(0) }
        for i in 0..<L {
            let c = Float(curve.value((Double(i) + 0.5) / Double(L)))
            let x = a.frames[na - L + i], y = b.frames[1 + i]
            frames.append(zip(x, y).map { (1 - c) * $0 + c * $1 })
            levels.append(strength * 4 * c * (1 - c))
        }
        for f in (L + 1)..<nb { frames.append(b.frames[f]); levels.append(0) }
        // Video frames: A's up to the transition, then B's from its latent frame L + 1 on (its
        // own true length kept: a last group B padded stays cropped).
        let bStart = a.firstVideoFrame(na - L)        // canvas video frame of B's video frame 1
        let total = bStart + (b.sourceFrames - 1)
        var canvas = LatentCanvas(like: ha, frames: frames, levels: levels, sourceFrames: total)
        // A's text over its frames up to the transition's middle, B's from there.
        let middle = bStart + length / 2
        let next = canvas.addText(of: a, shift: 0, span: 0..<middle, firstID: 0)
        _ = canvas.addText(of: b, shift: bStart - 1, span: middle..<total, firstID: next)
        return canvas
    }
}
