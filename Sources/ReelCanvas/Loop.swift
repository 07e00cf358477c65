// reel-loop's canvas: a clip followed by a generated bridge back to its own start (see
// reel-loop(1)).
//
// In latent frames: the clip's n frames are kept (level 0), then L bridge frames are
// generated (not stored), then the clip's latent frame 1 is kept again as context, so the
// model sees where the bridge must arrive. Latent frame 1 holds the clip's video frames 1 to
// 4: placed after the bridge it stands for canvas video frames V+1 to V+4 when the clip's
// frame 0 is canvas frame V. The canvas therefore decodes to V = (n - 1 + L) x 4 video frames
// (`source-frames`): the clip, then the bridge less its last frame, whose place the clip's
// first frame takes when the video plays again; the context frame is cropped away.

public enum Loop {
    public static func canvas(_ clip: LatentClip, length: Int) throws(CanvasError) -> LatentCanvas {
        let h = clip.header, tf = h.temporalFactor
        guard length >= tf, length % tf == 0 else {
            throw .usage("--length \(length) must be a positive multiple of \(tf) video frames (one latent frame each)")
        }
        let n = clip.frameCount, full = 1 + (n - 1) * tf
        guard n >= 2 else {
            throw .badInput("the clip has \(clip.sourceFrames) frame\(clip.sourceFrames == 1 ? "" : "s"), too short to loop: it needs at least \(1 + tf) (two latent frames)")
        }
        guard clip.sourceFrames == full else {
            throw .badInput("the clip has \(clip.sourceFrames) frames, which do not fill its last latent frame: loop a clip of 1 + \(tf)k frames (for example \(1 + (n - 2) * tf) or \(full))")
        }
        let L = length / tf
        var frames: [[Float]?] = clip.frames.map { $0 }
        var levels = [Float](repeating: 0, count: n)
        for _ in 0..<L { frames.append(nil); levels.append(1) }
        frames.append(clip.frames[1]); levels.append(0)
        let total = (n - 1 + L) * tf
        var canvas = LatentCanvas(like: h, frames: frames, levels: levels, sourceFrames: total)
        _ = canvas.addText(of: clip, shift: 0, span: 0..<total, firstID: 0)
        return canvas
    }
}
