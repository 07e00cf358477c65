// Data-parallel training's step: every rank's gradients (and a few scalars: the loss, stop
// requests) summed over the ranks of a ProcessGroup in one all-reduce.

import ReelSystem

/// A reusable buffer for summing the gradients of `parameters` and `extras` scalars over a group.
public struct GradientAllReduce {
    public let group: ProcessGroup
    private var buffer: [Float]
    private let gradientCount: Int

    public init(parameters: [ParameterRef], extras: Int, group: ProcessGroup) {
        self.group = group
        gradientCount = parameters.reduce(0) { $0 + $1.grad.count }
        buffer = group.size > 1 ? [Float](repeating: 0, count: gradientCount + extras) : []
    }

    /// Replaces every gradient and each of `extras` with its sum over the ranks (nothing alone).
    public mutating func sum(_ parameters: [ParameterRef], extras: inout [Float]) throws(MessagePassingError) {
        guard group.size > 1 else { return }
        precondition(extras.count == buffer.count - gradientCount, "\(extras.count) extras, expected \(buffer.count - gradientCount)")
        try buffer.withUnsafeMutableBufferPointer { (all: inout UnsafeMutableBufferPointer<Float>) throws(MessagePassingError) in
            var k = 0
            for p in parameters { (all.baseAddress! + k).update(from: p.grad.baseAddress!, count: p.grad.count); k += p.grad.count }
            for (i, e) in extras.enumerated() { all[k + i] = e }
            try group.sumAll(all)
            k = 0
            for p in parameters { p.grad.baseAddress!.update(from: all.baseAddress! + k, count: p.grad.count); k += p.grad.count }
            for i in extras.indices { extras[i] = all[k + i] }
        }
    }
}
