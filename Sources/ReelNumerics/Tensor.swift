// Tensor: a contiguous row-major Float32 array with a shape, and the reverse-mode
// autograd graph that connects tensors made by operations.
//
// Autograd: an operation on tensors of which at least one `requiresGrad` (while
// `GradMode.isEnabled`) records its inputs and a backward closure in its output.
// `loss.backward()` walks that graph in reverse topological order; each closure ADDS
// into its inputs' gradient buffers (so gradients of parameters accumulate over calls
// until `zeroGrad()`), then the graph is released. Inference mode: run the forward
// pass inside `GradMode.withoutGrad { ... }` (or on tensors that need no gradient)
// and no graph is recorded and nothing is kept for a backward pass.
//
// A reshape is a view: it shares the data AND the gradient buffer of its input.
// Gradients of intermediate (non-leaf) tensors are freed once passed on, as in PyTorch;
// leaves (parameters, inputs marked requiresGrad) keep theirs.

import Foundation
import ReelSystem

/// Data and (lazily allocated, zero-initialised) gradient buffers shared by a tensor and its views.
public final class TensorStorage: @unchecked Sendable {
    public let count: Int
    public let data: UnsafeMutablePointer<Float>
    public private(set) var grad: UnsafeMutablePointer<Float>?

    init(count: Int) {
        self.count = count
        data = BufferPool.shared.allocate(count)
    }

    /// The gradient buffer, allocated and zeroed on first use.
    func gradient() -> UnsafeMutablePointer<Float> {
        if let grad { return grad }
        let g = BufferPool.shared.allocate(count)
        g.initialize(repeating: 0, count: max(count, 1))
        grad = g
        return g
    }

    func dropGradient() {
        if let grad { BufferPool.shared.release(grad, count: count) }
        grad = nil
    }

    deinit {
        BufferPool.shared.release(data, count: count)
        if let grad { BufferPool.shared.release(grad, count: count) }
    }
}

/// Whether operations record the autograd graph (per task / thread; default on).
public enum GradMode {
    @TaskLocal public static var isEnabled: Bool = true

    /// Runs `body` in inference mode: no graph is recorded.
    public static func withoutGrad<R>(_ body: () throws -> R) rethrows -> R {
        try $isEnabled.withValue(false, operation: body)
    }
}

/// Stops with a message naming the operation when a shape contract is broken.
/// (A programming error, not bad user data: callers validate user input first.)
@inline(__always)
func shapeCheck(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError("ReelNumerics: \(message())") }
}

public final class Tensor: @unchecked Sendable {
    /// Sizes of each dimension, outermost first. [] is a scalar.
    public let shape: [Int]
    public let storage: TensorStorage
    /// Whether `backward()` computes a gradient for this tensor.
    public var requiresGrad: Bool
    /// Inputs of the operation that made this tensor (empty for leaves and after backward).
    var parents: [Tensor] = []
    /// Adds this tensor's gradient, through the operation, into its parents' gradients.
    var backwardFn: ((Tensor) -> Void)?
    /// Whether this tensor shares its storage (and gradient) with the tensor it was made from.
    var isView = false

    public var count: Int { storage.count }
    public var rank: Int { shape.count }
    /// The first element of the data.
    public var data: UnsafeMutablePointer<Float> { storage.data }
    /// The gradient buffer (allocated and zeroed on first access).
    public var grad: UnsafeMutablePointer<Float> { storage.gradient() }
    public var hasGrad: Bool { storage.grad != nil }

    /// An uninitialised tensor (every element must be written before it is read).
    public init(uninitialized shape: [Int], requiresGrad: Bool = false) {
        shapeCheck(shape.allSatisfy { $0 >= 0 }, "negative size in shape \(shape)")
        self.shape = shape
        storage = TensorStorage(count: shape.reduce(1, *))
        self.requiresGrad = requiresGrad
    }

    init(shape: [Int], storage: TensorStorage, requiresGrad: Bool) {
        self.shape = shape
        self.storage = storage
        self.requiresGrad = requiresGrad
    }

    public convenience init(zeros shape: [Int], requiresGrad: Bool = false) {
        self.init(repeating: 0, shape: shape, requiresGrad: requiresGrad)
    }

    public convenience init(repeating value: Float, shape: [Int], requiresGrad: Bool = false) {
        self.init(uninitialized: shape, requiresGrad: requiresGrad)
        data.initialize(repeating: value, count: count)
    }

    public convenience init(_ values: [Float], shape: [Int], requiresGrad: Bool = false) {
        self.init(uninitialized: shape, requiresGrad: requiresGrad)
        shapeCheck(values.count == count, "\(values.count) values for shape \(shape)")
        values.withUnsafeBufferPointer { data.update(from: $0.baseAddress!, count: count) }
    }

    /// Normal(0, std) samples from `rng` (Box-Muller).
    public convenience init(randomNormal shape: [Int], std: Float = 1, using rng: inout Xoshiro256StarStar,
                            requiresGrad: Bool = false) {
        self.init(uninitialized: shape, requiresGrad: requiresGrad)
        for i in 0..<count { data[i] = rng.nextNormal() * std }
    }

    /// Uniform(-bound, bound) samples from `rng`.
    public convenience init(randomUniform shape: [Int], bound: Float, using rng: inout Xoshiro256StarStar,
                            requiresGrad: Bool = false) {
        self.init(uninitialized: shape, requiresGrad: requiresGrad)
        for i in 0..<count { data[i] = (rng.nextFloat() * 2 - 1) * bound }
    }

    /// A copy of the data as an array.
    public var scalars: [Float] { Array(UnsafeBufferPointer(start: data, count: count)) }
    /// A copy of the gradient as an array (zeros when none was computed).
    public var gradScalars: [Float] {
        guard let g = storage.grad else { return [Float](repeating: 0, count: count) }
        return Array(UnsafeBufferPointer(start: g, count: count))
    }
    /// The single value of a one-element tensor.
    public var item: Float { data[0] }

    /// The data as a buffer (for optimizers and file I/O).
    public var valueBuffer: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: data, count: count) }
    /// The gradient as a buffer (allocated and zeroed on first access).
    public var gradBuffer: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: grad, count: count) }

    /// Sets the gradient to zero (keeps the buffer).
    public func zeroGrad() {
        if let g = storage.grad { g.update(repeating: 0, count: count) }
    }

    /// Frees the gradient buffer.
    public func dropGrad() { storage.dropGradient() }

    /// The same data, cut from the graph (shares storage).
    public func detached() -> Tensor { Tensor(shape: shape, storage: storage, requiresGrad: false) }

    /// A deep copy of the data (no graph, no gradient).
    public func copy() -> Tensor {
        let t = Tensor(uninitialized: shape)
        t.data.update(from: data, count: count)
        return t
    }

    /// Makes the output of an operation: records `inputs` and `backward` when autograd is on
    /// and an input needs a gradient.
    static func result(_ shape: [Int], inputs: [Tensor], backward: @escaping (Tensor) -> Void) -> Tensor {
        let out = Tensor(uninitialized: shape)
        out.record(inputs: inputs, backward: backward)
        return out
    }

    func record(inputs: [Tensor], backward: @escaping (Tensor) -> Void) {
        guard GradMode.isEnabled, inputs.contains(where: { $0.requiresGrad }) else { return }
        requiresGrad = true
        parents = inputs
        backwardFn = backward
    }

    /// Reverse-mode differentiation from this tensor: seeds its gradient with `seed`
    /// (ones when nil, e.g. for a scalar loss), runs every recorded backward closure in
    /// reverse topological order, and releases the graph.
    public func backward(seed: Tensor? = nil) {
        shapeCheck(requiresGrad, "backward() on a tensor that does not require a gradient")
        let g = grad
        if let seed {
            shapeCheck(seed.count == count, "backward seed has \(seed.count) elements, tensor \(count)")
            for i in 0..<count { g[i] += seed.data[i] }
        } else {
            for i in 0..<count { g[i] += 1 }
        }
        // Post-order DFS (iterative, graphs can be deep).
        var order: [Tensor] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(Tensor, Int)] = [(self, 0)]
        visited.insert(ObjectIdentifier(self))
        while let (node, next) = stack.popLast() {
            if next < node.parents.count {
                stack.append((node, next + 1))
                let p = node.parents[next]
                if p.requiresGrad, visited.insert(ObjectIdentifier(p)).inserted { stack.append((p, 0)) }
            } else {
                order.append(node)
            }
        }
        // Each closure runs once; right after it, the tensors it kept for the backward pass
        // and the node's own gradient (no longer needed: it has been passed on) are freed,
        // as PyTorch frees non-leaf gradients, so memory falls as the pass proceeds. A view
        // keeps its gradient: it is its parent's buffer.
        for node in order.reversed() {
            guard let fn = node.backwardFn else { continue }
            fn(node)
            node.backwardFn = nil
            node.parents = []
            if node !== self && !node.isView { node.storage.dropGradient() }
        }
    }
}

extension Tensor: CustomStringConvertible {
    /// "Tensor(2, 3) [0.1, 0.2, ...]" with at most 8 values.
    public var description: String {
        let shown = (0..<min(count, 8)).map { "\(data[$0])" }.joined(separator: ", ")
        return "Tensor(\(shape.map(String.init).joined(separator: ", "))) [\(shown)\(count > 8 ? ", ..." : "")]"
            + (requiresGrad ? " requiresGrad" : "")
    }
}

