// Embedding lookup: rows of a table picked by integer ids.
// Legend: V vocabulary (table rows), C width; ids of any shape S -> (S..., C).
import ReelSystem

/// table (V, C), ids (S...) -> (S..., C). Ids must be in 0..<V (checked).
public func embedding(_ table: Tensor, ids: [Int32], shape: [Int]) -> Tensor {
    shapeCheck(table.rank == 2 && ids.count == shape.reduce(1, *), "embedding of \(ids.count) ids, shape \(shape), table \(table.shape)")
    let v = table.shape[0], c = table.shape[1]
    for id in ids { shapeCheck(id >= 0 && Int(id) < v, "embedding id \(id) outside 0..<\(v)") }
    let out = Tensor.result(shape + [c], inputs: [table]) { out in
        let g = out.grad, gt = table.grad
        for (n, id) in ids.enumerated() {
            let dst = gt + Int(id) * c, src = g + n * c
            for j in 0..<c { dst[j] += src[j] }
        }
    }
    for (n, id) in ids.enumerated() { (out.data + n * c).update(from: table.data + Int(id) * c, count: c) }
    return out
}

/// A learned table of `count` vectors of width `features`, initialised N(0, 1) like PyTorch.
public final class Embedding: Layer {
    public let weight: Tensor

    public init(count: Int, features: Int, rng: inout Xoshiro256StarStar) {
        weight = Tensor(randomNormal: [count, features], using: &rng, requiresGrad: true)
    }

    /// An embedding with a given (e.g. loaded) table (V, C).
    public init(weight: Tensor) {
        self.weight = weight
    }

    public func callAsFunction(_ ids: [Int32], shape: [Int]) -> Tensor { embedding(weight, ids: ids, shape: shape) }

    public func namedParameters() -> [(name: String, tensor: Tensor)] { [(name: "weight", tensor: weight)] }
}
