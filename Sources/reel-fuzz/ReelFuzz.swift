// reel-fuzz: the fuzz targets of reel's parsers, and a replay of saved inputs through them.
//
// Built by `make fuzz` with -sanitize=fuzzer,address and -DREEL_LIBFUZZER, it is a libFuzzer
// binary: REEL_FUZZ_TARGET names the parser, libFuzzer's options and corpus directories follow
// (see reel-fuzz(1)). Built normally it replays files: `reel-fuzz --target stream FILE...` feeds
// each file to the parser once, as a fuzzer would, and exits 0 when none crashed.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ReelCanvas
import ReelImage
import ReelInspect
import ReelSafetensors
import ReelStream
import ReelSystem
import ReelText
import ReelVideo

/// A parser under fuzzing. Each takes arbitrary bytes; errors are the expected outcome, a crash,
/// a hang or a leak (AddressSanitizer) is a bug.
enum FuzzTarget: String, CaseIterable {
    /// reel(5): the record reader, every record decoder, and reel-inspect's whole-stream check.
    case stream
    /// safetensors: the header (strict JSON, offsets, dtypes) and every tensor read as floats.
    case safetensors
    /// PNG through libpng: the header probe and the decode.
    case png
    /// Video through FFmpeg's demuxers and decoders (the bytes as a file, the first 64 frames).
    case video
    /// ReelSystem's JSON reader (prov records, headers).
    case json
    /// The prompt parser and expander (reel-prompt-expand).
    case prompt
    /// The WordPiece tokenizer (BERT basic tokenization, accents, CJK, sub-words).
    case wordpiece
    /// The storyboard parser of reel-storyboard (reel-storyboard(5)) and each card's latent frames.
    case storyboard

    static let names = allCases.map(\.rawValue).joined(separator: ", ")

    func run(_ bytes: [UInt8]) {
        switch self {
        case .stream:
            let reader = StreamReader(bytes: bytes, name: "fuzz")
            var state = StreamState()
            do { while let r = try reader.next() { _ = try state.decode(r, index: reader.recordIndex) } } catch {}
            let inspector = StreamInspector(options: InspectOptions(checkOnly: true), emit: { _ in })
            try? inspector.inspect(StreamReader(bytes: bytes, name: "fuzz"))
        case .safetensors:
            guard let file = try? SafetensorsFile(bytes: bytes) else { return }
            for name in file.tensorNames { _ = try? file.floats(name) }
        case .png:
            _ = try? PNGCodec.info(bytes, name: "fuzz.png")
            _ = try? PNGCodec.decode(bytes, name: "fuzz.png")
        case .video:
            var template = Array("/tmp/.reel-fuzz-XXXXXX".utf8CString)
            let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
            guard fd >= 0 else { fatalError("reel-fuzz: cannot make a temporary file: \(String(cString: strerror(errno)))") }
            let path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
            defer { close(fd); unlink(path) }
            do { try FileIO.writeAll(fd, bytes) } catch { fatalError("reel-fuzz: cannot write \(path): \(error.text)") }
            guard let reader = try? VideoReader(path: path) else { return }
            for _ in 0..<64 { guard (try? reader.nextFrame()) != nil else { break } }
        case .json:
            _ = bytes.withUnsafeBytes { try? JSONReader.parseDocument($0) }
        case .prompt:
            guard let text = String(validating: bytes, as: UTF8.self) else { return }
            _ = try? PromptExpander().expand(text, seed: 1)
        case .wordpiece:
            guard let text = String(validating: bytes, as: UTF8.self) else { return }
            _ = FuzzTarget.tokenizer.encode(text)
        case .storyboard:
            guard let text = String(validating: bytes, as: UTF8.self),
                  let board = try? Storyboard.parse(text, name: "fuzz.txt", directory: "/nonexistent") else { return }
            for card in board.cards where card.kind != .text { _ = board.latentRange(of: card); _ = board.mediaPath(of: card) }
        }
    }

    /// A small vocabulary with BERT's special tokens, whole words and ## pieces, so that every
    /// path of the greedy longest-match runs.
    static let tokenizer: WordPieceTokenizer = {
        let words = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a", "red", "ball", "##s", "##ing", "bounc", "##e",
                     "the", "blue", "square", "un", "##der", "##a", "##b", "e", "é", "中", ",", ".", "!"]
        guard let t = try? WordPieceTokenizer(vocabulary: words, maxLength: 64) else { fatalError("reel-fuzz: the built-in vocabulary was refused") }
        return t
    }()
}

#if REEL_LIBFUZZER
/// The target of this run, from REEL_FUZZ_TARGET, read once.
let fuzzTarget: FuzzTarget = {
    let name = getenv("REEL_FUZZ_TARGET").map { String(cString: $0) } ?? ""
    guard let t = FuzzTarget(rawValue: name) else {
        fatalError("reel-fuzz: REEL_FUZZ_TARGET is '\(name)', expected one of \(FuzzTarget.names)")
    }
    return t
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func reelFuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    fuzzTarget.run(size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

/// libFuzzer's driver, called with the command line (declared here so that the linker takes it
/// from the fuzzer runtime; its arguments are pointers and an Int32, passed alike by Swift and C).
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

/// SwiftPM links an executable's entry point as `<module>_main`: here it runs libFuzzer's driver.
@_cdecl("reel_fuzz_main")
public func reelFuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    var count = argc
    var arguments: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = argv
    return LLVMFuzzerRunDriver(&count, &arguments, reelFuzzTestOneInput)
}
#else
import ArgumentParser
import ReelCLI

@main
struct ReelFuzz: ReelCommand {
    static let toolName = "reel-fuzz"
    static let configuration = CommandConfiguration(
        commandName: toolName,
        abstract: "Replay inputs through one of reel's fuzz targets (make fuzz builds the fuzzer itself).",
        discussion: "Feeds each file to the target's parser once, as libFuzzer does, and prints how many were replayed; a crash is a bug. Targets: \(FuzzTarget.names).",
        version: reelVersion)

    @Option(help: ArgumentHelp("The parser: \(FuzzTarget.names).", valueName: "target"))
    var target: FuzzTarget

    @Argument(help: ArgumentHelp("Input files (a crash file, a corpus).", valueName: "file"))
    var files: [String] = []

    func execute() throws {
        var replayed = 0
        for path in files {
            let fd = open(path, O_RDONLY)
            guard fd >= 0 else { throw ToolError.noInput("cannot open \(path): \(String(cString: strerror(errno)))") }
            defer { close(fd) }
            let read: [UInt8]?
            do { read = try FileIO.readToEnd(fd, limit: 64 << 20) } catch { throw ToolError.io("cannot read \(path): \(error.text)") }
            guard let bytes = read else { throw ToolError.usage("\(path) is larger than 64 MiB, more than a fuzz input") }
            target.run(bytes)
            replayed += 1
        }
        print("reel-fuzz: \(target.rawValue): \(replayed) input\(replayed == 1 ? "" : "s") replayed, none crashed")
    }
}

extension FuzzTarget: ExpressibleByArgument {}
#endif
