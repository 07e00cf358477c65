// Parallel: the engine's use of the cores (Dispatch's concurrentPerform).

import Dispatch
import Foundation

public enum Parallel {
    /// Worker count: the REEL_NUM_THREADS environment variable if set, else the active cores.
    public static let threads: Int = {
        if let text = ProcessInfo.processInfo.environment["REEL_NUM_THREADS"], let n = Int(text), n >= 1 {
            return n
        }
        return max(1, ProcessInfo.processInfo.activeProcessorCount)
    }()

    /// Runs body(0..<n) across the cores (inline when n == 1 or one thread).
    @inline(__always)
    public static func forEach(_ n: Int, _ body: (Int) -> Void) {
        if n <= 1 || threads <= 1 {
            for i in 0..<n { body(i) }
        } else {
            // The workers share raw buffers (pointers are not Sendable); each iteration writes
            // a disjoint part, which is the caller's contract, so the closure is passed on as
            // @Sendable. concurrentPerform returns only when every iteration is done.
            withoutActuallyEscaping(body) { work in
                let sendable = unsafeBitCast(work, to: (@Sendable (Int) -> Void).self)
                DispatchQueue.concurrentPerform(iterations: n, execute: sendable)
            }
        }
    }
}
