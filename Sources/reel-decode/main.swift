// reel-decode: a pixel-frame reel stream on stdin to PNG, a PNG sequence, MP4,
// WebM or GIF. The work is in ReelVideo's PixelClipDecoder; see man/man1/reel-decode.1.

import ArgumentParser
import ReelCLI
import ReelImage
import ReelStream
import ReelVideo

extension MediaError: ReportableError {
    public var exitStatus: Int32 {
        switch self {
        case .cannotOpen: ExitStatus.noInput
        case .malformed, .unsupported, .tooLarge: ExitStatus.dataError
        case .writeFailed: ExitStatus.ioError
        case .invalidArgument: ExitStatus.usage
        }
    }
}

struct ReelDecode: ReelCommand {
    static let toolName = "reel-decode"
    static let configuration = CommandConfiguration(
        commandName: "reel-decode",
        abstract: "Decode a pixel-frame reel stream from standard input to PNG, a PNG sequence, MP4, WebM or GIF.",
        discussion: "The output is written whole or not at all. Latent streams need the video compression network, not yet available.",
        version: reelVersion)

    @Option(name: [.short, .long], help: ArgumentHelp("Output: file.png, out_%04d.png, a directory, .mp4, .webm or .gif.", valueName: "output"))
    var output: String

    @Option(help: ArgumentHelp("Output format when the name does not say: png, mp4, webm or gif.", valueName: "format"))
    var format: String?

    @Option(help: ArgumentHelp("Clip to decode (default: the first clip in the stream).", valueName: "id"))
    var clip: UInt32?

    @Option(help: ArgumentHelp("Constant quality (CRF) for MP4 (0-51, default 18) or WebM (0-63, default 24); lower is better.", valueName: "crf"))
    var quality: Int?

    func execute() throws {
        var chosen: DecodeFormat?
        if let f = format {
            guard let d = DecodeFormat(rawValue: f.lowercased()) else {
                throw ToolError.usage("--format \(f) is not an output format: expected png, mp4, webm or gif")
            }
            chosen = d
        }
        let reader = try StreamIO.input(tool: Self.toolName)
        let request = PixelDecodeRequest(output: output, format: chosen, clip: clip, quality: quality,
                                         provenance: Provenance.current(tool: Self.toolName).json)
        let summary = try PixelClipDecoder.decode(reader, request)
        if summary.skippedFrames > 0 && clip == nil {
            printError("\(Self.toolName): note: passed over \(summary.skippedFrames) frames of other clips (choose one with --clip)")
        }
    }
}

FrameMemory.keepFramesInOwnMappings()
ReelDecode.main()
