// reel-prompt-expand: a short prompt to a detailed caption and text embeddings
// on the reel stream. See man/man1/reel-prompt-expand.1.
import ReelSystem
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ArgumentParser
import ReelCLI
import ReelStream
import ReelText

@main
struct PromptExpand: ReelCommand {
    static let toolName = "reel-prompt-expand"
    static let configuration = CommandConfiguration(
        commandName: toolName,
        abstract: "Expand a short prompt into a detailed caption and add both, with their text embeddings, to a reel stream.",
        discussion: """
            The prompt is the argument, or standard input when that is text rather than a reel stream. \
            A reel stream on standard input is copied to standard output with the new records after it, \
            so several calls chain (one per storyboard segment). The encoder is all-MiniLM-L6-v2; \
            get it with Scripts/fetch-text-model.sh.
            """,
        version: reelVersion)

    @Argument(help: "The prompt, e.g. \"a crimson sphere drifting to the right\" (default: read from standard input).")
    var prompt: String?

    @Flag(name: .customLong("no-expand"), help: "Embed the prompt verbatim; write no caption.")
    var noExpand = false

    @Flag(name: .customLong("print"), help: "Print only the detailed caption as text; write no stream.")
    var printOnly = false

    @Flag(name: .customLong("explain"), help: "Say on standard error which words gave which attribute and what was filled in.")
    var explain = false

    @Option(name: .customLong("at"), help: ArgumentHelp("Tie the prompt to video frames START..<END (START: runs to the end).", valueName: "START:END"))
    var at: String?

    @Option(name: .customLong("seed"), help: "Seed of the expansion (default: random, recorded in the stream's provenance).")
    var seed: UInt64?

    @Option(name: .customLong("text-model"), help: ArgumentHelp("Directory of all-MiniLM-L6-v2 (default: $REEL_TEXT_MODEL, else ~/.cache/reel/all-MiniLM-L6-v2).", valueName: "DIR"))
    var textModel: String?

    @Option(name: .customLong("max-length"), help: ArgumentHelp("Truncate texts to N tokens, [CLS] and [SEP] included (default: 256).", valueName: "N"))
    var maxLength: Int?

    func execute() throws {
        let range = try at.map { s in try wrap { try FrameRange(parsing: s) } } ?? .whole
        if let n = maxLength, n < 2 || n > 512 {
            throw ToolError.usage("--max-length \(n) is out of range: expected 2 to 512 tokens")
        }
        let promptFromArgument = prompt != nil
        // Swift decodes arguments with replacement characters; a prompt must be UTF-8 as typed.
        for i in 1..<Int(CommandLine.argc) {
            guard let raw = CommandLine.unsafeArgv[i], String(validatingCString: raw) == nil else { continue }
            let bytes = Array(UnsafeBufferPointer(start: UnsafeRawPointer(raw).assumingMemoryBound(to: UInt8.self), count: strlen(raw)))
            throw ToolError.data("argument \(i) is not UTF-8 text (bytes \(bytes.prefix(8).map { String(format: "%02x", $0) }.joined(separator: " ")))")
        }
        let text = try prompt ?? readPromptFromStandardInput()
        guard !text.trimmingWhitespace.isEmpty else {
            throw ToolError.usage("the prompt is empty: give one as an argument, e.g. reel-prompt-expand \"a red ball bouncing\"")
        }
        guard text.utf8.count <= ReelFormat.maxTextBytes else {
            throw ToolError.data("the prompt is \(text.utf8.count) bytes, more than the limit of \(ReelFormat.maxTextBytes)")
        }

        // The encoder embeds the texts and maps words outside the vocabulary.
        func loadEncoder() throws -> SentenceEncoder {
            try SentenceEncoder(directory: try TextModelDirectory.locate(explicit: textModel), maxLength: maxLength)
        }
        var encoder: SentenceEncoder?
        if !printOnly || !noExpand {
            do { encoder = try loadEncoder() } catch let e as TextError where printOnly {
                // --print needs the model only to map unknown words.
                printError("\(Self.toolName): warning: words outside the vocabulary are not mapped: \(e)")
            }
        }

        // Expand.
        let usedSeed = seed ?? UInt64.random(in: 0...UInt64.max)
        var caption: String?
        if !noExpand {
            let expansion: PromptExpansion
            let expander = PromptExpander(mapper: encoder.map { WordMapper(encoder: $0) })
            expansion = try expander.expand(text, seed: usedSeed)
            for w in expansion.warnings { printError("\(Self.toolName): warning: \(w)") }
            if explain { for line in expansion.explanation { printError("\(Self.toolName): explain: \(line)") } }
            caption = expansion.caption
        }
        if printOnly {
            try printLine(caption ?? text)
            return
        }
        guard let encoder else { throw ToolError.noInput("the text model was not loaded") }
        let writer = try StreamIO.output(tool: Self.toolName)
        var texts = [EncodedText(text: text, role: .prompt, embedding: encoder.encode(text))]
        if let caption {
            texts.append(EncodedText(text: caption, role: .caption, embedding: encoder.encode(caption)))
        }
        let provenance = Provenance.current(tool: Self.toolName, model: TextModelDirectory.modelID,
                                            seed: noExpand ? nil : usedSeed, generated: caption != nil)
        try PromptRecords.append(texts, range: range, provenance: provenance.record,
                                 after: promptFromArgument && StreamIO.stdinIsStream ? StreamReader(fileDescriptor: 0) : nil,
                                 to: writer)
    }

    /// The prompt from standard input, which must be text, not a reel stream.
    func readPromptFromStandardInput() throws -> String {
        if isatty(0) != 0 {
            throw ToolError.usage("no prompt: give one as an argument (reel-prompt-expand \"a red ball bouncing\") or pipe text in")
        }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n: Int
            do { n = try FileIO.read(0, into: &chunk) } catch { throw ToolError.io("cannot read standard input: \(error.text)") }
            if n == 0 { break }
            bytes += chunk[0..<n]
            if bytes.starts(with: ReelFormat.signature.prefix(min(bytes.count, 8))) && bytes.count >= 8 {
                throw ToolError.usage("standard input is a reel stream, so the prompt must be an argument: ... | reel-prompt-expand \"a red ball bouncing\"")
            }
            if bytes.count > ReelFormat.maxTextBytes {
                throw ToolError.data("the prompt on standard input is more than \(ReelFormat.maxTextBytes) bytes")
            }
        }
        guard let s = String(validating: bytes, as: UTF8.self) else {
            throw ToolError.data("the prompt on standard input is not UTF-8 text")
        }
        return s.trimmingWhitespace
    }

    /// Writes a line to standard output; a closed pipe ends the tool quietly.
    func printLine(_ s: String) throws {
        do { try FileIO.writeAll(1, Array((s + "\n").utf8)) } catch {
            if error == .brokenPipe { throw StreamError.brokenPipe }
            throw ToolError.io("cannot write standard output: \(error.text)")
        }
    }

    func wrap<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as TextError { throw ToolError.usage(e.description) }
    }
}

extension String {
    var trimmingWhitespace: String {
        var s = Substring(self)
        while let c = s.first, c.isWhitespace { s.removeFirst() }
        while let c = s.last, c.isWhitespace { s.removeLast() }
        return String(s)
    }
}
