// What every reel tool shares: exit statuses, error reporting, stream I/O on
// stdin/stdout, atomic output files and provenance.
//
// A tool is a `ReelCommand`: parse (swift-argument-parser), then `execute()`.
// Errors thrown from `execute()` are printed as `reel-<tool>: <message>` and
// mapped to an exit status; a closed downstream pipe ends the tool quietly.
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

/// An error a tool reports to the person running it.
public enum ToolError: Error, CustomStringConvertible {
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
    public var status: Int32 {
        switch self {
        case .usage: ExitStatus.usage
        case .data: ExitStatus.dataError
        case .noInput: ExitStatus.noInput
        case .io: ExitStatus.ioError
        case .software: ExitStatus.software
        }
    }
}

/// Errors from other layers that know their own exit status and message.
public protocol ReportableError: Error, CustomStringConvertible {
    var exitStatus: Int32 { get }
}

/// Prints `tool: message` on stderr and returns the exit status for `error`.
public func report(_ error: Error, tool: String) -> Int32 {
    let status: Int32
    let message: String
    switch error {
    case StreamError.brokenPipe:
        return ExitStatus.ok
    case let e as StreamError:
        if case .io = e { status = ExitStatus.ioError } else { status = ExitStatus.dataError }
        message = e.description
    case let e as ToolError:
        status = e.status
        message = e.description
    case let e as ReportableError:
        status = e.exitStatus
        message = e.description
    case let e as ExitCode:
        return e.rawValue
    default:
        status = ExitStatus.software
        message = String(describing: error)
    }
    printError("\(tool): \(message)")
    return status
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
    var bytes = Array(s.utf8)
    var off = 0
    while off < bytes.count {
        let n = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress! + off, $0.count - off) }
        if n <= 0 { if errno == EINTR { continue }; return }
        off += n
    }
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
            let bytes = text.isEmpty ? [] : Array((text + "\n").utf8)
            var done = 0
            while done < bytes.count {
                let n = bytes[done...].withUnsafeBufferPointer { Glibc.write(1, $0.baseAddress, $0.count) }
                if n < 0 && errno == EINTR { continue }
                if n <= 0 {
                    printError("\(toolName): cannot write to standard output: \(String(cString: strerror(errno)))")
                    Glibc.exit(ExitStatus.ioError)
                }
                done += n
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

/// A file that appears under its name whole or not at all: written to a
/// temporary file in the same directory, renamed on `commit()`, removed if
/// never committed.
public final class AtomicFile {
    public let path: String
    public let temporaryPath: String
    public private(set) var fileDescriptor: Int32
    private var committed = false

    public init(path: String) throws {
        self.path = path
        let dir: String
        let base: String
        if let slash = path.lastIndex(of: "/") {
            dir = String(path[..<slash]).isEmpty ? "/" : String(path[..<slash])
            base = String(path[path.index(after: slash)...])
        } else {
            dir = "."
            base = path
        }
        guard !base.isEmpty else { throw ToolError.usage("output path \"\(path)\" names a directory, expected a file") }
        var template = Array("\(dir)/.\(base).tmp-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else {
            let e = errno
            if e == ENOENT { throw ToolError.noInput("cannot write \(path): directory \(dir) does not exist") }
            throw ToolError.io("cannot write \(path): \(String(cString: strerror(e)))")
        }
        fchmod(fd, 0o644)
        fileDescriptor = fd
        temporaryPath = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    /// Closes and renames the temporary file to `path`.
    public func commit() throws {
        guard !committed else { return }
        if fileDescriptor >= 0 {
            if close(fileDescriptor) != 0 {
                let e = errno
                unlink(temporaryPath)
                throw ToolError.io("cannot write \(path): \(String(cString: strerror(e)))")
            }
            fileDescriptor = -1
        }
        if rename(temporaryPath, path) != 0 {
            let e = errno
            unlink(temporaryPath)
            throw ToolError.io("cannot write \(path): \(String(cString: strerror(e)))")
        }
        committed = true
    }

    /// Removes the temporary file; the destination is left as it was.
    public func abandon() {
        guard !committed else { return }
        if fileDescriptor >= 0 { close(fileDescriptor); fileDescriptor = -1 }
        unlink(temporaryPath)
        committed = true
    }

    deinit { abandon() }
}

extension Provenance {
    /// Provenance for this process: tool name and its command-line arguments.
    public static func current(tool: String, model: String = "", seed: UInt64? = nil, generated: Bool = false) -> Provenance {
        Provenance(tool: tool, args: Array(CommandLine.arguments.dropFirst()), model: model, seed: seed, generated: generated)
    }
}

/// Parses `WxH` (e.g. `64x48`).
public func parseSize(_ s: String, option: String = "--size") throws -> (width: Int, height: Int) {
    let parts = s.lowercased().split(separator: "x", omittingEmptySubsequences: false)
    guard parts.count == 2, let w = Int(parts[0]), let h = Int(parts[1]), w > 0, h > 0 else {
        throw ToolError.usage("\(option) \"\(s)\" is not a size: expected WIDTHxHEIGHT, e.g. 64x64")
    }
    guard w <= ReelFormat.maxSide && h <= ReelFormat.maxSide else {
        throw ToolError.usage("\(option) \(w)x\(h) is too large: each side is at most \(ReelFormat.maxSide)")
    }
    return (w, h)
}
