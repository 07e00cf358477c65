import ReelSystem


/// Everything that can be wrong with a reel stream. Each description names the
/// problem, the value found and what was expected; tools print it after their name.
public enum StreamError: Error, CustomStringConvertible, Equatable {
    /// The input held no bytes at all.
    case empty
    /// The first bytes are not the reel signature; `hint` says what they look like.
    case badSignature(found: [UInt8], hint: String)
    case unsupportedVersion(major: UInt16, minor: UInt16)
    /// Input ended inside the 16-byte preamble.
    case truncatedPreamble(got: Int)
    /// Input ended inside a record header.
    case truncatedHeader(record: Int, got: Int)
    /// Input ended inside a payload.
    case truncatedPayload(record: Int, type: String, got: Int, expected: Int)
    /// Input ended with no DONE record.
    case missingDone(records: Int)
    case badType(record: Int, type: String)
    case payloadTooLarge(record: Int, type: String, length: UInt64)
    case checksumMismatch(record: Int, type: String, stored: UInt32, computed: UInt32)
    case nonzeroPadding(record: Int, type: String)
    case unknownCritical(record: Int, type: String)
    case trailingData(afterRecord: Int)
    /// A payload that does not match its kind's layout.
    case malformed(record: Int, type: String, problem: String)
    /// Records that are individually valid but inconsistent with each other.
    case inconsistent(record: Int, problem: String)
    /// A read or write failed.
    case io(operation: String, name: String, errno: Int32)
    /// The reader of our output went away (EPIPE); tools end quietly.
    case brokenPipe

    public var description: String {
        switch self {
        case .empty:
            return "input is empty: expected a reel stream (pipe one in, e.g. from reel-encode)"
        case let .badSignature(found, hint):
            let hex = found.map { String(format2($0)) }.joined(separator: " ")
            return "not a reel stream: first bytes are \(hex), expected 8a 52 45 4c 0d 0a 1a 0a" + (hint.isEmpty ? "" : " (\(hint))")
        case let .unsupportedVersion(major, minor):
            let swapped = major.byteSwapped == ReelFormat.majorVersion
            return "reel stream version \(major).\(minor) is not supported: this reel reads version \(ReelFormat.majorVersion).x"
                + (swapped ? " (the version looks byte-swapped: was it written big-endian?)" : "")
        case let .truncatedPreamble(got):
            return "stream is truncated: \(got) of \(ReelFormat.preambleSize) preamble bytes"
        case let .truncatedHeader(record, got):
            return "record \(record) is truncated: \(got) of \(ReelFormat.recordHeaderSize) header bytes"
        case let .truncatedPayload(record, type, got, expected):
            return "record \(record) (\(type)) is truncated: \(got) of \(expected) payload bytes"
        case let .missingDone(records):
            return "stream is truncated: it ends after record \(records) without a DONE record"
        case let .badType(record, type):
            return "record \(record) has an invalid type \"\(type)\": expected four ASCII letters (is the stream corrupt?)"
        case let .payloadTooLarge(record, type, length):
            return "record \(record) (\(type)) claims \(length) payload bytes, more than the limit of \(ReelFormat.maxPayload)"
        case let .checksumMismatch(record, type, stored, computed):
            return "record \(record) (\(type)) is corrupt: checksum is \(hex32(computed)), the record says \(hex32(stored))"
        case let .nonzeroPadding(record, type):
            return "record \(record) (\(type)) is corrupt: its padding bytes are not zero"
        case let .unknownCritical(record, type):
            return "record \(record) has critical type \(type), unknown to this reel (a newer stream? upgrade reel)"
        case let .trailingData(record):
            return "data after the DONE record (record \(record)) that is not another reel stream"
        case let .malformed(record, type, problem):
            return "record \(record) (\(type)) is malformed: \(problem)"
        case let .inconsistent(record, problem):
            return "record \(record): \(problem)"
        case let .io(operation, name, errno):
            return "cannot \(operation) \(name): \(errnoString(errno))"
        case .brokenPipe:
            return "output pipe closed"
        }
    }
}

private func format2(_ b: UInt8) -> String {
    let s = String(b, radix: 16)
    return s.count == 1 ? "0" + s : s
}

private func hex32(_ v: UInt32) -> String {
    let s = String(v, radix: 16)
    return "0x" + String(repeating: "0", count: max(0, 8 - s.count)) + s
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

func errnoString(_ e: Int32) -> String {
    guard let s = strerror(e) else { return "error \(e)" }
    return String(cString: s)
}

extension StreamError: ReelError {
    public var kind: ErrorKind {
        switch self {
        case .io: .io
        case .brokenPipe: .closedPipe
        default: .badData
        }
    }
}
