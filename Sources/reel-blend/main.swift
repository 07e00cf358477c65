// reel-blend: two clips of latent frames into one canvas whose middle is a transition for
// reel-denoise to generate. See man/man1/reel-blend.1 and Sources/ReelCanvas/Blend.swift.
import ArgumentParser
import ReelCanvas
import ReelCLI
import ReelStream

@main
struct ReelBlend: ReelCommand {
    static let toolName = "reel-blend"
    static let configuration = CommandConfiguration(
        commandName: toolName,
        abstract: "Join two clips of latent frames through a generated transition: a canvas for reel-denoise.",
        discussion: """
            Reads two reel streams of latent frames (reel-encode, or reel-denoise | reel-unpatchify; \
            '-' reads standard input) and writes one canvas clip on standard output: the first clip \
            up to the transition, the transition frames as a latent mix of both clips with noise \
            levels from --curve, then the second clip. Pipe it through reel-patchify | reel-denoise \
            | reel-unpatchify | reel-decode.
            """,
        version: reelVersion)

    @Argument(help: ArgumentHelp("The clip the video starts with: a reel stream of latent frames, or - for standard input.", valueName: "first"))
    var first: String

    @Argument(help: ArgumentHelp("The clip it ends with.", valueName: "second"))
    var second: String

    @Option(help: ArgumentHelp("Video frames of the transition, a multiple of 4 (one latent frame each).", valueName: "N"))
    var length = 8

    @Option(help: ArgumentHelp("How far the transition has gone at each of its frames: linear, ease, cut, or points u:c,... from 0:0 to 1:1.", valueName: "curve"))
    var curve = "linear"

    @Option(help: ArgumentHelp("Noise level at the middle of the transition (0 to 1): 1 generates it from noise, lower keeps more of the latent mix.", valueName: "S"))
    var strength: Float = 1

    func execute() throws {
        if first == "-" && second == "-" { throw ToolError.usage("only one of the two clips can be standard input (-)") }
        let parsed = try BlendCurve(parsing: curve)
        let stdin = { try StreamIO.input(tool: Self.toolName) }
        let a = try LatentClip.read(path: first, standardInput: stdin), b = try LatentClip.read(path: second, standardInput: stdin)
        let canvas = try Blend.canvas(a, b, length: length, curve: parsed, strength: strength)
        try canvas.write(to: try StreamIO.output(tool: Self.toolName), provenance: Provenance.current(tool: Self.toolName).record)
    }
}

