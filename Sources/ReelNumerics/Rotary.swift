// Rotary position embeddings over three axes (t, h, w), for video tokens.
//
// Each head's D channels are split into three consecutive sections of widths
// (dt, dh, dw) (each even, dt + dh + dw = D). Within a section for axis a, channel
// pair (2i, 2i+1) is rotated by the angle pos_a * theta^(-2i/d_a). A token at (t, h, w)
// thus rotates its first dt channels by its frame index, the next dh by its row and
// the last dw by its column (as in Open-Sora's / Mochi's 3-D RoPE), identically in
// every head. Backward rotates the gradient by the opposite angle.
//
// Legend: B batch, T tokens, H heads, D head width; x (B,T,H*D).

import Foundation

public struct RotaryEmbedding3D: Sendable {
    public let headDim: Int
    public let axisDims: (t: Int, h: Int, w: Int)
    public let theta: Float
    /// cos and sin of each token's angle for each channel pair: (T, D/2).
    public let cos: [Float]
    public let sin: [Float]
    public let tokens: Int

    /// positions: one (t, h, w) per token.
    public init(headDim: Int, axisDims: (t: Int, h: Int, w: Int), positions: [(t: Int, h: Int, w: Int)],
                theta: Float = 10000) {
        shapeCheck(axisDims.t % 2 == 0 && axisDims.h % 2 == 0 && axisDims.w % 2 == 0 &&
                   axisDims.t + axisDims.h + axisDims.w == headDim,
                   "rotary axis widths \(axisDims) for head width \(headDim)")
        self.headDim = headDim
        self.axisDims = axisDims
        self.theta = theta
        tokens = positions.count
        let pairs = headDim / 2
        var c = [Float](repeating: 1, count: tokens * pairs), s = [Float](repeating: 0, count: tokens * pairs)
        let widths = [axisDims.t, axisDims.h, axisDims.w]
        for (n, p) in positions.enumerated() {
            let pos = [p.t, p.h, p.w]
            var pair = 0
            for a in 0..<3 {
                for i in 0..<(widths[a] / 2) {
                    let freq = Foundation.pow(Double(theta), -2 * Double(i) / Double(widths[a]))
                    let angle = Double(pos[a]) * freq
                    c[n * pairs + pair] = Float(Foundation.cos(angle))
                    s[n * pairs + pair] = Float(Foundation.sin(angle))
                    pair += 1
                }
            }
        }
        cos = c
        sin = s
    }

    /// Positions of a (frames, height, width) grid of tokens in row order (t slowest).
    public static func gridPositions(frames: Int, height: Int, width: Int) -> [(t: Int, h: Int, w: Int)] {
        var out: [(t: Int, h: Int, w: Int)] = []
        out.reserveCapacity(frames * height * width)
        for t in 0..<frames { for h in 0..<height { for w in 0..<width { out.append((t, h, w)) } } }
        return out
    }

    /// Rotates x (B,T,H*D) with H = `heads`.
    public func callAsFunction(_ x: Tensor, heads: Int) -> Tensor {
        shapeCheck(x.rank == 3 && x.shape[1] == tokens && x.shape[2] == heads * headDim,
                   "rotary embedding for \(tokens) tokens, \(heads)x\(headDim) channels, applied to \(x.shape)")
        let bsz = x.shape[0], t = tokens, c = x.shape[2], pairs = headDim / 2
        let cosT = cos, sinT = sin
        let out = Tensor.result(x.shape, inputs: [x]) { out in
            let g = out.grad, gx = x.grad
            cosT.withUnsafeBufferPointer { cb in
                sinT.withUnsafeBufferPointer { sb in
                    for b in 0..<bsz {
                        for n in 0..<t {
                            let row = (b * t + n) * c
                            for h in 0..<heads {
                                let base = row + h * headDim
                                for p in 0..<pairs {
                                    let co = cb[n * pairs + p], si = sb[n * pairs + p]
                                    let g0 = g[base + 2 * p], g1 = g[base + 2 * p + 1]
                                    gx[base + 2 * p] += g0 * co + g1 * si
                                    gx[base + 2 * p + 1] += -g0 * si + g1 * co
                                }
                            }
                        }
                    }
                }
            }
        }
        let px = x.data, y = out.data
        cosT.withUnsafeBufferPointer { cb in
            sinT.withUnsafeBufferPointer { sb in
                for b in 0..<bsz {
                    for n in 0..<t {
                        let row = (b * t + n) * c
                        for h in 0..<heads {
                            let base = row + h * headDim
                            for p in 0..<pairs {
                                let co = cb[n * pairs + p], si = sb[n * pairs + p]
                                let x0 = px[base + 2 * p], x1 = px[base + 2 * p + 1]
                                y[base + 2 * p] = x0 * co - x1 * si
                                y[base + 2 * p + 1] = x0 * si + x1 * co
                            }
                        }
                    }
                }
            }
        }
        return out
    }
}
