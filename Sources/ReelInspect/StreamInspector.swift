// reel-inspect's work: read any reel stream, validate everything on the way
// (the reader checks structure and checksums; StreamState checks each record
// against its clip; here frame order, frame counts, token coverage, text
// references and prov JSON), list the records, and summarize each clip.
import ReelSystem
import ReelImage
import ReelStream

/// What the stream is wrong about, beyond what the reader and StreamState check.
public struct InspectError: ReelError, Equatable {
    public let description: String
    /// Bad data, unless writing an output (--npy, --png) failed.
    public let kind: ErrorKind
    public init(_ description: String, kind: ErrorKind = .badData) { self.description = description; self.kind = kind }
}

public struct InspectOptions: Sendable {
    /// List every record on its own line (default: runs of a clip's frames or tokens on one line).
    public var eachRecord = false
    /// Print nothing; only validate (and export).
    public var checkOnly = false
    /// Write .npy files of every tensor into this directory.
    public var npyDirectory: String?
    /// Write a contact sheet PNG of the frames (or patches) here.
    public var pngPath: String?
    /// Print the summary as one JSON object instead of text.
    public var json = false
    public init(eachRecord: Bool = false, checkOnly: Bool = false, npyDirectory: String? = nil, pngPath: String? = nil, json: Bool = false) {
        self.eachRecord = eachRecord; self.checkOnly = checkOnly; self.npyDirectory = npyDirectory; self.pngPath = pngPath
        self.json = json
    }

    /// Whether records are listed as they are read.
    var lists: Bool { !checkOnly && !json }
}

/// What one clip has shown so far.
final class ClipSummary {
    let id: UInt32
    var header: ClipHeader?
    var geometry: PatchGeometry?
    var frames = 0
    /// The last stored frame's index, and the runs of indices not stored before it (a canvas's
    /// frames to generate: reel(5) lets a clip skip indices, never go back).
    var lastIndex = -1
    var gaps: [Range<Int>] = []
    var frameStats: [ChannelStatistics] = []
    var tokenStats: TokenStatistics?
    var tokens = 0
    /// For each time position t, a bit per (h, w) patch position seen.
    var seen: [Int: [UInt64]] = [:]
    var maxT = -1
    var noise: [(first: Int, levels: [Float])] = []
    var framesFile: NpyFile?
    var tokensFile: NpyFile?
    var positionsFile: NpyFile?
    init(id: UInt32) { self.id = id }
}

/// Reads a stream, validating every record, and writes a summary through `emit`.
public final class StreamInspector {
    let options: InspectOptions
    let emit: (String) -> Void
    var state = StreamState()
    var clips: [UInt32: ClipSummary] = [:]
    var texts: [(record: Int, segment: TextSegment)] = []
    var embeddings: [(record: Int, embedding: TextEmbedding)] = []
    var metadata: [Metadata] = []
    var provenance: [(record: Int, json: JSONValue)] = []
    var unknown: [(record: Int, type: String, bytes: Int)] = []
    var records = 0
    var bytes = 0
    var npyFiles: [NpyFile] = []
    let sheet: ContactSheet?
    var widener: [DType: SampleWidener] = [:]
    // The run of same-kind records being listed on one line.
    var run: (first: Int, last: Int, type: RecordType, clip: UInt32, firstItem: Int, lastItem: Int, bytes: Int, sameSize: Bool)?

    public init(options: InspectOptions = InspectOptions(), emit: @escaping (String) -> Void) {
        self.options = options
        self.emit = emit
        sheet = options.pngPath == nil ? nil : ContactSheet()
    }

    deinit { for w in widener.values { w.deallocate() } }

    /// Reads the whole stream. On any error the summary of what was read is
    /// written first, then the error is thrown; .npy files appear only when the
    /// whole stream was valid.
    public func inspect(_ reader: StreamReader) throws {
        do {
            while let r = try reader.next() {
                try take(r, index: reader.recordIndex)
            }
            records = reader.recordIndex
            bytes = reader.offset
            try finish()
        } catch {
            flushRun()
            records = reader.recordIndex
            bytes = reader.offset
            if options.json && !options.checkOnly {
                emit(jsonSummary(error: String(describing: error)))
            } else if !options.checkOnly {
                summarize(complete: false)
            }
            throw error
        }
        flushRun()
        if options.json && !options.checkOnly {
            emit(jsonSummary(error: nil))
        } else if !options.checkOnly {
            summarize(complete: true)
        }
        for f in npyFiles { try f.commit() }
        if let sheet, let path = options.pngPath { try writeSheet(sheet, to: path) }
    }

    func writeSheet(_ sheet: ContactSheet, to path: String) throws {
        let image = try sheet.render(order: state.clipOrder) { id, channel in
            guard let c = self.clips[id] else { return (0, 1) }
            let s = c.tokenStats?.channels[channel] ?? c.frameStats[channel]
            return s.count > 0 ? (s.min, s.max) : (0, 1)
        }
        guard let image else { throw InspectError("--png: the stream has no frames or tokens to show") }
        do { try PNGCodec.write(image, to: path) } catch let e as MediaError { throw InspectError(e.description, kind: .io) }
    }

    func clip(_ id: UInt32) -> ClipSummary {
        if let c = clips[id] { return c }
        let c = ClipSummary(id: id)
        clips[id] = c
        return c
    }

    // MARK: - Records

    func take(_ r: Record, index: Int) throws {
        let size = r.payload.count
        switch try state.decode(r, index: index) {
        case let .header(h):
            let c = clip(h.clip)
            c.header = h
            c.frameStats = [ChannelStatistics](repeating: ChannelStatistics(), count: h.channels)
            list(index, r, describe(h))
        case let .frame(f):
            let c = clip(f.clip)
            guard let h = c.header else { throw InspectError("record \(index): frame of clip \(f.clip) before its HEAD") }
            guard f.index > c.lastIndex else {
                throw InspectError("record \(index): frame \(f.index) of clip \(f.clip) arrived after frame \(c.lastIndex) (a clip's frame indices increase along the stream)")
            }
            if f.index > c.lastIndex + 1 {
                if options.npyDirectory != nil {
                    throw InspectError("record \(index): clip \(f.clip) does not store frames \(c.lastIndex + 1)-\(f.index - 1): --npy writes clips whose frames are all stored")
                }
                c.gaps.append((c.lastIndex + 1)..<f.index)
            }
            c.lastIndex = f.index
            if h.frameCount > 0 && f.index >= h.frameCount {
                throw InspectError("record \(index): frame \(f.index) of clip \(f.clip), but its header announces \(h.frameCount) frames")
            }
            if c.geometry != nil { throw InspectError("record \(index): a frame of clip \(f.clip), which is cut into patches (PTCH)") }
            c.frames += 1
            addFrame(f, c, h)
            sheet?.add(f, header: h, widen: sampleWidener(h.dtype))
            listRun(index, r.type, clip: f.clip, item: f.index, bytes: size)
        case let .patchGeometry(g):
            let c = clip(g.clip)
            c.geometry = g
            c.tokenStats = TokenStatistics(channels: g.channels, dim: g.tokenDim)
            let t = g.frames > 0 ? "\(g.gridT)" : "?"
            list(index, r, "clip \(g.clip): patches \(g.pt)x\(g.ph)x\(g.pw) of \(g.channels)x\(g.frames > 0 ? String(g.frames) : "?")x\(g.height)x\(g.width) (CxTxHxW) \(g.dtype), grid \(t)x\(g.gridH)x\(g.gridW), \(g.tokenDim) values per token")
        case let .tokens(b):
            let c = clip(b.clip)
            guard let g = c.geometry else { throw InspectError("record \(index): tokens of clip \(b.clip) before its PTCH") }
            try addTokens(b, c, g, index)
            sheet?.add(b, geometry: g, kind: c.header?.kind ?? .latents, widen: sampleWidener(g.dtype))
            listRun(index, r.type, clip: b.clip, item: c.tokens - b.count, bytes: size, lastItem: c.tokens - 1)
        case let .text(t):
            texts.append((index, t))
            list(index, r, describe(t))
        case let .embedding(e):
            embeddings.append((index, e))
            list(index, r, "segment \(e.segment): \(e.kind) \(e.count)x\(e.dim) f32")
            if let dir = options.npyDirectory {
                let name = e.kind == .pooled ? "pooled" : "token-states"
                let f = try NpyFile(path: "\(dir)/segment\(e.segment)-\(name).npy", descr: "<f4", rowShape: [e.dim])
                try e.values.withUnsafeBytes { try f.append(rows: e.count, $0) }
                npyFiles.append(f)
            }
        case let .noise(n):
            clip(n.clip).noise.append((n.first, n.levels))
            list(index, r, "clip \(n.clip): noise levels of frames \(n.first)-\(n.first + n.levels.count - 1): \(levels(n.levels))")
        case let .partial(n):
            list(index, r, "clip \(n.clip): partly denoised, frames \(n.first)-\(n.first + n.levels.count - 1) already at levels \(levels(n.levels)) (finish with reel-denoise)")
        case let .metadata(m):
            metadata.append(m)
            list(index, r, "\(m.key) = \(quoted(m.value))")
        case let .provenance(text):
            let json: JSONValue
            do { json = try JSONReader.parse(text) } catch {
                throw InspectError("record \(index) (prov) is malformed: not JSON: \(error)")
            }
            guard case .string = json["tool"] ?? .null else {
                throw InspectError("record \(index) (prov) is malformed: no \"tool\" string")
            }
            provenance.append((index, json))
            list(index, r, describe(json))
        case .unknown:
            unknown.append((index, r.type.description, size))
            list(index, r, "ancillary record unknown to this reel, passed over")
        }
    }

    func addFrame(_ f: Frame, _ c: ClipSummary, _ h: ClipHeader) {
        let plane = h.height * h.width
        let planeBytes = plane * h.dtype.size
        let w = sampleWidener(h.dtype)
        for ch in 0..<h.channels {
            w.forEachBlock(f.data.baseAddress! + ch * planeBytes, count: plane) { p, n in c.frameStats[ch].add(p, count: n) }
        }
        guard let dir = options.npyDirectory else { return }
        do {
            if c.framesFile == nil {
                let file = try NpyFile(path: "\(dir)/clip\(c.id)-frames.npy", descr: NpyFile.descr(h.dtype), rowShape: h.frameShape)
                c.framesFile = file
                npyFiles.append(file)
            }
            try exportSamples(f.data, dtype: h.dtype, rows: 1, to: c.framesFile!)
        } catch { npyError = error }
    }

    /// An export failure, thrown after the record that caused it is listed.
    var npyError: Error?

    func exportSamples(_ data: UnsafeRawBufferPointer, dtype: DType, rows: Int, to file: NpyFile) throws {
        if dtype != .bf16 { try file.append(rows: rows, data); return }
        let n = data.count / 2
        let w = sampleWidener(.bf16)
        var done = 0
        while done < n {
            let m = min(ChannelStatistics.block, n - done)
            w.widen(data.baseAddress!, from: done, count: m, into: w.scratch)
            try file.append(rows: 0, UnsafeRawBufferPointer(start: w.scratch, count: m * 4))
            done += m
        }
        try file.append(rows: rows, UnsafeRawBufferPointer(start: nil, count: 0))
    }

    func sampleWidener(_ d: DType) -> SampleWidener {
        if let w = widener[d] { return w }
        let w = SampleWidener(dtype: d)
        widener[d] = w
        return w
    }

    func addTokens(_ b: TokenBlock, _ c: ClipSummary, _ g: PatchGeometry, _ index: Int) throws {
        let perT = g.gridH * g.gridW
        for i in 0..<b.count {
            let (t, h, w) = b.position(i)
            let bit = Int(h) * g.gridW + Int(w)
            let mask = UInt64(1) << UInt64(bit & 63)
            let words = (perT + 63) / 64
            if (c.seen[Int(t)]?[bit >> 6] ?? 0) & mask != 0 {
                throw InspectError("record \(index): the token at (t \(t), h \(h), w \(w)) of clip \(b.clip) arrives a second time")
            }
            c.seen[Int(t), default: [UInt64](repeating: 0, count: words)][bit >> 6] |= mask
            c.maxT = max(c.maxT, Int(t))
        }
        c.tokens += b.count
        let values = b.count * g.tokenDim
        let stats = c.tokenStats!
        if g.dtype == .f32 {
            stats.add(b.data.baseAddress!.assumingMemoryBound(to: Float.self), rows: b.count)
        } else {
            // Widen a few tokens at a time.
            let w = sampleWidener(g.dtype)
            let rowsPerBlock = max(1, ChannelStatistics.block / g.tokenDim)
            var row = 0
            let tmp = UnsafeMutablePointer<Float>.allocate(capacity: rowsPerBlock * g.tokenDim)
            defer { tmp.deallocate() }
            while row < b.count {
                let m = min(rowsPerBlock, b.count - row)
                w.widen(b.data.baseAddress!, from: row * g.tokenDim, count: m * g.tokenDim, into: tmp)
                stats.add(tmp, rows: m)
                row += m
            }
        }
        guard let dir = options.npyDirectory else { return }
        do {
            if c.tokensFile == nil {
                let tf = try NpyFile(path: "\(dir)/clip\(c.id)-tokens.npy", descr: NpyFile.descr(g.dtype), rowShape: [g.tokenDim])
                let pf = try NpyFile(path: "\(dir)/clip\(c.id)-positions.npy", descr: "<i4", rowShape: [3])
                c.tokensFile = tf; c.positionsFile = pf
                npyFiles += [tf, pf]
            }
            try exportSamples(UnsafeRawBufferPointer(rebasing: b.data[0..<(values * g.dtype.size)]), dtype: g.dtype, rows: b.count, to: c.tokensFile!)
            try c.positionsFile!.append(rows: b.count, UnsafeRawBufferPointer(rebasing: b.payload.raw[16..<(16 + 12 * b.count)]))
        } catch { npyError = error }
    }

    /// End of stream: counts and coverage.
    func finish() throws {
        if let e = npyError { throw e }
        for id in state.clipOrder {
            guard let c = clips[id] else { continue }
            // reel(5): a frame count bounds the indices; it does not promise how many FRAM follow.
            if let g = c.geometry {
                let groups = g.frames > 0 ? g.gridT : c.maxT + 1
                let perT = g.gridH * g.gridW
                var expected = 0
                for t in c.seen.keys.sorted() {
                    guard t == expected, let bits = c.seen[t] else { break }
                    if let bit = (0..<perT).first(where: { bits[$0 >> 6] & (UInt64(1) << UInt64($0 & 63)) == 0 }) {
                        throw InspectError("the token at (t \(t), h \(bit / g.gridW), w \(bit % g.gridW)) of clip \(id) is missing: the stream ended without it")
                    }
                    expected += 1
                }
                if expected < groups {
                    throw InspectError("the token at (t \(expected), h 0, w 0) of clip \(id) is missing: the stream ended without it")
                }
            }
        }
        let segments = Set(texts.map(\.segment.segment))
        for (record, e) in embeddings where !segments.contains(e.segment) {
            throw InspectError("record \(record): embeddings of text segment \(e.segment), but the stream has no text record for that segment")
        }
    }

    // MARK: - Listing

    func list(_ index: Int, _ r: Record, _ what: String) {
        flushRun()
        guard options.lists else { return }
        emit(left("#\(index)", 12) + left(r.type.description, 6) + right(byteSize(r.payload.count), 10) + "  " + what)
    }

    func listRun(_ index: Int, _ type: RecordType, clip: UInt32, item: Int, bytes: Int, lastItem: Int? = nil) {
        guard options.lists else { return }
        let last = lastItem ?? item
        if !options.eachRecord, var r = run, r.type == type, r.clip == clip, r.last == index - 1 {
            r.last = index; r.lastItem = last; r.sameSize = r.sameSize && r.bytes == bytes
            if !r.sameSize { r.bytes += bytes }
            run = r
            return
        }
        flushRun()
        run = (index, index, type, clip, item, last, bytes, true)
    }

    func flushRun() {
        guard let r = run else { return }
        run = nil
        let n = r.last - r.first + 1
        let what = r.type == .frame ? "frame" : "token"
        let items = r.firstItem == r.lastItem ? "\(what) \(r.firstItem)" : "\(what)s \(r.firstItem)-\(r.lastItem)"
        if n == 1 {
            emit(left("#\(r.first)", 12) + left(r.type.description, 6) + right(byteSize(r.bytes), 10) + "  clip \(r.clip) \(items)")
        } else {
            let size = r.sameSize ? byteSize(r.bytes) + " each" : byteSize(r.bytes) + " in all"
            emit(left("#\(r.first)-\(r.last)", 12) + left(r.type.description, 6) + right("x\(n)", 10) + "  clip \(r.clip) \(items), \(size)")
        }
    }

    func describe(_ h: ClipHeader, summary: Bool = false) -> String {
        var s = "clip \(h.clip): \(h.kind) \(h.dtype) \(h.channels)x\(h.height)x\(h.width) (CxHxW), \(h.fps) fps, "
        s += h.frameCount > 0 ? plural(h.frameCount, "frame") + (summary ? " announced" : "") : "frame count not given"
        if h.kind == .latents || !h.model.isEmpty {
            s += ", model \(quoted(h.model)), \(h.spatialFactor)x spatial, \(h.temporalFactor)x temporal, from \(h.sourceWidth)x\(h.sourceHeight)"
            if h.firstFrameAlone { s += ", first frame alone" }
        }
        return s
    }

    func describe(_ t: TextSegment) -> String {
        let clip = t.clip == ReelFormat.open ? "every clip" : "clip \(t.clip)"
        let end = t.end == ReelFormat.open ? "end" : String(t.end - 1)
        return "segment \(t.segment) \(t.role), \(clip), frames \(t.start)-\(end): \(quoted(t.text))"
    }

    func describe(_ p: JSONValue) -> String {
        var s = (p["tool"]?.plain ?? "?") + " " + (p["version"]?.plain ?? "")
        if let a = p["args"]?.plain, !a.isEmpty { s += " " + a }
        var extra: [String] = []
        if let m = p["model"]?.plain, !m.isEmpty { extra.append("model \(m)") }
        if let seed = p["seed"], seed != .null { extra.append("seed \(seed.plain)") }
        if p["generated"] == .bool(true) { extra.append("generated") }
        return extra.isEmpty ? s : s + " (" + extra.joined(separator: ", ") + ")"
    }

    func levels(_ l: [Float]) -> String {
        let shown = l.prefix(16).map { number(Double($0)) }.joined(separator: " ")
        return l.count > 16 ? shown + " ... (\(l.count) levels)" : shown
    }

    // MARK: - Summary

    func summarize(complete: Bool) {
        emit("")
        let ids = state.clipOrder
        emit((complete ? "stream: " : "stream (read up to the error): ") + plural(records, "record") + ", \(byteSize(bytes)), " + plural(ids.count, "clip"))
        for id in ids {
            guard let c = clips[id] else { continue }
            if let h = c.header {
                let missing = c.gaps.isEmpty ? "" : " (not stored: " + c.gaps.map { $0.count == 1 ? "\($0.lowerBound)" : "\($0.lowerBound)-\($0.upperBound - 1)" }.joined(separator: ", ") + ")"
                emit(describe(h, summary: true) + (c.geometry == nil ? "; " + plural(c.frames, "frame") + " read" + missing : ""))
            } else {
                emit("clip \(id): no HEAD record")
            }
            if let g = c.geometry {
                let groups = g.frames > 0 ? g.gridT : c.maxT + 1
                emit("  patches \(g.pt)x\(g.ph)x\(g.pw), grid \(groups)x\(g.gridH)x\(g.gridW) (TxHxW), " + plural(c.tokens, "token") + " of \(g.tokenDim) \(g.dtype) values read")
                if let s = c.tokenStats, c.tokens > 0 { table(s.channels, "token values by channel") }
            } else if c.frames > 0 {
                table(c.frameStats, "frame values by channel")
            }
            for n in c.noise { emit("  noise levels, frames \(n.first)-\(n.first + n.levels.count - 1): \(levels(n.levels))") }
        }
        if !texts.isEmpty {
            emit("texts:")
            for (_, t) in texts { emit("  " + describe(t)) }
        }
        if !embeddings.isEmpty {
            emit("embeddings:")
            for (_, e) in embeddings { emit("  segment \(e.segment): \(e.kind), \(e.count)x\(e.dim) (NxD) f32") }
        }
        if !metadata.isEmpty {
            emit("metadata:")
            for m in metadata { emit("  \(m.key) = \(quoted(m.value))") }
        }
        if !provenance.isEmpty {
            emit("provenance:")
            for (i, p) in provenance.enumerated() { emit("  \(i + 1). " + describe(p.json)) }
        }
        if !unknown.isEmpty {
            emit("unknown ancillary records: " + unknown.map { "\($0.type) (#\($0.record), \(byteSize($0.bytes)))" }.joined(separator: ", "))
        }
    }

    // MARK: - JSON

    /// The summary as one JSON object; `error` is nil for a valid stream.
    func jsonSummary(error: String?) -> String {
        func num(_ x: Double) -> String { x.isFinite ? printf("%.9g", x) : "null" }
        func stats(_ all: [ChannelStatistics]) -> String {
            "[" + all.map { c in
                "{\"count\":\(c.count),\"mean\":\(num(c.mean)),\"std\":\(num(c.std)),\"min\":\(c.count > 0 ? num(Double(c.min)) : "null"),\"max\":\(c.count > 0 ? num(Double(c.max)) : "null"),\"nonfinite\":\(c.nonFinite)}"
            }.joined(separator: ",") + "]"
        }
        var clipsJSON: [String] = []
        for id in state.clipOrder {
            guard let c = clips[id] else { continue }
            var m = ["\"clip\":\(id)"]
            if let h = c.header {
                m += ["\"kind\":\(jsonString(h.kind.description))", "\"dtype\":\(jsonString(h.dtype.description))",
                      "\"channels\":\(h.channels)", "\"height\":\(h.height)", "\"width\":\(h.width)",
                      "\"fps\":[\(h.fps.numerator),\(h.fps.denominator)]", "\"frames_announced\":\(h.frameCount)",
                      "\"model\":\(jsonString(h.model))", "\"spatial_factor\":\(h.spatialFactor)", "\"temporal_factor\":\(h.temporalFactor)",
                      "\"source_size\":[\(h.sourceWidth),\(h.sourceHeight)]", "\"first_frame_alone\":\(h.firstFrameAlone)"]
            }
            m.append("\"frames_read\":\(c.frames)")
            if !c.gaps.isEmpty { m.append("\"frames_not_stored\":[" + c.gaps.map { "[\($0.lowerBound),\($0.upperBound)]" }.joined(separator: ",") + "]") }
            if let g = c.geometry {
                let groups = g.frames > 0 ? g.gridT : c.maxT + 1
                m.append("\"patch\":{\"size\":[\(g.pt),\(g.ph),\(g.pw)],\"grid\":[\(groups),\(g.gridH),\(g.gridW)],\"token_dim\":\(g.tokenDim),\"tokens_read\":\(c.tokens)}")
                m.append("\"statistics\":" + stats(c.tokenStats?.channels ?? []))
            } else {
                m.append("\"statistics\":" + stats(c.frameStats))
            }
            m.append("\"noise\":[" + c.noise.map { n in
                "{\"first\":\(n.first),\"levels\":[" + n.levels.map { num(Double($0)) }.joined(separator: ",") + "]}"
            }.joined(separator: ",") + "]")
            clipsJSON.append("{" + m.joined(separator: ",") + "}")
        }
        let textJSON = texts.map { (_, t) in
            "{\"segment\":\(t.segment),\"clip\":\(t.clip == ReelFormat.open ? "null" : String(t.clip)),\"start\":\(t.start),\"end\":\(t.end == ReelFormat.open ? "null" : String(t.end)),\"role\":\(jsonString(t.role.description)),\"text\":\(jsonString(t.text))}"
        }
        let embJSON = embeddings.map { (_, e) in
            "{\"segment\":\(e.segment),\"kind\":\(jsonString(e.kind == .pooled ? "pooled" : "token_states")),\"count\":\(e.count),\"dim\":\(e.dim)}"
        }
        let metaJSON = metadata.map { "{\"key\":\(jsonString($0.key)),\"value\":\(jsonString($0.value))}" }
        let provJSON = provenance.map { $0.json.jsonText }
        let unknownJSON = unknown.map { "{\"record\":\($0.record),\"type\":\(jsonString($0.type)),\"bytes\":\($0.bytes)}" }
        return "{\"valid\":\(error == nil),\"error\":\(error.map(jsonString) ?? "null"),\"records\":\(records),\"bytes\":\(bytes),"
            + "\"clips\":[\(clipsJSON.joined(separator: ","))],\"texts\":[\(textJSON.joined(separator: ","))],"
            + "\"embeddings\":[\(embJSON.joined(separator: ","))],\"metadata\":[\(metaJSON.joined(separator: ","))],"
            + "\"provenance\":[\(provJSON.joined(separator: ","))],\"unknown\":[\(unknownJSON.joined(separator: ","))]}"
    }

    func table(_ stats: [ChannelStatistics], _ title: String) {
        emit("  \(title):")
        emit("  " + right("channel", 8) + right("mean", 13) + right("std", 13) + right("min", 13) + right("max", 13))
        for (i, s) in stats.enumerated() {
            var line = "  " + right(String(i), 8) + right(number(s.mean), 13) + right(number(s.std), 13)
                + right(number(s.count > 0 ? Double(s.min) : .nan), 13) + right(number(s.count > 0 ? Double(s.max) : .nan), 13)
            if s.nonFinite > 0 { line += "  (\(s.nonFinite) NaN or infinite)" }
            emit(line)
        }
    }
}

