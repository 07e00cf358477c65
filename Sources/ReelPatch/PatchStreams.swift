// The streaming loops of reel-patchify and reel-unpatchify: read a record,
// hold at most one group of pt frames (or one group's tokens) per clip, write.
// Every record that is not a frame, token block or patch geometry passes
// through unchanged and in order.
import ReelStream

extension SpacetimePatcher {
    /// One clip being cut: its geometry, the frames of the group being filled,
    /// and a token block reused for every group.
    final class ClipCutter {
        let geometry: PatchGeometry
        let announced: Int
        var group: [Frame] = []
        var frames = 0
        /// The TOKS block of a whole group, made when the first group is complete (so that memory
        /// follows the frames the input carries, not the size its header claims); nil while none is.
        var cached: TokenBlock?

        let budget: Int

        init(geometry g: PatchGeometry, announced: Int, budget: Int) {
            geometry = g
            self.announced = announced
            self.budget = budget
        }

        /// Tokens per TOKS record: a group's gh·gw tokens, or fewer when they would pass the payload cap.
        var tokensPerRecord: Int {
            let g = geometry, n = g.gridH * g.gridW
            let each = 12 + g.tokenDim * g.dtype.size
            return max(1, min(n, ReelFormat.maxTokensPerRecord, (budget - 16 - 8) / each))
        }

        var block: TokenBlock {
            if let cached { return cached }
            let g = geometry
            let b = TokenBlock(clip: g.clip, count: g.gridH * g.gridW, dim: g.tokenDim, dtype: g.dtype)
            var i = 0
            for h in 0..<g.gridH {
                for w in 0..<g.gridW { b.setPosition(i, t: 0, h: Int32(h), w: Int32(w)); i += 1 }
            }
            cached = b
            return b
        }
    }

    /// Reads frames from `reader` and writes the same stream with each clip's
    /// FRAM records replaced by one PTCH record (after its HEAD) and one TOKS
    /// record per group of pt frames, written as soon as the group is complete.
    /// `provenance` is written before DONE.
    public func patchifyStream(from reader: StreamReader, to writer: StreamWriter, provenance: Record) throws {
        var state = StreamState()
        var clips: [UInt32: ClipCutter] = [:]
        while let r = try reader.next() {
            let index = reader.recordIndex
            switch try state.decode(r, index: index) {
            case let .header(h):
                let g = try geometry(for: h)
                try writer.write(r)
                try writer.write(g.record)
                clips[h.clip] = ClipCutter(geometry: g, announced: h.frameCount, budget: recordBudget)
            case let .frame(f):
                guard let cut = clips[f.clip] else {
                    throw StreamError.inconsistent(record: index, problem: "frame of clip \(f.clip) before its HEAD record")
                }
                guard f.index == cut.frames else {
                    throw PatchError.frameOutOfOrder(record: index, clip: f.clip, expected: cut.frames, found: f.index)
                }
                if cut.announced > 0 && cut.frames >= cut.announced {
                    throw PatchError.frameCountMismatch(clip: f.clip, announced: cut.announced, found: cut.frames + 1)
                }
                cut.frames += 1
                cut.group.append(f)
                if cut.group.count == cut.geometry.pt { try writeGroup(cut, to: writer) }
            case let .patchGeometry(g):
                throw PatchError.alreadyPatchified(record: index, clip: g.clip)
            case let .tokens(t):
                throw PatchError.alreadyPatchified(record: index, clip: t.clip)
            default:
                try writer.write(r)
            }
        }
        for clip in state.clipOrder {
            guard let cut = clips[clip] else { continue }
            if !cut.group.isEmpty { throw PatchError.leftoverFrames(clip: clip, frames: cut.frames, pt: cut.geometry.pt) }
            if cut.announced > 0 && cut.frames != cut.announced {
                throw PatchError.frameCountMismatch(clip: clip, announced: cut.announced, found: cut.frames)
            }
        }
        try writer.write(provenance)
        try writer.finish()
    }

    private func writeGroup(_ cut: ClipCutter, to writer: StreamWriter) throws {
        let g = cut.geometry
        let t = Int32(cut.frames / g.pt - 1)
        let n = g.gridH * g.gridW, per = cut.tokensPerRecord
        if per < n {
            // A group too large for one record: several TOKS records, token by token.
            let frames = cut.group.map { $0.payload.base + Frame.dataOffset }
            let tokenBytes = g.tokenDim * g.dtype.size
            for start in stride(from: 0, to: n, by: per) {
                let m = min(per, n - start)
                let block = TokenBlock(clip: g.clip, count: m, dim: g.tokenDim, dtype: g.dtype)
                for i in 0..<m {
                    let k = start + i
                    block.setPosition(i, t: t, h: Int32(k / g.gridW), w: Int32(k % g.gridW))
                    SpacetimePatcher.moveToken(frames: frames, token: block.payload.base + block.dataOffset + i * tokenBytes,
                                               h: k / g.gridW, w: k % g.gridW, geometry: g, toTokens: true)
                }
                try writer.write(block.record)
            }
            cut.group.removeAll(keepingCapacity: true)
            return
        }
        let block = cut.block
        for i in 0..<n { block.payload.base.storeBytes(of: t.littleEndian, toByteOffset: 16 + i * 12, as: Int32.self) }
        let frames = cut.group.map { UnsafeRawPointer($0.payload.base + Frame.dataOffset) }  // pt × (C,H,W)
        SpacetimePatcher.patchify(frames: frames, into: block.payload.base + block.dataOffset, geometry: g)  // (gh·gw, D)
        cut.group.removeAll(keepingCapacity: true)
        try writer.write(block.record)
    }

    // MARK: - Back to frames

    /// One group of pt frames being filled from tokens that arrived out of order.
    final class GroupAssembly {
        let frames: [Frame]
        /// Where each frame's samples start: pt × (C,H,W).
        let samples: [UnsafeMutableRawPointer]
        var seen: [Bool]
        var filled = 0
        init(frames: [Frame], tokens: Int) {
            self.frames = frames
            samples = frames.map { $0.payload.base + Frame.dataOffset }
            seen = [Bool](repeating: false, count: tokens)
        }
    }

    /// One clip being put back together: its geometry, the next group to write,
    /// and groups that are filling or complete but wait for an earlier one.
    final class ClipAssembler {
        let geometry: PatchGeometry
        var next = 0
        var pending: [Int: GroupAssembly] = [:]
        var spare: [Payload] = []
        init(geometry: PatchGeometry) { self.geometry = geometry }

        func newFrames() -> [Frame] {
            let g = geometry
            let bytes = g.channels * g.height * g.width * g.dtype.size
            return (0..<g.pt).map { _ in
                if let p = spare.popLast() { return Frame(reusing: p, clip: g.clip) }
                return Frame(clip: g.clip, index: 0, byteCount: bytes)
            }
        }
    }

    /// Reads a patchified stream and writes it with each clip's PTCH record
    /// dropped and its TOKS records turned back into FRAM records, in frame
    /// order. Every patch position must arrive exactly once. Clips that have
    /// frames rather than tokens pass through. `provenance` is written before DONE.
    public static func unpatchifyStream(from reader: StreamReader, to writer: StreamWriter, provenance: Record) throws {
        var state = StreamState()
        var clips: [UInt32: ClipAssembler] = [:]
        while let r = try reader.next() {
            let index = reader.recordIndex
            switch try state.decode(r, index: index) {
            case let .patchGeometry(g):
                guard g.channels * g.height * g.width * g.dtype.size + 8 <= ReelFormat.maxPayload else {
                    throw PatchError.frameTooLarge(record: index, clip: g.clip, channels: g.channels, height: g.height,
                                                   width: g.width, dtype: g.dtype)
                }
                clips[g.clip] = ClipAssembler(geometry: g)
            case let .tokens(block):
                guard let clip = clips[block.clip] else {
                    throw StreamError.inconsistent(record: index, problem: "tokens of clip \(block.clip) before its PTCH record")
                }
                guard state.headers[block.clip] != nil else {
                    throw StreamError.inconsistent(record: index, problem: "tokens of clip \(block.clip) come before any HEAD record of that clip: frames cannot be written without their clip's header")
                }
                try place(block, in: clip, record: index)
                try writeReadyGroups(clip, to: writer)
            case let .frame(f):
                if clips[f.clip] != nil { throw PatchError.framesInPatchedClip(record: index, clip: f.clip) }
                try writer.write(r)
            default:
                try writer.write(r)
            }
        }
        for clipID in state.clipOrder {
            guard let clip = clips[clipID] else { continue }
            let g = clip.geometry
            if let (t, group) = clip.pending.min(by: { $0.key < $1.key }).map({ ($0.key, $0.value) }), t == clip.next {
                let i = group.seen.firstIndex(of: false) ?? 0
                throw PatchError.missingToken(clip: clipID, t: t, h: i / g.gridW, w: i % g.gridW)
            }
            if !clip.pending.isEmpty || (g.frames > 0 && clip.next < g.gridT) {
                throw PatchError.missingToken(clip: clipID, t: clip.next, h: 0, w: 0)
            }
        }
        try writer.write(provenance)
        try writer.finish()
    }

    /// Puts a block's tokens into their groups: whole groups in grid order
    /// through the fast permutation, anything else token by token.
    static func place(_ block: TokenBlock, in clip: ClipAssembler, record: Int) throws {
        let g = clip.geometry
        let perGroup = g.gridH * g.gridW
        let es = g.dtype.size
        let tokenBytes = g.tokenDim * es
        let data = block.payload.base + block.dataOffset      // (N, D)
        var i = 0
        while i < block.count {
            let (t32, h32, w32) = block.position(i)
            let t = Int(t32)
            if t < clip.next {
                throw PatchError.duplicateToken(record: record, clip: g.clip, t: t, h: Int(h32), w: Int(w32))
            }
            if h32 == 0 && w32 == 0 && i + perGroup <= block.count && clip.pending[t] == nil
                && isWholeGroup(block, from: i, t: t32, geometry: g) {
                try checkBudget(clip, record: record)
                let group = GroupAssembly(frames: clip.newFrames(), tokens: 0)
                group.filled = perGroup
                unpatchify(tokens: data + i * tokenBytes, into: group.samples, geometry: g)
                clip.pending[t] = group
                i += perGroup
                continue
            }
            let group: GroupAssembly
            if let p = clip.pending[t] {
                group = p
            } else {
                try checkBudget(clip, record: record)
                group = GroupAssembly(frames: clip.newFrames(), tokens: perGroup)
                clip.pending[t] = group
            }
            let slot = Int(h32) * g.gridW + Int(w32)
            if group.filled == perGroup || group.seen[slot] {
                throw PatchError.duplicateToken(record: record, clip: g.clip, t: t, h: Int(h32), w: Int(w32))
            }
            group.seen[slot] = true
            group.filled += 1
            moveToken(frames: group.samples, token: data + i * tokenBytes,
                      h: Int(h32), w: Int(w32), geometry: g, toTokens: false)
            i += 1
        }
    }

    static func checkBudget(_ clip: ClipAssembler, record: Int) throws {
        let g = clip.geometry
        let groupBytes = g.pt * g.channels * g.height * g.width * g.dtype.size
        let bytes = (clip.pending.count + 1) * groupBytes
        if clip.pending.count > 0 && bytes > SpacetimePatcher.pendingBudget {
            throw PatchError.tooFarOutOfOrder(record: record, clip: g.clip, waiting: clip.pending.count, next: clip.next, bytes: bytes)
        }
    }

    /// Whether tokens from..<from+gh·gw are group t in row-major (h, w) order.
    static func isWholeGroup(_ block: TokenBlock, from: Int, t: Int32, geometry g: PatchGeometry) -> Bool {
        let base = block.payload.base + 16 + from * 12
        var o = 0
        for h in 0..<Int32(g.gridH) {
            for w in 0..<Int32(g.gridW) {
                if Int32(littleEndian: base.loadUnaligned(fromByteOffset: o, as: Int32.self)) != t
                    || Int32(littleEndian: base.loadUnaligned(fromByteOffset: o + 4, as: Int32.self)) != h
                    || Int32(littleEndian: base.loadUnaligned(fromByteOffset: o + 8, as: Int32.self)) != w { return false }
                o += 12
            }
        }
        return true
    }

    /// Writes complete groups from the next one on, in frame order.
    static func writeReadyGroups(_ clip: ClipAssembler, to writer: StreamWriter) throws {
        let g = clip.geometry
        while let group = clip.pending[clip.next], group.filled == g.gridH * g.gridW {
            clip.pending[clip.next] = nil
            for (dt, f) in group.frames.enumerated() {
                f.payload.base.storeBytes(of: UInt32(clip.next * g.pt + dt).littleEndian, toByteOffset: 4, as: UInt32.self)
                try writer.write(f.record)
                clip.spare.append(f.payload)
            }
            clip.next += 1
        }
    }
}

extension Frame {
    /// A frame over a payload of the right size that the caller refills.
    init(reusing payload: Payload, clip: UInt32) {
        self.init(clip: clip, index: 0, byteCount: 0)
        self.payload = payload
        payload.base.storeBytes(of: clip.littleEndian, toByteOffset: 0, as: UInt32.self)
    }
}
