// reel-extend: a clip of latent frames into a canvas with frames to generate before and after
// it (extension forward and backward). See man/man1/reel-extend.1 and
// Sources/ReelCanvas/Extend.swift.
import ArgumentParser
import ReelCanvas
import ReelCLI
import ReelStream

@main
struct ReelExtend: ReelCommand {
    static let toolName = "reel-extend"
    static let configuration = CommandConfiguration(
        commandName: toolName,
        abstract: "Extend a clip of latent frames forward or backward: a canvas with frames to generate, for reel-denoise.",
        discussion: """
            Reads a reel stream of latent frames (a file, or standard input with - or no argument) \
            and writes one canvas clip on standard output: --before frames to generate, the clip \
            kept (its first frame regenerated when extending backward), --after frames to generate. \
            Pipe it through reel-prompt-expand | reel-patchify | reel-denoise | reel-unpatchify | reel-decode.
            """,
        version: reelVersion)

    @Argument(help: ArgumentHelp("A reel stream of latent frames (reel-encode, or reel-denoise | reel-unpatchify); - or none: standard input.", valueName: "clip"))
    var input: String = "-"

    @Option(help: ArgumentHelp("Video frames to generate before the clip, a multiple of 4.", valueName: "N"))
    var before = 0

    @Option(help: ArgumentHelp("Video frames to generate after the clip, a multiple of 4.", valueName: "N"))
    var after = 0

    @Option(help: ArgumentHelp("The clip to extend (default: the first clip in the stream).", valueName: "id"))
    var clip: UInt32?

    func execute() throws {
        let c = try LatentClip.read(path: input, clip: clip) { try StreamIO.input(tool: Self.toolName) }
        let canvas = try Extend.canvas(c, before: before, after: after)
        try canvas.write(to: try StreamIO.output(tool: Self.toolName), provenance: Provenance.current(tool: Self.toolName).record)
    }
}

