#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CReelChecksum
import ReelSystem

/// Writes a reel stream: the preamble before the first record, then records,
/// then DONE on `finish()`. Small records are gathered in a buffer; large
/// payloads go out with writev straight from their memory.
public final class StreamWriter {
    public let name: String
    /// Number of records written (DONE included once written).
    public private(set) var recordCount = 0
    /// Bytes written (or collected) so far.
    public private(set) var offset = 0

    private let fd: Int32
    private var collected: [UInt8]?
    private let buffer: UnsafeMutableRawPointer
    private let capacity = 1 << 20
    private var used = 0
    private var wrotePreamble = false
    private var finished = false

    /// Writes to an open file descriptor (not closed by the writer).
    public init(fileDescriptor: Int32, name: String = "standard output") {
        fd = fileDescriptor
        collected = nil
        self.name = name
        buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 64)
    }

    /// Collects the stream in memory; read it with `bytes` after `finish()`.
    public init() {
        fd = -1
        collected = []
        name = "memory"
        buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 64)
    }

    deinit { buffer.deallocate() }

    /// The stream so far, for an in-memory writer.
    public var bytes: [UInt8] { (collected ?? []) + Array(UnsafeRawBufferPointer(start: buffer, count: used)) }

    public func write(_ record: Record) throws {
        try write(type: record.type, parts: [record.payload.raw])
    }

    /// Writes one record whose payload is the concatenation of `parts`.
    public func write(type: RecordType, parts: [UnsafeRawBufferPointer]) throws {
        precondition(!finished, "write after finish")
        precondition(type.isValid, "record types are four ASCII letters")
        if !wrotePreamble { try writePreamble() }
        var length = 0
        for p in parts { length += p.count }
        guard length <= ReelFormat.maxPayload else {
            throw StreamError.payloadTooLarge(record: recordCount + 1, type: type.description, length: UInt64(length))
        }
        let typeBits = UInt32(type.bytes.0) | UInt32(type.bytes.1) << 8 | UInt32(type.bytes.2) << 16 | UInt32(type.bytes.3) << 24
        var crc: UInt32 = 0
        withUnsafeBytes(of: typeBits.littleEndian) { crc = reel_crc32c(0, $0.baseAddress!, 4) }
        for p in parts where p.count > 0 { crc = reel_crc32c(crc, p.baseAddress!, p.count) }
        var header = (UInt64(typeBits) | UInt64(crc) << 32).littleEndian
        var len = UInt64(length).littleEndian
        let padding = ReelFormat.padded(length) - length
        let zeros: UInt64 = 0
        let total = 16 + length + padding
        if total <= capacity / 4 {
            if used + total > capacity { try flush() }
            withUnsafeBytes(of: &header) { append($0) }
            withUnsafeBytes(of: &len) { append($0) }
            for p in parts { append(p) }
            withUnsafeBytes(of: zeros) { append(UnsafeRawBufferPointer(rebasing: $0[0..<padding])) }
        } else {
            try flush()
            var head = [UInt8](repeating: 0, count: 16)
            head.withUnsafeMutableBytes {
                $0.storeBytes(of: header, toByteOffset: 0, as: UInt64.self)
                $0.storeBytes(of: len, toByteOffset: 8, as: UInt64.self)
            }
            try head.withUnsafeBytes { h in
                try withUnsafeBytes(of: zeros) { z in
                    try writeAll([h] + parts + [UnsafeRawBufferPointer(rebasing: z[0..<padding])])
                }
            }
        }
        recordCount += 1
        offset += total
    }

    /// Writes DONE and flushes. A stream without DONE reads as truncated.
    public func finish() throws {
        guard !finished else { return }
        try write(type: .done, parts: [])
        try flush()
        finished = true
    }

    public func flush() throws {
        guard used > 0 else { return }
        try writeAll([UnsafeRawBufferPointer(start: buffer, count: used)], buffered: true)
        used = 0
    }

    private func writePreamble() throws {
        wrotePreamble = true
        var pre = ReelFormat.signature
        pre += [UInt8(ReelFormat.majorVersion & 0xFF), UInt8(ReelFormat.majorVersion >> 8),
                UInt8(ReelFormat.minorVersion & 0xFF), UInt8(ReelFormat.minorVersion >> 8), 0, 0, 0, 0]
        pre.withUnsafeBytes { append($0) }
        offset += pre.count
    }

    private func append(_ p: UnsafeRawBufferPointer) {
        guard p.count > 0 else { return }
        (buffer + used).copyMemory(from: p.baseAddress!, byteCount: p.count)
        used += p.count
    }

    private func writeAll(_ parts: [UnsafeRawBufferPointer], buffered: Bool = false) throws {
        if collected != nil {
            for p in parts { collected!.append(contentsOf: p) }
            return
        }
        do { try FileIO.writeAll(fd, parts: parts) } catch {
            if error == .brokenPipe { throw StreamError.brokenPipe }
            throw StreamError.io(operation: "write to", name: name, errno: error.rawValue)
        }
    }
}
