// BufferPool: recycles large tensor buffers, so a forward or backward pass that runs
// again and again reuses memory instead of asking the kernel for fresh zeroed pages
// (page faults cost several percent of a transformer block's time otherwise).
//
// Buffers of at least `minimumPooled` floats are rounded up to one of four size
// classes per power of two (at most 25% slack) and kept on a free list when
// released, up to `limitBytes` in all; smaller ones go straight to malloc.

import Foundation

final class BufferPool: @unchecked Sendable {  // state guarded by `lock`
    static let shared = BufferPool()

    static let minimumPooled = 4096
    let limitBytes = 512 << 20
    private let lock = NSLock()
    private var free: [Int: [UnsafeMutablePointer<Float>]] = [:]
    private var cachedBytes = 0

    /// The capacity a request for `count` floats gets.
    static func capacity(for count: Int) -> Int {
        guard count >= minimumPooled else { return max(count, 1) }
        let top = Int.bitWidth - 1 - count.leadingZeroBitCount  // floor(log2(count))
        let step = 1 << (top - 2)
        return (count + step - 1) / step * step
    }

    func allocate(_ count: Int) -> UnsafeMutablePointer<Float> {
        let capacity = Self.capacity(for: count)
        if capacity >= Self.minimumPooled {
            lock.lock()
            if var list = free[capacity], let p = list.popLast() {
                free[capacity] = list
                cachedBytes -= capacity * 4
                lock.unlock()
                return p
            }
            lock.unlock()
        }
        return .allocate(capacity: capacity)
    }

    func release(_ p: UnsafeMutablePointer<Float>, count: Int) {
        let capacity = Self.capacity(for: count)
        if capacity >= Self.minimumPooled {
            lock.lock()
            if cachedBytes + capacity * 4 <= limitBytes {
                free[capacity, default: []].append(p)
                cachedBytes += capacity * 4
                lock.unlock()
                return
            }
            lock.unlock()
        }
        p.deallocate()
    }

    /// Frees every cached buffer.
    func drain() {
        lock.lock()
        for list in free.values { for p in list { p.deallocate() } }
        free = [:]
        cachedBytes = 0
        lock.unlock()
    }
}
