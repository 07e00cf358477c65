import Foundation
import ReelTestSupport
import XCTest

/// The built tools for ToolTests: where they are, which exist, and running
/// them in shell pipelines (through ReelTestSupport's Shell).
enum Tools {
    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The reel tools that exist in this package (one folder Sources/reel-*).
    static var allTools: [String] {
        let src = packageRoot.appendingPathComponent("Sources")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: src.path)) ?? []
        return names.filter { $0.hasPrefix("reel-") }.sorted()
    }

    /// With REEL_BIN set (as `make test` does), a missing binary is a failure, not a skip.
    static var required: Bool { !(ProcessInfo.processInfo.environment["REEL_BIN"] ?? "").isEmpty }

    struct Missing: Error, CustomStringConvertible { var description: String }

    static func unavailable(_ message: String) -> Error {
        required ? Missing(description: message) : XCTSkip(message)
    }

    static func path(_ tool: String) throws -> String {
        guard Shell.isBuilt(tool) else { throw unavailable("\(tool) is not built in \(Shell.binDirectory) (run swift build, or set REEL_BIN)") }
        return Shell.binDirectory + "/" + tool
    }

    /// Runs a bash pipeline (pipefail) in `cwd` (a fresh directory when nil).
    @discardableResult
    static func sh(_ script: String, cwd: URL? = nil) throws -> Shell.Result {
        guard Shell.isBuilt("reel-inspect") else { throw unavailable("reel tools not built in \(Shell.binDirectory): run swift build (or set REEL_BIN)") }
        if let cwd { return try Shell.run(script, in: cwd.path) }
        let dir = try Shell.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        return try Shell.run(script, in: dir)
    }

    /// Runs a pipeline in `cwd` that must succeed: a failure is recorded (with its stderr) and
    /// thrown, so the test stops there. Returns standard output.
    @discardableResult
    static func succeed(_ script: String, cwd: URL, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let r = try sh(script, cwd: cwd)
        XCTAssertEqual(r.status, 0, "\(script)\n\(r.stderr)", file: file, line: line)
        if r.status != 0 { throw Missing(description: "pipeline failed: \(r.stderr)") }
        return r.out
    }

    static func temporaryDirectory() throws -> URL {
        URL(fileURLWithPath: try Shell.temporaryDirectory())
    }
}
