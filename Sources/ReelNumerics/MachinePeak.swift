// The machine's own fp32 peak, measured: an FMA loop in vector registers (AVX-512, else AVX2)
// on every core at once, which the benchmarks print their figures as a share of (instead of a
// constant that fits one CPU and not the next).

import Dispatch
import Foundation
import ReelKernels

public enum MachinePeak {
    /// GFLOP/s of `threads` cores running the FMA loop together (best of `rounds`), and the
    /// vector width it used.
    public static func measure(threads: Int = ProcessInfo.processInfo.activeProcessorCount,
                               iterations: Int = 20_000_000, rounds: Int = 3) -> (gflops: Double, vectorBits: Int) {
        var best = 0.0
        var bits: Int32 = 0
        for _ in 0..<rounds {
            let flops = UnsafeMutableBufferPointer<Double>.allocate(capacity: threads)
            defer { flops.deallocate() }
            let width = UnsafeMutablePointer<Int32>.allocate(capacity: threads)
            defer { width.deallocate() }
            let start = DispatchTime.now().uptimeNanoseconds
            nonisolated(unsafe) let f = flops, w = width
            DispatchQueue.concurrentPerform(iterations: threads) { i in
                f[i] = rk_fma_peak_flops(iterations, w + i)
            }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            best = max(best, flops.reduce(0, +) / seconds / 1e9)
            bits = width[0]
        }
        return (best, Int(bits))
    }
}
