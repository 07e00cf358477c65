// Spacetime patches: a clip of T frames, each C×H×W, becomes (T/pt)·(H/ph)·(W/pw)
// tokens of C·pt·ph·pw values, each with its (t, h, w) position in the patch
// grid. This is how Sora and DiT turn a latent video of any size, aspect ratio
// and duration into a token sequence.
//
// Legend: T frames, C channels, H rows, W columns; pt × ph × pw the patch;
// gt × gh × gw = (T/pt) × (H/ph) × (W/pw) the patch grid; D = C·pt·ph·pw.
// Values within a token are ordered (c, dt, dy, dx), dx fastest.
import ReelSystem
import ReelStream

/// A patch size in frames × rows × columns.
public struct PatchSize: Equatable, Sendable, CustomStringConvertible {
    public var pt: Int, ph: Int, pw: Int

    /// 1×2×2. pt = 1 because a causal video VAE encodes the first frame alone,
    /// so its latents have 1 + n·k frames for any n: only pt = 1 divides every
    /// such length. 2×2 is the spatial patch of DiT and Sora (on 8× latents, a
    /// token covers 16×16 pixels).
    public static let standard = PatchSize(pt: 1, ph: 2, pw: 2)

    public init(pt: Int, ph: Int, pw: Int) { self.pt = pt; self.ph = ph; self.pw = pw }

    /// Parses `PTxPHxPW`, e.g. `1x2x2`; nil when it is not three numbers from 1
    /// to `ReelFormat.maxPatch`.
    public init?(parsing s: String) {
        let parts = s.lowercased().split(separator: "x", omittingEmptySubsequences: false)
        guard parts.count == 3, let t = Int(parts[0]), let h = Int(parts[1]), let w = Int(parts[2]) else { return nil }
        let p = PatchSize(pt: t, ph: h, pw: w)
        guard p.isValid else { return nil }
        self = p
    }

    public var isValid: Bool {
        [pt, ph, pw].allSatisfy { $0 >= 1 && $0 <= ReelFormat.maxPatch }
    }
    public var description: String { "\(pt)x\(ph)x\(pw)" }
}

/// What can be wrong when cutting a clip into patches or putting it back.
public enum PatchError: Error, Equatable, CustomStringConvertible {
    /// A clip side is not divisible by the patch; the message suggests sizes that work.
    case notDivisible(clip: UInt32, frames: Int?, height: Int, width: Int, patch: PatchSize, spatialFactor: Int)
    /// A clip ended with frames that do not fill a group of pt.
    case leftoverFrames(clip: UInt32, frames: Int, pt: Int)
    /// A frame arrived out of order.
    case frameOutOfOrder(record: Int, clip: UInt32, expected: Int, found: Int)
    /// The header announced a frame count that the stream did not keep.
    case frameCountMismatch(clip: UInt32, announced: Int, found: Int)
    /// The stream holds tokens where frames were expected (already patchified).
    case alreadyPatchified(record: Int, clip: UInt32)
    /// Frames of a clip that has tokens.
    case framesInPatchedClip(record: Int, clip: UInt32)
    /// A token position arrived a second time.
    case duplicateToken(record: Int, clip: UInt32, t: Int, h: Int, w: Int)
    /// A token position never arrived.
    case missingToken(clip: UInt32, t: Int, h: Int, w: Int)
    /// So many groups wait for an earlier one that holding them would pass the memory budget.
    case tooFarOutOfOrder(record: Int, clip: UInt32, waiting: Int, next: Int, bytes: Int)
    /// A clip's frames would not fit a FRAM record (reel(5)'s payload cap), so they cannot be written.
    case frameTooLarge(record: Int, clip: UInt32, channels: Int, height: Int, width: Int, dtype: DType)

    public var description: String {
        switch self {
        case let .frameTooLarge(record, clip, c, h, w, dtype):
            let bytes = c * h * w * dtype.size + 8
            return "record \(record): clip \(clip)'s frames of \(c)x\(h)x\(w) \(dtype) would be \(bytes) bytes each, over the \(ReelFormat.maxPayload) bytes (1 GiB) one FRAM record can hold: nothing can be written for it"
        case let .notDivisible(clip, frames, height, width, patch, factor):
            let shape = "\(frames.map(String.init) ?? "?")x\(height)x\(width) (TxHxW)"
            var axes: [String] = []
            if let frames, frames % patch.pt != 0 { axes.append("T divisible by \(patch.pt)") }
            if height % patch.ph != 0 { axes.append("H divisible by \(patch.ph)") }
            if width % patch.pw != 0 { axes.append("W divisible by \(patch.pw)") }
            var tries: [String] = []
            if height % patch.ph != 0 || width % patch.pw != 0 {
                let h = roundUp(height, patch.ph) * factor, w = roundUp(width, patch.pw) * factor
                tries.append("--size \(w)x\(h) at encode")
            }
            let fit = PatchSize(pt: frames.map { largestDivisor(of: $0, atMost: patch.pt) } ?? patch.pt,
                                ph: largestDivisor(of: height, atMost: patch.ph), pw: largestDivisor(of: width, atMost: patch.pw))
            tries.append("--patch \(fit)")
            return "clip \(clip) is \(shape) but the patch \(patch) needs \(axes.joined(separator: " and ")) (try \(tries.joined(separator: ", or ")))"
        case let .leftoverFrames(clip, frames, pt):
            return "clip \(clip) ended after \(frames) frames, which do not fill groups of pt = \(pt) frames (\(frames) = \(frames / pt)x\(pt) + \(frames % pt)): use a patch with pt dividing \(frames), e.g. --patch 1xPHxPW"
        case let .frameOutOfOrder(record, clip, expected, found):
            if found > expected {
                let missing = found - expected == 1 ? "frame \(expected)" : "frames \(expected)-\(found - 1)"
                return "record \(record): clip \(clip) does not store \(missing) (a canvas with gaps, reel(5)): patch tokens need every frame of the clip; decode it to a PNG sequence, or place its inputs without gaps"
            }
            return "record \(record): frame \(found) of clip \(clip) arrived where frame \(expected) was expected (a clip's frame indices increase along the stream)"
        case let .frameCountMismatch(clip, announced, found):
            return "clip \(clip)'s header announces \(announced) frames but the stream has \(found)"
        case let .alreadyPatchified(record, clip):
            return "record \(record): clip \(clip) is already cut into patches (PTCH/TOKS records): run reel-unpatchify first"
        case let .framesInPatchedClip(record, clip):
            return "record \(record): a FRAM record of clip \(clip), which is already cut into patches"
        case let .duplicateToken(record, clip, t, h, w):
            return "record \(record): the token at (t \(t), h \(h), w \(w)) of clip \(clip) arrives a second time"
        case let .missingToken(clip, t, h, w):
            return "the token at (t \(t), h \(h), w \(w)) of clip \(clip) is missing: the stream ended without it"
        case let .tooFarOutOfOrder(record, clip, waiting, next, bytes):
            return "record \(record): tokens of clip \(clip) arrive too far out of order: \(waiting) groups of frames (\(bytes >> 20) MiB) wait for group t = \(next), more than the \(SpacetimePatcher.pendingBudget >> 30) GiB reel-unpatchify holds"
        }
    }
}

@inlinable func roundUp(_ n: Int, _ m: Int) -> Int { (n + m - 1) / m * m }

func largestDivisor(of n: Int, atMost limit: Int) -> Int {
    var d = min(limit, n)
    while d > 1 && n % d != 0 { d -= 1 }
    return max(d, 1)
}

/// Cuts clips into spacetime patch tokens and puts them back, exactly.
public struct SpacetimePatcher: Sendable {
    public let patch: PatchSize
    /// Most payload bytes of one TOKS record it writes: reel(5)'s cap (a test lowers it to see a
    /// group split over several records without a gigabyte of frames).
    public var recordBudget = ReelFormat.maxPayload

    public init(patch: PatchSize = .standard) { self.patch = patch }

    /// Most bytes of frames reel-unpatchify holds for groups waiting for an earlier one.
    public static let pendingBudget = 4 << 30

    /// The patch geometry of a clip, or an error naming sizes that work.
    /// T comes from the header's frame count; 0 (not known up front) is allowed.
    public func geometry(for h: ClipHeader) throws -> PatchGeometry {
        let frames = h.frameCount > 0 ? h.frameCount : nil
        if (frames ?? 0) % patch.pt != 0 || h.height % patch.ph != 0 || h.width % patch.pw != 0 {
            throw PatchError.notDivisible(clip: h.clip, frames: frames, height: h.height, width: h.width,
                                          patch: patch, spatialFactor: h.spatialFactor)
        }
        return PatchGeometry(clip: h.clip, dtype: h.dtype, pt: patch.pt, ph: patch.ph, pw: patch.pw,
                             channels: h.channels, frames: h.frameCount, height: h.height, width: h.width)
    }

    // MARK: - The permutation

    /// Cuts one group of pt frames into gh·gw tokens.
    /// - frames: pt pointers, each to C×H×W samples of `g.dtype`.
    /// - tokens: room for (gh·gw, D) values, written in row-major (h, w) token order.
    public static func patchify(frames: [UnsafeRawPointer], into tokens: UnsafeMutableRawPointer, geometry g: PatchGeometry) {
        precondition(frames.count == g.pt, "a group is pt frames")
        permute(frames: frames.map { UnsafeMutableRawPointer(mutating: $0) }, tokens: tokens, geometry: g, toTokens: true)
    }

    /// Puts gh·gw tokens (row-major (h, w) order) back into pt frames: the exact inverse of `patchify`.
    public static func unpatchify(tokens: UnsafeRawPointer, into frames: [UnsafeMutableRawPointer], geometry g: PatchGeometry) {
        precondition(frames.count == g.pt, "a group is pt frames")
        permute(frames: frames, tokens: UnsafeMutableRawPointer(mutating: tokens), geometry: g, toTokens: false)
    }

    /// Moves one token's values between its place in the frames and `token`
    /// (D values): the slow path for tokens that arrive out of order.
    static func moveToken(frames: [UnsafeMutableRawPointer], token: UnsafeMutableRawPointer, h gy: Int, w gx: Int,
                          geometry g: PatchGeometry, toTokens: Bool) {
        let es = g.dtype.size, chunk = g.pw * es
        let rowBytes = g.width * es, planeBytes = g.height * rowBytes
        var dst = token
        for c in 0..<g.channels {
            for dt in 0..<g.pt {
                for dy in 0..<g.ph {
                    let p = frames[dt] + c * planeBytes + (gy * g.ph + dy) * rowBytes + gx * chunk
                    if toTokens { dst.copyMemory(from: p, byteCount: chunk) } else { p.copyMemory(from: dst, byteCount: chunk) }
                    dst += chunk
                }
            }
        }
    }

    /// One loop nest for both directions. For each patch row gy and each
    /// (c, dt, dy), a frame row of W samples is a run of gw chunks of pw samples;
    /// chunk gx belongs to token gy·gw + gx at value offset ((c·pt + dt)·ph + dy)·pw.
    static func permute(frames: [UnsafeMutableRawPointer], tokens: UnsafeMutableRawPointer, geometry g: PatchGeometry, toTokens: Bool) {
        let es = g.dtype.size
        let chunk = g.pw * es                        // bytes of one (c, dt, dy) run in a token
        let tokenBytes = g.tokenDim * es             // bytes of one token, D values
        let rowBytes = g.width * es, planeBytes = g.height * rowBytes
        let gh = g.gridH, gw = g.gridW
        for gy in 0..<gh {
            let tokenRow = tokens + gy * gw * tokenBytes
            var offset = 0                           // ((c·pt + dt)·ph + dy)·chunk
            for c in 0..<g.channels {
                for dt in 0..<g.pt {
                    let plane = frames[dt] + c * planeBytes
                    for dy in 0..<g.ph {
                        let row = plane + (gy * g.ph + dy) * rowBytes
                        moveRow(row: row, tokens: tokenRow + offset, count: gw, chunk: chunk, stride: tokenBytes, toTokens: toTokens)
                        offset += chunk
                    }
                }
            }
        }
    }

    @inline(__always)
    static func moveRow(row: UnsafeMutableRawPointer, tokens: UnsafeMutableRawPointer, count: Int, chunk: Int, stride: Int, toTokens: Bool) {
        switch chunk {
        case 1: moveChunks(UInt8.self, row, tokens, count, stride, toTokens)
        case 2: moveChunks(UInt16.self, row, tokens, count, stride, toTokens)
        case 4: moveChunks(UInt32.self, row, tokens, count, stride, toTokens)
        case 8: moveChunks(UInt64.self, row, tokens, count, stride, toTokens)
        case 16: moveChunks(SIMD2<UInt64>.self, row, tokens, count, stride, toTokens)
        case 32: moveChunks(SIMD4<UInt64>.self, row, tokens, count, stride, toTokens)
        default:
            if toTokens {
                for i in 0..<count { (tokens + i * stride).copyMemory(from: row + i * chunk, byteCount: chunk) }
            } else {
                for i in 0..<count { (row + i * chunk).copyMemory(from: tokens + i * stride, byteCount: chunk) }
            }
        }
    }

    @inline(__always)
    static func moveChunks<Chunk: BitwiseCopyable>(_: Chunk.Type, _ row: UnsafeMutableRawPointer, _ tokens: UnsafeMutableRawPointer,
                                  _ count: Int, _ stride: Int, _ toTokens: Bool) {
        let size = MemoryLayout<Chunk>.size
        if toTokens {
            for i in 0..<count {
                (tokens + i * stride).storeBytes(of: row.loadUnaligned(fromByteOffset: i * size, as: Chunk.self), as: Chunk.self)
            }
        } else {
            for i in 0..<count {
                (row + i * size).storeBytes(of: tokens.loadUnaligned(fromByteOffset: i * stride, as: Chunk.self), as: Chunk.self)
            }
        }
    }
}

extension PatchError: ReelError {
    public var kind: ErrorKind { .badData }
}
