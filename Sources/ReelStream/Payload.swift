/// An owned, 64-byte-aligned byte buffer holding one record's payload. Readers
/// fill it straight from the file descriptor, and typed records are views into
/// it, so a frame's samples are never copied between read and use.
public final class Payload: @unchecked Sendable {
    public let base: UnsafeMutableRawPointer
    public let count: Int

    public init(count: Int) {
        self.count = count
        base = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1), alignment: 64)
    }

    public convenience init(bytes: [UInt8]) {
        self.init(count: bytes.count)
        bytes.withUnsafeBytes { if let s = $0.baseAddress { base.copyMemory(from: s, byteCount: bytes.count) } }
    }

    deinit { base.deallocate() }

    public var raw: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }
    public var mutableRaw: UnsafeMutableRawBufferPointer { UnsafeMutableRawBufferPointer(start: base, count: count) }
    public var bytes: [UInt8] { Array(raw) }

    @inlinable public func u16(_ offset: Int) -> UInt16 {
        UInt16(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }
    @inlinable public func u32(_ offset: Int) -> UInt32 {
        UInt32(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }
    @inlinable public func i32(_ offset: Int) -> Int32 {
        Int32(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: Int32.self))
    }
    @inlinable public func f32(_ offset: Int) -> Float {
        Float(bitPattern: u32(offset))
    }
    public func string(_ range: Range<Int>) -> String? {
        String(validating: UnsafeRawBufferPointer(rebasing: raw[range]), as: UTF8.self)
    }
}

/// Builds a payload's fixed fields, little-endian.
public struct ByteWriter {
    public private(set) var bytes: [UInt8] = []
    public init(capacity: Int = 64) { bytes.reserveCapacity(capacity) }

    public mutating func u16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    public mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    public mutating func i32(_ v: Int32) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    public mutating func f32(_ v: Float) { u32(v.bitPattern) }
    public mutating func append(_ b: [UInt8]) { bytes.append(contentsOf: b) }
    public mutating func append(_ s: String) { bytes.append(contentsOf: Array(s.utf8)) }
    /// Zero bytes up to the next multiple of 8.
    public mutating func pad() { while bytes.count % ReelFormat.alignment != 0 { bytes.append(0) } }
}

/// One record: its type and payload. Payload bytes may be split in parts so
/// that a writer can send a small header and a large tensor without joining them.
public struct Record: @unchecked Sendable {
    public var type: RecordType
    public var payload: Payload

    public init(type: RecordType, payload: Payload) {
        self.type = type
        self.payload = payload
    }
    public init(type: RecordType, bytes: [UInt8]) {
        self.init(type: type, payload: Payload(bytes: bytes))
    }
}
