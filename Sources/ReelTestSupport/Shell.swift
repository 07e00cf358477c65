// Support for the end-to-end tests: runs reel's built tools in real shell
// pipelines, as a person does. Used by the test targets only; no tool links it.
import Foundation

public enum Shell {
    /// Where the tools are: $REEL_BIN (set by `make test`), else the build
    /// directory this test bundle runs from (SwiftPM puts executables beside it).
    public static let binDirectory: String = {
        if let d = ProcessInfo.processInfo.environment["REEL_BIN"], !d.isEmpty { return d }
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var dir = URL(fileURLWithPath: exe).deletingLastPathComponent()
        while dir.path != "/" && !FileManager.default.isExecutableFile(atPath: dir.appendingPathComponent("reel-inspect").path) {
            dir = dir.deletingLastPathComponent()
        }
        return dir.path
    }()

    /// Whether `tool` is built in `binDirectory`.
    public static func isBuilt(_ tool: String) -> Bool {
        FileManager.default.isExecutableFile(atPath: binDirectory + "/" + tool)
    }

    public struct Result {
        public var status: Int32
        public var stdout: Data
        public var stderr: String
        public var out: String { String(decoding: stdout, as: UTF8.self) }
    }

    /// Runs `script` with bash (pipefail) in `directory`, the tools' directory
    /// first on PATH, stdin empty. Output is captured in files outside
    /// `directory` (no pipe to drain, nothing left in the test's directory).
    public static func run(_ script: String, in directory: String) throws -> Result {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = ["-c", "set -o pipefail; " + script]
        p.currentDirectoryURL = URL(fileURLWithPath: directory)
        var env = ProcessInfo.processInfo.environment
        env["PATH"] = binDirectory + ":" + (env["PATH"] ?? "/usr/bin:/bin")
        p.environment = env
        let capture = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: capture) }
        let outPath = capture + "/stdout", errPath = capture + "/stderr"
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        let err = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        try out.close(); try err.close()
        let outData = try Data(contentsOf: URL(fileURLWithPath: outPath))
        let errData = try Data(contentsOf: URL(fileURLWithPath: errPath))
        return Result(status: p.terminationStatus, stdout: outData, stderr: String(decoding: errData, as: UTF8.self))
    }

    public static func temporaryDirectory() throws -> String {
        let d = NSTemporaryDirectory() + "reel-test-" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
        try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }
}
