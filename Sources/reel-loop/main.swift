// reel-loop: a clip of latent frames into a canvas that ends with a generated bridge back to
// the clip's start, so that the denoised video loops. See man/man1/reel-loop.1 and
// Sources/ReelCanvas/Loop.swift.
import ArgumentParser
import ReelCanvas
import ReelCLI
import ReelStream

@main
struct ReelLoop: ReelCommand {
    static let toolName = "reel-loop"
    static let configuration = CommandConfiguration(
        commandName: toolName,
        abstract: "Make a clip of latent frames loop: a canvas with a generated bridge from its end back to its start, for reel-denoise.",
        discussion: """
            Reads a reel stream of latent frames (a file, or standard input with - or no argument) \
            and writes one canvas clip on standard output: the clip kept, --length bridge frames to \
            generate, and the clip's second latent frame kept after them as the place the bridge must \
            reach. The canvas decodes to the clip and the bridge, which played again and again show \
            no seam. Pipe it through reel-patchify | reel-denoise | reel-unpatchify | reel-decode.
            """,
        version: reelVersion)

    @Argument(help: ArgumentHelp("A reel stream of latent frames (reel-encode, or reel-denoise | reel-unpatchify); - or none: standard input.", valueName: "clip"))
    var input: String = "-"

    @Option(help: ArgumentHelp("Video frames of the bridge, a multiple of 4 (one latent frame each).", valueName: "N"))
    var length = 8

    @Option(help: ArgumentHelp("The clip to loop (default: the first clip in the stream).", valueName: "id"))
    var clip: UInt32?

    func execute() throws {
        let c = try LatentClip.read(path: input, clip: clip) { try StreamIO.input(tool: Self.toolName) }
        let canvas = try Loop.canvas(c, length: length)
        try canvas.write(to: try StreamIO.output(tool: Self.toolName), provenance: Provenance.current(tool: Self.toolName).record)
    }
}

