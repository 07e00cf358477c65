// Every stream of the committed malformed corpus, read as a tool reads it
// and reported through ReelCLI: the exit status and the stderr line the
// MANIFEST promises (Tests/ReelStreamTests/Fixtures/malformed/MANIFEST).
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import XCTest
import ReelCLI
import ReelSystem
@testable import ReelStream

final class ExitStatusTests: XCTestCase {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("ReelStreamTests/Fixtures/malformed")

    /// Runs `body` with stderr sent to a temporary file; returns what it printed.
    func capturingStderr(_ body: () -> Void) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("reel-stderr-\(getpid())").path
        let fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0o600)
        XCTAssertGreaterThanOrEqual(fd, 0)
        let saved = dup(2)
        dup2(fd, 2)
        body()
        dup2(saved, 2)
        close(saved); close(fd)
        defer { unlink(path) }
        return try String(contentsOfFile: path, encoding: .utf8)
    }

    func testEveryMalformedStreamExitsWithItsStatusAndMessage() throws {
        let manifest = try String(contentsOf: Self.corpus.appendingPathComponent("MANIFEST"), encoding: .utf8)
        var checked = 0
        for line in manifest.split(separator: "\n") where !line.hasPrefix("#") {
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard f.count == 4, let status = Int32(f[1]) else { XCTFail("bad MANIFEST line \(line)"); continue }
            let bytes = [UInt8](try Data(contentsOf: Self.corpus.appendingPathComponent("\(f[0]).reel")))
            var error: Error?
            do {
                let r = StreamReader(bytes: bytes)
                var state = StreamState()
                while let rec = try r.next() { _ = try state.decode(rec, index: r.recordIndex) }
            } catch let e { error = e }
            guard let error else { XCTFail("\(f[0]) was read without an error"); continue }
            var got: Int32 = 0
            let printed = try capturingStderr { got = report(error, tool: "reel-test") }
            XCTAssertEqual(got, status, "\(f[0])")
            XCTAssertTrue(printed.hasPrefix("reel-test: ") && printed.hasSuffix("\n") && printed.contains(f[3]),
                          "\(f[0]): printed \"\(printed)\", expected a line containing \"\(f[3])\"")
            XCTAssertEqual(printed.filter { $0 == "\n" }.count, 1, "\(f[0]): one line")
            checked += 1
        }
        XCTAssertGreaterThanOrEqual(checked, 30)
    }

    func testPipeAndIOErrorsMapToTheirStatuses() throws {
        var s: Int32 = -1
        XCTAssertEqual(try capturingStderr { s = report(StreamError.brokenPipe, tool: "reel-test") }, "", "EPIPE is quiet")
        XCTAssertEqual(s, ExitStatus.ok)
        let printed = try capturingStderr { s = report(StreamError.io(operation: "read", name: "standard input", errno: EIO), tool: "reel-test") }
        XCTAssertEqual(s, ExitStatus.ioError)
        XCTAssertTrue(printed.hasPrefix("reel-test: cannot read standard input: "), printed)
    }

    /// One route: an error's kind decides its status, whatever library threw it; an error with
    /// no kind is a defect (70), printed after the tool's name like any other.
    func testEveryKindMapsToItsOneStatus() throws {
        struct Stray: Error {}
        let want: [ErrorKind: Int32] = [.usage: 64, .badData: 65, .missingInput: 66, .io: 74, .software: 70, .closedPipe: 0]
        XCTAssertEqual(Set(want.keys), Set(ErrorKind.allCases))
        for (kind, status) in want {
            XCTAssertEqual(ExitStatus.of(kind), status, "\(kind)")
            var s: Int32 = -1
            let printed = try capturingStderr { s = report(SystemError(kind: kind, "problem \(kind)"), tool: "reel-test") }
            XCTAssertEqual(s, status, "\(kind)")
            XCTAssertEqual(printed, kind == .closedPipe ? "" : "reel-test: problem \(kind)\n")
        }
        XCTAssertEqual(ToolError.noInput("x").status, 66)
        var s: Int32 = -1
        let printed = try capturingStderr { s = report(Stray(), tool: "reel-test") }
        XCTAssertEqual(s, 70)
        XCTAssertTrue(printed.hasPrefix("reel-test: "), printed)
    }
}
