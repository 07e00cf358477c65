// reel-patchify: a stream of frames in, the same stream with spacetime patch tokens out.
import ArgumentParser
import ReelCLI
import ReelPatch
import ReelStream

@main
struct Patchify: ReelCommand {
    static let toolName = "reel-patchify"
    static let configuration = CommandConfiguration(
        commandName: toolName,
        abstract: "Cut each clip's frames into spacetime patch tokens with (t,h,w) positions.",
        discussion: """
            Reads a reel(5) stream on standard input and writes it to standard output with \
            each clip's FRAM records replaced by a PTCH record and one TOKS record per group \
            of PT frames. Every other record passes through unchanged and in order.
            The default patch 1x2x2: PT = 1 keeps any latent length valid (a causal VAE \
            encodes the first frame alone, so clips have 1 + n*k latent frames); 2x2 is the \
            spatial patch of DiT and Sora.
            """,
        version: reelVersion)

    @Argument(help: ArgumentHelp("The reel stream to read (default: standard input; - too).", valueName: "file"))
    var input: String?

    @Option(name: .long, help: ArgumentHelp("Patch size in frames x rows x columns, each 1 to 64 (default: \(PatchSize.standard)).", valueName: "PTxPHxPW"), transform: { text throws(ToolError) in
        guard let p = PatchSize(parsing: text) else { throw .usage("expected PTxPHxPW with each 1 to \(ReelFormat.maxPatch), e.g. 1x2x2") }
        return p
    })
    var patch = PatchSize.standard

    func execute() throws {
        let size = patch
        let reader = try StreamIO.input(tool: Self.toolName, path: input)
        let writer = try StreamIO.output(tool: Self.toolName)
        try SpacetimePatcher(patch: size).patchifyStream(from: reader, to: writer,
                                                         provenance: Provenance.current(tool: Self.toolName).record)
    }
}
