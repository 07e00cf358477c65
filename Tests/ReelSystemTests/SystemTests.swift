import XCTest
import ReelSystem
#if canImport(Glibc)
import Glibc
#endif

final class JSONTests: XCTestCase {
    func testJSONReader() throws {
        let v = try JSONReader.parse("{\"tool\":\"a\\\"b\",\"args\":[\"x\",\"\\u00e9\"],\"seed\":null,\"n\":-1.5e2,\"ok\":true,\"o\":{}}")
        XCTAssertEqual(v["tool"], .string("a\"b"))
        XCTAssertEqual(v["args"], .array([.string("x"), .string("é")]))
        XCTAssertEqual(v["seed"], .null)
        XCTAssertEqual(v["n"], .number("-1.5e2"))
        XCTAssertEqual(v["ok"], .bool(true))
        for bad in ["", "{", "{\"a\" 1}", "[1,]", "\"abc", "{} x", "nul"] {
            XCTAssertThrowsError(try JSONReader.parse(bad), bad)
        }
    }

    func testNumbersKeepTheirLiteralAndBigIntegersStayExact() throws {
        let v = try JSONReader.parse("{\"seed\": 18446744073709551615, \"x\": 3.0, \"y\": 3}")
        XCTAssertEqual(v["seed"], .number("18446744073709551615"))
        XCTAssertNotEqual(v["x"], v["y"])
        XCTAssertEqual(v.jsonText, "{\"seed\":18446744073709551615,\"x\":3.0,\"y\":3}")
    }

    func testErrorsNameTheProblemAndTheByte() {
        XCTAssertThrowsError(try JSONReader.parse("[1, x]")) { e in
            XCTAssertEqual("\(e)", "expected a value, found 'x' at byte 4")
        }
        XCTAssertThrowsError(try JSONReader.parse("{\"a\":1", document: "header")) { e in
            XCTAssertEqual("\(e)", "unexpected end of header inside an object at byte 6")
        }
        XCTAssertThrowsError(try JSONReader.parse(String(repeating: "[", count: 100))) { e in
            XCTAssertTrue("\(e)".hasPrefix("nesting deeper than 32 levels"), "\(e)")
        }
    }

    func testEscaperRoundTripsThroughTheReader() throws {
        let s = "a\"b\\c\n\t\u{01}\u{08}\u{0C}é😀"
        XCTAssertEqual(jsonString(s), "\"a\\\"b\\\\c\\n\\t\\u0001\\b\\fé😀\"")
        XCTAssertEqual(try JSONReader.parse(jsonString(s)), .string(s))
    }
}

final class FileIOTests: XCTestCase {
    func testGatheringWriteSendsEveryPartInOrder() throws {
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&fds), 0)
        let parts: [[UInt8]] = (0..<1500).map { i in [UInt8](repeating: UInt8(i % 251), count: i % 7) }   // > 1024 parts, some empty
        let want = parts.flatMap { $0 }
        let ptrs = parts.map { p -> UnsafeRawBufferPointer in
            let m = UnsafeMutableRawBufferPointer.allocate(byteCount: max(p.count, 1), alignment: 1)
            m.copyBytes(from: p)
            return UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(m)[0..<p.count])
        }
        defer { for p in ptrs { UnsafeMutableRawPointer(mutating: p.baseAddress!).deallocate() } }
        try FileIO.writeAll(fds[1], parts: ptrs)
        close(fds[1])
        XCTAssertEqual(try FileIO.readToEnd(fds[0]), want)
        close(fds[0])
        XCTAssertThrowsError(try FileIO.writeAll(fds[1], parts: ptrs))   // closed: EBADF
    }
}
