import ReelSystem

/// One tensor's entry in a safetensors header.
public struct SafetensorsTensorInfo: Equatable, Sendable {
    public let name: String
    public let dtype: SafetensorsDtype
    /// Row-major (C order) shape; `[]` is a scalar.
    public let shape: [Int]
    /// Byte range inside the data buffer (the `data_offsets` of the header).
    public let dataOffsets: Range<Int>

    public var elementCount: Int { shape.reduce(1, *) }   // validated not to overflow
    public var byteCount: Int { dataOffsets.count }
}

/// The validated header: every check of the format applied.
struct SafetensorsHeader {
    /// Entries in data-buffer order (by offset, then by name).
    var tensors: [SafetensorsTensorInfo]
    var metadata: [String: String]
    /// Whether the header had a `__metadata__` entry at all.
    var hasMetadata: Bool

    /// Validates `json` (the header bytes, padding included) against a data
    /// buffer of `bufferSize` bytes.
    static func parse(_ json: UnsafeRawBufferPointer, bufferSize: Int) throws -> SafetensorsHeader {
        if let bad = firstInvalidUTF8Offset(json) { throw SafetensorsError.headerNotUTF8(byteOffset: bad) }
        guard json.count > 0, json[0] == UInt8(ascii: "{") else {
            throw SafetensorsError.headerNotObject(firstByte: json.first)
        }
        let document: JSONValue
        do { document = try JSONReader.parseDocument(json, document: "header") } catch {
            throw SafetensorsError.malformedJSON(byteOffset: error.byteOffset, reason: error.reason)
        }
        guard case let .object(members) = document else {
            throw SafetensorsError.headerNotObject(firstByte: json.first)
        }

        var seen = Set<String>()
        var tensors: [SafetensorsTensorInfo] = []
        tensors.reserveCapacity(members.count)
        var metadata: [String: String] = [:]
        var hasMetadata = false
        for member in members {
            let name = member.key, value = member.value
            guard seen.insert(name).inserted else {
                throw SafetensorsError.duplicateKey(name, context: name == "__metadata__" ? "the header" : "the header (tensor names must be unique)")
            }
            if name == "__metadata__" {
                if case .null = value { continue }   // the reference reads null as "no metadata"
                hasMetadata = true
                metadata = try parseMetadata(value)
            } else {
                tensors.append(try parseEntry(name: name, value, bufferSize: bufferSize))
            }
        }

        // The tensors must tile the data buffer: sorted by offset, each one
        // begins where the previous one ends, the last one ends at the end.
        tensors.sort { a, b in
            if a.dataOffsets.lowerBound != b.dataOffsets.lowerBound { return a.dataOffsets.lowerBound < b.dataOffsets.lowerBound }
            if a.dataOffsets.upperBound != b.dataOffsets.upperBound { return a.dataOffsets.upperBound < b.dataOffsets.upperBound }
            return a.name < b.name
        }
        var end = 0
        var previous: String?
        for t in tensors {
            let begin = t.dataOffsets.lowerBound
            if begin > end {
                throw SafetensorsError.hole(tensor: t.name, begin: begin, previousEnd: end, previous: previous)
            }
            if begin < end, let previous {
                throw SafetensorsError.overlap(tensor: t.name, begin: begin, previousEnd: end, previous: previous)
            }
            end = t.dataOffsets.upperBound
            previous = t.name
        }
        if end != bufferSize {
            throw SafetensorsError.uncoveredBytes(coveredEnd: end, bufferSize: bufferSize)
        }
        return SafetensorsHeader(tensors: tensors, metadata: metadata, hasMetadata: hasMetadata)
    }

    private static func parseMetadata(_ value: JSONValue) throws -> [String: String] {
        guard case let .object(members) = value else {
            throw SafetensorsError.invalidMetadata(reason: "expected an object of strings, found \(value.kindName)")
        }
        var map: [String: String] = [:]
        for member in members {
            let key = member.key, v = member.value
            guard case let .string(s) = v else {
                throw SafetensorsError.invalidMetadata(reason: "value of \"\(key)\" is \(v.kindName), expected a string")
            }
            guard map.updateValue(s, forKey: key) == nil else {
                throw SafetensorsError.duplicateKey(key, context: "__metadata__")
            }
        }
        return map
    }

    /// A JSON number that must be a non-negative integer fitting in Int.
    private static func parseIndex(_ value: JSONValue, tensor: String, field: String) throws -> Int {
        guard case let .number(text) = value else {
            throw SafetensorsError.invalidEntry(tensor: tensor, reason: "\(field) holds \(value.kindName), expected a non-negative integer")
        }
        if text.hasPrefix("-") {
            throw SafetensorsError.invalidEntry(tensor: tensor, reason: "\(field) is negative (\(text))")
        }
        guard text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            throw SafetensorsError.invalidEntry(tensor: tensor, reason: "\(field) is \(text), expected an integer")
        }
        guard let n = Int(text) else {
            throw SafetensorsError.invalidEntry(tensor: tensor, reason: "\(field) is \(text), too large for a 64-bit size")
        }
        return n
    }

    private static func parseEntry(name: String, _ value: JSONValue, bufferSize: Int) throws -> SafetensorsTensorInfo {
        guard case let .object(fields) = value else {
            throw SafetensorsError.invalidEntry(tensor: name, reason: "entry is \(value.kindName), expected an object with dtype, shape and data_offsets")
        }
        var dtypeValue: JSONValue?, shapeValue: JSONValue?, offsetsValue: JSONValue?
        for field in fields {
            let key = field.key, v = field.value
            switch key {
            case "dtype", "shape", "data_offsets":
                let old: JSONValue?
                switch key {
                case "dtype": old = dtypeValue; dtypeValue = v
                case "shape": old = shapeValue; shapeValue = v
                default: old = offsetsValue; offsetsValue = v
                }
                if old != nil { throw SafetensorsError.duplicateKey(key, context: "the entry of tensor \"\(name)\"") }
            default:
                throw SafetensorsError.invalidEntry(tensor: name, reason: "unexpected key \"\(key)\" (expected dtype, shape, data_offsets)")
            }
        }
        guard let dtypeValue else { throw SafetensorsError.invalidEntry(tensor: name, reason: "missing dtype") }
        guard let shapeValue else { throw SafetensorsError.invalidEntry(tensor: name, reason: "missing shape") }
        guard let offsetsValue else { throw SafetensorsError.invalidEntry(tensor: name, reason: "missing data_offsets") }

        guard case let .string(dtypeName) = dtypeValue else {
            throw SafetensorsError.invalidEntry(tensor: name, reason: "dtype is \(dtypeValue.kindName), expected a string")
        }
        guard let dtype = SafetensorsDtype(rawValue: dtypeName) else {
            throw SafetensorsError.unknownDtype(tensor: name, dtype: dtypeName)
        }
        guard case let .array(dims) = shapeValue else {
            throw SafetensorsError.invalidEntry(tensor: name, reason: "shape is \(shapeValue.kindName), expected an array of non-negative integers")
        }
        let shape = try dims.enumerated().map { try parseIndex($1, tensor: name, field: "shape[\($0)]") }
        guard case let .array(offsets) = offsetsValue, offsets.count == 2 else {
            throw SafetensorsError.invalidEntry(tensor: name, reason: "data_offsets must be an array [begin, end]")
        }
        let begin = try parseIndex(offsets[0], tensor: name, field: "data_offsets[0]")
        let end = try parseIndex(offsets[1], tensor: name, field: "data_offsets[1]")
        if end < begin { throw SafetensorsError.offsetsReversed(tensor: name, begin: begin, end: end) }

        var count = 1
        for d in shape {
            let (p, overflow) = count.multipliedReportingOverflow(by: d)
            if overflow { throw SafetensorsError.sizeOverflow(tensor: name, shape: shape, dtype: dtype) }
            count = p
        }
        let (needed, overflow) = count.multipliedReportingOverflow(by: dtype.byteSize)
        if overflow { throw SafetensorsError.sizeOverflow(tensor: name, shape: shape, dtype: dtype) }
        if end - begin != needed {
            throw SafetensorsError.byteCountMismatch(tensor: name, begin: begin, end: end, shape: shape, dtype: dtype, needed: needed)
        }
        if end > bufferSize {
            throw SafetensorsError.offsetsOutOfBounds(tensor: name, begin: begin, end: end, bufferSize: bufferSize)
        }
        return SafetensorsTensorInfo(name: name, dtype: dtype, shape: shape, dataOffsets: begin..<end)
    }
}
