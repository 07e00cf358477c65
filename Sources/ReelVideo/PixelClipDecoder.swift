// reel-decode: one pixel clip of a reel stream to a PNG, a PNG sequence, or a
// video file (MP4, WebM, GIF), whole or not at all.
//
// The output kind comes from `format` or the output name: a name with %d or a
// directory is a PNG sequence (files numbered by canvas frame index), *.png a
// single PNG (the clip must hold one frame), *.mp4/.m4v/.mov, *.webm, *.gif a
// video at the clip's frame rate (frames in stream order). PNGs keep the
// clip's depth (u16 clips give 16-bit PNGs; float clips too); videos are 8-bit
// RGB. Every output carries the stream's provenance (PNG iTXt "reel
// provenance", the MP4/WebM comment tag).

import ReelImage
import ReelStream

/// Output kinds.
public enum DecodeFormat: String, Sendable, CaseIterable {
    case png, mp4, webm, gif
}

/// What reel-decode was asked to do.
public struct PixelDecodeRequest: Sendable {
    public var output: String
    public var format: DecodeFormat?
    /// The clip to decode; nil takes the first clip in the stream.
    public var clip: UInt32?
    /// CRF for MP4/WebM (nil: the container's default).
    public var quality: Int?
    /// The decoding tool's own prov JSON, added after the stream's history.
    public var provenance: String?
    /// Called after each frame is written with the count so far and the clip's frame count
    /// (0 when not announced): reel-decode's progress line.
    public var progress: (@Sendable (Int, Int) -> Void)?

    public init(output: String, format: DecodeFormat? = nil, clip: UInt32? = nil, quality: Int? = nil, provenance: String? = nil) {
        self.output = output
        self.format = format
        self.clip = clip
        self.quality = quality
        self.provenance = provenance
    }
}

public struct PixelDecodeSummary: Sendable, Equatable {
    public var clip: UInt32
    public var frames: Int
    /// Frames of other clips that were passed over.
    public var skippedFrames: Int
    /// Files written (one, or one per frame for a sequence).
    public var files: [String]
    /// Frame indices the clip does not store (a canvas with gaps), which a video, unlike a PNG
    /// sequence numbered by frame, cannot show: its frames follow each other.
    public var notStored: [Range<Int>] = []
}

public enum PixelClipDecoder {
    /// The message for a latent stream (no VAE yet).
    public static let latentMessage = "latent frames need the video compression network (VAE) to decode, which is not yet available; encode with reel-encode --pixels to get pixel frames"

    private enum Sink {
        case single(String, PixelImage?)
        case sequence(PNGSequenceWriter)
        case video(VideoWriter)
    }

    /// Reads `reader` to the end and writes the chosen clip.
    public static func decode(_ reader: StreamReader, _ request: PixelDecodeRequest) throws -> PixelDecodeSummary {
        let out = request.output
        guard !out.isEmpty else { throw MediaError.invalidArgument("the output name is empty") }
        let isPattern = try SequencePattern(out) != nil
        let isDirectory = out.hasSuffix("/") || FileAccess.isDirectory(out)
        let format: DecodeFormat
        if let f = request.format {
            format = f
        } else if isPattern || isDirectory || out.lowercased().hasSuffix(".png") {
            format = .png
        } else if let c = VideoContainer(path: out) {
            format = DecodeFormat(rawValue: c.rawValue) ?? .png
        } else {
            throw MediaError.invalidArgument("cannot tell the output format of '\(out)': name it .png, out_%04d.png, a directory, .mp4, .webm or .gif, or give --format")
        }
        if format != .png && (isPattern || isDirectory) {
            throw MediaError.invalidArgument("'\(out)' is a PNG sequence name, but --format is \(format.rawValue)")
        }
        var state = StreamState()
        var history: [String] = []
        var chosen: ClipHeader?
        var sink: Sink?
        var frames = 0, skipped = 0
        var lastIndex = -1
        var notStored: [Range<Int>] = []
        do {
            while let record = try reader.next() {
                switch try state.decode(record, index: reader.recordIndex) {
                case .provenance(let json):
                    history.append(json)
                case .header(let h):
                    guard chosen == nil, request.clip == nil || request.clip == h.clip else { continue }
                    guard h.kind == .pixels else { throw MediaError.unsupported(path: "standard input", detail: "clip \(h.clip): " + latentMessage) }
                    guard (1...4).contains(h.channels) else {
                        throw MediaError.unsupported(path: "standard input", detail: "clip \(h.clip) has \(h.channels) channels; pixel frames have 1 to 4")
                    }
                    chosen = h
                    let comment = "[" + (history + [request.provenance].compactMap { $0 }).joined(separator: ",") + "]"
                    switch format {
                    case .png where isPattern || isDirectory:
                        let w = try PNGSequenceWriter(target: out)
                        w.comment = comment
                        sink = .sequence(w)
                    case .png:
                        sink = .single(out, nil)
                    case .mp4, .webm, .gif:
                        let container = VideoContainer(rawValue: format.rawValue) ?? .mp4
                        guard let rate = try? FrameRate(Int(h.fps.numerator), Int(max(h.fps.denominator, 1))) else {
                            throw MediaError.malformed(path: "standard input", detail: "clip \(h.clip) has frame rate \(h.fps); a video needs a rate above 0 and at most 1000")
                        }
                        sink = .video(try VideoWriter(path: out, container: container, width: h.width, height: h.height,
                                                      frameRate: rate, quality: request.quality, comment: comment))
                    }
                case .frame(let f):
                    guard let h = chosen, f.clip == h.clip, let current = sink else { skipped += 1; continue }
                    let image = try PixelFrames.image(f, header: h)
                    switch current {
                    case .single(let path, let held):
                        if held != nil {
                            throw MediaError.invalidArgument("clip \(h.clip) has more than one frame, but \(path) is a single PNG: name a sequence (out_%04d.png or a directory) or a video")
                        }
                        sink = .single(path, image)
                    case .sequence(let w):
                        guard f.index > lastIndex else {
                            throw MediaError.malformed(path: "standard input", detail: "frame \(f.index) of clip \(h.clip) comes after frame \(lastIndex); frames must be in increasing order")
                        }
                        try w.append(image, index: f.index)
                    case .video(let w):
                        guard f.index > lastIndex else {
                            throw MediaError.malformed(path: "standard input", detail: "frame \(f.index) of clip \(h.clip) comes after frame \(lastIndex); frames must be in increasing order")
                        }
                        if f.index > lastIndex + 1 { notStored.append((lastIndex + 1)..<f.index) }
                        try w.append(image)
                    }
                    lastIndex = f.index
                    frames += 1
                    request.progress?(frames, h.frameCount)
                case .partial(let n):
                    throw MediaError.unsupported(path: "standard input", detail: "record \(reader.recordIndex): clip \(n.clip) is only partly denoised (a PART record: its frames still hold noise); finish it with reel-denoise, then decode")
                default:
                    continue
                }
            }
            guard let h = chosen, let done = sink else {
                if let c = request.clip { throw MediaError.invalidArgument("the stream has no clip \(c)") }
                throw MediaError.malformed(path: "standard input", detail: "the stream holds no clip (no HEAD record)")
            }
            guard frames > 0 else { throw MediaError.malformed(path: "standard input", detail: "clip \(h.clip) has no frames") }
            var files: [String] = []
            switch done {
            case .single(let path, let image):
                if let image {
                    try PNGCodec.write(image, to: path, comment: "[" + (history + [request.provenance].compactMap { $0 }).joined(separator: ",") + "]")
                    files = [path]
                }
            case .sequence(let w):
                files = w.paths
                try w.commit()
            case .video(let w):
                try w.finish()
                files = [out]
            }
            return PixelDecodeSummary(clip: h.clip, frames: frames, skippedFrames: skipped, files: files, notStored: notStored)
        } catch {
            switch sink {
            case .sequence(let w): w.abort()
            case .video(let w): w.abort()
            default: break
            }
            throw error
        }
    }
}
