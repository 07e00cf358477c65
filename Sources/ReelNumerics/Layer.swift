// Layer: a component with named parameters, and the flat view of those parameters
// that optimizers (ReelOptim) and checkpoint files (ReelSafetensors) use.
import ReelSystem

/// A parameter as an optimizer sees it: its name, shape and contiguous value and
/// gradient buffers (borrowed: the layer keeps them alive). `decay` follows the usual
/// convention: weight decay for matrices and kernels (rank >= 2), none for biases and
/// norm weights. ReelOptim's ParameterRef is made from it field for field:
///     ParameterRef(name: v.name, shape: v.shape, value: v.value, grad: v.grad, decay: v.decay)
public struct ParameterView {
    public let name: String
    public let shape: [Int]
    public let value: UnsafeMutableBufferPointer<Float>
    public let grad: UnsafeMutableBufferPointer<Float>
    public let decay: Bool
}

public protocol Layer: AnyObject {
    /// Every trainable tensor, named by its path ("attn.qkv.weight"), in a fixed order.
    func namedParameters() -> [(name: String, tensor: Tensor)]
}

extension Layer {
    public func parameters() -> [Tensor] { namedParameters().map(\.tensor) }

    /// The parameters as flat value/gradient buffers (gradient buffers allocated if needed).
    public func parameterViews() -> [ParameterView] {
        namedParameters().map { ParameterView(name: $0.name, shape: $0.tensor.shape, value: $0.tensor.valueBuffer,
                                              grad: $0.tensor.gradBuffer, decay: $0.tensor.rank >= 2) }
    }

    public func zeroGrad() { for p in parameters() { p.zeroGrad() } }

    public var parameterCount: Int { parameters().reduce(0) { $0 + $1.count } }
}

/// Prefixes a child's parameter names: "attn" + "qkv.weight" -> "attn.qkv.weight".
public func prefixed(_ prefix: String, _ params: [(name: String, tensor: Tensor)]) -> [(name: String, tensor: Tensor)] {
    params.map { (name: prefix + "." + $0.name, tensor: $0.tensor) }
}

/// A trainable tensor initialised like PyTorch's default for a fan-in: U(-1/sqrt(fanIn), 1/sqrt(fanIn)).
public func parameterUniform(_ shape: [Int], fanIn: Int, using rng: inout Xoshiro256StarStar) -> Tensor {
    let bound = 1 / Float(max(fanIn, 1)).squareRoot()
    return Tensor(randomUniform: shape, bound: bound, using: &rng, requiresGrad: true)
}

/// y = x W^T + b. x (..., inFeatures) -> (..., outFeatures). W (out, in), b (out).
public final class Linear: Layer {
    public let weight: Tensor
    public let bias: Tensor?

    public init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true, rng: inout Xoshiro256StarStar) {
        weight = parameterUniform([outFeatures, inFeatures], fanIn: inFeatures, using: &rng)
        self.bias = bias ? parameterUniform([outFeatures], fanIn: inFeatures, using: &rng) : nil
    }

    public init(weight: Tensor, bias: Tensor?) {
        self.weight = weight
        self.bias = bias
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { linear(x, weight: weight, bias: bias) }

    public func namedParameters() -> [(name: String, tensor: Tensor)] {
        [(name: "weight", tensor: weight)] + (bias.map { [(name: "bias", tensor: $0)] } ?? [])
    }
}
