// reel-score: for each clip of a reel stream (or a media file), whether it shows
// what its prompt asked in the shapes world, and how clean it is over time; or,
// with --best K, the K best clips forwarded unchanged. See man/man1/reel-score.1.

import ArgumentParser
import ReelCLI
import ReelImage
import ReelScore
import ReelStream
import ReelVAE
import ReelVideo

struct ReelScoreTool: ReelCommand {
    static let toolName = "reel-score"
    static let configuration = CommandConfiguration(
        commandName: "reel-score",
        abstract: "Score each clip of a reel stream for prompt adherence in the shapes world and for temporal quality.",
        discussion: "Reads standard input, or a media file or saved stream given as an argument. Latent clips are decoded with the shipped VAE (or --model). Prints a line per clip, a JSON report with --json, or forwards the K best clips unchanged with --best K.",
        version: reelVersion)

    @Argument(help: ArgumentHelp("A saved stream (.reel), a PNG, a PNG sequence or a video; default: standard input.", valueName: "input"))
    var input: String?

    @Flag(help: "Print one JSON object per clip, one per line, instead of a line of text.")
    var json = false

    @Option(help: ArgumentHelp("Forward the K best clips (every record of them, unchanged) and their score records to standard output.", valueName: "K"))
    var best: Int?

    @Option(help: ArgumentHelp("Prompt for clips that carry no text (media files, bare pixel streams).", valueName: "text"))
    var prompt: String?

    @Flag(help: "Also check each clip as a loop: the last-to-first step, and whether it is its own reversal.")
    var loop = false

    @OptionGroup var vae: VAEModelOption

    func execute() throws {
        MediaNotes.handler = { printError("\(Self.toolName): warning: \($0)") }
        if let k = best, k < 1 { throw ToolError.usage("--best \(k) must be at least 1") }
        if best != nil && json { throw ToolError.usage("--best writes a stream; --json prints a report: choose one") }
        let choice = NetworkChoice(path: vae.path)
        let scorer = StreamScorer(scorer: ClipScorer(loop: loop), defaultPrompt: prompt, resolve: choice.network(for:))
        let writer = try best.map { _ in try StreamIO.output(tool: Self.toolName) }
        let reader = try openInput()
        let scores = try scorer.run(reader)
        if let k = best, let writer {
            try scorer.writeBest(k, to: writer, provenance: Provenance.current(tool: Self.toolName).record)
            try writer.finish()
            return
        }
        var out = ""
        for s in scores { out += (json ? s.json : s.line) + "\n" }
        if scores.isEmpty { printError("\(Self.toolName): note: the stream holds no clips") }
        print(out, terminator: "")
    }

    /// Standard input, a saved stream, or a media file made into a one-clip pixel stream in memory.
    func openInput() throws -> StreamReader {
        guard let input, input != "-" else { return try StreamIO.input(tool: Self.toolName) }
        if input.hasSuffix(".reel") {
            guard FileAccess.exists(input) else { throw ToolError.noInput("cannot open \(input): No such file or directory") }
            return StreamReader(bytes: Array(try FileAccess.readAll(input)), name: input)
        }
        let media = try MediaInput.classify(input)
        let props = try media.properties()
        let writer = StreamWriter()
        let header = ClipHeader(clip: 0, kind: .pixels, dtype: .u8, channels: 3, width: props.width, height: props.height,
                                fps: Rational(UInt32(props.frameRate?.numerator ?? MediaInput.defaultStillRate),
                                              UInt32(props.frameRate?.denominator ?? 1)), frameCount: 0)
        try writer.write(header.record)
        var index = 0
        try media.forEachFrame(try FrameSelection(), stillRate: try FrameRate(MediaInput.defaultStillRate)) { image in
            let rgb = try image.converted(to: .u8).converted(channels: 3)
            try writer.write(PixelFrames.frame(rgb, clip: 0, index: index).record)
            index += 1
        }
        try writer.finish()
        return StreamReader(bytes: writer.bytes, name: input)
    }
}

FrameMemory.keepFramesInOwnMappings()
ReelScoreTool.main()
