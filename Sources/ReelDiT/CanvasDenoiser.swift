// reel-denoise's work: read a stream's canvas (a latent clip as patch tokens or latent
// frames, its noise levels, its text segments with embeddings), sample the model, and write
// the denoised clip as patch tokens with everything else forwarded.
//
// Rules (reel-denoise(1)):
// - A stored frame with no nois level is kept (level 0); a frame of the clip's frame count
//   that is not stored is generated (level 1); nois levels say otherwise per frame.
// - With no clip on input, the canvas is --size x --frames, every frame generated.
// - Text: each text segment that carries token-state embeddings conditions the latent frames
//   whose first video frame lies in its range; a detailed caption is preferred to the prompt of
//   the same range (the model is trained on captions). No text: unconditional, with a warning.

import Foundation
import ReelNumerics
import ReelStream
import ReelSystem

public struct DenoiseOptions: Sendable {
    public var steps: Int
    public var guidance: Float
    public var seed: UInt64
    public var variations = 1
    /// Canvas for a stream with no clip: pixel size and video frames.
    public var width = 64, height = 64, frames = 17
    /// With a clip on input: make its canvas at least this many video frames (the added frames are generated).
    public var extendTo: Int? = nil
    /// Stop once the schedule reaches this level (0 < level < 1) and write the partly denoised
    /// state with a PART record, for another reel-denoise to finish.
    public var untilLevel: Float? = nil
    /// Remix: the level of stored frames that no nois record covers (0 keeps them; 1 ignores them).
    public var strength: Float = 0
    /// The sampler's timestep shift (nil: the model's).
    public var shift: Float? = nil
    /// Guidance only at levels at or below this one (nil: the model's default).
    public var guidanceBelow: Float? = nil
    /// Clip id of a new canvas (variation k gets clip + k).
    public var clip: UInt32 = 0
    /// Long video (LongVideo.swift): a canvas longer than this many video frames (default: the
    /// model's longest) is generated window by window, each window carrying the last `context`
    /// video frames of the one before (1 + 4k frames) and generating the rest.
    public var window: Int? = nil
    public var context = 17
    public init(steps: Int, guidance: Float, seed: UInt64) { self.steps = steps; self.guidance = guidance; self.seed = seed }
}

/// The canvas a stream describes.
public struct Canvas {
    public var clip: UInt32
    public var frames: Int, height: Int, width: Int   // latent frames and cells
    public var sourceWidth: Int, sourceHeight: Int, sourceFrames: Int
    public var fps: Rational
    /// Normalized tokens (T x D); zeros where a frame is not stored.
    public var tokens: [Float]
    /// The level each frame was asked at (what nois says), and the level its stored values are
    /// already at (PART; the asked level when the clip is not partly denoised).
    public var levels: [Float]
    public var current: [Float] = []
}

public final class CanvasDenoiser {
    public let model: DiffusionTransformer
    public let null: TextCondition
    public var warn: (String) -> Void
    public var progress: (Int, Int) -> Void = { _, _ in }
    /// Called every `estimateEvery` steps (0: never) with the variation, the step, the raw clean
    /// estimate (token order) and its geometry (latent frames, rows, columns): --preview.
    public var estimateEvery = 0
    public var estimate: (_ variation: Int, _ step: Int, _ x0: [Float], _ frames: Int, _ height: Int, _ width: Int) -> Void = { _, _, _, _, _, _ in }
    /// Long video: how a window's last latent frames become the next window's context. Given a
    /// window's raw latent tokens (its frame 0 a first frame encoded alone) and its geometry
    /// (latent frames, cells high, wide), returns the raw tokens of `keep` latent frames: its last
    /// 1 + 4 (keep - 1) video frames decoded and encoded anew, first frame alone (reel-denoise
    /// does it with the VAE). nil: canvases longer than the model serves are refused.
    public var reencode: ((_ raw: [Float], _ frames: Int, _ height: Int, _ width: Int, _ keep: Int) throws -> [Float])?

    public init(model: DiffusionTransformer, null: TextCondition, warn: @escaping (String) -> Void) {
        self.model = model; self.null = null; self.warn = warn
    }

    static func latentFrames(videoFrames n: Int, factor: Int) -> Int { n <= 0 ? 0 : 1 + (n - 1 + factor - 1) / factor }

    /// Reads the whole input, denoises, writes the output stream (ending with `provenance` and DONE).
    public func run(records: [Record], options o: DenoiseOptions, to writer: StreamWriter, provenance: Record) throws {
        let cfg = model.config
        var state = StreamState()
        var header: ClipHeader?
        var geometry: PatchGeometry?
        var stored: [Int: [Float]] = [:]  // latent frame -> raw values in token order (N x D)
        var levels: [Int: Float] = [:]
        var partial: [Int: Float] = [:]
        var segments: [UInt32: TextSegment] = [:]
        var tokenStates: [UInt32: TextEmbedding] = [:], pooled: [UInt32: TextEmbedding] = [:]
        var sourceFrames: Int?
        var forward: [Record] = []
        var clipID: UInt32?
        func claim(_ c: UInt32, _ index: Int) throws {
            if let clipID, clipID != c {
                throw DiTError.badInput("record \(index): a second clip (\(c)) after clip \(clipID): reel-denoise takes one canvas clip per stream")
            }
            clipID = c
        }
        for (i, r) in records.enumerated() {
            let index = i + 1
            switch try state.decode(r, index: index) {
            case .header(let h):
                try claim(h.clip, index)
                guard h.kind == .latents else {
                    throw DiTError.badInput("clip \(h.clip) holds pixel frames; reel-denoise needs latents (reel-encode without --pixels, then reel-patchify)")
                }
                guard h.channels == cfg.latentChannels else {
                    throw DiTError.badInput("clip \(h.clip) has \(h.channels) latent channels but the model \(cfg.id) needs \(cfg.latentChannels)")
                }
                guard h.spatialFactor == cfg.spatialFactor else {
                    throw DiTError.badInput("clip \(h.clip) has spatial factor \(h.spatialFactor) but the model \(cfg.id) needs \(cfg.spatialFactor)")
                }
                guard h.height % cfg.patchHeight == 0, h.width % cfg.patchWidth == 0 else {
                    throw DiTError.badInput("clip \(h.clip)'s latent is \(h.height)x\(h.width), not divisible by the model's patch \(cfg.patchHeight)x\(cfg.patchWidth)")
                }
                header = h
            case .patchGeometry(let g):
                try claim(g.clip, index)
                guard g.pt == 1, g.ph == cfg.patchHeight, g.pw == cfg.patchWidth else {
                    throw DiTError.badInput("clip \(g.clip) is cut in \(g.pt)x\(g.ph)x\(g.pw) patches but the model \(cfg.id) needs \(cfg.patchDescription) (reel-patchify --patch \(cfg.patchDescription))")
                }
                guard g.channels == cfg.latentChannels else {
                    throw DiTError.badInput("clip \(g.clip) has \(g.channels) latent channels but the model \(cfg.id) needs \(cfg.latentChannels)")
                }
                geometry = g
            case .tokens(let t):
                try claim(t.clip, index)
                let g = geometry!
                let n = g.gridH * g.gridW, d = g.tokenDim
                for k in 0..<t.count {
                    let p = t.position(k)
                    let f = Int(p.t)
                    var frame = stored[f] ?? [Float](repeating: .nan, count: n * d)
                    let at = Int(p.h) * g.gridW + Int(p.w)
                    for j in 0..<d { frame[at * d + j] = Self.value(t.data, dtype: g.dtype, at: k * d + j) }
                    stored[f] = frame
                }
            case .frame(let fr):
                try claim(fr.clip, index)
                let h = header!
                guard geometry == nil else { throw DiTError.badInput("record \(index): clip \(fr.clip) has both frames and tokens") }
                // (C,h,w) -> token order (N x D).
                let ph = cfg.patchHeight, pw = cfg.patchWidth, gh = h.height / ph, gw = h.width / pw, c = h.channels
                var frame = [Float](repeating: 0, count: c * h.height * h.width)
                for gy in 0..<gh { for gx in 0..<gw { for ci in 0..<c { for dy in 0..<ph { for dx in 0..<pw {
                    let src = (ci * h.height + gy * ph + dy) * h.width + gx * pw + dx
                    frame[((gy * gw + gx) * c + ci) * ph * pw + dy * pw + dx] = Self.value(fr.data, dtype: h.dtype, at: src)
                } } } } }
                stored[fr.index] = frame
            case .noise(let nl):
                try claim(nl.clip, index)
                for (k, v) in nl.levels.enumerated() { levels[nl.first + k] = v }
            case .partial(let nl):
                try claim(nl.clip, index)
                for (k, v) in nl.levels.enumerated() { partial[nl.first + k] = v }
            case .metadata(let m) where m.key == "source-frames":
                let parts = m.value.split(separator: " ")
                if parts.count == 2, let c = UInt32(parts[0]), let n = Int(parts[1]) { try claim(c, index); sourceFrames = n }
            case .text(let s):
                segments[s.segment] = s
                forward.append(r)
            case .embedding(let e):
                if e.kind == .tokens { tokenStates[e.segment] = e } else { pooled[e.segment] = e }
                forward.append(r)
            case .provenance:
                forward.append(r)
            default:
                if r.type != .done { forward.append(r) }
            }
        }
        // The canvas.
        var canvas: Canvas
        let factor = cfg.spatialFactor
        if let h = header {
            var frames = max(h.frameCount, (stored.keys.max() ?? -1) + 1, (levels.keys.max() ?? -1) + 1)
            var vf = sourceFrames ?? (1 + (frames - 1) * cfg.temporalFactor)
            if let n = o.extendTo {
                guard (1...maxLength(o)).contains(n) else {
                    throw DiTError.unsupported("--frames \(n) is outside 1 to \(maxLength(o)), the lengths \(reencode == nil ? "the model serves" : "reel-denoise generates")")
                }
                frames = max(frames, Self.latentFrames(videoFrames: n, factor: cfg.temporalFactor))
                vf = max(vf, n)
            }
            guard frames >= 1 else { throw DiTError.badInput("clip \(h.clip) has no frames and a frame count of 0: nothing to denoise") }
            canvas = Canvas(clip: h.clip, frames: frames, height: h.height, width: h.width, sourceWidth: h.sourceWidth,
                            sourceHeight: h.sourceHeight, sourceFrames: vf, fps: h.fps, tokens: [], levels: [])
        } else if geometry != nil || !stored.isEmpty {
            throw DiTError.badInput("the stream has patch tokens but no HEAD record for their clip; reel-denoise needs the clip's header")
        } else {
            guard o.width % (factor * cfg.patchWidth) == 0, o.height % (factor * cfg.patchHeight) == 0,
                  o.width >= factor * cfg.patchWidth, o.height >= factor * cfg.patchHeight else {
                throw DiTError.unsupported("--size \(o.width)x\(o.height) is not a multiple of \(factor * cfg.patchWidth)x\(factor * cfg.patchHeight) (the model's \(factor)x latent with \(cfg.patchHeight)x\(cfg.patchWidth) patches); the model was trained on \(cfg.trainedSizes.joined(separator: ", "))")
            }
            guard (1...maxLength(o)).contains(o.frames) else {
                throw DiTError.unsupported("--frames \(o.frames) is outside 1 to \(maxLength(o)), the lengths \(reencode == nil ? "the model serves" : "reel-denoise generates")")
            }
            let frames = Self.latentFrames(videoFrames: o.frames, factor: cfg.temporalFactor)
            canvas = Canvas(clip: o.clip, frames: frames, height: o.height / factor, width: o.width / factor, sourceWidth: o.width,
                            sourceHeight: o.height, sourceFrames: o.frames, fps: Rational(8), tokens: [], levels: [])
        }
        let gh = canvas.height / cfg.patchHeight, gw = canvas.width / cfg.patchWidth, n = gh * gw, d = cfg.tokenDim
        var tokens = [Float](repeating: 0, count: canvas.frames * n * d)
        var lv = [Float](repeating: 1, count: canvas.frames)
        var cur = lv
        for f in 0..<canvas.frames {
            if var frame = stored[f] {
                if frame.contains(where: \.isNaN) { throw DiTError.badInput("clip \(canvas.clip): latent frame \(f) is missing some of its tokens") }
                cfg.normalize(tokens: &frame)
                for i in 0..<(n * d) { tokens[f * n * d + i] = frame[i] }
                lv[f] = levels[f] ?? o.strength
                cur[f] = partial[f] ?? lv[f]
            } else {
                lv[f] = 1
                cur[f] = 1
                if let l = levels[f], l < 1 { warn("latent frame \(f) has level \(l) but no stored values: generating it from noise") }
                if partial[f] != nil { throw DiTError.badInput("clip \(canvas.clip): the PART record gives latent frame \(f) a level, but the frame is not stored") }
            }
        }
        canvas.tokens = tokens
        canvas.levels = lv
        canvas.current = cur
        if canvas.sourceFrames > window(o) {
            let anyText = segments.contains { tokenStates[$0.key] != nil }
            if !anyText { warn("no text embeddings on the stream (pipe through reel-prompt-expand): generating unconditionally") }
            try runLong(canvas: canvas, stored: stored, partial: partial, options: o, segments: segments,
                        tokenStates: tokenStates, pooled: pooled, forward: forward, to: writer)
            try writer.write(provenance)
            try writer.finish()
            return
        }
        // Text.
        let text = conditions(segments: segments, tokenStates: tokenStates, pooled: pooled, clip: canvas.clip,
                              frames: canvas.frames)
        if text.isEmpty { warn("no text embeddings on the stream (pipe through reel-prompt-expand): generating unconditionally") }
        for r in forward { try writer.write(r) }
        let sampler = FlowSampler(model: model, steps: o.steps, guidance: o.guidance, shift: o.shift, guidanceBelow: o.guidanceBelow)
        // Stopping early: frames end at min(t_k, their level) (PART), in raw latent units.
        let stop = o.untilLevel.map { sampler.stopIndex(atLevel: $0) } ?? o.steps
        let ts = sampler.schedule()
        let reached: [Float]? = o.untilLevel == nil ? nil : cur.map { min(ts[stop], $0) }
        for v in 0..<o.variations {
            let clip = canvas.clip &+ UInt32(v)
            var rng = Xoshiro256StarStar(seed: o.seed &+ UInt64(v))
            var noise = [Float](repeating: 0, count: tokens.count)
            for i in 0..<noise.count { noise[i] = rng.nextNormal() }
            // The state is kept in raw latent units: kept frames exactly as given, partly denoised
            // frames exactly as stored, the rest the normalized start (1 - s) x0 + s e scaled back.
            var x = FlowSampler.initialState(clean: tokens, noise: noise, levels: lv, tokensPerFrame: n, dim: d)
            cfg.denormalize(tokens: &x)
            for f in 0..<canvas.frames where cur[f] == 0 || partial[f] != nil {
                if let raw = stored[f] { for i in 0..<(n * d) { x[f * n * d + i] = raw[i] } }
            }
            sampler.run(&x, levels: cur, gridH: gh, gridW: gw, text: text, null: null, to: stop, rawUnits: true,
                        estimateEvery: estimateEvery, estimate: { k, x0 in
                            self.estimate(v, k, x0, canvas.frames, canvas.height, canvas.width)
                        }) { k in
                self.progress(v * stop + k, o.variations * stop)
            }
            try write(canvas: canvas, clip: clip, state: x, gridH: gh, gridW: gw, original: stored, partial: reached, to: writer)
        }
        try writer.write(provenance)
        try writer.finish()
    }

    /// The model's text conditions for `clip`'s latent frames.
    /// `firstVideoFrame` maps a latent frame of the canvas to the video frame of the clip it starts
    /// at (a long video's window starts later in the clip).
    func conditions(segments: [UInt32: TextSegment], tokenStates: [UInt32: TextEmbedding], pooled: [UInt32: TextEmbedding],
                    clip: UInt32, frames: Int, firstVideoFrame: ((Int) -> Int)? = nil) -> [TextCondition] {
        let tf = model.config.temporalFactor
        let firstVideoFrame = firstVideoFrame ?? { f in f == 0 ? 0 : 1 + (f - 1) * tf }
        var byRange: [String: (TextSegment, TextEmbedding)] = [:]
        for (id, s) in segments.sorted(by: { $0.key < $1.key }) where s.clip == ReelFormat.open || s.clip == clip {
            guard s.role != .negative, let e = tokenStates[id], e.dim == model.config.textWidth else { continue }
            let key = "\(s.start):\(s.end)"
            if let existing = byRange[key], existing.0.role == .caption, s.role != .caption { continue }
            byRange[key] = (s, e)
        }
        return byRange.values.sorted { $0.0.start < $1.0.start }.compactMap { (s, e) in
            let covered = (0..<frames).filter { f in
                let v = firstVideoFrame(f)
                return v >= Int(s.start) && (s.end == ReelFormat.open || v < Int(s.end))
            }
            guard let lo = covered.first, let hi = covered.last else { return nil }
            let p = pooled[s.segment]?.values ?? meanPooled(e)
            return TextCondition(tokenStates: e.values, tokenCount: e.count, pooled: p, frames: lo..<(hi + 1))
        }
    }

    func meanPooled(_ e: TextEmbedding) -> [Float] {
        var p = [Float](repeating: 0, count: e.dim)
        for i in 0..<e.count { for j in 0..<e.dim { p[j] += e.values[i * e.dim + j] / Float(max(1, e.count)) } }
        return p
    }

    /// Writes one denoised clip: HEAD, PTCH, a TOKS per latent frame (x: raw latent values in
    /// token order), its nois levels, a PART record when it is only partly denoised, and source-frames.
    func write(canvas c: Canvas, clip: UInt32, state x: [Float], gridH gh: Int, gridW gw: Int, original: [Int: [Float]],
               partial: [Float]?, to writer: StreamWriter) throws {
        let n = gh * gw, d = model.config.tokenDim
        try writeHead(canvas: c, clip: clip, to: writer)
        for f in 0..<c.frames {
            let kept = c.levels[f] == 0 ? original[f] : nil  // level-0 frames come out exactly as given
            let values = kept ?? Array(x[(f * n * d)..<((f + 1) * n * d)])
            try writeFrame(values, frame: f, clip: clip, gridW: gw, to: writer)
        }
        try writer.write(NoiseLevels(clip: clip, levels: c.levels).record)
        if let partial { try writer.write(NoiseLevels(clip: clip, levels: partial).partialRecord) }
        try writer.write(Metadata(key: "source-frames", value: "\(clip) \(c.sourceFrames)").record)
    }

    static func value(_ data: UnsafeRawBufferPointer, dtype: DType, at i: Int) -> Float {
        switch dtype {
        case .f32: return Float(bitPattern: UInt32(littleEndian: data.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)))
        case .f16: return Float(Float16(bitPattern: UInt16(littleEndian: data.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self))))
        case .bf16: return Float(bitPattern: UInt32(UInt16(littleEndian: data.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self))) << 16)
        case .u8: return Float(data[i])
        case .u16: return Float(UInt16(littleEndian: data.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self)))
        }
    }
}
