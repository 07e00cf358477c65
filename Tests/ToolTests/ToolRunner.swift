import Foundation
import XCTest

/// Runs reel's built binaries the way a person does, in shell pipelines.
/// Binaries are found in $REEL_BIN (set by `make test`), else in .build/debug
/// or .build/release of this package.
enum Tools {
    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let binDir: URL? = {
        if let env = ProcessInfo.processInfo.environment["REEL_BIN"], !env.isEmpty {
            return URL(fileURLWithPath: env)
        }
        for config in ["debug", "release"] {
            let dir = packageRoot.appendingPathComponent(".build/\(config)")
            if allTools.contains(where: { FileManager.default.isExecutableFile(atPath: dir.appendingPathComponent($0).path) }) {
                return dir
            }
        }
        return nil
    }()

    /// With REEL_BIN set (as `make test` does), a missing binary is a failure, not a skip.
    static var required: Bool { !(ProcessInfo.processInfo.environment["REEL_BIN"] ?? "").isEmpty }

    struct Missing: Error, CustomStringConvertible { var description: String }

    static func unavailable(_ message: String) -> Error {
        required ? Missing(description: message) : XCTSkip(message)
    }

    /// The reel tools that exist in this package (one folder Sources/reel-*).
    static var allTools: [String] {
        let src = packageRoot.appendingPathComponent("Sources")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: src.path)) ?? []
        return names.filter { $0.hasPrefix("reel-") }.sorted()
    }

    static func path(_ tool: String) throws -> String {
        guard let dir = binDir else { throw unavailable("reel binaries not built: run `swift build` (or set REEL_BIN)") }
        let p = dir.appendingPathComponent(tool).path
        guard FileManager.default.isExecutableFile(atPath: p) else { throw unavailable("\(tool) is not built in \(dir.path)") }
        return p
    }

    struct Result {
        var status: Int32
        var stdout: Data
        var stderr: String
        var out: String { String(decoding: stdout, as: UTF8.self) }
    }

    /// Runs a bash pipeline with the tools' directory first on PATH.
    @discardableResult
    static func sh(_ script: String, stdin: Data? = nil, cwd: URL? = nil) throws -> Result {
        guard let dir = binDir else { throw unavailable("reel binaries not built: run `swift build` (or set REEL_BIN)") }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = ["-o", "pipefail", "-c", script]
        var env = ProcessInfo.processInfo.environment
        env["PATH"] = dir.path + ":" + (env["PATH"] ?? "/usr/bin:/bin")
        p.environment = env
        if let cwd { p.currentDirectoryURL = cwd }
        // Files, not pipes, for the child's standard streams: no deadlock, no threads.
        let tmp = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let inURL = tmp.appendingPathComponent("stdin"), outURL = tmp.appendingPathComponent("stdout"),
            errURL = tmp.appendingPathComponent("stderr")
        try (stdin ?? Data()).write(to: inURL)
        FileManager.default.createFile(atPath: outURL.path, contents: nil)
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let inH = try FileHandle(forReadingFrom: inURL), outH = try FileHandle(forWritingTo: outURL),
            errH = try FileHandle(forWritingTo: errURL)
        p.standardInput = inH
        p.standardOutput = outH
        p.standardError = errH
        try p.run()
        p.waitUntilExit()
        try? inH.close(); try? outH.close(); try? errH.close()
        let outData = try Data(contentsOf: outURL)
        let errData = try Data(contentsOf: errURL)
        return Result(status: p.terminationStatus, stdout: outData, stderr: String(decoding: errData, as: UTF8.self))
    }

    static func temporaryDirectory() throws -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("reel-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        return d
    }
}
