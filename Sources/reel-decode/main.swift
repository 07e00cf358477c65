// reel-decode: a reel stream of latent or pixel frames on stdin to PNG, a PNG
// sequence, MP4, WebM or GIF. Latent clips go through ReelVAE's LatentClipDecoder
// (latent -> pixel frames), joined by a pipe to ReelVideo's PixelClipDecoder, so long
// videos stream; see man/man1/reel-decode.1.

import ArgumentParser
import Foundation
import ReelCLI
import ReelImage
import ReelStream
import ReelVAE
import ReelVideo

struct ReelDecode: ReelCommand {
    static let toolName = "reel-decode"
    static let configuration = CommandConfiguration(
        commandName: "reel-decode",
        abstract: "Decode a reel stream of latent or pixel frames from standard input to PNG, a PNG sequence, MP4, WebM or GIF.",
        discussion: "Latent frames are decoded by the network that made them (the shipped VAE, or --model). The output is written whole or not at all.",
        version: reelVersion)

    @Argument(help: ArgumentHelp("The reel stream to read (default: standard input; - too).", valueName: "file"))
    var input: String?

    @Option(name: [.short, .long], help: ArgumentHelp("Output: file.png, out_%04d.png, a directory, .mp4, .webm or .gif.", valueName: "output"))
    var output: String

    @Option(help: ArgumentHelp("Output format when the name does not say: png, mp4, webm or gif.", valueName: "format"))
    var format: DecodeFormat?

    @Option(help: ArgumentHelp("Clip to decode (default: the first clip in the stream).", valueName: "id"))
    var clip: UInt32?

    @Option(help: ArgumentHelp("Constant quality (CRF) for MP4 (0-51, default 18) or WebM (0-63, default 24); lower is better.", valueName: "crf"))
    var quality: Int?

    @OptionGroup var vae: VAEModelOption

    func execute() throws {
        TemporaryFiles.installSignalCleanup()  // Ctrl-C leaves no hidden temporary file or created directory
        let chosen = format
        let reader = try StreamIO.input(tool: Self.toolName, path: input)
        var request = PixelDecodeRequest(output: output, format: chosen, clip: clip, quality: quality,
                                         provenance: Provenance.current(tool: Self.toolName).json)
        if isatty(2) != 0 {
            // A progress line on a terminal: frames written, of how many, and the rate.
            let start = Date()
            nonisolated(unsafe) var last = Date.distantPast
            request.progress = { n, total in
                let now = Date()
                guard now.timeIntervalSince(last) >= 0.25 || n == total else { return }
                last = now
                let rate = Double(n) / max(now.timeIntervalSince(start), 1e-6)
                let of = total > 0 ? String(format: "/%d", total) : ""
                FileHandle.standardError.write(Data(String(format: "\r\u{1B}[Kreel-decode: frame %d%@  %.1f frames/s", n, of, rate).utf8))
            }
        }
        let choice = NetworkChoice(path: vae.path)
        var decoded: PixelDecodeSummary?
        try PipedStream.run(producer: { pixelWriter in
            let decoder = LatentClipDecoder(resolve: choice.network(for:))
            if let only = clip { decoder.decodes = { $0.clip == only } }
            try decoder.run(reader, to: pixelWriter)
        }, consumer: { pixelReader in
            decoded = try PixelClipDecoder.decode(pixelReader, request)
        })
        if isatty(2) != 0 { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        guard let summary = decoded else { throw ToolError.software("the pixel decoder returned nothing") }
        if !summary.notStored.isEmpty {
            let runs = summary.notStored.map { $0.count == 1 ? "\($0.lowerBound)" : "\($0.lowerBound)-\($0.upperBound - 1)" }.joined(separator: ", ")
            printError("\(Self.toolName): note: clip \(summary.clip) does not store frames \(runs) (a canvas with gaps): \(output) holds its \(summary.frames) stored frames back to back (generate the rest with reel-denoise, or write a PNG sequence, numbered by frame)")
        }
        if summary.skippedFrames > 0 && clip == nil {
            printError("\(Self.toolName): note: passed over \(summary.skippedFrames) frames of other clips (choose one with --clip)")
        }
    }
}

FrameMemory.keepFramesInOwnMappings()
ReelDecode.main()

extension DecodeFormat: ExpressibleByArgument {
    /// Any case: `--format MP4` is `mp4`.
    public init?(argument: String) { self.init(rawValue: argument.lowercased()) }
}
