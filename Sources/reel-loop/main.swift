// reel-loop: a clip of latent frames into a canvas that ends with a generated bridge back to
// the clip's start, so that the denoised video loops. See man/man1/reel-loop.1 and
// Sources/ReelCanvas/Loop.swift.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
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
        let reader: StreamReader
        if input == "-" {
            reader = try StreamIO.input(tool: Self.toolName)
        } else {
            let fd = open(input, O_RDONLY)
            guard fd >= 0 else { throw ToolError.noInput("cannot open \(input): \(String(cString: strerror(errno)))") }
            reader = StreamReader(fileDescriptor: fd, name: input)
        }
        let canvas: LatentCanvas
        do {
            let c = try LatentClip.read(reader, name: input == "-" ? "standard input" : input, clip: clip)
            canvas = try Loop.canvas(c, length: length)
        } catch let e as CanvasError {
            switch e {
            case .usage(let m): throw ToolError.usage(m)
            case .badInput(let m): throw ToolError.data(m)
            }
        } catch let e as StreamError {
            throw ToolError.data("\(input == "-" ? "standard input" : input): \(e)")
        }
        let writer = try StreamIO.output(tool: Self.toolName)
        try canvas.write(to: writer, provenance: Provenance.current(tool: Self.toolName).record)
    }
}
