// Convolutions (3-D with causal padding in time, 2-D), nearest upsampling and
// strided subsampling.
//
// Legend: B batch, Ci/Co input/output channels, T frames, H height, W width,
// (kt,kh,kw) kernel, (st,sh,sw) stride. x (B,Ci,T,H,W), weight (Co,Ci,kt,kh,kw) as
// PyTorch stores it, bias (Co) -> (B,Co,To,Ho,Wo).
// Zero padding; in time the front and back padding are separate, so a causal
// convolution pads kt-1 frames in front and none behind (frame t sees frames <= t).
// Implementation: im2col over slabs of output frames (so the column buffer stays
// under ~16 MB), then one sgemm per slab; backward recomputes the columns.

import ReelKernels
import ReelSystem

public struct ConvPadding: Sendable, Equatable {
    public var front: Int, back: Int, height: Int, width: Int

    public init(front: Int, back: Int, height: Int, width: Int) {
        self.front = front; self.back = back; self.height = height; self.width = width
    }

    /// The same padding on every side.
    public static func same(_ p: Int) -> ConvPadding { ConvPadding(front: p, back: p, height: p, width: p) }

    /// Causal in time (kt-1 frames in front, none behind), `spatial` on each side in space.
    public static func causal(kernelT: Int, spatial: Int) -> ConvPadding {
        ConvPadding(front: kernelT - 1, back: 0, height: spatial, width: spatial)
    }
}

struct ConvGeometry {
    let ci, t, h, w, co, kt, kh, kw, st, sh, sw: Int
    let pad: ConvPadding
    var to: Int { (t + pad.front + pad.back - kt) / st + 1 }
    var ho: Int { (h + 2 * pad.height - kh) / sh + 1 }
    var wo: Int { (w + 2 * pad.width - kw) / sw + 1 }
    var rows: Int { ci * kt * kh * kw }

    /// Runs body over the input channels, split across the cores when the columns are large
    /// (each channel owns its own rows of cols and its own plane of x, so pieces never overlap).
    func forEachChannel(_ p: Int, _ body: (Int) -> Void) {
        let pieces = min(Parallel.threads, ci, rows * p / parallelElementwiseGrain)
        if pieces <= 1 { for c in 0..<ci { body(c) }; return }
        let step = (ci + pieces - 1) / pieces
        Parallel.forEach(pieces) { piece in
            for c in (piece * step)..<min(ci, piece * step + step) { body(c) }
        }
    }

    /// cols (rows, nT*Ho*Wo) for output frames to0..<to0+nT of one batch element x (Ci,T,H,W).
    func im2col(_ x: UnsafePointer<Float>, _ cols: UnsafeMutablePointer<Float>, to0: Int, nT: Int) {
        let p = nT * ho * wo
        forEachChannel(p) { c in for a in 0..<kt { for bb in 0..<kh { for cc in 0..<kw {
            let r = ((c * kt + a) * kh + bb) * kw + cc
            let dst = cols + r * p
            for ot in 0..<nT {
                let ti = (to0 + ot) * st - pad.front + a
                for oh in 0..<ho {
                    let hi = oh * sh - pad.height + bb
                    let row = dst + (ot * ho + oh) * wo
                    if ti < 0 || ti >= t || hi < 0 || hi >= h {
                        row.initialize(repeating: 0, count: wo)
                        continue
                    }
                    let src = x + ((c * t + ti) * h + hi) * w
                    let (c0, c1) = validColumns(cc)
                    if sw == 1 {
                        row.initialize(repeating: 0, count: c0)
                        if c1 > c0 { row.advanced(by: c0).update(from: src + (c0 - pad.width + cc), count: c1 - c0) }
                        row.advanced(by: max(c1, c0)).initialize(repeating: 0, count: wo - max(c1, c0))
                    } else {
                        row.initialize(repeating: 0, count: wo)
                        var ow = c0
                        while ow < c1 { row[ow] = src[ow * sw - pad.width + cc]; ow += 1 }
                    }
                }
            }
        } } } }
    }

    /// Adds cols back into dx (Ci,T,H,W): the adjoint of im2col.
    func col2im(_ cols: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, to0: Int, nT: Int) {
        let p = nT * ho * wo
        forEachChannel(p) { c in for a in 0..<kt { for bb in 0..<kh { for cc in 0..<kw {
            let r = ((c * kt + a) * kh + bb) * kw + cc
            let src = cols + r * p
            for ot in 0..<nT {
                let ti = (to0 + ot) * st - pad.front + a
                if ti < 0 || ti >= t { continue }
                for oh in 0..<ho {
                    let hi = oh * sh - pad.height + bb
                    if hi < 0 || hi >= h { continue }
                    let row = src + (ot * ho + oh) * wo
                    let dst = dx + ((c * t + ti) * h + hi) * w
                    let (c0, c1) = validColumns(cc)
                    if sw == 1 {
                        if c1 > c0 { rk_axpy(1, row + c0, dst + (c0 - pad.width + cc), c1 - c0) }
                    } else {
                        var ow = c0
                        while ow < c1 { dst[ow * sw - pad.width + cc] += row[ow]; ow += 1 }
                    }
                }
            }
        } } } }
    }

    /// The output columns ow whose input column ow*sw - padW + cc lies inside 0..<w: lo..<hi.
    @inline(__always)
    func validColumns(_ cc: Int) -> (Int, Int) {
        let first = pad.width - cc  // smallest ow*sw allowed
        let lo = first <= 0 ? 0 : (first + sw - 1) / sw
        let lastExclusive = w + pad.width - cc  // ow*sw must be < this
        let hi = lastExclusive <= 0 ? 0 : min(wo, (lastExclusive + sw - 1) / sw)
        return (min(lo, wo), hi)
    }

    /// Output frames per im2col slab.
    var slabFrames: Int { max(1, min(to, (4 << 20) / max(rows * ho * wo, 1))) }
}

/// 3-D convolution. x (B,Ci,T,H,W), weight (Co,Ci,kt,kh,kw), bias (Co) -> (B,Co,To,Ho,Wo).
public func conv3d(_ x: Tensor, weight: Tensor, bias: Tensor?, stride: (t: Int, h: Int, w: Int) = (1, 1, 1),
                   padding: ConvPadding = .same(0)) -> Tensor {
    shapeCheck(x.rank == 5 && weight.rank == 5 && weight.shape[1] == x.shape[1] &&
               (bias == nil || bias!.shape == [weight.shape[0]]),
               "conv3d of x \(x.shape) with weight \(weight.shape)")
    let g = ConvGeometry(ci: x.shape[1], t: x.shape[2], h: x.shape[3], w: x.shape[4], co: weight.shape[0],
                         kt: weight.shape[2], kh: weight.shape[3], kw: weight.shape[4],
                         st: stride.t, sh: stride.h, sw: stride.w, pad: padding)
    shapeCheck(g.to > 0 && g.ho > 0 && g.wo > 0, "conv3d output of x \(x.shape), weight \(weight.shape) is empty")
    let bsz = x.shape[0], plane = g.ho * g.wo, outP = g.to * plane, inP = g.t * g.h * g.w
    let slab = g.slabFrames
    let out = Tensor.result([bsz, g.co, g.to, g.ho, g.wo], inputs: bias.map { [x, weight, $0] } ?? [x, weight]) { out in
        let gy = out.grad
        let cols = UnsafeMutablePointer<Float>.allocate(capacity: g.rows * slab * plane)
        defer { cols.deallocate() }
        for b in 0..<bsz {
            for to0 in Swift.stride(from: 0, to: g.to, by: slab) {
                let nT = min(slab, g.to - to0), p = nT * plane
                let gyChunk = gy + b * g.co * outP + to0 * plane
                g.im2col(x.data + b * g.ci * inP, cols, to0: to0, nT: nT)
                if weight.requiresGrad {  // dW (Co,rows) += dy (Co,p) cols^T
                    Gemm.sgemm(transB: true, m: g.co, n: g.rows, k: p, a: gyChunk, lda: outP, b: cols, ldb: p,
                               beta: 1, c: weight.grad, ldc: g.rows)
                }
                if x.requiresGrad {  // dcols (rows,p) = W^T dy ; col2im
                    Gemm.sgemm(transA: true, m: g.rows, n: p, k: g.co, a: weight.data, lda: g.rows, b: gyChunk,
                               ldb: outP, c: cols, ldc: p)
                    g.col2im(cols, x.grad + b * g.ci * inP, to0: to0, nT: nT)
                }
            }
            if let bias, bias.requiresGrad {
                let gb = bias.grad
                for o in 0..<g.co { gb[o] += Float(rk_sum(gy + (b * g.co + o) * outP, outP)) }
            }
        }
    }
    let cols = UnsafeMutablePointer<Float>.allocate(capacity: g.rows * slab * plane)
    defer { cols.deallocate() }
    for b in 0..<bsz {
        let y = out.data + b * g.co * outP
        if let bias {
            for o in 0..<g.co { (y + o * outP).initialize(repeating: bias.data[o], count: outP) }
        }
        for to0 in Swift.stride(from: 0, to: g.to, by: slab) {
            let nT = min(slab, g.to - to0), p = nT * plane
            g.im2col(x.data + b * g.ci * inP, cols, to0: to0, nT: nT)
            Gemm.sgemm(m: g.co, n: p, k: g.rows, a: weight.data, lda: g.rows, b: cols, ldb: p,
                       beta: bias == nil ? 0 : 1, c: y + to0 * plane, ldc: outP)
        }
    }
    return out
}


/// 2-D convolution. x (B,Ci,H,W), weight (Co,Ci,kh,kw), bias (Co) -> (B,Co,Ho,Wo).
public func conv2d(_ x: Tensor, weight: Tensor, bias: Tensor?, stride: (h: Int, w: Int) = (1, 1),
                   padding: (h: Int, w: Int) = (0, 0)) -> Tensor {
    shapeCheck(x.rank == 4 && weight.rank == 4, "conv2d of x \(x.shape) with weight \(weight.shape)")
    let x5 = x.reshaped([x.shape[0], x.shape[1], 1, x.shape[2], x.shape[3]])
    let w5 = weight.reshaped([weight.shape[0], weight.shape[1], 1, weight.shape[2], weight.shape[3]])
    let y = conv3d(x5, weight: w5, bias: bias, stride: (1, stride.h, stride.w),
                   padding: ConvPadding(front: 0, back: 0, height: padding.h, width: padding.w))
    return y.reshaped([y.shape[0], y.shape[1], y.shape[3], y.shape[4]])
}

/// Nearest-neighbour upsampling of the last three dimensions of x (..., T, H, W) by
/// (ft, fh, fw): output (..., T*ft, H*fh, W*fw). For images use ft = 1 on (B,C,1,H,W)
/// or `upsampleNearest2d`.
public func upsampleNearest(_ x: Tensor, factors: (t: Int, h: Int, w: Int)) -> Tensor {
    shapeCheck(x.rank >= 3, "upsampleNearest of \(x.shape)")
    let n = x.rank, t = x.shape[n - 3], h = x.shape[n - 2], w = x.shape[n - 1]
    let outer = x.count / max(t * h * w, 1)
    let (ft, fh, fw) = factors
    let shape = Array(x.shape.dropLast(3)) + [t * ft, h * fh, w * fw]
    let outVol = t * ft * h * fh * w * fw, inVol = t * h * w
    let out = Tensor.result(shape, inputs: [x]) { out in
        let g = out.grad, gx = x.grad
        for o in 0..<outer {
            for ot in 0..<(t * ft) { for oh in 0..<(h * fh) {
                let src = g + o * outVol + (ot * h * fh + oh) * w * fw
                let dst = gx + o * inVol + ((ot / ft) * h + oh / fh) * w
                for ow in 0..<(w * fw) { dst[ow / fw] += src[ow] }
            } }
        }
    }
    let px = x.data, y = out.data
    for o in 0..<outer {
        for ot in 0..<(t * ft) { for oh in 0..<(h * fh) {
            let dst = y + o * outVol + (ot * h * fh + oh) * w * fw
            let src = px + o * inVol + ((ot / ft) * h + oh / fh) * w
            for ow in 0..<(w * fw) { dst[ow] = src[ow / fw] }
        } }
    }
    return out
}

/// Nearest-neighbour upsampling of x (B,C,H,W) by `factor` in both directions.
public func upsampleNearest2d(_ x: Tensor, factor: Int) -> Tensor {
    upsampleNearest(x, factors: (1, factor, factor))
}

/// Strided subsampling of the last three dimensions: x[..., ::st, ::sh, ::sw].
public func subsample(_ x: Tensor, stride: (t: Int, h: Int, w: Int)) -> Tensor {
    shapeCheck(x.rank >= 3, "subsample of \(x.shape)")
    let n = x.rank, t = x.shape[n - 3], h = x.shape[n - 2], w = x.shape[n - 1]
    let (st, sh, sw) = stride
    let to = (t + st - 1) / st, ho = (h + sh - 1) / sh, wo = (w + sw - 1) / sw
    let outer = x.count / max(t * h * w, 1)
    let out = Tensor.result(Array(x.shape.dropLast(3)) + [to, ho, wo], inputs: [x]) { out in
        let g = out.grad, gx = x.grad
        for o in 0..<outer { for a in 0..<to { for b in 0..<ho { for c in 0..<wo {
            gx[o * t * h * w + (a * st * h + b * sh) * w + c * sw] += g[((o * to + a) * ho + b) * wo + c]
        } } } }
    }
    let px = x.data, y = out.data
    for o in 0..<outer { for a in 0..<to { for b in 0..<ho { for c in 0..<wo {
        y[((o * to + a) * ho + b) * wo + c] = px[o * t * h * w + (a * st * h + b * sh) * w + c * sw]
    } } } }
    return out
}

/// A 3-D convolution layer; `causal` pads kt-1 frames in front and none behind.
public final class Conv3d: Layer {
    public let weight: Tensor
    public let bias: Tensor?
    public let stride: (t: Int, h: Int, w: Int)
    public let padding: ConvPadding

    public init(_ inChannels: Int, _ outChannels: Int, kernel: (t: Int, h: Int, w: Int),
                stride: (t: Int, h: Int, w: Int) = (1, 1, 1), padding: ConvPadding, bias: Bool = true,
                rng: inout Xoshiro256StarStar) {
        let fanIn = inChannels * kernel.t * kernel.h * kernel.w
        weight = parameterUniform([outChannels, inChannels, kernel.t, kernel.h, kernel.w], fanIn: fanIn, using: &rng)
        self.bias = bias ? parameterUniform([outChannels], fanIn: fanIn, using: &rng) : nil
        self.stride = stride
        self.padding = padding
    }

    /// A convolution with given (e.g. loaded) weight (Co,Ci,kt,kh,kw) and bias (Co).
    public init(weight: Tensor, bias: Tensor?, stride: (t: Int, h: Int, w: Int) = (1, 1, 1), padding: ConvPadding) {
        self.weight = weight
        self.bias = bias
        self.stride = stride
        self.padding = padding
    }

    /// A causal convolution with "same" spatial padding (kernel sizes odd in space).
    public convenience init(causal inChannels: Int, _ outChannels: Int, kernel: (t: Int, h: Int, w: Int),
                            stride: (t: Int, h: Int, w: Int) = (1, 1, 1), rng: inout Xoshiro256StarStar) {
        self.init(inChannels, outChannels, kernel: kernel, stride: stride,
                  padding: ConvPadding(front: kernel.t - 1, back: 0, height: kernel.h / 2, width: kernel.w / 2),
                  rng: &rng)
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        conv3d(x, weight: weight, bias: bias, stride: stride, padding: padding)
    }

    public func namedParameters() -> [(name: String, tensor: Tensor)] {
        [(name: "weight", tensor: weight)] + (bias.map { [(name: "bias", tensor: $0)] } ?? [])
    }
}

/// A 2-D convolution layer.
public final class Conv2d: Layer {
    public let weight: Tensor
    public let bias: Tensor?
    public let stride: Int
    public let padding: Int

    public init(_ inChannels: Int, _ outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0,
                bias: Bool = true, rng: inout Xoshiro256StarStar) {
        let fanIn = inChannels * kernel * kernel
        weight = parameterUniform([outChannels, inChannels, kernel, kernel], fanIn: fanIn, using: &rng)
        self.bias = bias ? parameterUniform([outChannels], fanIn: fanIn, using: &rng) : nil
        self.stride = stride
        self.padding = padding
    }

    /// A convolution with given (e.g. loaded) weight (Co,Ci,kh,kw) and bias (Co).
    public init(weight: Tensor, bias: Tensor?, stride: Int = 1, padding: Int = 0) {
        self.weight = weight
        self.bias = bias
        self.stride = stride
        self.padding = padding
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        conv2d(x, weight: weight, bias: bias, stride: (stride, stride), padding: (padding, padding))
    }

    public func namedParameters() -> [(name: String, tensor: Tensor)] {
        [(name: "weight", tensor: weight)] + (bias.map { [(name: "bias", tensor: $0)] } ?? [])
    }
}
