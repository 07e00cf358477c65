// Shape operations: reshape (a view), permute, concat, split.

extension Tensor {
    /// The same elements with another shape (a view: shares data and gradient).
    /// One dimension may be -1 (inferred).
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var shape = newShape
        if let i = shape.firstIndex(of: -1) {
            let known = shape.enumerated().filter { $0.offset != i }.map(\.element).reduce(1, *)
            shapeCheck(known > 0 && count % known == 0, "cannot reshape \(self.shape) to \(newShape)")
            shape[i] = count / known
        }
        shapeCheck(shape.reduce(1, *) == count, "cannot reshape \(self.shape) (\(count) elements) to \(newShape)")
        let view = Tensor(shape: shape, storage: storage, requiresGrad: false)
        view.isView = true
        // The view shares the gradient buffer, so its backward has nothing to do; the
        // edge keeps the topological order (the parent runs after the view's users).
        view.record(inputs: [self]) { _ in }
        return view
    }

    /// Dimensions reordered: result dimension i is input dimension `order[i]`.
    public func permuted(_ order: [Int]) -> Tensor {
        shapeCheck(order.sorted() == Array(0..<rank), "permutation \(order) for rank \(rank)")
        let outShape = order.map { shape[$0] }
        var inStrides = [Int](repeating: 1, count: rank)
        for i in stride(from: rank - 2, through: 0, by: -1) { inStrides[i] = inStrides[i + 1] * shape[i + 1] }
        let strides = order.map { inStrides[$0] }  // input stride of each output dimension
        let src = self
        let out = Tensor.result(outShape, inputs: [self]) { out in
            let g = out.grad, gx = src.grad
            permuteWalk(outShape, strides) { o, i, n, s in
                for j in 0..<n { gx[i + j * s] += g[o + j] }
            }
        }
        let px = data, po = out.data
        permuteWalk(outShape, strides) { o, i, n, s in
            for j in 0..<n { po[o + j] = px[i + j * s] }
        }
        return out
    }

    /// The last two dimensions swapped.
    public func transposedLastTwo() -> Tensor {
        var order = Array(0..<rank)
        order.swapAt(rank - 1, rank - 2)
        return permuted(order)
    }
}

/// Walks the output in row order: body(outOffset, inOffset, innerCount, innerInStride).
func permuteWalk(_ outShape: [Int], _ inStrides: [Int], _ body: (Int, Int, Int, Int) -> Void) {
    let n = outShape.count
    if n == 0 { body(0, 0, 1, 0); return }
    let inner = outShape[n - 1], rows = outShape.dropLast().reduce(1, *)
    var index = [Int](repeating: 0, count: n - 1)
    var off = 0
    for r in 0..<rows {
        body(r * inner, off, inner, inStrides[n - 1])
        var d = n - 2
        while d >= 0 {
            index[d] += 1
            off += inStrides[d]
            if index[d] < outShape[d] { break }
            off -= inStrides[d] * outShape[d]
            index[d] = 0
            d -= 1
        }
    }
}

/// Tensors joined along `axis` (all other dimensions equal).
public func concat(_ tensors: [Tensor], axis: Int) -> Tensor {
    shapeCheck(!tensors.isEmpty, "concat of no tensors")
    let first = tensors[0]
    let ax = axis < 0 ? axis + first.rank : axis
    for t in tensors {
        shapeCheck(t.rank == first.rank && (0..<t.rank).allSatisfy { $0 == ax || t.shape[$0] == first.shape[$0] },
                   "concat along \(axis) of shapes \(tensors.map(\.shape))")
    }
    let outer = first.shape[..<ax].reduce(1, *), inner = first.shape[(ax + 1)...].reduce(1, *)
    let sizes = tensors.map { $0.shape[ax] }, total = sizes.reduce(0, +)
    var shape = first.shape
    shape[ax] = total
    let out = Tensor.result(shape, inputs: tensors) { out in
        let g = out.grad
        var start = 0
        for (t, n) in zip(tensors, sizes) {
            if t.requiresGrad {
                let gt = t.grad
                for o in 0..<outer { for j in 0..<(n * inner) { gt[o * n * inner + j] += g[(o * total + start) * inner + j] } }
            }
            start += n
        }
    }
    var start = 0
    for (t, n) in zip(tensors, sizes) {
        for o in 0..<outer {
            (out.data + (o * total + start) * inner).update(from: t.data + o * n * inner, count: n * inner)
        }
        start += n
    }
    return out
}

/// Pieces of `x` along `axis` with the given sizes (which must add up to that dimension).
public func split(_ x: Tensor, sizes: [Int], axis: Int) -> [Tensor] {
    let ax = axis < 0 ? axis + x.rank : axis
    shapeCheck(ax >= 0 && ax < x.rank && sizes.reduce(0, +) == x.shape[ax],
               "split of shape \(x.shape) into \(sizes) along \(axis)")
    let outer = x.shape[..<ax].reduce(1, *), inner = x.shape[(ax + 1)...].reduce(1, *), total = x.shape[ax]
    var pieces: [Tensor] = []
    var start = 0
    for n in sizes {
        var shape = x.shape
        shape[ax] = n
        let s = start
        let piece = Tensor.result(shape, inputs: [x]) { out in
            let g = out.grad, gx = x.grad
            for o in 0..<outer { for j in 0..<(n * inner) { gx[(o * total + s) * inner + j] += g[o * n * inner + j] } }
        }
        for o in 0..<outer {
            (piece.data + o * n * inner).update(from: x.data + (o * total + s) * inner, count: n * inner)
        }
        pieces.append(piece)
        start += n
    }
    return pieces
}

/// `parts` equal pieces of `x` along `axis`.
public func chunk(_ x: Tensor, _ parts: Int, axis: Int) -> [Tensor] {
    let ax = axis < 0 ? axis + x.rank : axis
    shapeCheck(x.shape[ax] % parts == 0, "chunk of \(x.shape) into \(parts) along \(axis)")
    return split(x, sizes: [Int](repeating: x.shape[ax] / parts, count: parts), axis: axis)
}
