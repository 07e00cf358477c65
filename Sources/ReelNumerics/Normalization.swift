// Normalization: LayerNorm (with or without affine, for adaLN), RMSNorm, GroupNorm,
// and the adaLN modulation x * (1 + scale) + shift.
//
// Legend: B batch, T tokens, C channels (the normalized width for LayerNorm and
// RMSNorm: the last axis), G groups, S positions (everything after C in GroupNorm).
// layerNorm / rmsNorm: x (..., C) -> (..., C), weight and bias (C).
// groupNorm: x (B, C, S...) -> same shape, statistics per (B, G), weight and bias (C).

import ReelKernels

/// LayerNorm over the last axis; `weight`/`bias` (C) or nil for no affine (adaLN).
public func layerNorm(_ x: Tensor, weight: Tensor?, bias: Tensor?, eps: Float = 1e-5) -> Tensor {
    let cols = x.shape.last ?? 1, rows = x.count / max(cols, 1)
    shapeCheck(weight.map { $0.shape == [cols] } ?? true && bias.map { $0.shape == [cols] } ?? true,
               "layerNorm of \(x.shape) with weight \(weight?.shape ?? []) bias \(bias?.shape ?? [])")
    let mean = Tensor(uninitialized: [rows]), rstd = Tensor(uninitialized: [rows])
    var inputs = [x]
    if let weight { inputs.append(weight) }
    if let bias { inputs.append(bias) }
    let out = Tensor.result(x.shape, inputs: inputs) { out in
        withGradOrScratch(x) { dx in
            let px = x.data, g = out.grad, pm = mean.data, pr = rstd.data, w = weight?.data
            let dw = weight?.requiresGrad == true ? weight!.grad : nil
            let db = bias?.requiresGrad == true ? bias!.grad : nil
            if dw == nil && db == nil {  // rows are independent: split them across the cores
                forEachRowPiece(rows, cols) { r0, n in
                    rk_layernorm_backward(px + r0 * cols, g + r0 * cols, pm + r0, pr + r0, w, dx + r0 * cols,
                                          nil, nil, n, cols)
                }
            } else {
                rk_layernorm_backward(px, g, pm, pr, w, dx, dw, db, rows, cols)
            }
        }
    }
    withExtendedLifetime((mean, rstd)) {
        let px = x.data, y = out.data, pm = mean.data, pr = rstd.data, w = weight?.data, b = bias?.data
        forEachRowPiece(rows, cols) { r0, n in
            rk_layernorm_forward(px + r0 * cols, y + r0 * cols, pm + r0, pr + r0, w, b, n, cols, eps)
        }
    }
    return out
}

/// Calls body with x's gradient buffer, or with a zeroed scratch buffer of the same
/// size when x needs no gradient (kernels always write dx).
func withGradOrScratch(_ x: Tensor, _ body: (UnsafeMutablePointer<Float>) -> Void) {
    if x.requiresGrad { body(x.grad); return }
    let scratch = UnsafeMutablePointer<Float>.allocate(capacity: max(x.count, 1))
    scratch.initialize(repeating: 0, count: max(x.count, 1))
    defer { scratch.deallocate() }
    body(scratch)
}

/// RMSNorm over the last axis: x / sqrt(mean(x^2) + eps) * weight.
public func rmsNorm(_ x: Tensor, weight: Tensor?, eps: Float = 1e-6) -> Tensor {
    let cols = x.shape.last ?? 1, rows = x.count / max(cols, 1)
    shapeCheck(weight.map { $0.shape == [cols] } ?? true, "rmsNorm of \(x.shape) with weight \(weight?.shape ?? [])")
    let rstd = Tensor(uninitialized: [rows])
    let out = Tensor.result(x.shape, inputs: weight.map { [x, $0] } ?? [x]) { out in
        withGradOrScratch(x) { dx in
            rk_rmsnorm_backward(x.data, out.grad, rstd.data, weight?.data, dx,
                                weight?.requiresGrad == true ? weight!.grad : nil, rows, cols)
        }
    }
    withExtendedLifetime(rstd) {
        rk_rmsnorm_forward(x.data, out.data, rstd.data, weight?.data, rows, cols, eps)
    }
    return out
}

/// GroupNorm: x (B, C, ...) normalised over each group of C/groups channels and all
/// positions; weight, bias (C) or nil.
public func groupNorm(_ x: Tensor, groups: Int, weight: Tensor?, bias: Tensor?, eps: Float = 1e-5) -> Tensor {
    shapeCheck(x.rank >= 2 && x.shape[1] % groups == 0, "groupNorm of \(x.shape) into \(groups) groups")
    let b = x.shape[0], c = x.shape[1], s = x.count / max(b * c, 1)
    let mean = Tensor(uninitialized: [b * groups]), rstd = Tensor(uninitialized: [b * groups])
    var inputs = [x]
    if let weight { inputs.append(weight) }
    if let bias { inputs.append(bias) }
    let out = Tensor.result(x.shape, inputs: inputs) { out in
        withGradOrScratch(x) { dx in
            let px = x.data, g = out.grad, pm = mean.data, pr = rstd.data, w = weight?.data
            let dw = weight?.requiresGrad == true ? weight!.grad : nil
            let db = bias?.requiresGrad == true ? bias!.grad : nil
            forEachGroupPiece(batch: b, channels: c, spatial: s, groups: groups) { bi, g0, ng in
                let off = (bi * c + g0 * (c / groups)) * s, ch = g0 * (c / groups)
                rk_groupnorm_backward(px + off, g + off, pm + bi * groups + g0, pr + bi * groups + g0, w.map { $0 + ch },
                                      dx + off, dw.map { $0 + ch }, db.map { $0 + ch }, 1, ng * (c / groups), s, ng)
            }
        }
    }
    withExtendedLifetime((mean, rstd)) {
        let px = x.data, y = out.data, pm = mean.data, pr = rstd.data, w = weight?.data, bb = bias?.data
        forEachGroupPiece(batch: b, channels: c, spatial: s, groups: groups) { bi, g0, ng in
            let off = (bi * c + g0 * (c / groups)) * s, ch = g0 * (c / groups)
            rk_groupnorm_forward(px + off, y + off, pm + bi * groups + g0, pr + bi * groups + g0, w.map { $0 + ch },
                                 bb.map { $0 + ch }, 1, ng * (c / groups), s, ng, eps)
        }
    }
    return out
}

/// Runs body(batchIndex, firstGroup, groupCount) over every (batch, group); large tensors
/// are split by groups across the cores (each piece loops over the batch, so per-channel
/// weight gradients never have two writers).
func forEachGroupPiece(batch: Int, channels: Int, spatial: Int, groups: Int, _ body: (Int, Int, Int) -> Void) {
    let pieces = min(Parallel.threads, groups, batch * channels * spatial / parallelElementwiseGrain)
    if pieces <= 1 {
        for bi in 0..<batch { body(bi, 0, groups) }
        return
    }
    let step = (groups + pieces - 1) / pieces
    Parallel.forEach(pieces) { p in
        let g0 = p * step
        guard g0 < groups else { return }
        for bi in 0..<batch { body(bi, g0, min(step, groups - g0)) }
    }
}

/// adaLN modulation: x (B, T, C) * (1 + scale) + shift, scale and shift (B, C).
public func modulate(_ x: Tensor, shift: Tensor, scale: Tensor) -> Tensor {
    shapeCheck(x.rank == 3 && shift.shape == [x.shape[0], x.shape[2]] && scale.shape == shift.shape,
               "modulate of x \(x.shape) with shift \(shift.shape) and scale \(scale.shape)")
    let bsz = x.shape[0], t = x.shape[1], c = x.shape[2]
    let out = Tensor.result(x.shape, inputs: [x, shift, scale]) { out in
        let g = out.grad
        for b in 0..<bsz {
            let sc = scale.data + b * c
            for i in 0..<t {
                let row = (b * t + i) * c
                if x.requiresGrad {
                    let gx = x.grad + row
                    for j in 0..<c { gx[j] += g[row + j] * (1 + sc[j]) }
                }
                if shift.requiresGrad { rk_axpy(1, g + row, shift.grad + b * c, c) }
                if scale.requiresGrad { rk_fma_accumulate(g + row, x.data + row, scale.grad + b * c, c) }
            }
        }
    }
    let px = x.data, y = out.data
    for b in 0..<bsz {
        let sc = scale.data + b * c, sh = shift.data + b * c
        for i in 0..<t {
            let row = (b * t + i) * c
            for j in 0..<c { y[row + j] = px[row + j] * (1 + sc[j]) + sh[j] }
        }
    }
    return out
}

/// LayerNorm with learned weight and bias (or none: `elementwiseAffine: false`).
public final class LayerNorm: Layer {
    public let weight: Tensor?
    public let bias: Tensor?
    public let eps: Float

    public init(_ features: Int, eps: Float = 1e-5, elementwiseAffine: Bool = true) {
        weight = elementwiseAffine ? Tensor(repeating: 1, shape: [features], requiresGrad: true) : nil
        bias = elementwiseAffine ? Tensor(zeros: [features], requiresGrad: true) : nil
        self.eps = eps
    }

    /// A LayerNorm with given (e.g. loaded) weight and bias (C), or nil for no affine.
    public init(weight: Tensor?, bias: Tensor?, eps: Float = 1e-5) {
        self.weight = weight
        self.bias = bias
        self.eps = eps
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { layerNorm(x, weight: weight, bias: bias, eps: eps) }

    public func namedParameters() -> [(name: String, tensor: Tensor)] {
        guard let weight, let bias else { return [] }
        return [(name: "weight", tensor: weight), (name: "bias", tensor: bias)]
    }
}

/// RMSNorm with a learned weight.
public final class RMSNorm: Layer {
    public let weight: Tensor
    public let eps: Float

    public init(_ features: Int, eps: Float = 1e-6) {
        weight = Tensor(repeating: 1, shape: [features], requiresGrad: true)
        self.eps = eps
    }

    /// An RMSNorm with a given (e.g. loaded) weight (C).
    public init(weight: Tensor, eps: Float = 1e-6) {
        self.weight = weight
        self.eps = eps
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { rmsNorm(x, weight: weight, eps: eps) }

    public func namedParameters() -> [(name: String, tensor: Tensor)] { [(name: "weight", tensor: weight)] }
}

/// GroupNorm with learned per-channel weight and bias.
public final class GroupNorm: Layer {
    public let groups: Int
    public let weight: Tensor
    public let bias: Tensor
    public let eps: Float

    public init(groups: Int, channels: Int, eps: Float = 1e-5) {
        self.groups = groups
        weight = Tensor(repeating: 1, shape: [channels], requiresGrad: true)
        bias = Tensor(zeros: [channels], requiresGrad: true)
        self.eps = eps
    }

    /// A GroupNorm with given (e.g. loaded) weight and bias (C).
    public init(groups: Int, weight: Tensor, bias: Tensor, eps: Float = 1e-5) {
        self.groups = groups
        self.weight = weight
        self.bias = bias
        self.eps = eps
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { groupNorm(x, groups: groups, weight: weight, bias: bias, eps: eps) }

    public func namedParameters() -> [(name: String, tensor: Tensor)] {
        [(name: "weight", tensor: weight), (name: "bias", tensor: bias)]
    }
}
