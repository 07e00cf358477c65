// reel-encode: media (PNG, PNG sequence, video) to a reel stream on stdout.
// The work is in ReelVideo's PixelClipEncoder (media -> pixel frames) and, in the
// default latent mode, ReelVAE's LatentClipEncoder (pixel frames -> latent frames),
// joined by a pipe so long videos stream; see man/man1/reel-encode.1.

import ArgumentParser
import Foundation
import ReelCLI
import ReelImage
import ReelStream
import ReelVAE
import ReelVideo

struct ReelEncode: ReelCommand {
    static let toolName = "reel-encode"
    static let configuration = CommandConfiguration(
        commandName: "reel-encode",
        abstract: "Encode PNGs, PNG sequences and videos into a reel stream on standard output.",
        discussion: """
            By default frames go through the video compression network (the shipped VAE, or \
            --model) and are stored as latent frames: the first frame alone, then one latent \
            frame per 4 frames, each 1/4 of the width and height with 32 channels (any size \
            and length; the size is padded to a multiple of the network's spatial factor and \
            cropped back on decoding). With --pixels, \
            frames are stored as RGB pixels (u8, or u16 for 16-bit PNGs).

            The input - reads a reel stream of pixel clips on standard input (reel-synth's, \
            or reel-encode --pixels's) and writes each clip as latent frames, every other \
            record passing through: reel-synth | reel-encode - | reel-decode -o out.mp4.
            """,
        version: reelVersion)

    @Flag(help: "Store pixel frames instead of latent frames.")
    var pixels = false

    @OptionGroup var vae: VAEModelOption

    @Option(help: ArgumentHelp("Frame size of the clip (default: the first input's size).", valueName: "WxH"), transform: FrameSize.parse)
    var size: FrameSize?

    // Options a stream on standard input refuses are optional: nil is "not given", whatever
    // value a person types (so `--fit crop -` is refused like `--fit pad -`).
    @Option(help: ArgumentHelp("How to meet --size when the aspect ratio differs: crop (default), pad (black) or stretch.", valueName: "mode"))
    var fit: FitMode?

    @Option(help: ArgumentHelp("Resampling filter: lanczos3 (default), bilinear or box.", valueName: "filter"))
    var filter: ResampleFilter?

    @Option(help: ArgumentHelp("Start this many seconds into each video or sequence (default 0).", valueName: "seconds"))
    var start: Double?

    @Option(help: ArgumentHelp("Take at most N frames from each input (a still image is repeated N times).", valueName: "N"))
    var frames: Int?

    @Option(help: ArgumentHelp("Frame rate of the clip, e.g. 24 or 30000/1001 (default: the first video's, else 24).", valueName: "rate"), transform: { try FrameRate(parsing: $0) })
    var fps: FrameRate?

    @Option(help: ArgumentHelp("Canvas frame where the next input starts; repeat once per input.", valueName: "frame"))
    var at: [Int] = []

    @Option(help: ArgumentHelp("Sample depth, 8 or 16 (default: 16 for a 16-bit PNG first input, else 8).", valueName: "bits"))
    var depth: Int?

    @Option(help: ArgumentHelp("Most pixels a PNG input may claim, checked before it is decoded (default 40000000, a guard against decompression bombs).", valueName: "N"))
    var maxPixels: Int?

    @Option(help: ArgumentHelp("Clip number written in the stream (default 0).", valueName: "id"))
    var clip: UInt32?

    @Argument(help: ArgumentHelp("PNG files, PNG sequences (frame_%04d.png or a directory) or videos; - for a pixel stream on standard input.", valueName: "input"))
    var inputs: [String] = []

    func execute() throws {
        MediaNotes.handler = { printError("\(Self.toolName): warning: \($0)") }
        if let maxPixels {
            guard maxPixels >= 1 && maxPixels <= 16384 * 16384 else {
                throw ToolError.usage("--max-pixels \(maxPixels) is out of range: expected 1 to \(16384 * 16384)")
            }
            PNGCodec.maxPixels = maxPixels
        }
        if pixels, vae.path != nil { throw ToolError.usage("--model chooses the network for latent frames; it does not go with --pixels") }
        guard !inputs.isEmpty else { throw ToolError.usage("no input: name a PNG, a PNG sequence or a video, or - for a pixel stream on standard input (see reel-encode --help)") }
        var inputs = self.inputs
        if inputs.contains("-") {
            guard inputs == ["-"] else {
                throw ToolError.usage("- (standard input) goes alone: it does not mix with the inputs \(inputs.filter { $0 != "-" }.joined(separator: " "))")
            }
            let reader = try StreamIO.input(tool: Self.toolName)
            let head = try reader.peek(ReelFormat.signature.count)
            if head.isEmpty || ReelFormat.signature.starts(with: head) || head.starts(with: ReelFormat.signature.prefix(4)) {
                return try encodeLatents(from: .standardInput(try standardInputReader(reader)))
            }
            // Media on standard input (cat clip.mp4 | reel-encode -): spooled to an unlinked
            // temporary file, since decoders seek, then read like a file of that kind.
            inputs = [try FileAccess.spool(prefix: reader.takeBufferedBytes(), fileDescriptor: 0, name: "standard input")]
        }
        // A saved reel stream named as the input (reel-synth's clip-000001.reel) is read as - reads one.
        // Only a regular file is peeked at: reading a named pipe would consume what it holds.
        if inputs.count == 1, (try? FileManager.default.attributesOfItem(atPath: inputs[0])[.type] as? FileAttributeType) == .typeRegular,
           let first = FileHandle(forReadingAtPath: inputs[0]) {
            let head = (try? first.read(upToCount: ReelFormat.signature.count)) ?? nil
            try? first.close()
            if let head, Array(head) == ReelFormat.signature {
                return try encodeLatents(from: .standardInput(try standardInputReader(try StreamIO.input(tool: Self.toolName, path: inputs[0]), name: inputs[0])))
            }
        }
        let fitMode = fit ?? .crop, resampling = filter ?? .lanczos3, start = start ?? 0, clip = clip ?? 0
        var sampleDepth: SampleDepth?
        if let d = depth {
            guard let sd = SampleDepth(rawValue: d) else { throw ToolError.usage("--depth \(d) is not a sample depth: expected 8 or 16") }
            sampleDepth = sd
        }
        guard start.isFinite, start >= 0 else { throw ToolError.usage("--start \(start) must be a number of seconds, 0 or more") }
        if let n = frames, n < 1 { throw ToolError.usage("--frames \(n) must be at least 1") }
        let clipSize = size.map { ImageSize(width: $0.width, height: $0.height) }
        let rate = fps
        let request = PixelEncodeRequest(inputs: inputs, size: clipSize, fit: fitMode, filter: resampling, start: start,
                                         frameLimit: frames, rate: rate, placements: at, depth: sampleDepth, clip: clip)
        guard !pixels else {
            let writer = try StreamIO.output(tool: Self.toolName)
            try PixelClipEncoder.encode(request, to: writer, provenance: .current(tool: Self.toolName))
            try writer.finish()
            return
        }
        try encodeLatents(from: .media(request))
    }

    enum PixelSource {
        case media(PixelEncodeRequest)
        case standardInput(StreamReader)
    }

    /// Latent frames through the network, from media or from the pixel stream on standard
    /// input: either way LatentClipEncoder turns the pixel clips into latent clips.
    func encodeLatents(from source: PixelSource) throws {
        let network = try DefaultVAE.resolve(vae.path)
        if let path = vae.path { DefaultVAE.register(network, weightsPath: path) }  // so that reel-decode finds it by the stream's id
        let writer = try StreamIO.output(tool: Self.toolName)
        let provenance = Provenance.current(tool: Self.toolName, model: network.config.id)
        switch source {
        case .media(let request):
            try PipedStream.run(producer: { pixelWriter in
                try PixelClipEncoder.encode(request, to: pixelWriter, provenance: provenance)
            }, consumer: { pixelReader in
                try Self.withProgress(LatentClipEncoder(model: network)).run(pixelReader, to: writer)
            })
        case .standardInput(let reader):
            try writer.write(provenance.record)
            try Self.withProgress(LatentClipEncoder(model: network)).run(reader, to: writer)
        }
        try writer.finish()
    }

    /// `reel-encode -` with a reel stream on standard input: its reader, once the options allow it.
    func standardInputReader(_ reader: StreamReader, name: String = "-") throws -> StreamReader {
        let frameOptions: [(String, Bool)] = [
            ("--pixels", pixels), ("--size", size != nil), ("--fit", fit != nil), ("--filter", filter != nil),
            ("--start", start != nil), ("--frames", frames != nil), ("--fps", fps != nil), ("--at", !at.isEmpty),
            ("--depth", depth != nil), ("--clip", clip != nil),
        ]
        let input = name
        if let (name, _) = frameOptions.first(where: { $0.1 }) {
            throw ToolError.usage("\(name) does not apply to \(input == "-" ? "- (a stream on standard input" : "\(input) (a reel stream") is encoded as it is): leave it out")
        }
        return reader
    }
}

extension FitMode: ExpressibleByArgument {}
extension ResampleFilter: ExpressibleByArgument {}

FrameMemory.keepFramesInOwnMappings()
ReelEncode.main()

extension ReelEncode {
    /// On a terminal, a progress line: frames encoded (of the announced count) and the rate.
    static func withProgress(_ e: LatentClipEncoder) -> LatentClipEncoder {
        guard isatty(2) != 0 else { return e }
        let start = Date()
        var last = Date.distantPast
        e.progress = { n, total in
            let now = Date()
            guard now.timeIntervalSince(last) >= 0.25 || n == total else { return }
            last = now
            let of = total > 0 ? String(format: "/%d", total) : ""
            FileHandle.standardError.write(Data(String(format: "\r\u{1B}[Kreel-encode: frame %d%@  %.1f frames/s", n, of,
                                                       Double(n) / max(now.timeIntervalSince(start), 1e-6)).utf8))
            if n == total { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        }
        return e
    }
}
