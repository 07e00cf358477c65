// reel-encode --pixels: media inputs to one pixel clip in a reel stream.
//
// Every input goes into the same clip, in order. Input k starts at canvas
// frame placements[k] when given, else right after the previous input (the
// first at 0). Frames are RGB (gray is replicated, alpha composited over
// black), brought to the clip size with the fit mode, at the clip's depth.
// Clip size: --size, else the first input's size. Depth: --depth, else u16 when
// the first input is a 16-bit PNG (or sequence), u8 otherwise. Rate: --fps,
// else the first video's rate, else 24 (stills and sequences only).

import ReelImage
import ReelStream

/// What reel-encode was asked to do.
public struct PixelEncodeRequest: Sendable {
    public var inputs: [String]
    public var size: ImageSize?
    public var fit: FitMode
    public var filter: ResampleFilter
    /// Seconds into each video or sequence.
    public var start: Double
    /// Frames per input (a still is repeated this many times).
    public var frameLimit: Int?
    public var rate: FrameRate?
    /// Canvas frame where each input starts (the first ones; the rest follow on).
    public var placements: [Int]
    public var depth: SampleDepth?
    public var clip: UInt32

    public init(inputs: [String], size: ImageSize? = nil, fit: FitMode = .crop, filter: ResampleFilter = .lanczos3,
                start: Double = 0, frameLimit: Int? = nil, rate: FrameRate? = nil, placements: [Int] = [],
                depth: SampleDepth? = nil, clip: UInt32 = 0) {
        self.inputs = inputs
        self.size = size
        self.fit = fit
        self.filter = filter
        self.start = start
        self.frameLimit = frameLimit
        self.rate = rate
        self.placements = placements
        self.depth = depth
        self.clip = clip
    }
}

/// What was written.
public struct PixelEncodeSummary: Sendable, Equatable {
    public var header: ClipHeader
    /// Per input: first canvas frame and number of frames.
    public var spans: [(first: Int, count: Int)]
    public static func == (a: Self, b: Self) -> Bool {
        a.header == b.header && a.spans.map { [$0.first, $0.count] } == b.spans.map { [$0.first, $0.count] }
    }
}

public enum PixelClipEncoder {
    /// Largest canvas frame index (frame indices are u32 in reel(5)).
    public static let maxFrameIndex = Int(UInt32.max - 1)

    /// Reads the inputs and writes prov, HEAD and FRAM records to `writer`
    /// (not DONE: the caller finishes the stream).
    @discardableResult
    public static func encode(_ request: PixelEncodeRequest, to writer: StreamWriter, provenance: Provenance) throws -> PixelEncodeSummary {
        guard !request.inputs.isEmpty else { throw MediaError.invalidArgument("no input: name a PNG, a PNG sequence or a video") }
        guard request.placements.count <= request.inputs.count else {
            throw MediaError.invalidArgument("\(request.placements.count) --at values for \(request.inputs.count) inputs; give at most one per input")
        }
        for p in request.placements where p < 0 || p > maxFrameIndex {
            throw MediaError.invalidArgument("--at \(p) is out of range; expected a frame index 0 to \(maxFrameIndex)")
        }
        // Classify every input first: a missing last input fails before any output.
        let inputs = try request.inputs.map(MediaInput.classify)
        let first = try inputs[0].properties()
        let size = request.size ?? ImageSize(width: first.width, height: first.height)
        let depth = request.depth ?? first.depth
        var rate = request.rate
        if rate == nil {
            for input in inputs {
                if case .video = input { rate = try input.properties().frameRate; break }
            }
        }
        let clipRate = try rate ?? FrameRate(MediaInput.defaultStillRate)
        let selection = try FrameSelection(start: request.start, frameLimit: request.frameLimit, rate: clipRate)
        let stillCount = inputs.allSatisfy { if case .still = $0 { return true } else { return false } }
            ? (request.frameLimit ?? 1) * inputs.count : 0
        let header = ClipHeader(clip: request.clip, kind: .pixels, dtype: depth.dtype, channels: 3,
                                width: size.width, height: size.height,
                                fps: Rational(UInt32(clipRate.numerator), UInt32(clipRate.denominator)),
                                frameCount: request.placements.isEmpty ? stillCount : 0)
        try writer.write(provenance.record)
        try writer.write(header.record)
        var spans: [(first: Int, count: Int)] = []
        var next = 0
        for (k, input) in inputs.enumerated() {
            let begin = k < request.placements.count ? request.placements[k] : next
            if begin < next {
                let prev = spans.last.map { "frames \($0.first) to \($0.first + $0.count - 1)" } ?? "earlier frames"
                throw MediaError.invalidArgument("--at \(begin) for \(input.name) overlaps the previous input (\(prev)); inputs must be placed in increasing order")
            }
            var index = begin
            let count = try input.forEachFrame(selection, stillRate: clipRate) { image in
                guard index <= maxFrameIndex else {
                    throw MediaError.invalidArgument("\(input.name): frame index passes \(maxFrameIndex)")
                }
                let rgb = try prepare(image, size: size, fit: request.fit, filter: request.filter, depth: depth)
                try writer.write(PixelFrames.frame(rgb, clip: request.clip, index: index).record)
                index += 1
            }
            if count == 0 {
                // From the start, no frame at all is damaged media (65); past a start time, a usage problem (64).
                if request.start > 0 {
                    throw MediaError.invalidArgument("\(input.name): no frames selected (the start time \(request.start) s may be past its end)")
                }
                throw MediaError.malformed(path: input.name, detail: "no frame could be decoded: the file is damaged or cut short")
            }
            spans.append((begin, count))
            next = begin + count
        }
        return PixelEncodeSummary(header: header, spans: spans)
    }

    /// One frame made ready for the clip: RGB, clip size, clip depth.
    public static func prepare(_ image: PixelImage, size: ImageSize, fit: FitMode, filter: ResampleFilter,
                               depth: SampleDepth) throws -> PixelImage {
        var img = image.channels == 3 ? image : try image.converted(channels: 3)
        // Resample at the higher of the two depths, then narrow.
        if depth == .u16 && img.depth == .u8 { img = img.converted(to: .u16) }
        img = try Resampler.fit(img, to: size, mode: fit, filter: filter)
        if img.depth != depth { img = img.converted(to: depth) }
        return img
    }
}
