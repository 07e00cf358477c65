// reel-cut's plan (Sora's re-cut): trim a clip to video frames [from, to), re-time it by a speed,
// and extend the result to a length. See reel-cut(1).
//
// Output frame i shows source frame from + i x speed. At speed >= 1 (or any speed that lands on
// whole frames) every output frame is a source frame. Slower, the frames that fall between two
// source frames are in-betweens: they start as the nearer source frame and are generated, so
// every latent frame (4 video frames) that holds one is given the noise level --strength (the
// model regenerates it, keeping the source loosely); latent frames whose frames are all source
// frames are kept (level 0). The causal VAE encodes the first frame alone, so the cut clip is
// encoded anew from its pixels (reel-cut decodes and encodes; this file only plans).
//
// Extending (--length beyond the re-timed frames): the re-timed part is cut to 1 + 4k frames
// so that its last latent frame is whole, and the latent frames after it are generated. With a
// length beyond the model's window reel-denoise continues window by window (a long video),
// which needs every kept frame at level 0, so a slowed clip extends within one window only.

import ReelStream

public struct CutPlan: Sendable, Equatable {
    /// For each output video frame, the source video frame it starts as.
    public var sourceFrame: [Int]
    /// Output frames that are in-betweens (generated, not source frames).
    public var inBetween: [Bool]
    /// Video frames of the whole canvas (the re-timed part plus the extension).
    public var length: Int
    /// The level of each latent frame of the re-timed part (0 kept, `strength` regenerated).
    public var levels: [Float]
    /// Latent frames of the whole canvas (those after `levels.count` are generated).
    public var latentFrames: Int
    /// What the plan changed that the user did not ask for in so many words (printed as notes).
    public var notes: [String]
}

public enum Cut {
    /// Parses a time: video frames ("12") or seconds ("1.5s") at `fps` frames a second.
    public static func frames(_ text: String, fps: Double, option: String) throws(CanvasError) -> Int {
        if text.hasSuffix("s"), let s = Double(text.dropLast()), s.isFinite, s >= 0 {
            return Int((s * fps).rounded())
        }
        guard let n = Int(text), n >= 0 else {
            throw .usage("\(option) \(text) is not a time: expected video frames (12) or seconds (1.5s), 0 or more")
        }
        return n
    }

    /// The plan for a clip of `source` video frames.
    public static func plan(source: Int, from: Int, to: Int?, speed: Double, length: Int?, strength: Float,
                            temporalFactor tf: Int = 4) throws(CanvasError) -> CutPlan {
        guard speed.isFinite, speed >= 0.125, speed <= 8 else {
            throw .usage("--speed \(speed) is out of range: expected 0.125 (8x slower) to 8 (8x faster)")
        }
        guard strength > 0, strength <= 1 else {
            throw .usage("--strength \(strength) is out of range: expected more than 0, at most 1 (the level of regenerated frames)")
        }
        let end = to ?? source
        guard from < end else { throw .usage("--from \(from) is not before --to \(end): nothing is left of the clip") }
        guard end <= source else {
            throw .usage("--to \(end) is past the clip's end: it has \(source) frames (0 to \(source - 1))")
        }
        var notes: [String] = []
        // Output frame i at source time from + i * speed, while it lies before `end`.
        var sourceFrame: [Int] = [], inBetween: [Bool] = []
        var i = 0
        while true {
            let t = Double(from) + Double(i) * speed
            guard t <= Double(end - 1) + 1e-9 else { break }
            let near = min(end - 1, Int((t + 0.5).rounded(.down)))
            sourceFrame.append(near)
            inBetween.append(abs(t - t.rounded()) > 1e-9)
            i += 1
        }
        var retimed = sourceFrame.count
        var total = retimed
        if let length {
            guard length >= 1, length <= 100_000 else { throw .usage("--length \(length) is out of range: expected 1 to 100000 video frames") }
            if length < retimed {
                throw .usage("--length \(length) is shorter than the cut clip (\(retimed) frames): trim it with --to instead")
            }
            if length > retimed {
                let whole = 1 + ((retimed - 1) / tf) * tf
                if whole < retimed {
                    notes.append("the cut clip's \(retimed) frames are cut to \(whole) (1 + \(tf)k) so that its last latent frame is whole before the \(length - whole) frames generated after it")
                    sourceFrame.removeLast(retimed - whole); inBetween.removeLast(retimed - whole)
                    retimed = whole
                }
            }
            total = length
        }
        let latentRetimed = Storyboard.latentFrames(covering: retimed, temporalFactor: tf)
        var levels = [Float](repeating: 0, count: latentRetimed)
        for (k, ib) in inBetween.enumerated() where ib {
            levels[Storyboard.latentFrame(holding: k, temporalFactor: tf)] = strength
        }
        return CutPlan(sourceFrame: sourceFrame, inBetween: inBetween, length: total, levels: levels,
                       latentFrames: Storyboard.latentFrames(covering: total, temporalFactor: tf), notes: notes)
    }

    /// The clip's text segments on the cut clip's frames: source frame s becomes (s - from) / speed;
    /// a segment that ends with the clip runs to the end of the canvas, one outside the cut is dropped.
    public static func segments(_ segments: [TextSegment], from: Int, speed: Double, sourceFrames: Int,
                                retimed: Int, length: Int) -> [TextSegment] {
        segments.compactMap { s in
            let start = max(0, Int((Double(Int(s.start) - from) / speed).rounded(.up)))
            let toEnd = s.end == ReelFormat.open || Int(s.end) >= sourceFrames
            let end = toEnd ? length : min(retimed, Int((Double(Int(s.end) - from) / speed).rounded(.up)))
            guard start < end else { return nil }
            var c = s
            c.start = UInt32(start)
            c.end = end >= length ? ReelFormat.open : UInt32(end)
            return c
        }
    }
}
