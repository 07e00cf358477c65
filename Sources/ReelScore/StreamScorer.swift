// Scoring every clip of a reel(5) stream, and forwarding the best ones.
//
// The stream is read whole (ranking needs every clip). Each record belongs to
// at most one clip: HEAD, FRAM, PTCH, TOKS and nois to the clip they name; a
// text record to the clip it names (a text for every clip belongs to none);
// embd to the clip of the text segment it embeds; meta `source-frames` and
// `score` to the clip they name, meta `scene` to the clip whose HEAD came last
// before it (reel-synth writes it after its HEAD). Everything else (prov, other
// meta, ancillary kinds this reel does not know) belongs to no clip.
// `writeBest` forwards, in input order and byte for byte, every record that
// belongs to no clip or to a chosen clip, each chosen clip's score record
// right after its clip's last record.

import ReelStream
import ReelVAE

public final class StreamScorer {
    public let scorer: ClipScorer
    /// Text for clips that carry none (e.g. media files, or --prompt).
    public var defaultPrompt: String?
    let resolve: (ClipHeader) throws -> CausalVideoVAE

    public private(set) var records: [(record: Record, owner: UInt32?)] = []
    public private(set) var scores: [ClipScore] = []

    public init(scorer: ClipScorer, defaultPrompt: String? = nil, resolve: @escaping (ClipHeader) throws -> CausalVideoVAE) {
        self.scorer = scorer
        self.defaultPrompt = defaultPrompt
        self.resolve = resolve
    }

    /// Reads the whole stream and scores its clips (in the order of their HEAD records).
    @discardableResult
    public func run(_ reader: StreamReader) throws -> [ClipScore] {
        var state = StreamState()
        var headers: [UInt32: ClipHeader] = [:]
        var order: [UInt32] = []
        var frames: [UInt32: [Int: Frame]] = [:]
        var frameRecords: [UInt32: [Record]] = [:]
        var texts: [(TextSegment, UInt32?)] = []
        var segmentOwner: [UInt32: UInt32] = [:]
        var levels: [UInt32: [Int: Float]] = [:]
        var sourceFrames: [UInt32: Int] = [:]
        var lastHead: UInt32?
        while let record = try reader.next() {
            var owner: UInt32?
            switch try state.decode(record, index: reader.recordIndex) {
            case .header(let h):
                owner = h.clip
                headers[h.clip] = h
                order.append(h.clip)
                lastHead = h.clip
            case .frame(let f):
                owner = f.clip
                frames[f.clip, default: [:]][f.index] = f
                frameRecords[f.clip, default: []].append(record)
            case .patchGeometry(let g): owner = g.clip
            case .tokens(let t): owner = t.clip
            case .noise(let n):
                owner = n.clip
                for (i, v) in n.levels.enumerated() { levels[n.clip, default: [:]][n.first + i] = v }
            case .partial(let n):
                throw ScoreError.badClip("record \(reader.recordIndex): clip \(n.clip) is only partly denoised (a PART record: its frames still hold noise); finish it with reel-denoise before scoring")
            case .text(let t):
                owner = t.clip == ReelFormat.open ? nil : t.clip
                if let o = owner { segmentOwner[t.segment] = o }
                texts.append((t, owner))
            case .embedding(let e):
                owner = segmentOwner[e.segment]
            case .metadata(let m):
                if m.key == SourceFrames.key, let (clip, n) = SourceFrames.parse(m.value) {
                    owner = clip
                    sourceFrames[clip] = n
                } else if m.key == "scene" {
                    owner = lastHead
                } else if m.key == ClipScore.metadataKey {
                    owner = StreamScorer.clipNamed(inReport: m.value)
                }
            case .provenance, .unknown:
                owner = nil
            }
            records.append((record, owner))
        }
        var out: [ClipScore] = []
        for clip in order {
            guard let h = headers[clip] else { continue }
            var clipFrames: [Int: Frame] = frames[clip] ?? [:]
            var header = h
            if h.kind == .latents {
                let (ph, decoded) = try decodeLatents(h, frames: frameRecords[clip] ?? [], sourceFrames: sourceFrames[clip])
                header = ph
                clipFrames = decoded
            }
            guard !clipFrames.isEmpty else {
                throw ScoreError.badClip("clip \(clip) has no frames to score (a token stream? reel-unpatchify it first)")
            }
            let n = clipFrames.count
            var rgb: [[UInt8]] = []
            for i in 0..<n {
                guard let f = clipFrames[i] else {
                    throw ScoreError.badClip("clip \(clip) has \(n) frames but not frame \(i); the scorer needs frames 0 to \(n - 1)")
                }
                rgb.append(try ClipPixels.rgb(f, header: header))
            }
            let px = ClipPixels(width: header.width, height: header.height, frames: rgb)
            var clipTexts = texts.filter { $0.1 == clip || ($0.1 == nil && $0.0.clip == ReelFormat.open) }.map { t, _ in
                ClipText(text: t.text, role: t.role, start: Int(t.start), end: t.end == ReelFormat.open ? nil : Int(t.end))
            }
            if clipTexts.isEmpty, let p = defaultPrompt { clipTexts = [ClipText(text: p)] }
            var given: [Bool]?
            if let l = levels[clip] {
                given = (0..<n).map { v in
                    let stored = h.kind == .latents ? StreamScorer.latentFrame(ofVideoFrame: v, temporalFactor: h.temporalFactor) : v
                    return l[stored] == 0
                }
            }
            out.append(scorer.score(clip: clip, pixels: px, texts: clipTexts, given: given))
        }
        scores = out
        return out
    }

    /// The latent frame that holds video frame `v` (the first frame encoded alone).
    static func latentFrame(ofVideoFrame v: Int, temporalFactor: Int) -> Int {
        v == 0 ? 0 : (v - 1) / max(1, temporalFactor) + 1
    }

    static func clipNamed(inReport json: String) -> UInt32? {
        guard let r = json.range(of: "\"clip\":") else { return nil }
        let digits = json[r.upperBound...].prefix { $0.isNumber }
        return UInt32(digits)
    }

    /// A latent clip's pixel header and frames, through the VAE as reel-decode does it.
    func decodeLatents(_ h: ClipHeader, frames: [Record], sourceFrames: Int?) throws -> (ClipHeader, [Int: Frame]) {
        let sub = StreamWriter()
        if let n = sourceFrames { try sub.write(SourceFrames.record(clip: h.clip, frames: n)) }
        try sub.write(h.record)
        var byIndex: [(Int, Record)] = []
        var state = StreamState()
        _ = try state.decode(h.record, index: 1)
        for r in frames {
            if case .frame(let f) = try state.decode(r, index: 0) { byIndex.append((f.index, r)) }
        }
        for (_, r) in byIndex.sorted(by: { $0.0 < $1.0 }) { try sub.write(r) }
        try sub.finish()
        let pixelWriter = StreamWriter()
        try LatentClipDecoder(resolve: resolve).run(StreamReader(bytes: sub.bytes, name: "clip \(h.clip)"), to: pixelWriter)
        try pixelWriter.finish()
        let reader = StreamReader(bytes: pixelWriter.bytes, name: "decoded clip \(h.clip)")
        var pstate = StreamState()
        var header: ClipHeader?
        var out: [Int: Frame] = [:]
        while let r = try reader.next() {
            switch try pstate.decode(r, index: reader.recordIndex) {
            case .header(let ph): header = ph
            case .frame(let f): out[f.index] = f
            default: break
            }
        }
        guard let header else { throw ScoreError.badClip("clip \(h.clip): the VAE decoded no header") }
        return (header, out)
    }

    /// The `k` best clips by ClipScore.ranksAbove, best first.
    public func best(_ k: Int) -> [ClipScore] {
        Array(scores.sorted(by: ClipScore.ranksAbove).prefix(k))
    }

    /// Forwards the records of the `k` best clips and of no clip, unchanged and in order, with a score record after each chosen clip.
    public func writeBest(_ k: Int, to writer: StreamWriter, provenance: Record) throws {
        let chosen = best(k)
        let keep = Set(chosen.map(\.clip))
        var last: [UInt32: Int] = [:]
        for (i, r) in records.enumerated() { if let o = r.owner, keep.contains(o) { last[o] = i } }
        try writer.write(provenance)
        for (i, r) in records.enumerated() {
            guard r.owner.map(keep.contains) ?? true else { continue }
            // A score record from an earlier run is replaced by this run's.
            if let o = r.owner, keep.contains(o), r.record.type == .metadata,
               let m = try? Metadata(r.record, index: i + 1), m.key == ClipScore.metadataKey {
                if last[o] == i, let s = chosen.first(where: { $0.clip == o }) { try writer.write(s.record) }
                continue
            }
            try writer.write(r.record)
            if let o = r.owner, last[o] == i, let s = chosen.first(where: { $0.clip == o }) { try writer.write(s.record) }
        }
    }
}
