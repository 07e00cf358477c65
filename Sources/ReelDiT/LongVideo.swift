// Long video by repeated extension: a canvas longer than the model's window is generated window
// by window (reel-denoise --frames N beyond the model's longest; reel-denoise(1), LONG VIDEO).
//
// The model only knows canvases whose latent frame 0 is a first video frame encoded alone (the
// causal VAE's), so a window cannot simply start at a later latent frame of the clip. Each window
// after the first instead starts with context made anew: the last C = 1 + 4(k-1) video frames
// of the window before are decoded, rounded to 8-bit pixels as a viewer sees them, and encoded
// again, first frame alone (the `reencode` closure; reel-denoise does it with the VAE). Those k
// latent frames are kept (level 0); the window's other latent frames are generated and are the
// next part of the clip. Only one window and its context are in memory, and each latent frame
// is written as soon as it is final, so memory does not grow with the length.
//
// Text: the window's latent frame j reads the segments that cover the clip's video frame where
// it starts (window start s0 = 4 (P - k) after P latent frames of the clip, frame j >= 1 at
// s0 + 1 + 4 (j - 1)), so a storyboard's segments apply along the whole clip.
//
// With a clip on input, its stored latent frames must be kept frames from frame 0 on (a clip to
// continue); they come out bit for bit, and the windows continue from its last frames.

import ReelNumerics
import ReelStream
import ReelSystem

extension CanvasDenoiser {
    /// Video frames one window covers.
    func window(_ o: DenoiseOptions) -> Int { o.window ?? model.config.maxFrames }

    /// The longest canvas this denoiser serves (video frames).
    func maxLength(_ o: DenoiseOptions) -> Int { reencode == nil ? model.config.maxFrames : 100_000 }

    /// Latent frames of a window and of its context, checked.
    func windowPlan(_ o: DenoiseOptions) throws -> (window: Int, context: Int) {
        let cfg = model.config, tf = cfg.temporalFactor
        let w = window(o)
        guard w >= 1 + 2 * tf, w <= cfg.maxFrames, (w - 1) % tf == 0 else {
            throw DiTError.unsupported("--window \(w) is not a window the model serves: expected 1 + \(tf)k video frames, \(1 + 2 * tf) to \(cfg.maxFrames)")
        }
        guard o.context >= 1, (o.context - 1) % tf == 0, o.context < w else {
            throw DiTError.unsupported("--context \(o.context) must be 1 + \(tf)k video frames and shorter than the window (\(w))")
        }
        return (Self.latentFrames(videoFrames: w, factor: tf), Self.latentFrames(videoFrames: o.context, factor: tf))
    }

    func runLong(canvas c: Canvas, stored: [Int: [Float]], partial: [Int: Float], options o: DenoiseOptions,
                 segments: [UInt32: TextSegment], tokenStates: [UInt32: TextEmbedding], pooled: [UInt32: TextEmbedding],
                 forward: [Record], to writer: StreamWriter) throws {
        guard let reencode else {
            throw DiTError.unsupported("\(c.sourceFrames) frames is longer than the model serves (\(model.config.maxFrames))")
        }
        let cfg = model.config, tf = cfg.temporalFactor
        let (wl, cl) = try windowPlan(o)
        guard o.untilLevel == nil else {
            throw DiTError.unsupported("--until-level stops one canvas part way; a long video (\(c.sourceFrames) frames, beyond the \(window(o))-frame window) is generated window by window and cannot be")
        }
        // Given frames: a prefix of kept frames.
        let given = (0..<c.frames).prefix { c.levels[$0] == 0 && stored[$0] != nil }.count
        // (Frames to generate may be stored as zeros at level 1, as reel-extend writes them.)
        for f in given..<c.frames where c.levels[f] < 1 {
            throw DiTError.unsupported("a long video (\(c.sourceFrames) frames, beyond the \(window(o))-frame window) continues a clip whose kept frames start at frame 0; latent frame \(f) has level \(c.levels[f]) after the kept ones end at \(given) (remix and gaps work within one window)")
        }
        if !partial.isEmpty { throw DiTError.badInput("clip \(c.clip) is partly denoised (PART): finish it with reel-denoise before making it longer") }
        for r in forward { try writer.write(r) }
        let gh = c.height / cfg.patchHeight, gw = c.width / cfg.patchWidth, n = gh * gw, d = cfg.tokenDim, per = n * d
        let total = c.frames
        var levels = [Float](repeating: 1, count: total)
        for f in 0..<given { levels[f] = 0 }
        let sampler = FlowSampler(model: model, steps: o.steps, guidance: o.guidance, shift: o.shift, guidanceBelow: o.guidanceBelow)
        // Windows: the first (when nothing is given) generates wl frames; each later one adds wl - cl.
        let first = given > 0 ? given : min(wl, total)
        var windows = given > 0 ? 0 : 1
        do { var p = first, last = first; while p < total { let m = min(wl - min(cl, last), total - p); p += m; last = min(cl, last) + m; windows += 1 } }
        for v in 0..<o.variations {
            let clip = c.clip &+ UInt32(v)
            var rng = Xoshiro256StarStar(seed: o.seed &+ UInt64(v))
            try writeHead(canvas: c, clip: clip, to: writer)
            var last: [Float]          // raw tokens of the latest window, frame 0 a first frame alone
            var lastFrames: Int
            var produced: Int
            var done = 0
            if given > 0 {
                last = []
                for f in 0..<given {
                    let raw = stored[f]!
                    last += raw
                    try writeFrame(raw, frame: f, clip: clip, gridW: gw, to: writer)
                }
                lastFrames = given; produced = given
            } else {
                let x = try sampleWindow(frames: first, context: [], contextFrames: 0, start: 0, gridH: gh, gridW: gw,
                                         clip: c.clip, segments: segments, tokenStates: tokenStates, pooled: pooled,
                                         sampler: sampler, rng: &rng, progressBase: (v * windows + done) * o.steps,
                                         progressTotal: o.variations * windows * o.steps)
                for f in 0..<first { try writeFrame(Array(x[(f * per)..<((f + 1) * per)]), frame: f, clip: clip, gridW: gw, to: writer) }
                last = x; lastFrames = first; produced = first; done += 1
            }
            while produced < total {
                let k = min(cl, lastFrames)
                let ctx = k == lastFrames ? last : try reencode(last, lastFrames, c.height, c.width, k)
                guard ctx.count == k * per else {
                    throw DiTError.badInput("the context made anew has \(ctx.count) values, expected \(k * per)")
                }
                let m = min(wl - k, total - produced)
                let x = try sampleWindow(frames: k + m, context: ctx, contextFrames: k, start: tf * (produced - k), gridH: gh,
                                         gridW: gw, clip: c.clip, segments: segments, tokenStates: tokenStates, pooled: pooled,
                                         sampler: sampler, rng: &rng, progressBase: (v * windows + done) * o.steps,
                                         progressTotal: o.variations * windows * o.steps)
                for j in k..<(k + m) {
                    try writeFrame(Array(x[(j * per)..<((j + 1) * per)]), frame: produced + j - k, clip: clip, gridW: gw, to: writer)
                }
                last = x; lastFrames = k + m; produced += m; done += 1
            }
            try writer.write(NoiseLevels(clip: clip, levels: levels).record)
            try writer.write(Metadata(key: "source-frames", value: "\(clip) \(c.sourceFrames)").record)
        }
    }

    /// Samples one window: `contextFrames` kept latent frames (raw tokens) then generated ones;
    /// `start` is the clip's video frame where the window's frame 0 lies. Returns raw tokens.
    func sampleWindow(frames f: Int, context: [Float], contextFrames k: Int, start: Int, gridH gh: Int, gridW gw: Int,
                      clip: UInt32, segments: [UInt32: TextSegment], tokenStates: [UInt32: TextEmbedding],
                      pooled: [UInt32: TextEmbedding], sampler: FlowSampler, rng: inout Xoshiro256StarStar,
                      progressBase: Int, progressTotal: Int) throws -> [Float] {
        let cfg = model.config, tf = cfg.temporalFactor, per = gh * gw * cfg.tokenDim
        var clean = [Float](repeating: 0, count: f * per)
        if k > 0 {
            var norm = context
            cfg.normalize(tokens: &norm)
            for i in 0..<(k * per) { clean[i] = norm[i] }
        }
        let levels: [Float] = (0..<f).map { $0 < k ? 0 : 1 }
        var noise = [Float](repeating: 0, count: f * per)
        for i in 0..<noise.count { noise[i] = rng.nextNormal() }
        var x = FlowSampler.initialState(clean: clean, noise: noise, levels: levels, tokensPerFrame: gh * gw, dim: cfg.tokenDim)
        cfg.denormalize(tokens: &x)
        for i in 0..<(k * per) { x[i] = context[i] }
        let text = conditions(segments: segments, tokenStates: tokenStates, pooled: pooled, clip: clip, frames: f,
                              firstVideoFrame: { j in start + (j == 0 ? 0 : 1 + (j - 1) * tf) })
        sampler.run(&x, levels: levels, gridH: gh, gridW: gw, text: text, null: null, to: nil, rawUnits: true, progress: { s in
            self.progress(progressBase + s, progressTotal)
        })
        for i in 0..<(k * per) { x[i] = context[i] }
        return x
    }

    func writeHead(canvas c: Canvas, clip: UInt32, to writer: StreamWriter) throws {
        let cfg = model.config
        let head = ClipHeader(clip: clip, kind: .latents, dtype: .f32, channels: cfg.latentChannels, width: c.width, height: c.height,
                              fps: c.fps, frameCount: c.frames, spatialFactor: cfg.spatialFactor, temporalFactor: cfg.temporalFactor,
                              sourceWidth: c.sourceWidth, sourceHeight: c.sourceHeight, firstFrameAlone: true, model: cfg.vaeID)
        try writer.write(head.record)
        try writer.write(PatchGeometry(clip: clip, dtype: .f32, pt: 1, ph: cfg.patchHeight, pw: cfg.patchWidth,
                                       channels: cfg.latentChannels, frames: c.frames, height: c.height, width: c.width).record)
    }

    /// One TOKS record: latent frame `f`'s raw values in token order.
    func writeFrame(_ values: [Float], frame f: Int, clip: UInt32, gridW gw: Int, to writer: StreamWriter) throws {
        let d = model.config.tokenDim, n = values.count / d
        let block = TokenBlock(clip: clip, count: n, dim: d, dtype: .f32)
        let out = block.mutableData
        for i in 0..<(n * d) { out.storeBytes(of: values[i].bitPattern.littleEndian, toByteOffset: i * 4, as: UInt32.self) }
        for i in 0..<n { block.setPosition(i, t: Int32(f), h: Int32(i / gw), w: Int32(i % gw)) }
        try writer.write(block.record)
    }
}
