/// Every way reading or writing a safetensors file can fail. Descriptions name
/// the file part or tensor, the bad value and what was expected, e.g.
/// `tensor "w": data_offsets [0, 4096] but shape [384, 384] of F32 needs 589824 bytes`.
import ReelSystem
public enum SafetensorsError: Error, Equatable, Sendable, CustomStringConvertible {
    // The file itself.
    case cannotOpen(path: String, reason: String)
    case ioFailure(path: String, reason: String)
    /// Fewer than the 8 bytes of the header length.
    case fileTooSmall(byteCount: Int)
    /// The header length field exceeds `SafetensorsFile.maximumHeaderLength`.
    case headerTooLarge(length: UInt64, limit: Int)
    /// The header length field points past the end of the file.
    case headerPastEndOfFile(length: UInt64, fileSize: Int)

    // The header's JSON.
    case headerNotUTF8(byteOffset: Int)
    case headerNotObject(firstByte: UInt8?)
    case malformedJSON(byteOffset: Int, reason: String)
    /// A key appears twice in one JSON object (`context` says which object).
    case duplicateKey(String, context: String)
    case invalidMetadata(reason: String)

    // One tensor entry.
    case invalidEntry(tensor: String, reason: String)
    case unknownDtype(tensor: String, dtype: String)
    case sizeOverflow(tensor: String, shape: [Int], dtype: SafetensorsDtype)
    case offsetsReversed(tensor: String, begin: Int, end: Int)
    case byteCountMismatch(tensor: String, begin: Int, end: Int, shape: [Int], dtype: SafetensorsDtype, needed: Int)
    case offsetsOutOfBounds(tensor: String, begin: Int, end: Int, bufferSize: Int)

    // The data buffer as a whole.
    case hole(tensor: String, begin: Int, previousEnd: Int, previous: String?)
    case overlap(tensor: String, begin: Int, previousEnd: Int, previous: String)
    case uncoveredBytes(coveredEnd: Int, bufferSize: Int)

    // Access.
    case tensorNotFound(String)
    case unsupportedConversion(tensor: String, dtype: SafetensorsDtype, to: String)
    case shapeMismatch(tensor: String, shape: [Int], expected: [Int])
    case destinationSizeMismatch(tensor: String, elements: Int, destination: Int)
    case integerOutOfRange(tensor: String, index: Int)
    case invalidBool(tensor: String, index: Int, byte: UInt8)

    // Writing.
    case invalidTensorForWriting(tensor: String, reason: String)

    public var description: String {
        switch self {
        case let .cannotOpen(path, reason):
            return "cannot open \(path): \(reason)"
        case let .ioFailure(path, reason):
            return "\(path): \(reason)"
        case let .fileTooSmall(n):
            return "file has \(n) bytes, fewer than the 8-byte header length of a safetensors file"
        case let .headerTooLarge(length, limit):
            return "header length \(length) exceeds the limit of \(limit) bytes (not a safetensors file?)"
        case let .headerPastEndOfFile(length, size):
            return "header length \(length) runs past the end of the \(size)-byte file (truncated?)"
        case let .headerNotUTF8(offset):
            return "header is not valid UTF-8 at byte \(offset) of the header"
        case let .headerNotObject(first):
            if let first {
                return "header must be a JSON object starting with '{', found byte 0x\(String(first, radix: 16))"
            }
            return "header is empty; expected a JSON object"
        case let .malformedJSON(offset, reason):
            return "header JSON is malformed at byte \(offset): \(reason)"
        case let .duplicateKey(key, context):
            return "duplicate key \"\(key)\" in \(context)"
        case let .invalidMetadata(reason):
            return "__metadata__: \(reason)"
        case let .invalidEntry(tensor, reason):
            return "tensor \"\(tensor)\": \(reason)"
        case let .unknownDtype(tensor, dtype):
            let known = SafetensorsDtype.allCases.map(\.rawValue).joined(separator: ", ")
            return "tensor \"\(tensor)\": unknown dtype \"\(dtype)\" (expected one of \(known))"
        case let .sizeOverflow(tensor, shape, dtype):
            return "tensor \"\(tensor)\": shape \(shape) of \(dtype) overflows a 64-bit byte count"
        case let .offsetsReversed(tensor, begin, end):
            return "tensor \"\(tensor)\": data_offsets [\(begin), \(end)] end before they begin"
        case let .byteCountMismatch(tensor, begin, end, shape, dtype, needed):
            return "tensor \"\(tensor)\": data_offsets [\(begin), \(end)] but shape \(shape) of \(dtype) needs \(needed) bytes"
        case let .offsetsOutOfBounds(tensor, begin, end, size):
            return "tensor \"\(tensor)\": data_offsets [\(begin), \(end)] exceed the \(size)-byte data buffer (truncated file?)"
        case let .hole(tensor, begin, previousEnd, previous):
            let after = previous.map { "tensor \"\($0)\" ends" } ?? "the data buffer starts"
            return "tensor \"\(tensor)\": data_offsets begin at \(begin) but \(after) at \(previousEnd), leaving \(begin - previousEnd) unused bytes"
        case let .overlap(tensor, begin, previousEnd, previous):
            return "tensor \"\(tensor)\": data_offsets begin at \(begin), inside tensor \"\(previous)\" which ends at \(previousEnd)"
        case let .uncoveredBytes(coveredEnd, size):
            return "data buffer has \(size) bytes but the tensors cover only \(coveredEnd) (\(size - coveredEnd) trailing bytes)"
        case let .tensorNotFound(name):
            return "no tensor named \"\(name)\""
        case let .unsupportedConversion(tensor, dtype, to):
            return "tensor \"\(tensor)\": cannot convert \(dtype) to \(to)"
        case let .shapeMismatch(tensor, shape, expected):
            return "tensor \"\(tensor)\": shape \(shape) but expected \(expected)"
        case let .destinationSizeMismatch(tensor, elements, destination):
            return "tensor \"\(tensor)\": has \(elements) elements but the destination holds \(destination)"
        case let .integerOutOfRange(tensor, index):
            return "tensor \"\(tensor)\": element \(index) does not fit in Int64"
        case let .invalidBool(tensor, index, byte):
            return "tensor \"\(tensor)\": BOOL element \(index) is byte \(byte), expected 0 or 1"
        case let .invalidTensorForWriting(tensor, reason):
            return "cannot write tensor \"\(tensor)\": \(reason)"
        }
    }
}

extension SafetensorsError: ReelError {
    public var kind: ErrorKind {
        switch self {
        case .cannotOpen: .missingInput
        case .ioFailure: .io
        default: .badData
        }
    }
}
