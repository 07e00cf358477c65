// Per-channel mean, standard deviation, min and max of frames and tokens, at
// pipe speed: samples are widened to f32 in blocks, summed in SIMD lanes in
// f32 (shifted by the channel's first value, which keeps the sum of squares
// from cancelling) and folded into f64 after each block. A block whose sums
// are not finite is redone one value at a time, counting NaN and infinity
// apart so that they do not hide the statistics of the rest.
import ReelStream

/// Running statistics of one channel.
public struct ChannelStatistics: Equatable, Sendable {
    /// Finite values seen.
    public private(set) var count = 0
    /// NaN and infinite values seen (left out of the other figures).
    public private(set) var nonFinite = 0
    public private(set) var min = Float.infinity
    public private(set) var max = -Float.infinity
    private var shift: Float?
    private var sum = 0.0          // Σ (x - shift)
    private var sumSquares = 0.0   // Σ (x - shift)²

    public init() {}

    public var mean: Double { count == 0 ? .nan : Double(shift ?? 0) + sum / Double(count) }
    /// Population standard deviation.
    public var std: Double {
        guard count > 0 else { return .nan }
        let m = sum / Double(count)
        return (Swift.max(0, sumSquares / Double(count) - m * m)).squareRoot()
    }

    /// Adds `n` contiguous values.
    public mutating func add(_ p: UnsafePointer<Float>, count n: Int) {
        var i = 0
        while i < n {
            let m = Swift.min(ChannelStatistics.block, n - i)
            addBlock(p + i, m)
            i += m
        }
    }

    static let block = 1024

    private mutating func addBlock(_ p: UnsafePointer<Float>, _ n: Int) {
        if shift == nil {
            guard let first = (0..<n).first(where: { p[$0].isFinite }) else { addSlowly(p, n); return }
            shift = p[first]
        }
        let k = shift ?? 0
        let kv = SIMD8<Float>(repeating: k)
        var s0 = SIMD8<Float>(), s1 = SIMD8<Float>(), q0 = SIMD8<Float>(), q1 = SIMD8<Float>()
        var lo0 = SIMD8<Float>(repeating: .infinity), lo1 = lo0
        var hi0 = SIMD8<Float>(repeating: -.infinity), hi1 = hi0
        let raw = UnsafeRawPointer(p)
        var j = 0
        while j + 16 <= n {
            let a = raw.loadUnaligned(fromByteOffset: j * 4, as: SIMD8<Float>.self)
            let b = raw.loadUnaligned(fromByteOffset: j * 4 + 32, as: SIMD8<Float>.self)
            let da = a - kv, db = b - kv
            s0 += da; s1 += db
            q0 += da * da; q1 += db * db
            // Compare-and-select rather than pointwiseMin/Max, which are not inlined.
            lo0.replace(with: a, where: a .< lo0); lo1.replace(with: b, where: b .< lo1)
            hi0.replace(with: a, where: a .> hi0); hi1.replace(with: b, where: b .> hi1)
            j += 16
        }
        var s = (s0 + s1).sum(), q = (q0 + q1).sum()
        var lo = Swift.min(lo0.min(), lo1.min()), hi = Swift.max(hi0.max(), hi1.max())
        while j < n {
            let x = p[j], d = x - k
            s += d; q += d * d
            lo = Swift.min(lo, x); hi = Swift.max(hi, x)
            j += 1
        }
        guard s.isFinite && q.isFinite else { addSlowly(p, n); return }
        sum += Double(s); sumSquares += Double(q)
        count += n
        min = Swift.min(min, lo); max = Swift.max(max, hi)
    }

    /// The value sums are taken relative to; set from the first finite value.
    mutating func shiftValue(default x: Float) -> Float {
        if shift == nil && x.isFinite { shift = x }
        return shift ?? 0
    }

    /// Adds sums already reduced elsewhere, relative to `shiftValue`.
    mutating func addReduced(count n: Int, sum s: Double, sumSquares q: Double, min lo: Float, max hi: Float) {
        sum += s; sumSquares += q
        count += n
        min = Swift.min(min, lo); max = Swift.max(max, hi)
    }

    /// One value at a time in f64, setting NaN and infinity apart.
    mutating func addSlowly(_ p: UnsafePointer<Float>, _ n: Int) {
        for j in 0..<n {
            let x = p[j]
            guard x.isFinite else { nonFinite += 1; continue }
            if shift == nil { shift = x }
            let d = Double(x) - Double(shift ?? 0)
            sum += d; sumSquares += d * d
            count += 1
            min = Swift.min(min, x); max = Swift.max(max, x)
        }
    }

    /// Merges statistics of the same channel gathered elsewhere.
    public mutating func merge(_ o: ChannelStatistics) {
        guard o.count > 0 || o.nonFinite > 0 else { return }
        nonFinite += o.nonFinite
        guard o.count > 0 else { return }
        if shift == nil { shift = o.shift }
        // Move o's sums to this shift: Σ(x-a) = Σ(x-b) + n(b-a); Σ(x-a)² = Σ(x-b)² + 2(b-a)Σ(x-b) + n(b-a)².
        let delta = Double(o.shift ?? 0) - Double(shift ?? 0)
        let n = Double(o.count)
        sum += o.sum + n * delta
        sumSquares += o.sumSquares + 2 * delta * o.sum + n * delta * delta
        count += o.count
        min = Swift.min(min, o.min); max = Swift.max(max, o.max)
    }
}

/// Widens samples of any dtype to f32, a block at a time.
struct SampleWidener {
    let dtype: DType
    let scratch = UnsafeMutablePointer<Float>.allocate(capacity: ChannelStatistics.block)

    init(dtype: DType) { self.dtype = dtype }

    /// Calls `body` with f32 views of `n` samples at `p`, at most a block at a time.
    func forEachBlock(_ p: UnsafeRawPointer, count n: Int, _ body: (UnsafePointer<Float>, Int) -> Void) {
        if dtype == .f32 {
            body(p.assumingMemoryBound(to: Float.self), n)
            return
        }
        var i = 0
        while i < n {
            let m = Swift.min(ChannelStatistics.block, n - i)
            widen(p, from: i, count: m, into: scratch)
            body(scratch, m)
            i += m
        }
    }

    func widen(_ p: UnsafeRawPointer, from i: Int, count m: Int, into out: UnsafeMutablePointer<Float>) {
        switch dtype {
        case .u8:
            let s = (p + i).assumingMemoryBound(to: UInt8.self)
            for j in 0..<m { out[j] = Float(s[j]) }
        case .u16:
            for j in 0..<m { out[j] = Float(UInt16(littleEndian: p.loadUnaligned(fromByteOffset: (i + j) * 2, as: UInt16.self))) }
        case .f16:
            for j in 0..<m {
                out[j] = float(fromHalf: UInt16(littleEndian: p.loadUnaligned(fromByteOffset: (i + j) * 2, as: UInt16.self)))
            }
        case .bf16:
            for j in 0..<m {
                let b = UInt16(littleEndian: p.loadUnaligned(fromByteOffset: (i + j) * 2, as: UInt16.self))
                out[j] = Float(bitPattern: UInt32(b) << 16)
            }
        case .f32:
            for j in 0..<m { out[j] = Float(bitPattern: UInt32(littleEndian: p.loadUnaligned(fromByteOffset: (i + j) * 4, as: UInt32.self))) }
        }
    }

    func deallocate() { scratch.deallocate() }
}

/// IEEE 754 binary16 to f32 (portable: Float16 is not on every platform).
@inlinable func float(fromHalf h: UInt16) -> Float {
    let sign = UInt32(h & 0x8000) << 16
    let exp = Int((h >> 10) & 0x1F), frac = UInt32(h & 0x3FF)
    if exp == 0 {
        let v = Float(frac) * (1.0 / 16_777_216.0)   // subnormal: frac · 2^-24
        return sign != 0 ? -v : v
    }
    if exp == 31 { return Float(bitPattern: sign | 0x7F80_0000 | (frac << 13)) }
    return Float(bitPattern: sign | (UInt32(exp + 112) << 23) | (frac << 13))
}

/// Statistics of token values per channel. A token's D = C·K values are
/// ordered (c, dt, dy, dx), so channel c is columns c·K ..< (c+1)·K. Columns
/// are summed over up to 256 tokens at a time in f32 (a loop the compiler
/// vectorizes across columns), then folded into each channel's statistics.
final class TokenStatistics {
    let dim: Int, perChannel: Int
    var channels: [ChannelStatistics]
    private let shift, s, q, lo, hi: UnsafeMutablePointer<Float>
    private let rowsPerBlock = 256

    init(channels c: Int, dim: Int) {
        self.dim = dim
        perChannel = dim / c
        channels = [ChannelStatistics](repeating: ChannelStatistics(), count: c)
        shift = .allocate(capacity: dim); s = .allocate(capacity: dim); q = .allocate(capacity: dim)
        lo = .allocate(capacity: dim); hi = .allocate(capacity: dim)
    }

    deinit { for p in [shift, s, q, lo, hi] { p.deallocate() } }

    /// Adds `rows` tokens of `dim` f32 values each.
    func add(_ p: UnsafePointer<Float>, rows: Int) {
        var r = 0
        while r < rows {
            let m = Swift.min(rowsPerBlock, rows - r)
            addBlock(p + r * dim, m)
            r += m
        }
    }

    private func addBlock(_ p: UnsafePointer<Float>, _ rows: Int) {
        let d = dim
        for c in 0..<channels.count {
            let k = channels[c].shiftValue(default: p[c * perChannel])
            for v in (c * perChannel)..<((c + 1) * perChannel) { shift[v] = k }
        }
        s.update(repeating: 0, count: d); q.update(repeating: 0, count: d)
        lo.update(repeating: .infinity, count: d); hi.update(repeating: -.infinity, count: d)
        for r in 0..<rows {
            let row = p + r * d
            for v in 0..<d {
                let x = row[v], e = x - shift[v]
                s[v] += e; q[v] += e * e
                lo[v] = x < lo[v] ? x : lo[v]
                hi[v] = x > hi[v] ? x : hi[v]
            }
        }
        for c in 0..<channels.count {
            var cs = 0.0, cq = 0.0, cl = Float.infinity, ch = -Float.infinity
            for v in (c * perChannel)..<((c + 1) * perChannel) {
                cs += Double(s[v]); cq += Double(q[v]); cl = Swift.min(cl, lo[v]); ch = Swift.max(ch, hi[v])
            }
            if cs.isFinite && cq.isFinite {
                channels[c].addReduced(count: rows * perChannel, sum: cs, sumSquares: cq, min: cl, max: ch)
            } else {
                for r in 0..<rows { channels[c].addSlowly(p + r * d + c * perChannel, perChannel) }
            }
        }
    }
}
