// Activations (SiLU, GELU in its tanh and erf forms), softmax over the last axis,
// and dropout. The elementwise work is in ReelKernels (vectorized, polynomial exp);
// tensors of more than 2 x 65536 elements are split across the cores.
// Shapes: any; softmax treats x as (rows, C) with C the last axis.

import ReelKernels
import ReelSystem

public enum GELUApproximation: Sendable { case tanh, erf }

/// Elements per piece when an elementwise kernel is split across the cores.
let parallelElementwiseGrain = 1 << 16

/// Runs body(start, count) over 0..<n, in pieces across the cores when n is large.
@inline(__always)
func forEachPiece(_ n: Int, _ body: (Int, Int) -> Void) {
    let pieces = min(Parallel.threads, n / parallelElementwiseGrain)
    if pieces <= 1 { body(0, n); return }
    let step = (n + pieces - 1) / pieces
    Parallel.forEach(pieces) { p in
        let start = p * step
        if start < n { body(start, min(step, n - start)) }
    }
}

/// Runs body(firstRow, rowCount) over the rows of a (rows, cols) matrix, in pieces across
/// the cores when it is large.
@inline(__always)
func forEachRowPiece(_ rows: Int, _ cols: Int, _ body: (Int, Int) -> Void) {
    let pieces = min(Parallel.threads, rows, rows * cols / parallelElementwiseGrain)
    if pieces <= 1 { body(0, rows); return }
    let step = (rows + pieces - 1) / pieces
    Parallel.forEach(pieces) { p in
        let r0 = p * step
        if r0 < rows { body(r0, min(step, rows - r0)) }
    }
}

func unaryKernel(_ x: Tensor, forward: @escaping (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void,
                 backward: @escaping (UnsafePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void) -> Tensor {
    let out = Tensor.result(x.shape, inputs: [x]) { out in
        let px = x.data, g = out.grad, gx = x.grad
        forEachPiece(x.count) { start, n in backward(px + start, g + start, gx + start, n) }
    }
    let px = x.data, y = out.data
    forEachPiece(x.count) { start, n in forward(px + start, y + start, n) }
    return out
}

/// x * sigmoid(x).
public func silu(_ x: Tensor) -> Tensor {
    unaryKernel(x, forward: { rk_silu_forward($0, $1, $2) }, backward: { rk_silu_backward($0, $1, $2, $3) })
}

/// 0.5 x (1 + erf(x / sqrt 2)), or its tanh approximation (PyTorch's approximate="tanh").
public func gelu(_ x: Tensor, approximation: GELUApproximation = .tanh) -> Tensor {
    switch approximation {
    case .tanh:
        return unaryKernel(x, forward: { rk_gelu_tanh_forward($0, $1, $2) },
                           backward: { rk_gelu_tanh_backward($0, $1, $2, $3) })
    case .erf:
        return unaryKernel(x, forward: { rk_gelu_erf_forward($0, $1, $2) },
                           backward: { rk_gelu_erf_backward($0, $1, $2, $3) })
    }
}

/// Softmax over the last axis.
public func softmax(_ x: Tensor) -> Tensor {
    let cols = x.shape.last ?? 1, rows = x.count / max(cols, 1)
    let out = Tensor(uninitialized: x.shape)
    out.record(inputs: [x]) { out in
        let y = out.data, g = out.grad, gx = x.grad
        forEachRowPiece(rows, cols) { r0, n in
            rk_softmax_backward(y + r0 * cols, g + r0 * cols, gx + r0 * cols, n, cols)
        }
    }
    let px = x.data, y = out.data
    forEachRowPiece(rows, cols) { r0, n in rk_softmax_forward(px + r0 * cols, y + r0 * cols, n, cols) }
    return out
}

/// Dropout: zeroes each element with probability `p` and scales the rest by 1/(1-p).
/// Identity when `training` is false or p == 0.
public func dropout(_ x: Tensor, p: Float, training: Bool, using rng: inout Xoshiro256StarStar) -> Tensor {
    guard training, p > 0 else { return x }
    let mask = Tensor(uninitialized: x.shape)
    for i in 0..<x.count { mask.data[i] = rng.nextFloat() < p ? 0 : 1 }
    return dropout(x, keepMask: mask, p: p)
}

/// Dropout with a given keep mask (1 keep, 0 drop): x * mask / (1 - p).
public func dropout(_ x: Tensor, keepMask: Tensor, p: Float) -> Tensor {
    shapeCheck(keepMask.shape == x.shape, "dropout mask \(keepMask.shape) for x \(x.shape)")
    let scale = 1 / (1 - p)
    let out = Tensor.result(x.shape, inputs: [x]) { out in
        let g = out.grad, gx = x.grad, m = keepMask.data
        for i in 0..<x.count { gx[i] += g[i] * m[i] * scale }
    }
    let px = x.data, m = keepMask.data, y = out.data
    for i in 0..<x.count { y[i] = px[i] * m[i] * scale }
    return out
}
