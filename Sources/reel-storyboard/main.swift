// reel-storyboard: a plain-text storyboard (reel-storyboard(5)) to a canvas for reel-denoise:
// image and video cards as latent frames kept (the VAE, as reel-encode encodes), text cards as
// prompts expanded and embedded (as reel-prompt-expand does) on their frames, every other frame
// to generate. The file is parsed and laid out by ReelCanvas's Storyboard; this tool makes the
// latent frames and embeddings. See man/man1/reel-storyboard.1.
import ArgumentParser
import ReelCanvas
import ReelCLI
import ReelImage
import ReelStream
import ReelSystem
import ReelText
import ReelVAE
import ReelVideo

@main
struct ReelStoryboard: ReelCommand {
    static let toolName = "reel-storyboard"
    static let configuration = CommandConfiguration(
        commandName: toolName,
        abstract: "Compile a plain-text storyboard of text, image and video cards into a canvas for reel-denoise.",
        discussion: """
            Reads the storyboard file (reel-storyboard(5)) and writes one canvas clip on standard \
            output: image and video cards as latent frames kept (level 0), text cards as their \
            prompts expanded to captions and embedded on their frames, the other frames to \
            generate. Nothing is written unless every card serves. Pipe it through \
            reel-patchify | reel-denoise | reel-unpatchify | reel-decode.
            """,
        version: reelVersion)

    @Argument(help: ArgumentHelp("The storyboard file (reel-storyboard(5)); media paths in it are relative to its directory. -: standard input (media relative to the current directory).", valueName: "storyboard"))
    var storyboard: String

    @Option(help: ArgumentHelp("Seed of the text cards' expansions (default: random, recorded in the stream's provenance).", valueName: "N"))
    var seed: UInt64?

    @Flag(name: .customLong("no-expand"), help: "Embed each text card's prompt verbatim; write no captions.")
    var noExpand = false

    @Option(name: .customLong("text-model"), help: ArgumentHelp("Directory of all-MiniLM-L6-v2 (default: $REEL_TEXT_MODEL, else ~/.cache/reel/all-MiniLM-L6-v2).", valueName: "DIR"))
    var textModel: String?

    @OptionGroup var vaeModel: VAEModelOption

    @Option(help: ArgumentHelp("Clip number written in the stream (default 0).", valueName: "id"))
    var clip: UInt32 = 0

    func execute() throws {
        MediaNotes.handler = { printError("\(Self.toolName): warning: \($0)") }
        let writer = try StreamIO.output(tool: Self.toolName)
        let vae = try DefaultVAE.resolve(vaeModel.path)
        let story = try Storyboard.read(path: storyboard, temporalFactor: vae.config.temporalFactor)
        if let path = vaeModel.path { DefaultVAE.register(vae, weightsPath: path) }  // so that reel-decode finds it by the stream's id
        let encoder = LatentClipEncoder(model: vae)
        let pixelHeader = ClipHeader(clip: clip, kind: .pixels, dtype: .u8, channels: 3, width: story.width, height: story.height,
                                     fps: story.fps, frameCount: story.frames)
        let latentHeader = encoder.latentHeader(for: pixelHeader)

        // The text encoder only when there is text to embed.
        var sentences: SentenceEncoder?
        var expander: PromptExpander?
        if !story.textCards.isEmpty {
            let e = try SentenceEncoder(directory: try TextModelDirectory.locate(explicit: textModel))
            sentences = e
            if !noExpand { expander = PromptExpander(mapper: WordMapper(encoder: e)) }
        }
        let usedSeed = seed ?? UInt64.random(in: 0...UInt64.max)

        // Everything is made before anything is written: a card that cannot serve leaves no output.
        let canvas = try story.compile(header: latentHeader, media: { request in
            try Self.onCard(request.card, of: story) {
                try Self.encode(request, story: story, encoder: encoder, pixelHeader: pixelHeader, latentHeader: latentHeader, vae: vae)
            }
        }, texts: { card in
            try Self.onCard(card, of: story) {
                var texts = [card.content]
                var roles: [TextRole] = [.prompt]
                if let expander {
                    let expansion = try expander.expand(card.content, seed: usedSeed)
                    for w in expansion.warnings { printError("\(Self.toolName): \(story.name) line \(card.line): warning: \(w)") }
                    if let caption = expansion.caption { texts.append(caption); roles.append(.caption) }
                }
                return zip(texts, roles).map { text, role in
                    let e = sentences!.encode(text)
                    return StoryboardText(role: role, text: text, embeddings: [
                        TextEmbedding(segment: 0, kind: .tokens, count: e.tokenCount, dim: e.dim, values: e.tokenStates),
                        TextEmbedding(segment: 0, kind: .pooled, count: 1, dim: e.dim, values: e.pooled),
                    ])
                }
            }
        })
        let expanded = expander != nil
        try canvas.write(to: writer, provenance: Provenance.current(tool: Self.toolName, model: vae.config.id,
                                                                    seed: expanded ? usedSeed : nil, generated: expanded).record)
    }

    /// A media card's latent frames: its frames at the canvas's size and rate (an image held for
    /// the card's length, a video's first frames), after one copy of the first when the card does
    /// not start at frame 0, through the VAE.
    static func encode(_ request: StoryboardMedia, story: Storyboard, encoder: LatentClipEncoder, pixelHeader: ClipHeader,
                       latentHeader: ClipHeader, vae: CausalVideoVAE) throws -> [[Float]] {
        let card = request.card
        let input = try MediaInput.classify(request.path)
        let rate = try FrameRate(Int(story.fps.numerator), Int(story.fps.denominator))
        let selection = try FrameSelection(start: 0, frameLimit: card.kind == .image ? 1 : request.frames, rate: rate)
        let s = vae.config.spatialFactor
        let stream = try VAEStreamEncoder(model: vae, width: latentHeader.width * s, height: latentHeader.height * s)
        let size = ImageSize(width: story.width, height: story.height)
        var latents: [[Float]] = []
        var pushed = 0
        func push(_ image: PixelImage) throws {
            let rgb = try PixelClipEncoder.prepare(image, size: size, fit: .crop, filter: .lanczos3, depth: .u8)
            let frame = PixelFrames.frame(rgb, clip: pixelHeader.clip, index: 0)
            let unit = encoder.unitFrame(frame, header: pixelHeader, width: stream.width, height: stream.height)
            // An image is held for the card's frames; a card after frame 0 leads with its first frame.
            var copies = card.kind == .image ? request.frames : 1
            if pushed == 0 && request.leadingFrame { copies += 1 }
            for _ in 0..<copies { latents += stream.push(unit) }
            pushed += 1
        }
        let delivered = try input.forEachFrame(selection, stillRate: rate) { try push($0) }
        if card.kind == .video && delivered < request.frames {
            throw CanvasError.badInput("\(request.path) gives \(delivered) frames at \(story.fps) frames per second; the video card needs \(request.frames)")
        }
        latents += stream.finish()
        return latents
    }

    /// Runs `body` for a card; an error of its media or text is said with the card's line.
    static func onCard<T>(_ card: Storyboard.Card, of story: Storyboard, _ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as ReelError where e.kind != .io && e.kind != .closedPipe && e.kind != .software {
            let m = "\(story.name) line \(card.line): \(e.description)"
            switch e.kind {
            case .usage: throw CanvasError.usage(m)
            case .missingInput: throw CanvasError.cannotOpen(m)
            default: throw CanvasError.badInput(m)
            }
        }
    }
}
