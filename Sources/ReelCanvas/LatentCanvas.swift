// Canvases of latent frames from clips: the input of reel-denoise that reel-blend and
// reel-loop build (reel(7), "One conditioning primitive"). A canvas is one latent clip:
// stored frames, a noise level per stored frame (0 keeps it, 1 generates it, between
// keeps it loosely), text segments over its video frames, and `source-frames`, the video
// frames a decoder gives back.

import ReelSystem
import ReelStream

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public enum CanvasError: Error, CustomStringConvertible, Equatable {
    /// Options wrong in themselves (exit 64).
    case usage(String)
    /// Inputs that cannot serve (exit 65).
    case badInput(String)
    /// An input file that cannot be opened (exit 66).
    case cannotOpen(String)
    /// Reading an input failed (exit 74).
    case io(String)

    public var description: String {
        switch self { case .usage(let m), .badInput(let m), .cannotOpen(let m), .io(let m): m }
    }

}

extension CanvasError: ReelError {
    public var kind: ErrorKind {
        switch self { case .usage: .usage; case .badInput: .badData; case .cannotOpen: .missingInput; case .io: .io }
    }
}

/// One clip of latent frames read whole from a reel(5) stream, with its text.
public struct LatentClip: Sendable {
    public var header: ClipHeader
    /// Latent frames 0..<n, each C x H x W values (f32), not partly denoised. Their nois levels
    /// are not read: a denoised clip carries the levels it was generated from, which a new
    /// canvas replaces.
    public var frames: [[Float]]
    /// Video frames the clip decodes to (its `source-frames`, else 1 + (n - 1) x temporal factor).
    public var sourceFrames: Int
    /// Text segments for this clip (or for every clip), and their embeddings.
    public var segments: [TextSegment]
    public var embeddings: [TextEmbedding]

    public var frameCount: Int { frames.count }

    /// The first video frame of latent frame f (the first frame is encoded alone).
    public func firstVideoFrame(_ f: Int) -> Int { f == 0 ? 0 : 1 + (f - 1) * header.temporalFactor }

    /// Reads the first clip (or clip `clip`) of a stream of latent frames. `name` names the
    /// input in messages.
    public static func read(_ reader: StreamReader, name: String, clip wanted: UInt32? = nil) throws -> LatentClip {
        var state = StreamState()
        var header: ClipHeader?
        var frames: [Int: [Float]] = [:]
        var source: Int?
        var segments: [TextSegment] = [], embeddings: [TextEmbedding] = []
        var index = 0
        while let r = try reader.next() {
            index += 1
            let decoded = try state.decode(r, index: index)
            func mine(_ c: UInt32) -> Bool { header.map { $0.clip == c } ?? false }
            switch decoded {
            case .header(let h):
                guard header == nil, wanted == nil || wanted == h.clip else { continue }
                guard h.kind == .latents else {
                    throw CanvasError.badInput("\(name): clip \(h.clip) holds pixel frames; encode it to latents first (reel-encode without --pixels)")
                }
                guard h.firstFrameAlone else {
                    throw CanvasError.badInput("\(name): clip \(h.clip)'s latents were not made by a causal VAE (its first frame is not encoded alone)")
                }
                header = h
            case .frame(let f) where mine(f.clip):
                let h = header!
                let n = h.channels * h.height * h.width
                var v = [Float](repeating: 0, count: n)
                for i in 0..<n { v[i] = LatentClip.value(f.data, dtype: h.dtype, at: i) }
                frames[f.index] = v
            case .patchGeometry(let g) where mine(g.clip):
                throw CanvasError.badInput("\(name): clip \(g.clip) is cut in patch tokens; join them into frames first (reel-unpatchify)")
            case .partial(let l) where mine(l.clip):
                throw CanvasError.badInput("\(name): clip \(l.clip) is only partly denoised (PART); finish it with reel-denoise first")
            case .metadata(let m) where m.key == "source-frames":
                let parts = m.value.split(separator: " ")
                if parts.count == 2, let c = UInt32(parts[0]), let n = Int(parts[1]), mine(c) || (header == nil && wanted.map { $0 == c } ?? true) {
                    source = n
                }
            case .text(let s):
                segments.append(s)
            case .embedding(let e):
                embeddings.append(e)
            default:
                break
            }
        }
        guard let h = header else {
            throw CanvasError.badInput(wanted.map { "\(name): no clip \($0) in the stream" } ?? "\(name): the stream holds no clip")
        }
        let n = (frames.keys.max() ?? -1) + 1
        guard n >= 1 else { throw CanvasError.badInput("\(name): clip \(h.clip) has no latent frames") }
        if let gap = (0..<n).first(where: { frames[$0] == nil }) {
            throw CanvasError.badInput("\(name): clip \(h.clip) lacks latent frame \(gap) of its \(n)")
        }
        let clipSegments = segments.filter { $0.clip == ReelFormat.open || $0.clip == h.clip }
        let ids = Set(clipSegments.map(\.segment))
        let full = 1 + (n - 1) * h.temporalFactor
        return LatentClip(header: h, frames: (0..<n).map { frames[$0]! },
                          sourceFrames: min(source ?? full, full), segments: clipSegments,
                          embeddings: embeddings.filter { ids.contains($0.segment) })
    }

    /// Reads the clip from the file `path`, or from `standardInput()` when it is "-"; a stream
    /// that is not valid (a media file) is a bad input naming the path.
    public static func read(path: String, clip: UInt32? = nil, standardInput: () throws -> StreamReader) throws -> LatentClip {
        let reader: StreamReader, name: String
        if path == "-" {
            reader = try standardInput()
            name = "standard input"
        } else {
            let fd = open(path, O_RDONLY)
            guard fd >= 0 else { throw CanvasError.cannotOpen("cannot open \(path): \(String(cString: strerror(errno)))") }
            reader = StreamReader(fileDescriptor: fd, name: path)
            name = path
        }
        do {
            return try read(reader, name: name, clip: clip)
        } catch let e as StreamError {
            if case .io = e { throw e }
            throw CanvasError.badInput("\(name): \(e) (a reel stream of latent frames is needed: encode a video with reel-encode first)")
        }
    }

    static func value(_ data: UnsafeRawBufferPointer, dtype: DType, at i: Int) -> Float {
        switch dtype {
        case .f32: return Float(bitPattern: UInt32(littleEndian: data.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)))
        case .f16: return Float(Float16(bitPattern: UInt16(littleEndian: data.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self))))
        case .bf16: return Float(bitPattern: UInt32(UInt16(littleEndian: data.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self))) << 16)
        case .u8: return Float(data[i])
        case .u16: return Float(UInt16(littleEndian: data.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self)))
        }
    }
}

/// A canvas to write: latent frames (nil: not stored, to generate), levels, text.
public struct LatentCanvas {
    public var header: ClipHeader
    public var frames: [[Float]?]
    /// Per latent frame; frames with a nil value are written as zeros with level 1.
    public var levels: [Float]
    public var sourceFrames: Int
    public var segments: [TextSegment] = []
    public var embeddings: [TextEmbedding] = []

    public init(like h: ClipHeader, frames: [[Float]?], levels: [Float], sourceFrames: Int) {
        var head = h
        head.dtype = .f32
        head.frameCount = frames.count
        header = head
        self.frames = frames
        self.levels = levels
        self.sourceFrames = sourceFrames
    }

    /// Adds a clip's text segments over canvas video frames [start, end): segment ids are
    /// renumbered from `firstID` (returned: the next free id), ranges clipped to the span (a
    /// segment that runs to the clip's end runs to the span's end).
    /// `shift` moves the source's video frames onto the canvas's.
    public mutating func addText(of clip: LatentClip, shift: Int, span: Range<Int>, firstID: UInt32) -> UInt32 {
        var next = firstID
        var map: [UInt32: UInt32] = [:]
        for s in clip.segments.sorted(by: { $0.segment < $1.segment }) {
            let start = max(span.lowerBound, Int(s.start) + shift)
            // A segment to the clip's end runs to the span's end.
            let toEnd = s.end == ReelFormat.open || Int(s.end) >= clip.sourceFrames
            let end = toEnd ? span.upperBound : min(span.upperBound, Int(s.end) + shift)
            guard start < end else { continue }
            map[s.segment] = next
            segments.append(TextSegment(segment: next, clip: header.clip, start: UInt32(start),
                                        end: end >= sourceFrames ? ReelFormat.open : UInt32(end), role: s.role, text: s.text))
            next += 1
        }
        for e in clip.embeddings {
            guard let id = map[e.segment] else { continue }
            var c = e
            c.segment = id
            embeddings.append(c)
        }
        return next
    }

    /// HEAD, the text and its embeddings, a FRAM per frame, nois, source-frames, then
    /// `provenance`, then DONE.
    public func write(to writer: StreamWriter, provenance: Record) throws {
        try writer.write(header.record)
        for s in segments { try writer.write(s.record) }
        for e in embeddings { try writer.write(e.record) }
        let n = header.channels * header.height * header.width
        // Frames to generate are stored as zeros at level 1 (their values are ignored), so the
        // clip has no gaps between stored frames, which reel-patchify and reel-inspect require.
        let zeros = [Float](repeating: 0, count: n)
        for (i, stored) in frames.enumerated() {
            let f = stored ?? zeros
            precondition(f.count == n)
            let frame = Frame(clip: header.clip, index: i, byteCount: n * 4)
            let out = frame.mutableData
            for k in 0..<n { out.storeBytes(of: f[k].bitPattern.littleEndian, toByteOffset: 4 * k, as: UInt32.self) }
            try writer.write(frame.record)
        }
        try writer.write(NoiseLevels(clip: header.clip, levels: zip(frames, levels).map { $0.0 == nil ? 1 : $0.1 }).record)
        try writer.write(Metadata(key: "source-frames", value: "\(header.clip) \(sourceFrames)").record)
        try writer.write(provenance)
        try writer.finish()
    }
}
