// reel-inspect: any reel stream as a human summary; .npy export; full validation.
import ReelSystem
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ArgumentParser
import ReelCLI
import ReelInspect
import ReelStream

@main
struct Inspect: ReelCommand {
    static let toolName = "reel-inspect"
    static let configuration = CommandConfiguration(
        commandName: toolName,
        abstract: "Summarize and validate a reel stream: records, clips, per-channel statistics, texts, provenance.",
        discussion: """
            Reads a reel(5) stream from FILE or standard input, checks every record (structure, \
            checksums, sizes, frame order and count, token coverage, text references, prov JSON) \
            and prints the records, then a summary of each clip with per-channel mean, standard \
            deviation, min and max of its frame or token values. On an error it prints the summary \
            of what it read, then the error, and exits with status 65.
            """,
        version: reelVersion)

    @Argument(help: ArgumentHelp("The stream to read (default: standard input).", valueName: "FILE"))
    var file: String?

    @Flag(name: .long, help: "List every record on its own line (default: a clip's consecutive frames or tokens on one line).")
    var records = false

    @Flag(name: .long, help: "Only validate: print nothing unless an error; the exit status says whether the stream is valid.")
    var check = false

    @Option(name: .long, help: ArgumentHelp("Write every tensor as a .npy file into DIR: clipK-frames.npy (T,C,H,W), clipK-tokens.npy (N,D) with clipK-positions.npy (N,3), segmentK-pooled.npy or segmentK-token-states.npy (N,D).", valueName: "DIR"))
    var npy: String?

    @Option(name: .long, help: ArgumentHelp("Write a contact sheet PNG: up to 16 frames per clip, pixels as images, latents as a gray tile per channel, patch tokens put back at their positions.", valueName: "FILE"))
    var png: String?

    @Flag(name: .long, help: "Print the summary as one JSON object (with \"valid\" and \"error\") instead of text.")
    var json = false

    func execute() throws {
        let reader: StreamReader
        var fd: Int32 = -1
        if let file, file != "-" {
            fd = open(file, O_RDONLY)
            guard fd >= 0 else { throw ToolError.noInput("cannot open \(file): \(String(cString: strerror(errno)))") }
            reader = StreamReader(fileDescriptor: fd, name: file)
        } else {
            reader = try StreamIO.input(tool: Self.toolName)
        }
        defer { if fd >= 0 { close(fd) } }
        var succeeded = false
        var created: String?  // a --npy directory made here goes again if the stream fails
        if let npy {
            var st = stat()
            if stat(npy, &st) != 0 {
                guard mkdir(npy, 0o755) == 0 else { throw ToolError.noInput("cannot create directory \(npy): \(String(cString: strerror(errno)))") }
                created = npy
            } else if (st.st_mode & S_IFMT) != S_IFDIR {
                throw ToolError.usage("--npy \(npy) is not a directory")
            }
        }
        defer { if let created, !succeeded { rmdir(created) } }
        let out = LineOutput()
        let inspector = StreamInspector(options: InspectOptions(eachRecord: records, checkOnly: check, npyDirectory: npy, pngPath: png, json: json), emit: out.line)
        do {
            try inspector.inspect(reader)
            try out.flush()
            succeeded = true
        } catch {
            try? out.flush()
            throw error
        }
    }
}

/// Lines to standard output, gathered into large writes.
final class LineOutput {
    var buffer: [UInt8] = []

    func line(_ s: String) {
        buffer.append(contentsOf: s.utf8)
        buffer.append(0x0A)
        if buffer.count >= 1 << 16 { try? flush() }
    }

    func flush() throws {
        do { try FileIO.writeAll(1, buffer) } catch {
            buffer.removeAll()
            if error == .brokenPipe { throw StreamError.brokenPipe }
            throw ToolError.io("cannot write standard output: \(error.text)")
        }
        buffer.removeAll(keepingCapacity: true)
    }
}
