import ReelSystem
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CReelChecksum

/// Reads records from a reel stream, validating as it goes: signature, version,
/// record types, payload length caps, checksums, padding, truncation and the
/// final DONE record. Frame-sized payloads are read straight into their own
/// buffer (one copy from the kernel, none after).
///
/// `next()` returns records in order and nil after the DONE record at the end
/// of input. Streams concatenated with `cat` read as one: a DONE followed by
/// another signature is passed over.
public final class StreamReader {
    public let name: String
    /// Checked against each record; tests of corrupt streams may turn it off.
    public var verifiesChecksums = true
    /// Number of records returned so far (the DONE records included); errors use it.
    public private(set) var recordIndex = 0
    /// Total bytes consumed.
    public private(set) var offset = 0

    private let fd: Int32
    private let memory: [UInt8]?
    private var memoryPosition = 0
    private let buffer: UnsafeMutableRawPointer
    private let capacity = 1 << 20
    private var start = 0, end = 0
    private var atEOF = false
    private var sawPreamble = false
    private var finished = false

    /// Reads from an open file descriptor (not closed by the reader).
    public init(fileDescriptor: Int32, name: String = "standard input") {
        fd = fileDescriptor
        memory = nil
        self.name = name
        buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 64)
    }

    /// Reads from bytes in memory (tests, and streams embedded in other files).
    public init(bytes: [UInt8], name: String = "stream") {
        fd = -1
        memory = bytes
        self.name = name
        buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 64)
    }

    deinit { buffer.deallocate() }

    /// The next record, or nil at the end of the stream.
    public func next() throws -> Record? {
        while true {
            if finished { return nil }
            if !sawPreamble { try readPreamble(first: offset == 0) }
            let record = try readRecord()
            if record.type == .done {
                if record.payload.count != 0 {
                    throw StreamError.malformed(record: recordIndex, type: "DONE", problem: "payload of \(record.payload.count) bytes, expected none")
                }
                // End of input, or another stream concatenated after this one.
                if try fill(1) == 0 { finished = true; return nil }
                sawPreamble = false
                continue
            }
            return record
        }
    }

    /// The next `count` bytes of the input, not consumed (fewer at its end): a caller can tell a
    /// reel stream from media by the signature before it reads either.
    public func peek(_ count: Int) throws -> [UInt8] {
        if let memory { return Array(memory[memoryPosition..<min(memory.count, memoryPosition + count)]) }
        let n = min(try fill(min(count, capacity)), count)
        return Array(UnsafeRawBufferPointer(start: buffer + start, count: n))
    }

    /// The bytes read ahead and not consumed, handed over (the reader reads nothing after this):
    /// for an input that turned out not to be a stream, whose bytes go on to another reader.
    public func takeBufferedBytes() -> [UInt8] {
        defer { start = end; finished = true }
        if let memory { return Array(memory[memoryPosition...]) }
        return Array(UnsafeRawBufferPointer(start: buffer + start, count: end - start))
    }

    /// Reads every remaining record (tests and small streams).
    public func readAll() throws -> [Record] {
        var out: [Record] = []
        while let r = try next() { out.append(r) }
        return out
    }

    // MARK: - Structure

    private func readPreamble(first: Bool) throws {
        var pre = [UInt8](repeating: 0, count: ReelFormat.preambleSize)
        let got = try pre.withUnsafeMutableBytes { try read(into: $0.baseAddress!, count: ReelFormat.preambleSize) }
        if got == 0 && first { throw StreamError.empty }
        let sig = ReelFormat.signature
        let n = min(got, sig.count)
        if Array(pre[0..<n]) != Array(sig[0..<n]) {
            if !first { throw StreamError.trailingData(afterRecord: recordIndex) }
            throw StreamError.badSignature(found: Array(pre[0..<min(got, 8)]), hint: signatureHint(Array(pre[0..<got])))
        }
        if got < ReelFormat.preambleSize { throw StreamError.truncatedPreamble(got: got) }
        let major = UInt16(pre[8]) | UInt16(pre[9]) << 8
        let minor = UInt16(pre[10]) | UInt16(pre[11]) << 8
        if major != ReelFormat.majorVersion { throw StreamError.unsupportedVersion(major: major, minor: minor) }
        sawPreamble = true
    }

    private func signatureHint(_ b: [UInt8]) -> String {
        if b.starts(with: [0x52, 0x45, 0x4C, 0x0A]) || b.starts(with: [0x52, 0x45, 0x4C, 0x0D]) {
            return "the first byte was stripped: sent through a 7-bit channel?"
        }
        if b.starts(with: [0x0A, 0x52, 0x45, 0x4C]) { return "the first byte lost its high bit: sent through a 7-bit channel?" }
        if b.starts(with: [0x8A, 0x52, 0x45, 0x4C, 0x0A]) { return "CR LF became LF: the stream went through a text-mode conversion" }
        if b.starts(with: [0x8A, 0x52, 0x45, 0x4C, 0x0D, 0x0D, 0x0A]) || b.starts(with: [0x8A, 0x52, 0x45, 0x4C, 0x0D, 0x0A, 0x1A, 0x0D]) {
            return "LF became CR LF: the stream went through a text-mode conversion"
        }
        if b.starts(with: [0x4C, 0x45, 0x52, 0x8A]) { return "the signature is byte-swapped" }
        if b.starts(with: [0x89, 0x50, 0x4E, 0x47]) { return "this is a PNG image: encode it with reel-encode first" }
        if b.starts(with: [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]) { return "this is a .npy file" }
        if b.count > 0, b.allSatisfy({ $0 == 0x09 || $0 == 0x0A || $0 == 0x0D || ($0 >= 0x20 && $0 < 0x7F) }) {
            return "this looks like text"
        }
        return ""
    }

    private func readRecord() throws -> Record {
        var header = (UInt64(0), UInt64(0))
        let got = try withUnsafeMutableBytes(of: &header) { try read(into: $0.baseAddress!, count: 16) }
        if got == 0 { throw StreamError.missingDone(records: recordIndex) }
        recordIndex += 1
        if got < 16 { throw StreamError.truncatedHeader(record: recordIndex, got: got) }
        let (typeAndCRC, lengthLE) = header
        let typeBits = UInt32(truncatingIfNeeded: UInt64(littleEndian: typeAndCRC))
        let storedCRC = UInt32(truncatingIfNeeded: UInt64(littleEndian: typeAndCRC) >> 32)
        let length = UInt64(littleEndian: lengthLE)
        let type = RecordType(UInt8(typeBits & 0xFF), UInt8((typeBits >> 8) & 0xFF),
                              UInt8((typeBits >> 16) & 0xFF), UInt8(typeBits >> 24))
        guard type.isValid else { throw StreamError.badType(record: recordIndex, type: type.description) }
        guard length <= UInt64(ReelFormat.maxPayload) else {
            throw StreamError.payloadTooLarge(record: recordIndex, type: type.description, length: length)
        }
        let count = Int(length)
        let payload = Payload(count: count)
        let have = try read(into: payload.base, count: count)
        if have < count {
            throw StreamError.truncatedPayload(record: recordIndex, type: type.description, got: have, expected: count)
        }
        let padding = ReelFormat.padded(count) - count
        if padding > 0 {
            var pad: UInt64 = 0
            let p = try withUnsafeMutableBytes(of: &pad) { try read(into: $0.baseAddress!, count: padding) }
            if p < padding {
                throw StreamError.truncatedPayload(record: recordIndex, type: type.description, got: count + p, expected: count + padding)
            }
            if pad != 0 { throw StreamError.nonzeroPadding(record: recordIndex, type: type.description) }
        }
        if verifiesChecksums {
            var crc: UInt32 = 0
            withUnsafeBytes(of: typeBits.littleEndian) { crc = reel_crc32c(0, $0.baseAddress!, 4) }
            if count > 0 { crc = reel_crc32c(crc, payload.base, count) }
            if crc != storedCRC {
                throw StreamError.checksumMismatch(record: recordIndex, type: type.description, stored: storedCRC, computed: crc)
            }
        }
        // After the checksum, so that a damaged type byte reads as corruption,
        // not as a record from a newer reel.
        if type.isCritical && !RecordType.known.contains(type) {
            throw StreamError.unknownCritical(record: recordIndex, type: type.description)
        }
        return Record(type: type, payload: payload)
    }

    // MARK: - Bytes

    /// Makes at least `n` bytes available in the buffer if input has them; returns how many are.
    private func fill(_ n: Int) throws -> Int {
        if end - start >= n { return end - start }
        if start > 0 {
            if end > start { buffer.copyMemory(from: buffer + start, byteCount: end - start) }
            end -= start
            start = 0
        }
        while end < n && !atEOF {
            let got = try rawRead(buffer + end, capacity - end)
            if got == 0 { atEOF = true } else { end += got }
        }
        return end - start
    }

    /// Reads up to `count` bytes into `dst`; fewer only at end of input.
    private func read(into dst: UnsafeMutableRawPointer, count: Int) throws -> Int {
        var done = 0
        let buffered = min(end - start, count)
        if buffered > 0 {
            dst.copyMemory(from: buffer + start, byteCount: buffered)
            start += buffered
            done = buffered
        }
        if done < count && count - done >= capacity / 4 {
            // Large payloads: straight from the descriptor into their buffer.
            while done < count && !atEOF {
                let got = try rawRead(dst + done, count - done)
                if got == 0 { atEOF = true } else { done += got }
            }
        } else {
            while done < count {
                let avail = try fill(min(count - done, capacity))
                if avail == 0 { break }
                let take = min(avail, count - done)
                dst.advanced(by: done).copyMemory(from: buffer + start, byteCount: take)
                start += take
                done += take
            }
        }
        offset += done
        return done
    }

    private func rawRead(_ dst: UnsafeMutableRawPointer, _ count: Int) throws -> Int {
        if let memory {
            let take = min(count, memory.count - memoryPosition)
            if take > 0 {
                memory.withUnsafeBytes { dst.copyMemory(from: $0.baseAddress! + memoryPosition, byteCount: take) }
                memoryPosition += take
            }
            return take
        }
        do { return try FileIO.read(fd, into: UnsafeMutableRawBufferPointer(start: dst, count: count)) } catch {
            throw StreamError.io(operation: "read", name: name, errno: error.rawValue)
        }
    }
}
