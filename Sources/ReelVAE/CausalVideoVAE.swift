// CausalVideoVAE: reel's video compression network, a causal 3-D convolutional VAE.
//
// Legend: B batch, C channels, T video frames (1 + 4k), N latent frames (1 + k),
// H, W pixels, h = H/s, w = W/s latent cells (s the spatial factor, 4 or 8),
// Z latent channels.
//
// The first frame is encoded on its own: the clip is extended in front by three
// copies of its first frame, so that T = 1 + 4k frames make k + 1 groups of 4 and
// group 0 is the first frame alone. Each group is folded (space-to-depth, as
// LTX-Video's VAE patchifies its input) into one latent-rate frame of 3*4*4*4 = 192
// channels at 1/4 resolution; everything after that runs at the latent frame rate,
// so every convolution is causal in latent time (kernel 3, two frames of padding in
// front) and latent frame n sees video frames <= 4n only. An image (T = 1) is a
// one-frame video, so images and videos share one latent space.
//
// Encoder (s = 8):  fold 4x4x4 -> conv 192->C1 -> C1 blocks x b1 -> fold 2x2 ->
//                   conv 4C1->C2 -> C2 blocks x b2 -> SiLU -> conv C2->2Z (mean, log-variance)
// Encoder (s = 4):  the same without the second fold (conv C1->C2 at 1/4).
// Decoder mirrors it with unfolds (depth-to-space) and drops the three extra frames.
// Every convolution that changes the channel count (and the encoder's mean) also gets
// a non-parametric shortcut, as DC-AE's: the mean of runs of adjacent channels when
// they shrink, repeated channels when they grow, so that the untrained network already
// passes a block average of each patch through and training learns the residual;
// without it, high spatial compression trains far slower.
// Residual blocks are x + conv(SiLU(conv(SiLU(x)))), with no normalization: a
// GroupNorm over (T,H,W) would let later frames change earlier ones and break
// both causality and chunked streaming.
//
// The shipped model is s = 4, Z = 32, C1 = C2 = 96, chosen by measured reconstruction on
// two cores against 8x and Z = 16 (the measurements: reel(7), HOW THE VAE WAS CHOSEN). At
// 64x64 a 4x latent frame is 16x16 cells: 64 tokens with reel-patchify's 1x2x2 patches.
//
// Streaming: every causal convolution can keep its last two input frames in a
// `CausalCache`; feeding a clip chunk by chunk through the same cache gives the
// whole-clip result (see VAEStreaming.swift).

import ReelNumerics
import ReelSystem

/// The last input frames of every causal convolution, carried between chunks.
public final class CausalCache {
    var frames: [Int: Tensor] = [:]
    public init() {}
    /// Bytes held (for memory accounting).
    public var byteCount: Int { frames.values.reduce(0) { $0 + $1.count * 4 } }
}

/// A 3-D convolution, causal in time, "same" in space, that can stream through a CausalCache.
public final class CausalConv3d: Layer {
    public let weight: Tensor  // (Co,Ci,kt,k,k)
    public let bias: Tensor    // (Co)
    let kt: Int, k: Int
    let slot: Int

    init(_ ci: Int, _ co: Int, kernel: Int = 3, kernelT: Int = 3, slot: Int, initScale: Float = 1,
         rng: inout Xoshiro256StarStar) {
        let fanIn = ci * kernelT * kernel * kernel
        weight = parameterUniform([co, ci, kernelT, kernel, kernel], fanIn: fanIn, using: &rng)
        bias = parameterUniform([co], fanIn: fanIn, using: &rng)
        if initScale != 1 {
            for i in 0..<weight.count { weight.data[i] *= initScale }
            for i in 0..<bias.count { bias.data[i] *= initScale }
        }
        kt = kernelT
        k = kernel
        self.slot = slot
    }

    /// x (B,Ci,N,H,W) -> (B,Co,N,H,W). With a cache, the previous chunk's last kt-1
    /// frames (zeros at the start, as the whole-clip padding) come before x.
    func callAsFunction(_ x: Tensor, cache: CausalCache?) -> Tensor {
        let pad = k / 2
        guard let cache, kt > 1 else {
            return conv3d(x, weight: weight, bias: bias, padding: .causal(kernelT: kt, spatial: pad))
        }
        let b = x.shape[0], c = x.shape[1], h = x.shape[3], w = x.shape[4]
        let previous = cache.frames[slot] ?? Tensor(zeros: [b, c, kt - 1, h, w])
        let joined = concat([previous, x], axis: 2)  // (B,Ci,kt-1+N,H,W)
        let n = joined.shape[2]
        cache.frames[slot] = split(joined, sizes: [n - (kt - 1), kt - 1], axis: 2)[1].detached()
        return conv3d(joined, weight: weight, bias: bias,
                      padding: ConvPadding(front: 0, back: 0, height: pad, width: pad))
    }

    public func namedParameters() -> [(name: String, tensor: Tensor)] {
        [(name: "weight", tensor: weight), (name: "bias", tensor: bias)]
    }
}

/// x + conv2(SiLU(conv1(SiLU(x)))), both convolutions causal; conv2 starts small.
public final class CausalResidualBlock: Layer {
    let conv1: CausalConv3d
    let conv2: CausalConv3d

    init(_ c: Int, slots: inout Int, rng: inout Xoshiro256StarStar) {
        conv1 = CausalConv3d(c, c, slot: slots, rng: &rng)
        conv2 = CausalConv3d(c, c, slot: slots + 1, initScale: 0.1, rng: &rng)
        slots += 2
    }

    func callAsFunction(_ x: Tensor, cache: CausalCache?) -> Tensor {
        let h = conv1(silu(x), cache: cache)  // (B,C,N,H,W)
        return x + conv2(silu(h), cache: cache)
    }

    public func namedParameters() -> [(name: String, tensor: Tensor)] {
        prefixed("conv1", conv1.namedParameters()) + prefixed("conv2", conv2.namedParameters())
    }
}

/// Space-to-depth (and time-to-depth): x (B,C,ft*N,H,W) -> (B,C*ft*f*f,N,H/f,W/f).
/// Channel index (c, dt, dy, dx) in that order.
func fold(_ x: Tensor, time ft: Int, space f: Int) -> Tensor {
    let b = x.shape[0], c = x.shape[1], t = x.shape[2], h = x.shape[3], w = x.shape[4]
    let n = t / ft, hh = h / f, ww = w / f
    let v = x.reshaped([b, c, n, ft, hh, f, ww, f])   // (B,C,N,ft,h,f,w,f)
        .permuted([0, 1, 3, 5, 7, 2, 4, 6])           // (B,C,ft,f,f,N,h,w)
    return v.reshaped([b, c * ft * f * f, n, hh, ww])
}

/// Depth-to-space, the inverse of `fold`: (B,C*ft*f*f,N,h,w) -> (B,C,ft*N,h*f,w*f).
func unfold(_ x: Tensor, time ft: Int, space f: Int) -> Tensor {
    let b = x.shape[0], n = x.shape[2], hh = x.shape[3], ww = x.shape[4]
    let c = x.shape[1] / (ft * f * f)
    let v = x.reshaped([b, c, ft, f, f, n, hh, ww])   // (B,C,ft,f,f,N,h,w)
        .permuted([0, 1, 5, 2, 6, 3, 7, 4])           // (B,C,N,ft,h,f,w,f)
    return v.reshaped([b, c, ft * n, hh * f, ww * f])
}

/// Non-parametric shortcut into fewer channels (as DC-AE's space-to-channel shortcuts):
/// x (B,C,N,h,w) -> (B,C/g,N,h,w), the mean of each run of g = C/out adjacent channels.
func channelAverage(_ x: Tensor, to out: Int) -> Tensor {
    let b = x.shape[0], c = x.shape[1], g = c / out
    let rest = Array(x.shape[2...])
    return mean(x.reshaped([b, out, g] + rest), axis: 2)  // (B,out,N,h,w)
}

/// Non-parametric shortcut into more channels: each channel repeated g = out/C times
/// (the transpose of `channelAverage`, up to scale). x (B,C,N,h,w) -> (B,out,N,h,w).
func channelRepeat(_ x: Tensor, to out: Int) -> Tensor {
    let b = x.shape[0], c = x.shape[1], g = out / c
    let rest = Array(x.shape[2...]), inner = rest.reduce(1, *)
    let v = x.reshaped([b, c, 1, inner])                        // (B,C,1,N*h*w)
    return concat([Tensor](repeating: v, count: g), axis: 2)    // (B,C,g,N*h*w)
        .reshaped([b, out] + rest)
}

/// A shortcut from `from` channels to `to` channels, when one divides the other.
func shortcut(_ x: Tensor, to out: Int) -> Tensor? {
    let c = x.shape[1]
    if c == out { return x }
    if c > out && c % out == 0 { return channelAverage(x, to: out) }
    if out > c && out % c == 0 { return channelRepeat(x, to: out) }
    return nil
}

/// conv(x) plus the channel shortcut of x when there is one.
func withShortcut(_ x: Tensor, _ y: Tensor) -> Tensor {
    guard let s = shortcut(x, to: y.shape[1]) else { return y }
    return y + s
}

/// The causal video VAE (see the file's header).
public final class CausalVideoVAE: Layer {
    public let config: VAEConfig
    let encIn: CausalConv3d
    let encBase: [CausalResidualBlock]
    let encMid: CausalConv3d
    let encDeep: [CausalResidualBlock]
    let encOut: CausalConv3d
    let decIn: CausalConv3d
    let decDeep: [CausalResidualBlock]
    let decMid: CausalConv3d
    let decBase: [CausalResidualBlock]
    let decOut: CausalConv3d

    /// Pixel channels (RGB) and the frames folded into one latent frame's input.
    public static let pixelChannels = 3
    static let groupFrames = 4
    static let inputFold = 4

    /// A network with freshly initialised weights (seeded).
    public init(config: VAEConfig, seed: UInt64) throws(VAEError) {
        try config.validate()
        self.config = config
        var rng = Xoshiro256StarStar(seed: seed)
        var slot = 0
        func conv(_ ci: Int, _ co: Int, kernel: Int = 3, scale: Float = 1) -> CausalConv3d {
            defer { slot += 1 }
            return CausalConv3d(ci, co, kernel: kernel, slot: slot, initScale: scale, rng: &rng)
        }
        let c1 = config.baseChannels, c2 = config.deepChannels, z = config.latentChannels
        let folded = Self.pixelChannels * Self.groupFrames * Self.inputFold * Self.inputFold
        let midFold = config.spatialFactor / Self.inputFold  // 2 or 1
        encIn = conv(folded, c1)
        encBase = (0..<config.baseBlocks).map { _ in CausalResidualBlock(c1, slots: &slot, rng: &rng) }
        encMid = conv(c1 * midFold * midFold, c2)
        encDeep = (0..<config.deepBlocks).map { _ in CausalResidualBlock(c2, slots: &slot, rng: &rng) }
        encOut = conv(c2, 2 * z)
        decIn = conv(z, c2)
        decDeep = (0..<config.deepBlocks).map { _ in CausalResidualBlock(c2, slots: &slot, rng: &rng) }
        decMid = conv(c2, c1 * midFold * midFold)
        decBase = (0..<config.baseBlocks).map { _ in CausalResidualBlock(c1, slots: &slot, rng: &rng) }
        decOut = conv(c1, folded)
    }

    var midFold: Int { config.spatialFactor / Self.inputFold }

    /// Latent frames for `frames` video frames: 1 + ceil((T-1)/4).
    public static func latentFrames(forVideoFrames t: Int) -> Int { t <= 0 ? 0 : 1 + (t - 1 + 3) / 4 }
    /// Video frames that `n` latent frames decode to: 1 + 4(n-1).
    public static func videoFrames(forLatentFrames n: Int) -> Int { n <= 0 ? 0 : 1 + 4 * (n - 1) }

    /// Encoder: x (B,3,T,H,W) in [-1,1] -> (mean, logVariance), each (B,Z,N,h,w).
    /// `firstChunk`: x starts with the clip's first frame (T = 1 + 4k), else T = 4k.
    /// With a cache, x is the next chunk of a clip whose earlier chunks went through it.
    public func encode(_ x: Tensor, cache: CausalCache? = nil, firstChunk: Bool = true) -> (mean: Tensor, logVariance: Tensor) {
        let moments = encodeMoments(x, cache: cache, firstChunk: firstChunk)  // (B,2Z,N,h,w)
        let z = config.latentChannels
        let parts = split(moments, sizes: [z, z], axis: 1)
        return (parts[0], parts[1])
    }

    /// The encoder's output before it is split: (B,2Z,N,h,w), mean channels first.
    public func encodeMoments(_ x: Tensor, cache: CausalCache? = nil, firstChunk: Bool = true) -> Tensor {
        var v = x
        if firstChunk {
            let first = x.shape[2] == 1 ? x : split(x, sizes: [1, x.shape[2] - 1], axis: 2)[0]  // (B,3,1,H,W)
            v = concat([first, first, first, x], axis: 2)                  // (B,3,4(k+1),H,W)
        }
        var h = fold(v, time: Self.groupFrames, space: Self.inputFold)    // (B,192,N,H/4,W/4)
        h = withShortcut(h, encIn(h, cache: cache))                        // (B,C1,N,H/4,W/4)
        for block in encBase { h = block(h, cache: cache) }
        if midFold > 1 { h = fold(h, time: 1, space: midFold) }            // (B,4C1,N,h,w)
        h = withShortcut(h, encMid(silu(h), cache: cache))                 // (B,C2,N,h,w)
        for block in encDeep { h = block(h, cache: cache) }
        let moments = encOut(silu(h), cache: cache)                        // (B,2Z,N,h,w)
        guard let meanShortcut = shortcut(h, to: config.latentChannels) else { return moments }
        let z = config.latentChannels
        let parts = split(moments, sizes: [z, z], axis: 1)
        return concat([parts[0] + meanShortcut, parts[1]], axis: 1)        // the mean gets the shortcut
    }

    /// Decoder: z (B,Z,N,h,w) -> x (B,3,T,H,W); T = 1 + 4(N-1) for the first chunk, else 4N.
    public func decode(_ z: Tensor, cache: CausalCache? = nil, firstChunk: Bool = true) -> Tensor {
        var h = withShortcut(z, decIn(z, cache: cache))                    // (B,C2,N,h,w)
        for block in decDeep { h = block(h, cache: cache) }
        h = withShortcut(h, decMid(silu(h), cache: cache))                 // (B,C1*m*m,N,h,w)
        if midFold > 1 { h = unfold(h, time: 1, space: midFold) }          // (B,C1,N,H/4,W/4)
        for block in decBase { h = block(h, cache: cache) }
        h = withShortcut(h, decOut(silu(h), cache: cache))                 // (B,192,N,H/4,W/4)
        let x = unfold(h, time: Self.groupFrames, space: Self.inputFold)   // (B,3,4N,H,W)
        guard firstChunk else { return x }
        return split(x, sizes: [3, x.shape[2] - 3], axis: 2)[1]            // (B,3,1+4(N-1),H,W)
    }

    /// Multiply-adds of one encode and one decode of a (3,T,H,W) clip (convolutions only),
    /// for throughput figures.
    public func multiplyAdds(width: Int, height: Int, frames: Int) -> (encode: Int, decode: Int) {
        let n = Self.latentFrames(forVideoFrames: frames)
        let quarter = (width / 4) * (height / 4) * n, deep = (width / config.spatialFactor) * (height / config.spatialFactor) * n
        func cost(_ c: CausalConv3d, _ positions: Int) -> Int { c.weight.count * positions }
        func blocks(_ b: [CausalResidualBlock], _ positions: Int) -> Int {
            b.reduce(0) { $0 + cost($1.conv1, positions) + cost($1.conv2, positions) }
        }
        let e = cost(encIn, quarter) + blocks(encBase, quarter) + cost(encMid, deep) + blocks(encDeep, deep) + cost(encOut, deep)
        let d = cost(decIn, deep) + blocks(decDeep, deep) + cost(decMid, deep) + blocks(decBase, quarter) + cost(decOut, quarter)
        return (e, d)
    }

    public func namedParameters() -> [(name: String, tensor: Tensor)] {
        var p = prefixed("encoder.conv_in", encIn.namedParameters())
        for (i, b) in encBase.enumerated() { p += prefixed("encoder.base.\(i)", b.namedParameters()) }
        p += prefixed("encoder.conv_mid", encMid.namedParameters())
        for (i, b) in encDeep.enumerated() { p += prefixed("encoder.deep.\(i)", b.namedParameters()) }
        p += prefixed("encoder.conv_out", encOut.namedParameters())
        p += prefixed("decoder.conv_in", decIn.namedParameters())
        for (i, b) in decDeep.enumerated() { p += prefixed("decoder.deep.\(i)", b.namedParameters()) }
        p += prefixed("decoder.conv_mid", decMid.namedParameters())
        for (i, b) in decBase.enumerated() { p += prefixed("decoder.base.\(i)", b.namedParameters()) }
        p += prefixed("decoder.conv_out", decOut.namedParameters())
        return p
    }
}
