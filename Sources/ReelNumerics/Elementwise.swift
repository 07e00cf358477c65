// Elementwise arithmetic with NumPy broadcasting, scalar arithmetic and reductions.
//
// Broadcasting aligns shapes at their last dimension; a dimension of size 1 (or a
// missing leading one) repeats. Backward sums the gradient over repeated dimensions.
// Same-shape operands take the vectorized ReelKernels path.

import ReelKernels

enum BinaryOp { case add, sub, mul }

/// The broadcast shape of `a` and `b`.
func broadcastShape(_ a: [Int], _ b: [Int]) -> [Int] {
    let n = max(a.count, b.count)
    var out = [Int](repeating: 1, count: n)
    for i in 0..<n {
        let da = i < n - a.count ? 1 : a[i - (n - a.count)]
        let db = i < n - b.count ? 1 : b[i - (n - b.count)]
        shapeCheck(da == db || da == 1 || db == 1, "cannot broadcast shapes \(a) and \(b)")
        out[i] = da == 1 ? db : da
    }
    return out
}

/// Strides of `shape` seen through `outShape` (0 where the dimension repeats).
func broadcastStrides(_ shape: [Int], to outShape: [Int]) -> [Int] {
    let n = outShape.count
    var strides = [Int](repeating: 0, count: n)
    var s = 1
    for i in stride(from: shape.count - 1, through: 0, by: -1) {
        let o = i + (n - shape.count)
        strides[o] = shape[i] == 1 ? 0 : s
        s *= shape[i]
    }
    return strides
}

/// Calls body(outOffset, aOffset, bOffset) for every row of the last dimension, with the
/// inner length and the inner strides of a and b.
func forEachBroadcastRow(_ outShape: [Int], _ sa: [Int], _ sb: [Int],
                         _ body: (Int, Int, Int, Int, Int, Int) -> Void) {
    let n = outShape.count
    if n == 0 { body(0, 0, 0, 1, 0, 0); return }
    let inner = outShape[n - 1]
    let rows = outShape.dropLast().reduce(1, *)
    var index = [Int](repeating: 0, count: max(n - 1, 0))
    var offA = 0, offB = 0
    for r in 0..<rows {
        body(r * inner, offA, offB, inner, sa[n - 1], sb[n - 1])
        var d = n - 2
        while d >= 0 {
            index[d] += 1
            offA += sa[d]
            offB += sb[d]
            if index[d] < outShape[d] { break }
            offA -= sa[d] * outShape[d]
            offB -= sb[d] * outShape[d]
            index[d] = 0
            d -= 1
        }
    }
}

func binary(_ a: Tensor, _ b: Tensor, _ op: BinaryOp) -> Tensor {
    if a.shape == b.shape {
        let out = Tensor.result(a.shape, inputs: [a, b]) { out in
            let g = out.grad, n = out.count
            switch op {
            case .add:
                if a.requiresGrad { rk_axpy(1, g, a.grad, n) }
                if b.requiresGrad { rk_axpy(1, g, b.grad, n) }
            case .sub:
                if a.requiresGrad { rk_axpy(1, g, a.grad, n) }
                if b.requiresGrad { rk_axpy(-1, g, b.grad, n) }
            case .mul:
                if a.requiresGrad { rk_fma_accumulate(g, b.data, a.grad, n) }
                if b.requiresGrad { rk_fma_accumulate(g, a.data, b.grad, n) }
            }
        }
        switch op {
        case .add: rk_add(a.data, b.data, out.data, a.count)
        case .sub: rk_sub(a.data, b.data, out.data, a.count)
        case .mul: rk_mul(a.data, b.data, out.data, a.count)
        }
        return out
    }
    let shape = broadcastShape(a.shape, b.shape)
    let sa = broadcastStrides(a.shape, to: shape), sb = broadcastStrides(b.shape, to: shape)
    let out = Tensor.result(shape, inputs: [a, b]) { out in
        let g = out.grad
        let ga = a.requiresGrad ? a.grad : nil, gb = b.requiresGrad ? b.grad : nil
        let pa = a.data, pb = b.data
        forEachBroadcastRow(shape, sa, sb) { o, ia, ib, n, ja, jb in
            switch op {
            case .add, .sub:
                let sign: Float = op == .add ? 1 : -1
                if let ga {
                    if ja == 1 { rk_axpy(1, g + o, ga + ia, n) } else { var s: Float = 0; for j in 0..<n { s += g[o + j] }; ga[ia] += s }
                }
                if let gb {
                    if jb == 1 { rk_axpy(sign, g + o, gb + ib, n) } else { var s: Float = 0; for j in 0..<n { s += g[o + j] }; gb[ib] += sign * s }
                }
            case .mul:
                if ja == 1 && jb == 1 {  // contiguous rows (a repeated row accumulates in turn)
                    if let ga { rk_fma_accumulate(g + o, pb + ib, ga + ia, n) }
                    if let gb { rk_fma_accumulate(g + o, pa + ia, gb + ib, n) }
                } else {
                    if let ga { for j in 0..<n { ga[ia + j * ja] += g[o + j] * pb[ib + j * jb] } }
                    if let gb { for j in 0..<n { gb[ib + j * jb] += g[o + j] * pa[ia + j * ja] } }
                }
            }
        }
    }
    let po = out.data, pa = a.data, pb = b.data
    forEachBroadcastRow(shape, sa, sb) { o, ia, ib, n, ja, jb in
        if ja == 1 && jb == 1 {
            switch op {
            case .add: rk_add(pa + ia, pb + ib, po + o, n)
            case .sub: rk_sub(pa + ia, pb + ib, po + o, n)
            case .mul: rk_mul(pa + ia, pb + ib, po + o, n)
            }
        } else {
            switch op {
            case .add: for j in 0..<n { po[o + j] = pa[ia + j * ja] + pb[ib + j * jb] }
            case .sub: for j in 0..<n { po[o + j] = pa[ia + j * ja] - pb[ib + j * jb] }
            case .mul: for j in 0..<n { po[o + j] = pa[ia + j * ja] * pb[ib + j * jb] }
            }
        }
    }
    return out
}

public func + (a: Tensor, b: Tensor) -> Tensor { binary(a, b, .add) }
public func - (a: Tensor, b: Tensor) -> Tensor { binary(a, b, .sub) }
public func * (a: Tensor, b: Tensor) -> Tensor { binary(a, b, .mul) }

/// a * scale + shift, elementwise (a scalar affine map).
public func affine(_ a: Tensor, scale: Float, shift: Float = 0) -> Tensor {
    let out = Tensor.result(a.shape, inputs: [a]) { out in
        rk_axpy(scale, out.grad, a.grad, a.count)
    }
    let x = a.data, y = out.data
    for i in 0..<a.count { y[i] = x[i] * scale + shift }
    return out
}

public func * (a: Tensor, s: Float) -> Tensor { affine(a, scale: s) }
public func * (s: Float, a: Tensor) -> Tensor { affine(a, scale: s) }
public func + (a: Tensor, s: Float) -> Tensor { affine(a, scale: 1, shift: s) }
public func + (s: Float, a: Tensor) -> Tensor { affine(a, scale: 1, shift: s) }
public func - (a: Tensor, s: Float) -> Tensor { affine(a, scale: 1, shift: -s) }
public prefix func - (a: Tensor) -> Tensor { affine(a, scale: -1) }

// MARK: - Reductions

/// Sum of every element: a scalar (shape []).
public func sum(_ x: Tensor) -> Tensor {
    let out = Tensor.result([], inputs: [x]) { out in
        let g = out.grad[0], gx = x.grad
        for i in 0..<x.count { gx[i] += g }
    }
    out.data[0] = Float(rk_sum(x.data, x.count))
    return out
}

/// Mean of every element: a scalar (shape []).
public func mean(_ x: Tensor) -> Tensor {
    let n = Float(max(x.count, 1))
    let out = Tensor.result([], inputs: [x]) { out in
        let g = out.grad[0] / n, gx = x.grad
        for i in 0..<x.count { gx[i] += g }
    }
    out.data[0] = Float(rk_sum(x.data, x.count) / Double(n))
    return out
}

/// Sum over one axis; the axis is kept with size 1 when `keepDim`.
public func sum(_ x: Tensor, axis: Int, keepDim: Bool = false) -> Tensor {
    reduceAxis(x, axis: axis, keepDim: keepDim, mean: false)
}

/// Mean over one axis; the axis is kept with size 1 when `keepDim`.
public func mean(_ x: Tensor, axis: Int, keepDim: Bool = false) -> Tensor {
    reduceAxis(x, axis: axis, keepDim: keepDim, mean: true)
}

func reduceAxis(_ x: Tensor, axis: Int, keepDim: Bool, mean: Bool) -> Tensor {
    let ax = axis < 0 ? axis + x.rank : axis
    shapeCheck(ax >= 0 && ax < x.rank, "axis \(axis) out of range for shape \(x.shape)")
    let outer = x.shape[..<ax].reduce(1, *), n = x.shape[ax], inner = x.shape[(ax + 1)...].reduce(1, *)
    var shape = x.shape
    if keepDim { shape[ax] = 1 } else { shape.remove(at: ax) }
    let scale: Float = mean ? 1 / Float(max(n, 1)) : 1
    let out = Tensor.result(shape, inputs: [x]) { out in
        let g = out.grad, gx = x.grad
        for o in 0..<outer {
            for k in 0..<n { rk_axpy(scale, g + o * inner, gx + (o * n + k) * inner, inner) }
        }
    }
    let px = x.data, po = out.data
    for o in 0..<outer {
        (po + o * inner).initialize(repeating: 0, count: inner)
        for k in 0..<n { rk_axpy(scale, px + (o * n + k) * inner, po + o * inner, inner) }
    }
    return out
}
