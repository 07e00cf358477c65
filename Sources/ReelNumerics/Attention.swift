// Scaled dot-product attention, fused flash-style: for each (batch, head) and each tile
// of queries, key tiles stream through an online softmax (running max and sum), so no
// (Tq, Tk) matrix is ever held for long sequences, only a (queryTile, keyTile) scratch
// of at most 128K floats (see attentionTiles). The backward pass
// recomputes the probabilities from the saved log-sum-exp per query (FlashAttention-2).
// (batch, head) pairs run in parallel; products use single-threaded OpenBLAS sgemm.
//
// Legend: B batch, Tq query tokens, Tk key tokens, H heads, D head width, C = H*D.
// q (B,Tq,C), k (B,Tk,C), v (B,Tk,C) -> out (B,Tq,C); head h is columns h*D..<(h+1)*D.

import Foundation
import ReelKernels

/// Which keys each query may attend to. A query attends to key j of batch b when
/// every given rule allows it:
/// - keyValid[b*Tk + j] (key padding: false for padding tokens),
/// - querySegment[b*Tq + i] == keySegment[b*Tk + j] (block mask: e.g. each frame's
///   video tokens attend only to their own caption segment's text tokens),
/// - j <= i when causal.
/// A query with no allowed key gets a zero output.
public struct AttentionMask: Sendable {
    public var keyValid: [Bool]?
    public var querySegment: [Int32]?
    public var keySegment: [Int32]?
    public var causal: Bool

    public init(keyValid: [Bool]? = nil, querySegment: [Int32]? = nil, keySegment: [Int32]? = nil,
                causal: Bool = false) {
        self.keyValid = keyValid
        self.querySegment = querySegment
        self.keySegment = keySegment
        self.causal = causal
    }

    var isEmpty: Bool { keyValid == nil && (querySegment == nil || keySegment == nil) && !causal }

    /// Sets disallowed scores of a tile to -inf; returns whether any score is allowed.
    /// s (rows, cols) with row stride lds holds queries i0..<i0+rows, keys j0..<j0+cols of batch b.
    func apply(_ s: UnsafeMutablePointer<Float>, lds: Int, b: Int, i0: Int, rows: Int, j0: Int, cols: Int,
               tq: Int, tk: Int) -> Bool {
        let useSegments = querySegment != nil && keySegment != nil
        let qs = querySegment ?? [], ks = keySegment ?? [], kv = keyValid ?? []
        let checkValid = keyValid != nil
        var any = false
        for r in 0..<rows {
            let i = i0 + r
            let qseg = useSegments ? qs[b * tq + i] : 0
            for c in 0..<cols {
                let j = j0 + c
                let ok = (!checkValid || kv[b * tk + j]) && (!useSegments || ks[b * tk + j] == qseg) &&
                    (!causal || j <= i)
                if ok { any = true } else { s[r * lds + c] = -.infinity }
            }
        }
        return any
    }
}

/// Tile sizes: keys in tiles of at most 512; queries in tiles that keep the (queries, keys)
/// score tile within `scoreFloats`, at least 64 queries. The forward pass uses small
/// query tiles (its scores, running output and statistics stay in cache); the backward
/// pass, with five products per tile, does better with fewer, larger tiles (at most 128K
/// floats, 512 KB): a 320-token self-attention is one backward tile per head.
let attentionKeyTile = 512
let attentionForwardScoreFloats = 1 << 14
let attentionBackwardScoreFloats = 1 << 17

func attentionTiles(tq: Int, tk: Int, scoreFloats: Int = attentionBackwardScoreFloats) -> (queries: Int, keys: Int) {
    let bk = max(1, min(attentionKeyTile, tk))
    let bq = max(1, min(tq, max(64, scoreFloats / bk)))
    return (bq, bk)
}

/// softmax(q k^T * scale + mask) v per head. q (B,Tq,H*D), k and v (B,Tk,H*D) -> (B,Tq,H*D).
/// scale defaults to 1/sqrt(D).
public func scaledDotProductAttention(query q: Tensor, key k: Tensor, value v: Tensor, heads: Int,
                                      mask: AttentionMask? = nil, scale: Float? = nil) -> Tensor {
    shapeCheck(q.rank == 3 && k.rank == 3 && v.shape == k.shape && q.shape[0] == k.shape[0] &&
               q.shape[2] == k.shape[2] && q.shape[2] % heads == 0,
               "attention of q \(q.shape), k \(k.shape), v \(v.shape) with \(heads) heads")
    let bsz = q.shape[0], tq = q.shape[1], tk = k.shape[1], c = q.shape[2], d = c / heads
    let mask = (mask?.isEmpty ?? true) ? nil : mask
    if let mask {
        shapeCheck((mask.keyValid?.count ?? bsz * tk) == bsz * tk &&
                   (mask.querySegment?.count ?? bsz * tq) == bsz * tq &&
                   (mask.keySegment?.count ?? bsz * tk) == bsz * tk,
                   "attention mask sizes for B=\(bsz), Tq=\(tq), Tk=\(tk)")
    }
    let sc = scale ?? 1 / Float(d).squareRoot()
    let lse = Tensor(uninitialized: [bsz, heads, tq])
    let out = Tensor.result(q.shape, inputs: [q, k, v]) { out in
        attentionBackward(q: q, k: k, v: v, out: out, lse: lse, heads: heads, mask: mask, scale: sc)
    }
    let pq = q.data, pk = k.data, pv = v.data, po = out.data, pl = lse.data
    let (bq, bk) = attentionTiles(tq: tq, tk: tk, scoreFloats: attentionForwardScoreFloats)
    defer { withExtendedLifetime(lse) {} }
    Parallel.forEach(bsz * heads) { bh in
        let b = bh / heads, h = bh % heads
        let s = UnsafeMutablePointer<Float>.allocate(capacity: bq * bk)
        let acc = UnsafeMutablePointer<Float>.allocate(capacity: bq * d)
        let m = UnsafeMutablePointer<Float>.allocate(capacity: bq * 3)
        let l = m + bq, alpha = m + 2 * bq
        defer { s.deallocate(); acc.deallocate(); m.deallocate() }
        for i0 in stride(from: 0, to: tq, by: bq) {
            let rows = min(bq, tq - i0)
            m.initialize(repeating: -.infinity, count: rows)
            l.initialize(repeating: 0, count: rows)
            acc.initialize(repeating: 0, count: rows * d)
            let qTile = pq + (b * tq + i0) * c + h * d
            for j0 in stride(from: 0, to: tk, by: bk) {
                let cols = min(bk, tk - j0)
                if let mask, mask.causal, j0 > i0 + rows - 1 { break }
                Gemm.serial(transB: true, m: rows, n: cols, k: d, alpha: sc, a: qTile, lda: c,
                            b: pk + (b * tk + j0) * c + h * d, ldb: c, c: s, ldc: bk)
                if let mask, !mask.apply(s, lds: bk, b: b, i0: i0, rows: rows, j0: j0, cols: cols, tq: tq, tk: tk) {
                    continue
                }
                rk_online_softmax_update(s, rows, cols, bk, m, l, alpha)
                rk_scale_rows(acc, rows, d, d, alpha)
                Gemm.serial(m: rows, n: d, k: cols, a: s, lda: bk, b: pv + (b * tk + j0) * c + h * d, ldb: c,
                            beta: 1, c: acc, ldc: d)
            }
            for r in 0..<rows {
                let o = po + (b * tq + i0 + r) * c + h * d
                let inv: Float = l[r] > 0 ? 1 / l[r] : 0
                for j in 0..<d { o[j] = acc[r * d + j] * inv }
                pl[(b * heads + h) * tq + i0 + r] = l[r] > 0 ? m[r] + Foundation.log(l[r]) : .infinity
            }
        }
    }
    return out
}

func attentionBackward(q: Tensor, k: Tensor, v: Tensor, out: Tensor, lse: Tensor, heads: Int,
                       mask: AttentionMask?, scale sc: Float) {
    let bsz = q.shape[0], tq = q.shape[1], tk = k.shape[1], c = q.shape[2], d = c / heads
    let pq = q.data, pk = k.data, pv = v.data, po = out.data, pl = lse.data, gout = out.grad
    // Gradients the caller does not need go to a scratch buffer.
    let scratchCount = [q, k, v].contains { !$0.requiresGrad } ? max(q.count, k.count) : 0
    let scratch = UnsafeMutablePointer<Float>.allocate(capacity: max(scratchCount, 1))
    scratch.initialize(repeating: 0, count: max(scratchCount, 1))
    defer { scratch.deallocate() }
    let dqp = q.requiresGrad ? q.grad : scratch
    let dkp = k.requiresGrad ? k.grad : scratch
    let dvp = v.requiresGrad ? v.grad : scratch
    let (bq, bk) = attentionTiles(tq: tq, tk: tk)
    Parallel.forEach(bsz * heads) { bh in
        let b = bh / heads, h = bh % heads
        let p = UnsafeMutablePointer<Float>.allocate(capacity: bq * bk)
        let dp = UnsafeMutablePointer<Float>.allocate(capacity: bq * bk)
        let delta = UnsafeMutablePointer<Float>.allocate(capacity: bq)
        defer { p.deallocate(); dp.deallocate(); delta.deallocate() }
        for i0 in stride(from: 0, to: tq, by: bq) {
            let rows = min(bq, tq - i0)
            let qTile = pq + (b * tq + i0) * c + h * d
            let gTile = gout + (b * tq + i0) * c + h * d
            for r in 0..<rows {  // delta_i = dO_i . O_i
                delta[r] = Float(rk_dot(gTile + r * c, po + (b * tq + i0 + r) * c + h * d, d))
            }
            let lseRow = pl + (b * heads + h) * tq + i0
            for j0 in stride(from: 0, to: tk, by: bk) {
                let cols = min(bk, tk - j0)
                if let mask, mask.causal, j0 > i0 + rows - 1 { break }
                let kTile = pk + (b * tk + j0) * c + h * d, vTile = pv + (b * tk + j0) * c + h * d
                Gemm.serial(transB: true, m: rows, n: cols, k: d, alpha: sc, a: qTile, lda: c, b: kTile, ldb: c,
                            c: p, ldc: bk)
                if let mask, !mask.apply(p, lds: bk, b: b, i0: i0, rows: rows, j0: j0, cols: cols, tq: tq, tk: tk) {
                    continue
                }
                rk_softmax_from_lse(p, rows, cols, bk, lseRow)
                // dV (cols,D) += P^T dO
                Gemm.serial(transA: true, m: cols, n: d, k: rows, a: p, lda: bk, b: gTile, ldb: c, beta: 1,
                            c: dvp + (b * tk + j0) * c + h * d, ldc: c)
                // dP (rows,cols) = dO V^T ; dS = P * (dP - delta)
                Gemm.serial(transB: true, m: rows, n: cols, k: d, a: gTile, lda: c, b: vTile, ldb: c, c: dp, ldc: bk)
                rk_attention_ds(p, dp, rows, cols, bk, delta)
                // dQ += scale dS K ; dK += scale dS^T Q
                Gemm.serial(m: rows, n: d, k: cols, alpha: sc, a: dp, lda: bk, b: kTile, ldb: c, beta: 1,
                            c: dqp + (b * tq + i0) * c + h * d, ldc: c)
                Gemm.serial(transA: true, m: cols, n: d, k: rows, alpha: sc, a: dp, lda: bk, b: qTile, ldb: c,
                            beta: 1, c: dkp + (b * tk + j0) * c + h * d, ldc: c)
            }
        }
    }
}
