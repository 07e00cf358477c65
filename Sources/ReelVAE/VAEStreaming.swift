// Streaming encode and decode in bounded memory: frames go in one at a time, latent
// frames come out chunk by chunk, and every causal convolution carries its last two
// input frames (a CausalCache) from one chunk to the next, so the result equals the
// whole-clip result (up to float rounding) while memory depends on the chunk, not on
// the clip's length.
//
// Frames are planar (3,H,W) Float in [-1, 1]; latent frames are (Z,h,w) Float, the
// posterior mean (encoding is deterministic).

import ReelNumerics

/// Video frames in, latent frames out. The first frame is encoded alone (latent 0),
/// then every 4 frames make one latent frame; `chunkLatents` latent frames are computed
/// at a time. `finish()` pads a last partial group by repeating its last frame.
public final class VAEStreamEncoder {
    public let model: CausalVideoVAE
    public let width: Int, height: Int
    public let chunkLatents: Int
    let cache = CausalCache()
    var pending: [[Float]] = []
    var started = false
    /// Frames pushed so far, and frames added by `finish()` to complete the last group.
    public private(set) var framesIn = 0
    public private(set) var paddedFrames = 0

    public init(model: CausalVideoVAE, width: Int, height: Int, chunkLatents: Int = 4) throws(VAEError) {
        let s = model.config.spatialFactor
        guard width >= s, height >= s, width % s == 0, height % s == 0 else {
            throw .badInput("frame size \(width)x\(height) is not a multiple of the VAE's spatial factor \(s)")
        }
        self.model = model
        self.width = width
        self.height = height
        self.chunkLatents = max(1, chunkLatents)
    }

    public var latentWidth: Int { width / model.config.spatialFactor }
    public var latentHeight: Int { height / model.config.spatialFactor }

    /// Adds one frame (3*H*W values); returns the latent frames completed by it.
    public func push(_ frame: [Float]) -> [[Float]] {
        precondition(frame.count == 3 * width * height, "frame of \(frame.count) values for \(width)x\(height)")
        framesIn += 1
        pending.append(frame)
        if !started {
            started = true
            return run(first: true)
        }
        return pending.count >= 4 * chunkLatents ? run(first: false) : []
    }

    /// Encodes what is left (padding the last group to 4 frames with copies of its last frame).
    public func finish() -> [[Float]] {
        guard !pending.isEmpty, let last = pending.last else { return [] }
        while pending.count % 4 != 0 { pending.append(last); paddedFrames += 1 }
        return run(first: false)
    }

    func run(first: Bool) -> [[Float]] {
        let t = pending.count, plane = 3 * height * width
        let x = Tensor(uninitialized: [1, 3, t, height, width])  // (1,3,T,H,W)
        for (i, f) in pending.enumerated() {
            for c in 0..<3 {
                f.withUnsafeBufferPointer { src in
                    (x.data + (c * t + i) * height * width).update(from: src.baseAddress! + c * height * width,
                                                                   count: height * width)
                }
            }
        }
        _ = plane
        pending.removeAll(keepingCapacity: true)
        let mean = GradMode.withoutGrad { model.encode(x, cache: cache, firstChunk: first).mean }  // (1,Z,N,h,w)
        return splitFrames(mean)
    }
}

/// Latent frames in, video frames out: latent 0 decodes to the first frame alone, each
/// later latent frame to 4 frames; `chunkLatents` latent frames are decoded at a time.
public final class VAEStreamDecoder {
    public let model: CausalVideoVAE
    public let latentWidth: Int, latentHeight: Int
    public let chunkLatents: Int
    let cache = CausalCache()
    var pending: [[Float]] = []
    var started = false

    public init(model: CausalVideoVAE, latentWidth: Int, latentHeight: Int, chunkLatents: Int = 4) {
        self.model = model
        self.latentWidth = latentWidth
        self.latentHeight = latentHeight
        self.chunkLatents = max(1, chunkLatents)
    }

    public var width: Int { latentWidth * model.config.spatialFactor }
    public var height: Int { latentHeight * model.config.spatialFactor }

    /// Adds one latent frame (Z*h*w values); returns the video frames completed by it.
    public func push(_ latent: [Float]) -> [[Float]] {
        precondition(latent.count == model.config.latentChannels * latentWidth * latentHeight,
                     "latent frame of \(latent.count) values")
        pending.append(latent)
        if !started {
            started = true
            return run(first: true)
        }
        return pending.count >= chunkLatents ? run(first: false) : []
    }

    /// Decodes what is left.
    public func finish() -> [[Float]] { pending.isEmpty ? [] : run(first: false) }

    func run(first: Bool) -> [[Float]] {
        let n = pending.count, zc = model.config.latentChannels, plane = latentHeight * latentWidth
        let z = Tensor(uninitialized: [1, zc, n, latentHeight, latentWidth])  // (1,Z,N,h,w)
        for (i, f) in pending.enumerated() {
            f.withUnsafeBufferPointer { src in
                for c in 0..<zc { (z.data + (c * n + i) * plane).update(from: src.baseAddress! + c * plane, count: plane) }
            }
        }
        pending.removeAll(keepingCapacity: true)
        let x = GradMode.withoutGrad { model.decode(z, cache: cache, firstChunk: first) }  // (1,3,T,H,W)
        return splitFrames(x)
    }
}

/// (1,C,T,H,W) -> T arrays of (C,H,W).
func splitFrames(_ x: Tensor) -> [[Float]] {
    let c = x.shape[1], t = x.shape[2], plane = x.shape[3] * x.shape[4]
    return (0..<t).map { i in
        [Float](unsafeUninitializedCapacity: c * plane) { buf, count in
            for ch in 0..<c { (buf.baseAddress! + ch * plane).update(from: x.data + (ch * t + i) * plane, count: plane) }
            count = c * plane
        }
    }
}

/// Planar u8 pixels (C,H,W) -> Float in [-1, 1].
public func pixelsToUnit(_ bytes: UnsafeRawBufferPointer) -> [Float] {
    bytes.map { Float($0) * (2.0 / 255.0) - 1 }
}

/// Float in [-1, 1] -> u8, rounded and clamped.
public func unitToPixel(_ v: Float) -> UInt8 {
    let p = (v + 1) * 127.5
    return p.isNaN ? 0 : UInt8(max(0, min(255, p.rounded())))
}

extension CausalVideoVAE {
    /// A clip made anew from its own frames: its latent frames (Z,h,w each) decoded chunk by
    /// chunk, the video frames `picking` taken from the result (in that order, repeats allowed),
    /// rounded to 8-bit pixels as a viewer sees them, and encoded again, first frame alone.
    /// Decoding stops once the last frame picked is out. reel-cut (a trimmed or re-timed clip)
    /// and reel-denoise's long video (a window's last frames as the next one's context) use it.
    public func reencode(_ latents: [[Float]], latentWidth: Int, latentHeight: Int, picking wanted: [Int]) throws(VAEError) -> [[Float]] {
        let decoder = VAEStreamDecoder(model: self, latentWidth: latentWidth, latentHeight: latentHeight)
        let needed = Set(wanted), last = wanted.max() ?? 0
        var pixels: [Int: [Float]] = [:]
        var index = 0
        func take(_ out: [[Float]]) {
            for f in out {
                if needed.contains(index) { pixels[index] = f.map { Float(unitToPixel($0)) * (2.0 / 255.0) - 1 } }
                index += 1
            }
        }
        for z in latents {
            take(decoder.push(z))
            if index > last { break }
        }
        if index <= last { take(decoder.finish()) }
        let encoder = try VAEStreamEncoder(model: self, width: decoder.width, height: decoder.height)
        var out: [[Float]] = []
        for f in wanted {
            guard let p = pixels[f] else { throw .badInput("frame \(f) is past the \(index) frames the clip decodes to") }
            out += encoder.push(p)
        }
        return out + encoder.finish()
    }
}
