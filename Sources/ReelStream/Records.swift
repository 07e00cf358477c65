// Typed views of the version 1 record kinds. Each `init(_ record:index:)`
// validates the payload against its layout (sizes computed with overflow
// checks, dimensions capped) and each `record` builds the bytes. Layouts are
// specified in reel(5); offsets here are bytes from the start of the payload.

/// Multiplies sizes with overflow checks; nil when the product overflows.
@inlinable public func checkedProduct(_ values: [Int]) -> Int? {
    var p = 1
    for v in values {
        guard v >= 0 else { return nil }
        let (r, o) = p.multipliedReportingOverflow(by: v)
        if o { return nil }
        p = r
    }
    return p
}

// MARK: HEAD

/// HEAD: what one clip's frames are. Precedes the clip's FRAM records.
///
/// Layout (v1, 48 bytes fixed, then the model id):
///   0 u32 clip · 4 u16 kind · 6 u16 dtype · 8 u32 channels · 12 u32 width ·
///   16 u32 height · 20 u32 fps numerator · 24 u32 fps denominator ·
///   28 u32 frame count (0 = not known up front) · 32 u16 spatial factor ·
///   34 u16 temporal factor · 36 u32 source width · 40 u32 source height ·
///   44 u16 fixed size (48; the model id starts there) · 46 u16 flags
///   (bit 0: the first frame was encoded alone) · 48.. model id, UTF-8.
public struct ClipHeader: Equatable, Sendable {
    public var clip: UInt32
    public var kind: FrameKind
    public var dtype: DType
    public var channels: Int
    public var width: Int
    public var height: Int
    public var fps: Rational
    /// Number of frames the clip stores (FRAM records, or latent frames once
    /// patchified) if the writer knew it; 0 otherwise (streams need no count
    /// up front). When nonzero, every frame index is below it.
    public var frameCount: Int
    /// Pixels per latent cell along each side (1 for pixels).
    public var spatialFactor: Int
    /// Video frames per latent frame after the first (1 for pixels).
    public var temporalFactor: Int
    /// Size of the video the latents came from (equal to width/height for pixels).
    public var sourceWidth: Int
    public var sourceHeight: Int
    /// The first frame was encoded alone (a causal video VAE), so T latent frames
    /// decode to 1 + (T-1) x temporalFactor video frames.
    public var firstFrameAlone: Bool
    /// The network that made these latents; empty for pixels.
    public var model: String

    public static let fixedSize = 48

    public init(clip: UInt32 = 0, kind: FrameKind = .pixels, dtype: DType = .u8, channels: Int, width: Int, height: Int,
                fps: Rational = Rational(8), frameCount: Int = 0, spatialFactor: Int = 1, temporalFactor: Int = 1,
                sourceWidth: Int? = nil, sourceHeight: Int? = nil, firstFrameAlone: Bool = false, model: String = "") {
        self.clip = clip
        self.kind = kind
        self.dtype = dtype
        self.channels = channels
        self.width = width
        self.height = height
        self.fps = fps
        self.frameCount = frameCount
        self.spatialFactor = spatialFactor
        self.temporalFactor = temporalFactor
        self.sourceWidth = sourceWidth ?? width
        self.sourceHeight = sourceHeight ?? height
        self.firstFrameAlone = firstFrameAlone
        self.model = model
    }

    /// Bytes of one frame's samples: channels x height x width x dtype size.
    public var frameBytes: Int { channels * height * width * dtype.size }
    /// Shape of one frame, (C, H, W).
    public var frameShape: [Int] { [channels, height, width] }

    public init(_ r: Record, index: Int) throws {
        let p = r.payload
        let bad = { (problem: String) in StreamError.malformed(record: index, type: "HEAD", problem: problem) }
        guard p.count >= ClipHeader.fixedSize else { throw bad("payload is \(p.count) bytes, expected at least \(ClipHeader.fixedSize)") }
        clip = p.u32(0)
        guard let k = FrameKind(rawValue: p.u16(4)) else { throw bad("unknown frame kind \(p.u16(4)) (1 pixels, 2 latents)") }
        kind = k
        guard let d = DType(rawValue: p.u16(6)) else { throw bad("unknown dtype \(p.u16(6)) (1 u8, 2 u16, 3 f16, 4 f32, 5 bf16)") }
        dtype = d
        channels = Int(p.u32(8)); width = Int(p.u32(12)); height = Int(p.u32(16))
        guard channels >= 1 && channels <= ReelFormat.maxChannels else { throw bad("\(channels) channels, expected 1 to \(ReelFormat.maxChannels)") }
        guard width >= 1 && width <= ReelFormat.maxSide && height >= 1 && height <= ReelFormat.maxSide else {
            throw bad("frame size \(width)x\(height), expected each side 1 to \(ReelFormat.maxSide)")
        }
        guard let fb = checkedProduct([channels, width, height, d.size]), fb + 8 <= ReelFormat.maxPayload else {
            throw bad("frames of \(channels)x\(height)x\(width) \(d) exceed the \(ReelFormat.maxPayload)-byte record limit")
        }
        fps = Rational(p.u32(20), p.u32(24))
        guard fps.denominator != 0 else { throw bad("frame rate \(fps.numerator)/0 has a zero denominator") }
        frameCount = Int(p.u32(28))
        spatialFactor = Int(p.u16(32)); temporalFactor = Int(p.u16(34))
        guard spatialFactor >= 1 && temporalFactor >= 1 else {
            throw bad("spatial factor \(spatialFactor) and temporal factor \(temporalFactor) must be at least 1")
        }
        sourceWidth = Int(p.u32(36)); sourceHeight = Int(p.u32(40))
        guard sourceWidth >= 1 && sourceWidth <= ReelFormat.maxSide && sourceHeight >= 1 && sourceHeight <= ReelFormat.maxSide else {
            throw bad("source size \(sourceWidth)x\(sourceHeight), expected each side 1 to \(ReelFormat.maxSide)")
        }
        let fixed = Int(p.u16(44))
        guard fixed >= ClipHeader.fixedSize && fixed <= p.count else { throw bad("fixed size \(fixed) outside 48...\(p.count)") }
        firstFrameAlone = p.u16(46) & 1 != 0
        guard let m = p.string(fixed..<p.count) else { throw bad("model id is not valid UTF-8") }
        model = m
    }

    public var record: Record {
        var w = ByteWriter()
        w.u32(clip); w.u16(kind.rawValue); w.u16(dtype.rawValue)
        w.u32(UInt32(channels)); w.u32(UInt32(width)); w.u32(UInt32(height))
        w.u32(fps.numerator); w.u32(fps.denominator); w.u32(UInt32(frameCount))
        w.u16(UInt16(spatialFactor)); w.u16(UInt16(temporalFactor))
        w.u32(UInt32(sourceWidth)); w.u32(UInt32(sourceHeight))
        w.u16(UInt16(ClipHeader.fixedSize)); w.u16(firstFrameAlone ? 1 : 0)
        w.append(model)
        return Record(type: .head, bytes: w.bytes)
    }
}

// MARK: FRAM

/// FRAM: one frame of a clip. Layout: 0 u32 clip · 4 u32 frame index ·
/// 8.. samples, planar C×H×W, row-major, the clip's dtype.
public struct Frame: @unchecked Sendable {
    public var clip: UInt32
    public var index: Int
    /// The record's payload; samples start at `Frame.dataOffset`.
    public var payload: Payload
    public static let dataOffset = 8

    public var data: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: payload.raw[Frame.dataOffset...]) }

    /// Decodes a frame and checks its size against its clip's header.
    public init(_ r: Record, index recordIndex: Int, headers: [UInt32: ClipHeader]) throws {
        let p = r.payload
        guard p.count >= 8 else {
            throw StreamError.malformed(record: recordIndex, type: "FRAM", problem: "payload is \(p.count) bytes, expected at least 8")
        }
        clip = p.u32(0)
        index = Int(p.u32(4))
        payload = p
        guard let h = headers[clip] else {
            throw StreamError.inconsistent(record: recordIndex, problem: "frame \(index) of clip \(clip) comes before that clip's HEAD record")
        }
        if h.frameCount > 0 && index >= h.frameCount {
            throw StreamError.inconsistent(record: recordIndex, problem: "frame \(index) of clip \(clip) is beyond the \(h.frameCount) frames its HEAD record declares")
        }
        if p.count - 8 != h.frameBytes {
            throw StreamError.malformed(record: recordIndex, type: "FRAM",
                                        problem: "frame \(index) has \(p.count - 8) sample bytes, but clip \(clip) is \(h.channels)x\(h.height)x\(h.width) \(h.dtype) = \(h.frameBytes) bytes")
        }
    }

    /// A frame whose samples the caller fills through `mutableData`.
    public init(clip: UInt32, index: Int, byteCount: Int) {
        self.clip = clip
        self.index = index
        payload = Payload(count: Frame.dataOffset + byteCount)
        payload.base.storeBytes(of: clip.littleEndian, toByteOffset: 0, as: UInt32.self)
        payload.base.storeBytes(of: UInt32(index).littleEndian, toByteOffset: 4, as: UInt32.self)
    }

    public var mutableData: UnsafeMutableRawBufferPointer {
        UnsafeMutableRawBufferPointer(rebasing: payload.mutableRaw[Frame.dataOffset...])
    }

    public var record: Record { Record(type: .frame, payload: payload) }
}

// MARK: PTCH

/// PTCH: how a clip was cut into spacetime patches.
/// Layout (48 bytes): 0 u32 clip · 4 u16 dtype · 6 u16 reserved 0 ·
/// 8 u32 pt · 12 u32 ph · 16 u32 pw · 20 u32 channels · 24 u32 frames T ·
/// 28 u32 height H · 32 u32 width W · 36 u32 grid t · 40 u32 grid h · 44 u32 grid w.
/// T = 0 (and grid t = 0) means the number of frames was not known when the
/// tokens began (a stream needs no count up front, as in HEAD); token t
/// positions are then bounded only below.
/// A token holds C·pt·ph·pw values in the order (c, dt, dy, dx), row-major.
public struct PatchGeometry: Equatable, Sendable {
    public var clip: UInt32
    public var dtype: DType
    public var pt: Int, ph: Int, pw: Int
    public var channels: Int
    public var frames: Int, height: Int, width: Int

    public init(clip: UInt32, dtype: DType, pt: Int, ph: Int, pw: Int, channels: Int, frames: Int, height: Int, width: Int) {
        self.clip = clip; self.dtype = dtype
        self.pt = pt; self.ph = ph; self.pw = pw
        self.channels = channels; self.frames = frames; self.height = height; self.width = width
    }

    public var gridT: Int { frames / pt }
    public var gridH: Int { height / ph }
    public var gridW: Int { width / pw }
    /// Values per token: C·pt·ph·pw.
    public var tokenDim: Int { channels * pt * ph * pw }
    public var tokenCount: Int { gridT * gridH * gridW }

    public init(_ r: Record, index: Int) throws {
        let p = r.payload
        let bad = { (problem: String) in StreamError.malformed(record: index, type: "PTCH", problem: problem) }
        guard p.count == 48 else { throw bad("payload is \(p.count) bytes, expected 48") }
        clip = p.u32(0)
        guard let d = DType(rawValue: p.u16(4)) else { throw bad("unknown dtype \(p.u16(4))") }
        dtype = d
        pt = Int(p.u32(8)); ph = Int(p.u32(12)); pw = Int(p.u32(16))
        channels = Int(p.u32(20)); frames = Int(p.u32(24)); height = Int(p.u32(28)); width = Int(p.u32(32))
        for (name, v) in [("pt", pt), ("ph", ph), ("pw", pw)] where v < 1 || v > ReelFormat.maxPatch {
            throw bad("patch size \(name) = \(v), expected 1 to \(ReelFormat.maxPatch)")
        }
        guard channels >= 1 && channels <= ReelFormat.maxChannels else { throw bad("\(channels) channels, expected 1 to \(ReelFormat.maxChannels)") }
        guard width >= 1 && width <= ReelFormat.maxSide && height >= 1 && height <= ReelFormat.maxSide && frames >= 0 else {
            throw bad("latent size \(frames)x\(height)x\(width) outside the limits")
        }
        guard frames % pt == 0 && height % ph == 0 && width % pw == 0 else {
            throw bad("size \(frames)x\(height)x\(width) is not divisible by the patch \(pt)x\(ph)x\(pw)")
        }
        guard Int(p.u32(36)) == gridT && Int(p.u32(40)) == gridH && Int(p.u32(44)) == gridW else {
            throw bad("grid \(p.u32(36))x\(p.u32(40))x\(p.u32(44)) does not match size / patch = \(gridT)x\(gridH)x\(gridW)")
        }
        guard tokenDim <= ReelFormat.maxTokenDim else { throw bad("token dimension \(tokenDim) exceeds \(ReelFormat.maxTokenDim)") }
    }

    public var record: Record {
        var w = ByteWriter()
        w.u32(clip); w.u16(dtype.rawValue); w.u16(0)
        for v in [pt, ph, pw, channels, frames, height, width, gridT, gridH, gridW] { w.u32(UInt32(v)) }
        return Record(type: .patchGeometry, bytes: w.bytes)
    }
}

// MARK: TOKS

/// TOKS: a block of spacetime patch tokens of one clip.
/// Layout: 0 u32 clip · 4 u32 count N · 8 u32 token dim D · 12 u32 reserved 0 ·
/// 16.. N×3 i32 positions (t, h, w) in patch units · zero padding to 8 ·
/// then N×D values in the clip's PTCH dtype.
/// Blocks of several clips may interleave: a packed sequence of clips of
/// different sizes is the concatenation of their TOKS blocks.
public struct TokenBlock: @unchecked Sendable {
    public var clip: UInt32
    public var count: Int
    public var dim: Int
    public var payload: Payload

    public static func positionsOffset() -> Int { 16 }
    public static func dataOffset(count: Int) -> Int { ReelFormat.padded(16 + count * 12) }
    public var dataOffset: Int { TokenBlock.dataOffset(count: count) }

    public func position(_ i: Int) -> (t: Int32, h: Int32, w: Int32) {
        let o = 16 + i * 12
        return (payload.i32(o), payload.i32(o + 4), payload.i32(o + 8))
    }
    public var data: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: payload.raw[dataOffset...]) }
    public var mutableData: UnsafeMutableRawBufferPointer { UnsafeMutableRawBufferPointer(rebasing: payload.mutableRaw[dataOffset...]) }

    /// An empty block to fill: positions with `setPosition`, values through `mutableData`.
    public init(clip: UInt32, count: Int, dim: Int, dtype: DType) {
        self.clip = clip; self.count = count; self.dim = dim
        let off = TokenBlock.dataOffset(count: count)
        payload = Payload(count: off + count * dim * dtype.size)
        let b = payload.base
        b.storeBytes(of: clip.littleEndian, toByteOffset: 0, as: UInt32.self)
        b.storeBytes(of: UInt32(count).littleEndian, toByteOffset: 4, as: UInt32.self)
        b.storeBytes(of: UInt32(dim).littleEndian, toByteOffset: 8, as: UInt32.self)
        b.storeBytes(of: UInt32(0), toByteOffset: 12, as: UInt32.self)
        // Padding between positions and data must be zero.
        let padStart = 16 + count * 12
        if off > padStart { (b + padStart).initializeMemory(as: UInt8.self, repeating: 0, count: off - padStart) }
    }

    public func setPosition(_ i: Int, t: Int32, h: Int32, w: Int32) {
        let o = 16 + i * 12
        payload.base.storeBytes(of: t.littleEndian, toByteOffset: o, as: Int32.self)
        payload.base.storeBytes(of: h.littleEndian, toByteOffset: o + 4, as: Int32.self)
        payload.base.storeBytes(of: w.littleEndian, toByteOffset: o + 8, as: Int32.self)
    }

    /// Decodes a token block and checks it against its clip's geometry.
    public init(_ r: Record, index: Int, geometries: [UInt32: PatchGeometry]) throws {
        let p = r.payload
        let bad = { (problem: String) in StreamError.malformed(record: index, type: "TOKS", problem: problem) }
        guard p.count >= 16 else { throw bad("payload is \(p.count) bytes, expected at least 16") }
        clip = p.u32(0); count = Int(p.u32(4)); dim = Int(p.u32(8))
        payload = p
        guard let g = geometries[clip] else {
            throw StreamError.inconsistent(record: index, problem: "tokens of clip \(clip) come before that clip's PTCH record")
        }
        guard count <= ReelFormat.maxTokensPerRecord else { throw bad("\(count) tokens, more than the limit of \(ReelFormat.maxTokensPerRecord)") }
        guard dim == g.tokenDim else { throw bad("token dimension \(dim), but clip \(clip)'s patches have \(g.tokenDim) values") }
        let off = TokenBlock.dataOffset(count: count)
        guard let dataBytes = checkedProduct([count, dim, g.dtype.size]), off + dataBytes == p.count else {
            throw bad("payload is \(p.count) bytes, but \(count) tokens of \(dim) \(g.dtype) need \(off) + \(count * dim * g.dtype.size)")
        }
        for i in 0..<count {
            let (t, h, w) = position(i)
            if t < 0 || (g.frames > 0 && Int(t) >= g.gridT) || h < 0 || Int(h) >= g.gridH || w < 0 || Int(w) >= g.gridW {
                throw bad("token \(i) is at (t \(t), h \(h), w \(w)), outside the \(g.frames > 0 ? String(g.gridT) : "?")x\(g.gridH)x\(g.gridW) patch grid")
            }
        }
    }

    public var record: Record { Record(type: .tokens, payload: payload) }
}

// MARK: text

/// The role of a text segment.
public enum TextRole: UInt16, Sendable, CustomStringConvertible {
    /// The prompt as the person typed it.
    case prompt = 1
    /// A detailed caption (an expansion of the prompt, or a training caption).
    case caption = 2
    /// What the result should not show (guidance).
    case negative = 3
    public var description: String {
        switch self { case .prompt: "prompt"; case .caption: "caption"; case .negative: "negative" }
    }
}

/// text: a prompt or caption tied to a range of video frames (a storyboard segment).
/// Layout: 0 u32 segment · 4 u32 clip (0xFFFFFFFF: every clip) · 8 u32 start
/// frame · 12 u32 end frame, exclusive (0xFFFFFFFF: to the end) · 16 u16 role ·
/// 18 u16 reserved 0 · 20.. UTF-8 text. Frames count video frames at the
/// clip's fps (not latent frames), so a range means the same before and after encoding.
public struct TextSegment: Equatable, Sendable {
    public var segment: UInt32
    public var clip: UInt32
    public var start: UInt32
    public var end: UInt32
    public var role: TextRole
    public var text: String

    public init(segment: UInt32, clip: UInt32 = ReelFormat.open, start: UInt32 = 0, end: UInt32 = ReelFormat.open,
                role: TextRole, text: String) {
        self.segment = segment; self.clip = clip; self.start = start; self.end = end; self.role = role; self.text = text
    }

    public init(_ r: Record, index: Int) throws {
        let p = r.payload
        let bad = { (problem: String) in StreamError.malformed(record: index, type: "text", problem: problem) }
        guard p.count >= 20 else { throw bad("payload is \(p.count) bytes, expected at least 20") }
        guard p.count - 20 <= ReelFormat.maxTextBytes else { throw bad("text of \(p.count - 20) bytes exceeds \(ReelFormat.maxTextBytes)") }
        segment = p.u32(0); clip = p.u32(4); start = p.u32(8); end = p.u32(12)
        guard let role = TextRole(rawValue: p.u16(16)) else { throw bad("unknown role \(p.u16(16)) (1 prompt, 2 caption, 3 negative)") }
        self.role = role
        guard start < end else { throw bad("frame range \(start)..<\(end) is empty") }
        guard let s = p.string(20..<p.count) else { throw bad("text is not valid UTF-8") }
        text = s
    }

    public var record: Record {
        var w = ByteWriter()
        w.u32(segment); w.u32(clip); w.u32(start); w.u32(end); w.u16(role.rawValue); w.u16(0)
        w.append(text)
        return Record(type: .text, bytes: w.bytes)
    }
}

// MARK: embd

/// What an embedding record holds.
public enum EmbeddingKind: UInt16, Sendable, CustomStringConvertible {
    /// One vector per text token (what cross-attention reads).
    case tokens = 1
    /// One pooled, normalized sentence vector.
    case pooled = 2
    public var description: String { self == .tokens ? "token states" : "pooled" }
}

/// embd: text embeddings of a text segment.
/// Layout: 0 u32 segment · 4 u16 kind · 6 u16 dtype (f32 in v1) · 8 u32 count N ·
/// 12 u32 dim D · 16.. N×D values.
public struct TextEmbedding: Sendable {
    public var segment: UInt32
    public var kind: EmbeddingKind
    public var count: Int
    public var dim: Int
    /// Row-major N×D.
    public var values: [Float]

    public init(segment: UInt32, kind: EmbeddingKind, count: Int, dim: Int, values: [Float]) {
        precondition(values.count == count * dim)
        self.segment = segment; self.kind = kind; self.count = count; self.dim = dim; self.values = values
    }

    public init(_ r: Record, index: Int) throws {
        let p = r.payload
        let bad = { (problem: String) in StreamError.malformed(record: index, type: "embd", problem: problem) }
        guard p.count >= 16 else { throw bad("payload is \(p.count) bytes, expected at least 16") }
        segment = p.u32(0)
        guard let k = EmbeddingKind(rawValue: p.u16(4)) else { throw bad("unknown kind \(p.u16(4)) (1 token states, 2 pooled)") }
        kind = k
        guard p.u16(6) == DType.f32.rawValue else { throw bad("dtype \(p.u16(6)), expected 4 (f32)") }
        count = Int(p.u32(8)); dim = Int(p.u32(12))
        guard count <= ReelFormat.maxTokensPerRecord && dim <= ReelFormat.maxTokenDim,
              let nb = checkedProduct([count, dim, 4]), 16 + nb == p.count else {
            throw bad("\(count) x \(dim) f32 values do not fill the \(p.count - 16) bytes after the header")
        }
        let n = count * dim
        values = [Float](unsafeUninitializedCapacity: n) { buf, initialized in
            UnsafeMutableRawBufferPointer(buf).copyMemory(from: UnsafeRawBufferPointer(rebasing: p.raw[16...]))
            initialized = n
        }
    }

    public var record: Record {
        let payload = Payload(count: 16 + values.count * 4)
        var w = ByteWriter()
        w.u32(segment); w.u16(kind.rawValue); w.u16(DType.f32.rawValue); w.u32(UInt32(count)); w.u32(UInt32(dim))
        w.bytes.withUnsafeBytes { payload.base.copyMemory(from: $0.baseAddress!, byteCount: 16) }
        values.withUnsafeBytes { if values.count > 0 { (payload.base + 16).copyMemory(from: $0.baseAddress!, byteCount: $0.count) } }
        return Record(type: .embedding, payload: payload)
    }
}

// MARK: nois

/// nois: the noise level of each frame in a run of a clip's frames (as stored:
/// latent frames in a latent stream). 0 keeps the frame, 1 generates it from
/// noise, values between keep it loosely. Layout: 0 u32 clip · 4 u32 first
/// frame · 8 u32 count N · 12 u32 reserved 0 · 16.. N f32 levels in [0, 1].
public struct NoiseLevels: Equatable, Sendable {
    public var clip: UInt32
    public var first: Int
    public var levels: [Float]

    public init(clip: UInt32, first: Int = 0, levels: [Float]) {
        self.clip = clip; self.first = first; self.levels = levels
    }

    public init(_ r: Record, index: Int) throws {
        let p = r.payload
        let kind = r.type == .partial ? "PART" : "nois"
        let bad = { (problem: String) in StreamError.malformed(record: index, type: kind, problem: problem) }
        guard p.count >= 16 else { throw bad("payload is \(p.count) bytes, expected at least 16") }
        clip = p.u32(0); first = Int(p.u32(4))
        let n = Int(p.u32(8))
        guard n <= ReelFormat.maxTokensPerRecord, 16 + n * 4 == p.count else {
            throw bad("\(n) levels do not fill the \(p.count - 16) bytes after the header")
        }
        levels = (0..<n).map { p.f32(16 + $0 * 4) }
        for (i, v) in levels.enumerated() where !(v >= 0 && v <= 1) {
            throw bad("level of frame \(first + i) is \(v), expected 0 to 1")
        }
    }

    public var record: Record { record(type: .noise) }

    /// The same layout as a PART record: the levels the stored frames are already at.
    public var partialRecord: Record { record(type: .partial) }

    func record(type: RecordType) -> Record {
        var w = ByteWriter()
        w.u32(clip); w.u32(UInt32(first)); w.u32(UInt32(levels.count)); w.u32(0)
        for v in levels { w.f32(v) }
        return Record(type: type, bytes: w.bytes)
    }
}

// MARK: meta

/// meta: a key/value pair. Layout: 0 u32 key length K · 4.. key (UTF-8) · value (UTF-8, the rest).
public struct Metadata: Equatable, Sendable {
    public var key: String
    public var value: String

    public init(key: String, value: String) { self.key = key; self.value = value }

    public init(_ r: Record, index: Int) throws {
        let p = r.payload
        let bad = { (problem: String) in StreamError.malformed(record: index, type: "meta", problem: problem) }
        guard p.count >= 4 else { throw bad("payload is \(p.count) bytes, expected at least 4") }
        let k = Int(p.u32(0))
        guard k <= p.count - 4 else { throw bad("key length \(k) exceeds the \(p.count - 4) bytes that follow") }
        guard let key = p.string(4..<(4 + k)), let value = p.string((4 + k)..<p.count) else { throw bad("key or value is not valid UTF-8") }
        self.key = key; self.value = value
    }

    public var record: Record {
        var w = ByteWriter()
        w.u32(UInt32(key.utf8.count)); w.append(key); w.append(value)
        return Record(type: .metadata, bytes: w.bytes)
    }
}
