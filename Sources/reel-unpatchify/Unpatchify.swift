// reel-unpatchify: spacetime patch tokens in, the frames they were cut from out.
import ArgumentParser
import ReelCLI
import ReelPatch
import ReelStream

@main
struct Unpatchify: ReelCommand {
    static let toolName = "reel-unpatchify"
    static let configuration = CommandConfiguration(
        commandName: toolName,
        abstract: "Put spacetime patch tokens back into frames, exactly.",
        discussion: """
            Reads a reel(5) stream on standard input and writes it to standard output with \
            each clip's PTCH record dropped and its TOKS records turned back into FRAM records \
            in frame order. Every patch position must arrive exactly once. Every other record \
            passes through unchanged and in order.
            """,
        version: reelVersion)

    @Argument(help: ArgumentHelp("The reel stream to read (default: standard input; - too).", valueName: "file"))
    var input: String?

    func execute() throws {
        let reader = try StreamIO.input(tool: Self.toolName, path: input)
        let writer = try StreamIO.output(tool: Self.toolName)
        try SpacetimePatcher.unpatchifyStream(from: reader, to: writer,
                                              provenance: Provenance.current(tool: Self.toolName).record)
    }
}
