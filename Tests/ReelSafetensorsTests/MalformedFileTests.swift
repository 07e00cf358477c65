import XCTest
@testable import ReelSafetensors

/// A file image: 8-byte little-endian header length, header bytes, data.
func fileImage(header: [UInt8], data: [UInt8] = [], lengthField: UInt64? = nil) -> [UInt8] {
    let n = lengthField ?? UInt64(header.count)
    var out: [UInt8] = (0..<8).map { UInt8(truncatingIfNeeded: n >> (8 * UInt64($0))) }
    out += header
    out += data
    return out
}

func fileImage(_ json: String, data: [UInt8] = []) -> [UInt8] {
    fileImage(header: Array(json.utf8), data: data)
}

/// Opens `bytes` and returns the error it must fail with.
func openError(_ bytes: [UInt8], file: StaticString = #filePath, line: UInt = #line) -> SafetensorsError? {
    do {
        _ = try SafetensorsFile(bytes: bytes)
        XCTFail("file opened but should have been rejected", file: file, line: line)
        return nil
    } catch let e as SafetensorsError {
        return e
    } catch {
        XCTFail("unexpected error type \(error)", file: file, line: line)
        return nil
    }
}

final class MalformedFileTests: XCTestCase {
    // MARK: the 8-byte length and the header bounds

    func testFileShorterThanLengthField() {
        XCTAssertEqual(openError([1, 0, 0]), .fileTooSmall(byteCount: 3))
        XCTAssertEqual(openError([]), .fileTooSmall(byteCount: 0))
    }

    func testHeaderLengthOverLimit() {
        let e = openError(fileImage(header: Array("{}".utf8), lengthField: 100_000_001))
        XCTAssertEqual(e, .headerTooLarge(length: 100_000_001, limit: 100_000_000))
        XCTAssertEqual(openError(fileImage(header: [], lengthField: UInt64.max)),
                       .headerTooLarge(length: UInt64.max, limit: 100_000_000))
    }

    func testHeaderLengthPastEndOfFile() {
        let e = openError(fileImage(header: Array("{}".utf8), lengthField: 100))
        XCTAssertEqual(e, .headerPastEndOfFile(length: 100, fileSize: 10))
        XCTAssertTrue(e?.description.contains("runs past the end") ?? false)
    }

    // MARK: the header text

    func testHeaderNotUTF8() {
        var header = Array(#"{"a":{"dtype":"F32","shape":[],"data_offsets":[0,4]}}"#.utf8)
        header[2] = 0xFF
        XCTAssertEqual(openError(fileImage(header: header, data: [0, 0, 0, 0])), .headerNotUTF8(byteOffset: 2))
        // Overlong encoding of '/' and a UTF-16 surrogate encoded in UTF-8.
        XCTAssertEqual(openError(fileImage(header: Array("{\"".utf8) + [0xC0, 0xAF] + Array("\":1}".utf8))),
                       .headerNotUTF8(byteOffset: 2))
        XCTAssertEqual(openError(fileImage(header: Array("{\"".utf8) + [0xED, 0xA0, 0x80] + Array("\":1}".utf8))),
                       .headerNotUTF8(byteOffset: 2))
        // Truncated multi-byte sequence at the end of the header.
        XCTAssertEqual(openError(fileImage(header: Array("{}".utf8) + [0xE2, 0x82])), .headerNotUTF8(byteOffset: 2))
    }

    func testHeaderNotAnObject() {
        XCTAssertEqual(openError(fileImage("[1, 2]")), .headerNotObject(firstByte: UInt8(ascii: "[")))
        XCTAssertEqual(openError(fileImage(" {}")), .headerNotObject(firstByte: 0x20))
        XCTAssertEqual(openError(fileImage("")), .headerNotObject(firstByte: nil))
    }

    func testMalformedJSON() {
        let cases = [
            #"{"a":"#,                 // truncated
            #"{"a":1,}"#,              // trailing comma
            #"{} x"#,                  // garbage after the object
            #"{"a":01}"#,              // leading zero
            "{\"a\u{01}\":1}",         // raw control character in a string
            #"{"a":"\x"}"#,            // bad escape
            #"{"a":"\ud800"}"#,        // lone surrogate
            #"{"a":tru}"#,             // bad literal
            #"{a:1}"#,                 // unquoted key
            #"{"a":1 "b":2}"#,         // missing comma
            "{\"a\":" + String(repeating: "[", count: 100) + String(repeating: "]", count: 100) + "}",  // too deep
        ]
        for json in cases {
            guard case .malformedJSON? = openError(fileImage(json)) else {
                XCTFail("not rejected as malformed JSON: \(json)")
                continue
            }
        }
    }

    func testTrailingSpacesAndUnalignedHeaderAccepted() throws {
        // Padding spaces after the object, and a header length that is not a multiple of 8.
        let f = try SafetensorsFile(bytes: fileImage(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}   "#,
                                                     data: [0, 0, 0x80, 0x3F]))
        XCTAssertEqual(try f.floats("a"), [1])
        XCTAssertNotEqual(f.dataStart % 4, 0)
    }

    func testEscapedNamesDecoded() throws {
        let f = try SafetensorsFile(bytes: fileImage(#"{"a\u00e9\"\\\/\ud83d\ude00":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}"#, data: [9]))
        XCTAssertEqual(f.tensorNames, ["aé\"\\/😀"])
        XCTAssertEqual(try f.integers("aé\"\\/😀"), [9])
    }

    // MARK: __metadata__ and names

    func testDuplicateTensorName() {
        let json = #"{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}"#
        guard case .duplicateKey("a", _)? = openError(fileImage(json, data: [1, 2])) else { return XCTFail() }
    }

    func testDuplicateKeyInsideEntry() {
        let json = #"{"a":{"dtype":"U8","dtype":"U8","shape":[1],"data_offsets":[0,1]}}"#
        guard case .duplicateKey("dtype", _)? = openError(fileImage(json, data: [1])) else { return XCTFail() }
    }

    func testMetadataMustBeStringMap() {
        guard case .invalidMetadata? = openError(fileImage(#"{"__metadata__":["a"]}"#)) else { return XCTFail() }
        guard case .invalidMetadata? = openError(fileImage(#"{"__metadata__":{"a":1}}"#)) else { return XCTFail() }
        guard case .invalidMetadata? = openError(fileImage(#"{"__metadata__":{"a":{"b":"c"}}}"#)) else { return XCTFail() }
        guard case .duplicateKey("k", "__metadata__")? = openError(fileImage(#"{"__metadata__":{"k":"1","k":"2"}}"#)) else { return XCTFail() }
        guard case .duplicateKey("__metadata__", _)? = openError(fileImage(#"{"__metadata__":{},"__metadata__":{}}"#)) else { return XCTFail() }
    }

    func testNullMetadataMeansNone() throws {
        let f = try SafetensorsFile(bytes: fileImage(#"{"__metadata__":null}"#))
        XCTAssertFalse(f.hasMetadata)
        XCTAssertEqual(f.metadata, [:])
    }

    func testBoolMustBeZeroOrOne() throws {
        let f = try SafetensorsFile(bytes: fileImage(#"{"b":{"dtype":"BOOL","shape":[3],"data_offsets":[0,3]}}"#, data: [1, 0, 2]))
        XCTAssertThrowsError(try f.integers("b")) { XCTAssertEqual($0 as? SafetensorsError, .invalidBool(tensor: "b", index: 2, byte: 2)) }
    }

    func testMetadataRead() throws {
        let f = try SafetensorsFile(bytes: fileImage(#"{"__metadata__":{"format":"pt","x":"y\n"}}"#))
        XCTAssertEqual(f.metadata, ["format": "pt", "x": "y\n"])
        XCTAssertTrue(f.hasMetadata)
        XCTAssertEqual(f.tensorNames, [])
    }

    // MARK: tensor entries

    func testUnknownDtype() {
        let e = openError(fileImage(#"{"w":{"dtype":"F17","shape":[1],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0]))
        XCTAssertEqual(e, .unknownDtype(tensor: "w", dtype: "F17"))
        XCTAssertTrue(e?.description.hasPrefix(#"tensor "w": unknown dtype "F17" (expected one of BOOL, U8"#) ?? false)
    }

    func testShapeMustBeNonNegativeIntegers() {
        let bad = [#"[-1]"#, #"[2.0]"#, #"[1e2]"#, #"["3"]"#, #"3"#, #"[18446744073709551616]"#, #"[null]"#]
        for shape in bad {
            let json = #"{"w":{"dtype":"U8","shape":\#(shape),"data_offsets":[0,0]}}"#
            guard case .invalidEntry(tensor: "w", reason: let reason)? = openError(fileImage(json)) else {
                XCTFail("shape \(shape) not rejected as an invalid entry")
                continue
            }
            XCTAssertTrue(reason.contains("shape"), reason)
        }
    }

    func testEntryFields() {
        let cases = [
            #"{"w":{"shape":[1],"data_offsets":[0,1]}}"#,                              // missing dtype
            #"{"w":{"dtype":"U8","data_offsets":[0,1]}}"#,                             // missing shape
            #"{"w":{"dtype":"U8","shape":[1]}}"#,                                      // missing data_offsets
            #"{"w":{"dtype":"U8","shape":[1],"data_offsets":[0,1],"extra":1}}"#,       // unknown key
            #"{"w":{"dtype":"U8","shape":[1],"data_offsets":[0,1,1]}}"#,               // three offsets
            #"{"w":{"dtype":"U8","shape":[1],"data_offsets":[0,-1]}}"#,                // negative offset
            #"{"w":{"dtype":8,"shape":[1],"data_offsets":[0,1]}}"#,                    // dtype not a string
            #"{"w":[1]}"#,                                                             // entry not an object
        ]
        for json in cases {
            guard case .invalidEntry(tensor: "w", reason: _)? = openError(fileImage(json, data: [7])) else {
                XCTFail("entry not rejected: \(json)")
                continue
            }
        }
    }

    func testOffsetsReversed() {
        let e = openError(fileImage(#"{"w":{"dtype":"U8","shape":[0],"data_offsets":[4,0]}}"#, data: [0, 0, 0, 0]))
        XCTAssertEqual(e, .offsetsReversed(tensor: "w", begin: 4, end: 0))
    }

    func testByteCountMismatchNamesTensorAndSizes() {
        let name = "encoder.layer.0.attention.self.query.weight"
        let json = #"{"\#(name)":{"dtype":"F32","shape":[384,384],"data_offsets":[0,4096]}}"#
        let e = openError(fileImage(json, data: [UInt8](repeating: 0, count: 4096)))
        XCTAssertEqual(e, .byteCountMismatch(tensor: name, begin: 0, end: 4096, shape: [384, 384], dtype: .f32, needed: 589_824))
        XCTAssertEqual(e?.description,
                       #"tensor "encoder.layer.0.attention.self.query.weight": data_offsets [0, 4096] but shape [384, 384] of F32 needs 589824 bytes"#)
    }

    func testSizeOverflow() {
        let json = #"{"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,0]}}"#
        XCTAssertEqual(openError(fileImage(json)), .sizeOverflow(tensor: "w", shape: [4_294_967_296, 4_294_967_296], dtype: .f32))
        // Elements fit but bytes do not.
        let json2 = #"{"w":{"dtype":"F64","shape":[2305843009213693952],"data_offsets":[0,0]}}"#
        XCTAssertEqual(openError(fileImage(json2)), .sizeOverflow(tensor: "w", shape: [2_305_843_009_213_693_952], dtype: .f64))
        // A zero dimension makes the product zero even after a huge one (no false overflow).
        let json3 = #"{"w":{"dtype":"F32","shape":[0,4294967296,4294967296],"data_offsets":[0,0]}}"#
        XCTAssertNoThrow(try SafetensorsFile(bytes: fileImage(json3)))
    }

    func testOffsetsOutOfBounds() {
        let e = openError(fileImage(#"{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}"#, data: [UInt8](repeating: 0, count: 8)))
        XCTAssertEqual(e, .offsetsOutOfBounds(tensor: "w", begin: 0, end: 16, bufferSize: 8))
    }

    // MARK: the data buffer as a whole

    func testHoleBetweenTensors() {
        let json = #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}"#
        let e = openError(fileImage(json, data: [UInt8](repeating: 0, count: 12)))
        XCTAssertEqual(e, .hole(tensor: "b", begin: 8, previousEnd: 4, previous: "a"))
        XCTAssertEqual(e?.description, #"tensor "b": data_offsets begin at 8 but tensor "a" ends at 4, leaving 4 unused bytes"#)
    }

    func testHoleAtStart() {
        let e = openError(fileImage(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, data: [UInt8](repeating: 0, count: 8)))
        XCTAssertEqual(e, .hole(tensor: "a", begin: 4, previousEnd: 0, previous: nil))
    }

    func testOverlap() {
        let json = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#
        let e = openError(fileImage(json, data: [UInt8](repeating: 0, count: 8)))
        XCTAssertEqual(e, .overlap(tensor: "b", begin: 4, previousEnd: 8, previous: "a"))
        // Two tensors on the same bytes.
        let json2 = #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"I32","shape":[1],"data_offsets":[0,4]}}"#
        guard case .overlap? = openError(fileImage(json2, data: [0, 0, 0, 0])) else { return XCTFail() }
    }

    func testTrailingBytesNotCovered() {
        let e = openError(fileImage(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, data: [UInt8](repeating: 0, count: 6)))
        XCTAssertEqual(e, .uncoveredBytes(coveredEnd: 4, bufferSize: 6))
        XCTAssertEqual(openError(fileImage("{}", data: [1])), .uncoveredBytes(coveredEnd: 0, bufferSize: 1))
    }

    func testOutOfOrderEntriesAndZeroSizeTensorsAccepted() throws {
        let json = #"{"b":{"dtype":"U8","shape":[2],"data_offsets":[3,5]},"z":{"dtype":"F32","shape":[0,7],"data_offsets":[3,3]},"a":{"dtype":"U8","shape":[3],"data_offsets":[0,3]}}"#
        let f = try SafetensorsFile(bytes: fileImage(json, data: [1, 2, 3, 4, 5]))
        XCTAssertEqual(f.tensorNames, ["a", "z", "b"])
        XCTAssertEqual(try f.integers("b"), [4, 5])
        XCTAssertEqual(try f.floats("z"), [])
        XCTAssertEqual(try f.info("z").shape, [0, 7])
        XCTAssertFalse(f.hasMetadata)
    }

    // MARK: access errors

    func testAccessErrors() throws {
        let json = #"{"i":{"dtype":"I64","shape":[1],"data_offsets":[0,8]},"f":{"dtype":"F32","shape":[2],"data_offsets":[8,16]},"u":{"dtype":"U64","shape":[1],"data_offsets":[16,24]}}"#
        var data = [UInt8](repeating: 0, count: 16)
        data += [UInt8](repeating: 0xFF, count: 8)
        let f = try SafetensorsFile(bytes: fileImage(json, data: data))
        XCTAssertThrowsError(try f.floats("nope")) { XCTAssertEqual($0 as? SafetensorsError, .tensorNotFound("nope")) }
        XCTAssertThrowsError(try f.floats("i")) {
            XCTAssertEqual($0 as? SafetensorsError, .unsupportedConversion(tensor: "i", dtype: .i64, to: "Float (use integers)"))
        }
        XCTAssertThrowsError(try f.integers("f")) {
            guard case .unsupportedConversion? = $0 as? SafetensorsError else { return XCTFail() }
        }
        XCTAssertThrowsError(try f.floats("f", shape: [3])) {
            XCTAssertEqual($0 as? SafetensorsError, .shapeMismatch(tensor: "f", shape: [2], expected: [3]))
        }
        XCTAssertThrowsError(try f.integers("u")) {
            XCTAssertEqual($0 as? SafetensorsError, .integerOutOfRange(tensor: "u", index: 0))
        }
        var three = [Float](repeating: 0, count: 3)
        XCTAssertThrowsError(try three.withUnsafeMutableBufferPointer { try f.copyFloats("f", into: $0) }) {
            XCTAssertEqual($0 as? SafetensorsError, .destinationSizeMismatch(tensor: "f", elements: 2, destination: 3))
        }
    }

    func testOpenErrors() {
        XCTAssertThrowsError(try SafetensorsFile(path: "/nonexistent/dir/x.safetensors")) {
            guard case .cannotOpen? = $0 as? SafetensorsError else { return XCTFail("\($0)") }
        }
        XCTAssertThrowsError(try SafetensorsFile(path: NSTemporaryDirectory())) {
            guard case .cannotOpen? = $0 as? SafetensorsError else { return XCTFail("\($0)") }
        }
    }
}
