// reel-extend's canvas: a clip with frames to generate before and after it (see reel-extend(1)).
//
// After: M video frames are M/4 latent frames appended, to generate. Before: N video frames
// are a new latent frame 0 (one video frame, encoded alone) and N/4 latent frames, to
// generate, then the clip's latent frames 1 onward, kept. The clip's own latent frame 0 (its
// first video frame, encoded alone by the causal VAE) has no place after other frames, so
// that one video frame is generated too, at canvas frame N: the canvas decodes to N + F + M
// video frames for a clip of F, of which the clip's frames 1 to F - 1 are kept.

public enum Extend {
    public static func canvas(_ clip: LatentClip, before: Int, after: Int) throws(CanvasError) -> LatentCanvas {
        let h = clip.header, tf = h.temporalFactor
        for (name, v) in [("--before", before), ("--after", after)] where v < 0 || v % tf != 0 {
            throw .usage("\(name) \(v) must be a multiple of \(tf) video frames (one latent frame each), 0 or more")
        }
        guard before + after > 0 else { throw .usage("nothing to extend: give --before or --after (video frames, multiples of \(tf))") }
        let n = clip.frameCount, full = 1 + (n - 1) * tf
        guard after == 0 || clip.sourceFrames == full else {
            throw .badInput("the clip has \(clip.sourceFrames) frames, which do not fill its last latent frame: extend a clip of 1 + \(tf)k frames after it (for example \(1 + (n - 2) * tf) or \(full))")
        }
        guard before == 0 || n >= 2 else {
            throw .badInput("the clip is a single frame (one latent frame, encoded alone): it can be extended after it, not before (place an image at a later frame with reel-denoise --frames instead)")
        }
        var frames: [[Float]?] = [], levels: [Float] = []
        if before > 0 {
            for _ in 0..<(1 + before / tf) { frames.append(nil); levels.append(1) }
            for f in 1..<n { frames.append(clip.frames[f]); levels.append(0) }
        } else {
            for f in 0..<n { frames.append(clip.frames[f]); levels.append(0) }
        }
        for _ in 0..<(after / tf) { frames.append(nil); levels.append(1) }
        let total = before + clip.sourceFrames + after
        var canvas = LatentCanvas(like: h, frames: frames, levels: levels, sourceFrames: total)
        // The clip's texts stay on its own frames (a segment to its end runs on through the frames after it).
        _ = canvas.addText(of: clip, shift: before, span: before..<total, firstID: 0)
        return canvas
    }
}
