// What a command-line input names: one PNG, a PNG sequence, or a video; and a
// uniform way to read frames from any of them with a FrameSelection.

import ReelImage

/// One media input.
public enum MediaInput: Sendable, Equatable {
    /// A single PNG: one frame.
    case still(path: String)
    /// Numbered PNGs (a %d pattern or a directory); `name` is as given.
    case sequence(PNGSequence, name: String)
    /// Anything else: opened with FFmpeg.
    case video(path: String)

    /// Frame rate of PNG sequences and stills when nothing else sets one.
    public static let defaultStillRate = 24

    /// Classifies `argument`: a name with `%d`/`%0Nd` is a PNG sequence
    /// pattern, a directory is a PNG sequence, a name ending in .png is a
    /// still, anything else a video.
    public static func classify(_ argument: String) throws -> MediaInput {
        guard !argument.isEmpty else { throw MediaError.invalidArgument("an input name is empty") }
        if let pattern = try SequencePattern(argument) {
            return .sequence(try PNGSequence.open(pattern: pattern, text: argument), name: argument)
        }
        if FileAccess.isDirectory(argument) {
            return .sequence(try PNGSequence.open(directory: argument), name: argument)
        }
        guard FileAccess.exists(argument) else {
            throw MediaError.cannotOpen(path: argument, reason: "No such file or directory")
        }
        if !FileAccess.isRegularFile(argument) {
            // A named pipe or device: read once into a spool, told apart by its signature.
            let spooled = try FileAccess.spool(argument)
            let head = (try? FileAccess.readPrefix(spooled, count: 8)) ?? []
            return PNGCodec.hasSignature(head) ? .still(path: spooled) : .video(path: spooled)
        }
        if argument.lowercased().hasSuffix(".png") || PNGCodec.hasSignature((try? FileAccess.readPrefix(argument, count: 8)) ?? []) {
            return .still(path: argument)   // a PNG whatever its name (media spooled from standard input has none)
        }
        return .video(path: argument)
    }

    public var name: String {
        switch self {
        case .still(let p), .video(let p): p
        case .sequence(_, let n): n
        }
    }

    /// Facts known before reading frames: size, depth and native rate (nil for
    /// stills and sequences, which have none).
    public struct Properties: Sendable, Equatable {
        public var width: Int
        public var height: Int
        public var depth: SampleDepth
        public var frameRate: FrameRate?
    }

    public func properties() throws -> Properties {
        switch self {
        case .still(let p):
            let info = try PNGCodec.info(try FileAccess.readAll(p), name: p)
            return Properties(width: info.width, height: info.height, depth: info.depth, frameRate: nil)
        case .sequence(let s, _):
            guard let first = s.paths.first else { throw MediaError.cannotOpen(path: name, reason: "no frames") }
            let info = try PNGCodec.info(try FileAccess.readAll(first), name: first)
            return Properties(width: info.width, height: info.height, depth: info.depth, frameRate: nil)
        case .video(let p):
            let r = try VideoReader(path: p)
            return Properties(width: r.width, height: r.height, depth: .u8, frameRate: r.frameRate)
        }
    }

    /// Reads the selected frames, one at a time, calling `body` for each.
    /// A sequence plays at `stillRate` (its frame i is at i/stillRate s); a
    /// still is a one-frame clip, repeated to fill `selection.frameLimit`
    /// (its start time is ignored). Returns the number of frames delivered.
    @discardableResult
    public func forEachFrame(_ selection: FrameSelection, stillRate: FrameRate,
                             _ body: (PixelImage) throws -> Void) throws -> Int {
        switch self {
        case .still(let p):
            let image = try PNGCodec.read(path: p)
            let n = selection.frameLimit ?? 1
            for _ in 0..<n { try body(image) }
            return n
        case .sequence(let s, _):
            var resampler = FrameResampler<String>(selection: selection, sourceRate: stillRate)
            // Files are read only when chosen, and a repeated file only once.
            var last: (path: String, image: PixelImage)?
            func deliver(_ path: String) throws {
                if last?.path != path { last = (path, try PNGCodec.read(path: path)) }
                if let image = last?.image { try body(image) }
            }
            for (i, path) in s.paths.enumerated() where !resampler.isFinished {
                for chosen in resampler.push(path, time: stillRate.time(ofFrame: i)) { try deliver(chosen) }
            }
            for chosen in resampler.finish() { try deliver(chosen) }
            return resampler.emitted
        case .video(let p):
            return try VideoReader(path: p).forEachFrame(selection, body)
        }
    }
}
