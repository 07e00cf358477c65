// What every reel tool shares: exit statuses, error reporting, stream I/O on
// stdin/stdout, atomic output files and provenance.
//
// A tool is a `ReelCommand`: parse (swift-argument-parser), then `execute()`.
// Errors thrown from `execute()` are printed as `reel-<tool>: <message>` and
// mapped to an exit status; a closed downstream pipe ends the tool quietly.
import ReelSystem
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ArgumentParser
import ReelStream

/// Exit statuses of every reel tool (from sysexits.h), documented in each man page.
public enum ExitStatus {
    public static let ok: Int32 = 0
    /// Bad command line: unknown option, invalid value.
    public static let usage: Int32 = 64
    /// The input data is wrong: malformed stream, media or model file.
    public static let dataError: Int32 = 65
    /// An input file does not exist or cannot be opened.
    public static let noInput: Int32 = 66
    /// A bug in reel.
    public static let software: Int32 = 70
    /// Reading or writing failed (disk full, I/O error).
    public static let ioError: Int32 = 74
}

/// An error a tool itself reports to the person running it (the libraries' errors carry their
/// own kinds: see ReelSystem's `ReelError`).
public enum ToolError: ReelError {
    case usage(String)
    case data(String)
    case noInput(String)
    case io(String)
    case software(String)

    public var description: String {
        switch self {
        case let .usage(m), let .data(m), let .noInput(m), let .io(m), let .software(m): m
        }
    }
    public var kind: ErrorKind {
        switch self {
        case .usage: .usage
        case .data: .badData
        case .noInput: .missingInput
        case .io: .io
        case .software: .software
        }
    }
    public var status: Int32 { ExitStatus.of(kind) }
}

extension ExitStatus {
    /// The one place an error's kind becomes an exit status.
    public static func of(_ kind: ErrorKind) -> Int32 {
        switch kind {
        case .usage: usage
        case .badData: dataError
        case .missingInput: noInput
        case .io: ioError
        case .software: software
        case .closedPipe: ok
        }
    }
}

/// Prints `tool: message` on stderr and returns the exit status for `error`: its kind's, or 70
/// for an error that has none (a defect: every library error says its kind). A closed downstream
/// pipe ends the tool quietly.
public func report(_ error: Error, tool: String) -> Int32 {
    switch error {
    case let e as ReelError:
        if e.kind == .closedPipe { return ExitStatus.ok }
        printError("\(tool): \(e.description)")
        return ExitStatus.of(e.kind)
    case let e as ExitCode:
        return e.rawValue
    default:
        printError("\(tool): \(String(describing: error))")
        return ExitStatus.software
    }
}

/// Writes a line to stderr, unbuffered.
/// SIGINT, SIGTERM and SIGHUP as a request to stop at the next safe point (a trainer's next
/// step: it checkpoints, says where, and the tool exits 128 + the signal). A second signal
/// acts as usual (the handler puts the default back).
public enum Interruption {
    nonisolated(unsafe) static var caught: Int32 = 0
    /// The signal received, or 0.
    public static var signal: Int32 { caught }
    public static func install() {
        for s in [SIGINT, SIGTERM, SIGHUP] {
            _ = Glibc.signal(s) { sig in
                Interruption.caught = sig
                _ = Glibc.signal(sig, SIG_DFL)
            }
        }
    }
}

public func printError(_ line: String) {
    var s = line
    if !s.hasSuffix("\n") { s += "\n" }
    try? FileIO.writeAll(2, Array(s.utf8))  // nowhere left to report a failure
}

/// A reel tool: swift-argument-parser parses, `execute()` does the work.
public protocol ReelCommand: ParsableCommand {
    /// The program name used in messages, e.g. "reel-patchify".
    static var toolName: String { get }
    func execute() throws
}

extension ReelCommand {
    /// Parses and runs; command-line errors read `reel-<tool>: <problem>`, then
    /// the usage and where to get help, with status 64.
    public static func main() {
        let command: ParsableCommand
        do {
            command = try parseAsRoot(joiningNegativeValues(Array(CommandLine.arguments.dropFirst())))
        } catch {
            exitAfterParse(error)
        }
        do {
            var c = command
            try c.run()
            Glibc.exit(ExitStatus.ok)
        } catch {
            exitAfterParse(error)
        }
    }

    /// "--frames -1" would read as an option "-1" and a missing value; as "--frames=-1" the tool
    /// sees the value and names it in its error ("--frames -1 is out of range ...").
    static func joiningNegativeValues(_ args: [String]) -> [String] {
        var out: [String] = []
        var i = 0
        while i < args.count {
            let a = args[i]
            if a == "--" { out += args[i...]; break }
            if a.hasPrefix("--"), !a.contains("="), i + 1 < args.count, isNegativeNumberish(args[i + 1]) {
                out.append(a + "=" + args[i + 1]); i += 2; continue
            }
            out.append(a); i += 1
        }
        return out
    }

    /// "-1", "-0.5", "-8x8": a leading minus then a digit or a point.
    static func isNegativeNumberish(_ s: String) -> Bool {
        let c = Array(s.utf8)
        return c.count >= 2 && c[0] == UInt8(ascii: "-") && (c[1] == UInt8(ascii: ".") || (c[1] >= 48 && c[1] <= 57))
    }

    private static func exitAfterParse(_ error: Error) -> Never {
        let code = exitCode(for: error)
        var text = fullMessage(for: error)
        if code == .success {
            // --help and --version: a failed write (a full disk, /dev/full, a closed pipe) is an I/O error.
            signal(SIGPIPE, SIG_IGN)
            do { try FileIO.writeAll(1, text.isEmpty ? [] : Array((text + "\n").utf8)) } catch {
                printError("\(toolName): cannot write to standard output: \(error.text)")
                Glibc.exit(ExitStatus.ioError)
            }
            Glibc.exit(ExitStatus.ok)
        }
        if text.hasPrefix("Error: ") { text = "\(toolName): " + text.dropFirst("Error: ".count) }
        if !text.isEmpty { printError(text) }
        Glibc.exit(code.rawValue)
    }

    public func run() throws {
        // A closed downstream pipe must surface as EPIPE, not kill us silently mid-write.
        signal(SIGPIPE, SIG_IGN)
        do {
            try execute()
        } catch {
            throw ExitCode(report(error, tool: Self.toolName))
        }
    }
}

/// stdin and stdout as reel streams.
public enum StreamIO {
    /// A reader on standard input. Refuses a terminal: a person who forgot the
    /// pipe gets a hint instead of a hang.
    public static func input(tool: String) throws -> StreamReader {
        if isatty(0) != 0 {
            throw ToolError.usage("standard input is a terminal: pipe a reel stream in (e.g. reel-encode --pixels a.png | \(tool))")
        }
        enlargePipe(0)
        return StreamReader(fileDescriptor: 0)
    }

    /// A reader on the file `path`, or on standard input when it is nil or "-" (see `input(tool:)`).
    public static func input(tool: String, path: String?) throws -> StreamReader {
        guard let path, path != "-" else { return try input(tool: tool) }
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw ToolError.noInput("cannot open \(path): \(String(cString: strerror(errno)))") }
        var st = stat()
        if fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR {
            close(fd)
            throw ToolError.noInput("\(path) is a directory: expected a reel stream file")
        }
        enlargePipe(fd)
        return StreamReader(fileDescriptor: fd, name: path)
    }

    /// A writer on standard output. Refuses a terminal, as gzip does.
    public static func output(tool: String) throws -> StreamWriter {
        if isatty(1) != 0 {
            throw ToolError.usage("standard output is a terminal: a reel stream is binary; pipe it into another reel tool or redirect it to a file")
        }
        enlargePipe(1)
        return StreamWriter(fileDescriptor: 1)
    }

    /// Whether standard input has data to read (it is not a terminal).
    public static var stdinIsStream: Bool { isatty(0) == 0 }

    /// Raises a pipe's buffer to 1 MiB (Linux F_SETPIPE_SZ) so large frames move
    /// in fewer context switches. Harmless on files and where not permitted.
    public static func enlargePipe(_ fd: Int32) {
        #if os(Linux)
        var st = stat()
        if fstat(fd, &st) == 0 && (st.st_mode & S_IFMT) == S_IFIFO {
            _ = fcntl(fd, 1031 /* F_SETPIPE_SZ */, Int32(1 << 20))
        }
        #endif
    }
}

extension Provenance {
    /// Provenance for this process: tool name and its command-line arguments.
    public static func current(tool: String, model: String = "", seed: UInt64? = nil, generated: Bool = false) -> Provenance {
        Provenance(tool: tool, args: Array(CommandLine.arguments.dropFirst()), model: model, seed: seed, generated: generated)
    }
}

/// A frame size option value, `WxH` (e.g. `--size 64x48`), each side 1 to reel(5)'s largest.
/// Options take it with `transform: FrameSize.parse`, so a bad value's message says what was
/// expected after argument-parser's "The value '...' is invalid for '--size <WxH>'".
public struct FrameSize: Equatable, Sendable, CustomStringConvertible, ExpressibleByArgument {
    public let width: Int
    public let height: Int

    public init(width: Int, height: Int) { self.width = width; self.height = height }

    public init?(argument: String) {
        guard let s = try? Self.parse(argument) else { return nil }
        self = s
    }

    public static func parse(_ text: String) throws(ToolError) -> FrameSize {
        let parts = text.lowercased().split(separator: "x", omittingEmptySubsequences: false)
        guard parts.count == 2, let w = Int(parts[0]), let h = Int(parts[1]), w > 0, h > 0 else {
            throw ToolError.usage("expected WIDTHxHEIGHT, e.g. 64x64")
        }
        guard w <= ReelFormat.maxSide && h <= ReelFormat.maxSide else {
            throw ToolError.usage("too large: each side is at most \(ReelFormat.maxSide)")
        }
        return FrameSize(width: w, height: h)
    }

    public var description: String { "\(width)x\(height)" }
    public var defaultValueDescription: String { description }
}

/// `--model`: the video compression network (VAE) of the tools that encode or decode latents
/// (reel-encode, reel-decode, reel-score), one option group so that they read alike.
public struct VAEModelOption: ParsableArguments {
    @Option(name: .customLong("model"), help: ArgumentHelp("The video compression network (VAE): weights (.safetensors, config .json beside them); default: the shipped one.", valueName: "path"))
    public var path: String?

    public init() {}
}
