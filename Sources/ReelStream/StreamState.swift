/// A record decoded into its kind's typed view.
public enum DecodedRecord: @unchecked Sendable {
    case header(ClipHeader)
    case frame(Frame)
    case patchGeometry(PatchGeometry)
    case tokens(TokenBlock)
    case text(TextSegment)
    case embedding(TextEmbedding)
    case noise(NoiseLevels)
    /// PART: the clip's stored frames are partly denoised, already at these levels (not clean).
    case partial(NoiseLevels)
    case metadata(Metadata)
    /// The JSON text of a prov record.
    case provenance(String)
    /// An ancillary record this version does not know; forward it unchanged.
    case unknown(Record)
}

/// What a reader has learned so far: each clip's header and patch geometry.
/// Decoding through it checks each record against the ones before it.
public struct StreamState: Sendable {
    public private(set) var headers: [UInt32: ClipHeader] = [:]
    public private(set) var geometries: [UInt32: PatchGeometry] = [:]
    /// Clips in the order their HEAD (or PTCH) records appeared.
    public private(set) var clipOrder: [UInt32] = []

    public init() {}

    public mutating func decode(_ r: Record, index: Int) throws -> DecodedRecord {
        switch r.type {
        case .head:
            let h = try ClipHeader(r, index: index)
            if headers[h.clip] != nil {
                throw StreamError.inconsistent(record: index, problem: "a second HEAD record for clip \(h.clip)")
            }
            if let g = geometries[h.clip], h.channels != g.channels || h.width != g.width || h.height != g.height || h.dtype != g.dtype {
                throw StreamError.inconsistent(record: index, problem: "clip \(h.clip)'s header (\(h.channels)x\(h.height)x\(h.width) \(h.dtype)) disagrees with its patch geometry (\(g.channels)x\(g.height)x\(g.width) \(g.dtype))")
            }
            headers[h.clip] = h
            if !clipOrder.contains(h.clip) { clipOrder.append(h.clip) }
            return .header(h)
        case .frame:
            return .frame(try Frame(r, index: index, headers: headers))
        case .patchGeometry:
            let g = try PatchGeometry(r, index: index)
            if geometries[g.clip] != nil {
                throw StreamError.inconsistent(record: index, problem: "a second PTCH record for clip \(g.clip)")
            }
            if let h = headers[g.clip], h.channels != g.channels || h.width != g.width || h.height != g.height || h.dtype != g.dtype {
                throw StreamError.inconsistent(record: index, problem: "clip \(g.clip)'s patch geometry (\(g.channels)x\(g.height)x\(g.width) \(g.dtype)) disagrees with its header (\(h.channels)x\(h.height)x\(h.width) \(h.dtype))")
            }
            geometries[g.clip] = g
            if !clipOrder.contains(g.clip) { clipOrder.append(g.clip) }
            return .patchGeometry(g)
        case .tokens:
            return .tokens(try TokenBlock(r, index: index, geometries: geometries))
        case .text:
            return .text(try TextSegment(r, index: index))
        case .embedding:
            return .embedding(try TextEmbedding(r, index: index))
        case .noise, .partial:
            let n = try NoiseLevels(r, index: index)
            let what = r.type == .partial ? "partial-denoising levels" : "noise levels"
            if headers[n.clip] == nil && geometries[n.clip] == nil {
                throw StreamError.inconsistent(record: index, problem: "\(what) for clip \(n.clip) come before that clip's HEAD record")
            }
            if let h = headers[n.clip], h.frameCount > 0, n.first + n.levels.count > h.frameCount {
                throw StreamError.inconsistent(record: index, problem: "\(what) for frames \(n.first)..<\(n.first + n.levels.count) of clip \(n.clip), which has \(h.frameCount) frames")
            }
            return r.type == .partial ? .partial(n) : .noise(n)
        case .metadata:
            return .metadata(try Metadata(r, index: index))
        case .provenance:
            return .provenance(try Provenance.text(r, index: index))
        default:
            return .unknown(r)
        }
    }
}
