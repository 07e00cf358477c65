// ReelSafetensors: read and write safetensors files (huggingface/safetensors),
// with every check the format implies.
//
// API summary
//   let file = try SafetensorsFile(path: "model.safetensors")    // or (contentsOf: URL), (bytes: [UInt8])
//   file.tensorNames                  // [String], in data-buffer order
//   file.metadata                     // [String: String], the header's __metadata__
//   try file.info("w")                // SafetensorsTensorInfo: dtype, shape, dataOffsets
//   try file.floats("w")              // [Float] from F32/F16/BF16/F64/F8_* (F64 rounded)
//   try file.floats("w", shape: [384, 384])          // same, and checks the shape
//   try file.copyFloats("w", into: buffer)          // into an UnsafeMutableBufferPointer<Float>
//   try file.doubles("lr")            // [Double]: F64 exact, other float types widened
//   try file.integers("ids")          // [Int64] from BOOL/U8/I8/I16/U16/I32/U32/I64/U64
//   try file.withRawBytes("w") { raw in ... }         // zero-copy view of the stored bytes
//
//   var writer = SafetensorsWriter(metadata: ["format": "pt"])
//   try writer.add("w", shape: [2, 3], dtype: .bf16, values: floats)   // F32, F16 or BF16
//   try writer.add("ids", shape: [4], dtype: .i64, rawBytes: bytes)   // any dtype, little-endian bytes
//   try writer.write(toPath: "out.safetensors")   // temp file + rename: never a partial file
//   try writeSafetensors(path:tensors:metadata:)  // the same in one call
//
// File layout: 8-byte little-endian header length N (at most 100 MB), N bytes
// of UTF-8 JSON object {"__metadata__": {str: str}, name: {"dtype", "shape",
// "data_offsets": [begin, end]}} padded with spaces, then the data buffer.
// Checked on open: header length bounds; UTF-8; a single JSON object with no
// duplicate keys; metadata a string map; every entry a known dtype, a shape
// of non-negative integers, data_offsets [begin <= end] whose length equals
// product(shape) * dtype size (overflow-checked) and lies in the buffer; the
// tensors, sorted by offset, tile the buffer with no hole, no overlap and no
// trailing bytes. Errors are `SafetensorsError`, naming the tensor and the
// problem. Regular files are memory-mapped read-only and unmapped on deinit;
// the mapping assumes nobody truncates the file while it is open.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import ReelSystem

/// A safetensors file opened for reading. Immutable after `init`.
// @unchecked Sendable: the only non-Sendable member is the read-only storage
// pointer, which is never written after init and is released only in deinit.
public final class SafetensorsFile: @unchecked Sendable {
    /// The reference implementation's limit on the header length.
    public static let maximumHeaderLength = 100_000_000

    /// Tensor names in data-buffer order.
    public let tensorNames: [String]
    /// The `__metadata__` map (empty when the header has none).
    public let metadata: [String: String]
    /// Whether the header carried a `__metadata__` entry.
    public let hasMetadata: Bool
    /// Total size of the file in bytes.
    public let fileSize: Int
    /// Where the data buffer starts in the file (8 + header length).
    public let dataStart: Int

    private let entries: [String: SafetensorsTensorInfo]
    private let storage: Storage

    /// Opens and validates the file at `path`.
    public convenience init(path: String) throws {
        try self.init(storage: Storage(path: path))
    }

    /// Opens and validates the file at `url` (a file URL).
    public convenience init(contentsOf url: URL) throws {
        try self.init(path: url.path)
    }

    /// Validates an in-memory file image.
    public convenience init(bytes: [UInt8]) throws {
        try self.init(storage: Storage(copying: bytes))
    }

    private init(storage: Storage) throws {
        self.storage = storage
        let size = storage.count
        fileSize = size
        guard size >= 8 else { throw SafetensorsError.fileTooSmall(byteCount: size) }
        let file = UnsafeRawBufferPointer(start: storage.base, count: size)
        var n: UInt64 = 0
        for k in 0..<8 { n |= UInt64(file[k]) << (8 * UInt64(k)) }
        if n > UInt64(SafetensorsFile.maximumHeaderLength) {
            throw SafetensorsError.headerTooLarge(length: n, limit: SafetensorsFile.maximumHeaderLength)
        }
        let headerLength = Int(n)
        guard headerLength <= size - 8 else {
            throw SafetensorsError.headerPastEndOfFile(length: n, fileSize: size)
        }
        dataStart = 8 + headerLength
        let header = try SafetensorsHeader.parse(
            UnsafeRawBufferPointer(rebasing: file[8..<dataStart]), bufferSize: size - dataStart)
        tensorNames = header.tensors.map(\.name)
        var entries: [String: SafetensorsTensorInfo] = [:]
        entries.reserveCapacity(header.tensors.count)
        for t in header.tensors { entries[t.name] = t }
        self.entries = entries
        metadata = header.metadata
        hasMetadata = header.hasMetadata
    }

    /// True when the file holds a tensor called `name`.
    public func contains(_ name: String) -> Bool { entries[name] != nil }

    /// The header entry of `name`.
    public func info(_ name: String) throws -> SafetensorsTensorInfo {
        guard let t = entries[name] else { throw SafetensorsError.tensorNotFound(name) }
        return t
    }

    /// Calls `body` with the stored bytes of `name` (little-endian, row-major).
    /// The pointer is valid only during the call.
    public func withRawBytes<R>(_ name: String, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        let t = try info(name)
        return try body(rawBytes(t))
    }

    private func rawBytes(_ t: SafetensorsTensorInfo) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: storage.base.map { $0 + dataStart + t.dataOffsets.lowerBound },
                               count: t.byteCount)
    }

    /// The elements of `name` converted to Float. F32, F16, BF16 and the F8
    /// types convert exactly; F64 rounds to nearest. Integer types throw
    /// `unsupportedConversion` (use `integers`).
    public func floats(_ name: String) throws -> [Float] {
        let t = try info(name)
        try checkFloat(t)
        return [Float](unsafeUninitializedCapacity: t.elementCount) { buffer, count in
            Self.convert(rawBytes(t), t.dtype, into: buffer)
            count = t.elementCount
        }
    }

    /// Like `floats(_:)`, and throws `shapeMismatch` unless the shape is `shape`.
    public func floats(_ name: String, shape expected: [Int]) throws -> [Float] {
        let t = try info(name)
        guard t.shape == expected else {
            throw SafetensorsError.shapeMismatch(tensor: name, shape: t.shape, expected: expected)
        }
        return try floats(name)
    }

    /// Converts the elements of `name` into `destination`, which must hold
    /// exactly as many Floats as the tensor has elements.
    public func copyFloats(_ name: String, into destination: UnsafeMutableBufferPointer<Float>) throws {
        let t = try info(name)
        try checkFloat(t)
        guard destination.count == t.elementCount else {
            throw SafetensorsError.destinationSizeMismatch(tensor: name, elements: t.elementCount, destination: destination.count)
        }
        Self.convert(rawBytes(t), t.dtype, into: destination)
    }

    /// The elements of `name` as Double: F64 exactly, the other float types
    /// widened exactly from their Float value.
    public func doubles(_ name: String) throws -> [Double] {
        let t = try info(name)
        try checkFloat(t)
        if t.dtype == .f64 {
            let raw = rawBytes(t)
            return (0..<t.elementCount).map {
                Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * $0, as: UInt64.self)))
            }
        }
        return try floats(name).map(Double.init)
    }

    /// The elements of an integer or BOOL tensor as Int64. U64 values above
    /// Int64.max throw `integerOutOfRange`, BOOL bytes other than 0 and 1 `invalidBool`.
    public func integers(_ name: String) throws -> [Int64] {
        let t = try info(name)
        let raw = rawBytes(t)
        let n = t.elementCount
        var out = [Int64](repeating: 0, count: n)
        switch t.dtype {
        case .bool:
            for i in 0..<n {
                guard raw[i] <= 1 else { throw SafetensorsError.invalidBool(tensor: name, index: i, byte: raw[i]) }
                out[i] = Int64(raw[i])
            }
        case .u8:
            for i in 0..<n { out[i] = Int64(raw[i]) }
        case .i8:
            for i in 0..<n { out[i] = Int64(Int8(bitPattern: raw[i])) }
        case .i16:
            for i in 0..<n { out[i] = Int64(Int16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * i, as: Int16.self))) }
        case .u16:
            for i in 0..<n { out[i] = Int64(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) }
        case .i32:
            for i in 0..<n { out[i] = Int64(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self))) }
        case .u32:
            for i in 0..<n { out[i] = Int64(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))) }
        case .i64:
            for i in 0..<n { out[i] = Int64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * i, as: Int64.self)) }
        case .u64:
            for i in 0..<n {
                let v = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self))
                guard let x = Int64(exactly: v) else { throw SafetensorsError.integerOutOfRange(tensor: name, index: i) }
                out[i] = x
            }
        case .f8e5m2, .f8e4m3, .f16, .bf16, .f32, .f64:
            throw SafetensorsError.unsupportedConversion(tensor: name, dtype: t.dtype, to: "Int64 (use floats)")
        }
        return out
    }

    private func checkFloat(_ t: SafetensorsTensorInfo) throws {
        guard t.dtype.isFloatingPoint else {
            throw SafetensorsError.unsupportedConversion(tensor: t.name, dtype: t.dtype, to: "Float (use integers)")
        }
    }

    /// Decodes `raw` (little-endian elements of `dtype`) into `out`.
    static func convert(_ raw: UnsafeRawBufferPointer, _ dtype: SafetensorsDtype, into out: UnsafeMutableBufferPointer<Float>) {
        let n = out.count
        guard n > 0, let dst = out.baseAddress, let src = raw.baseAddress else { return }
        switch dtype {
        case .f32:
            #if _endian(little)
            UnsafeMutableRawPointer(dst).copyMemory(from: src, byteCount: 4 * n)
            #else
            for i in 0..<n { dst[i] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))) }
            #endif
        case .f16:
            for i in 0..<n {
                dst[i] = HalfPrecision.float(fromHalfBits: UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
            }
        case .bf16:
            for i in 0..<n {
                dst[i] = HalfPrecision.float(fromBFloat16Bits: UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
            }
        case .f64:
            for i in 0..<n {
                dst[i] = Float(Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self))))
            }
        case .f8e5m2:
            for i in 0..<n { dst[i] = HalfPrecision.float(fromF8E5M2Bits: raw[i]) }
        case .f8e4m3:
            for i in 0..<n { dst[i] = HalfPrecision.float(fromF8E4M3Bits: raw[i]) }
        default:
            break   // callers check isFloatingPoint first
        }
    }
}

/// The bytes of an open file: a read-only memory map of a regular file, or an
/// owned heap copy (in-memory images and non-regular files such as pipes).
private final class Storage {
    let base: UnsafeRawPointer?
    let count: Int
    private let mapped: Bool

    init(copying bytes: [UInt8]) {
        count = bytes.count
        mapped = false
        let p = UnsafeMutableRawPointer.allocate(byteCount: max(bytes.count, 1), alignment: 16)
        bytes.withUnsafeBytes { if let b = $0.baseAddress { p.copyMemory(from: b, byteCount: bytes.count) } }
        base = UnsafeRawPointer(p)
    }

    init(path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SafetensorsError.cannotOpen(path: path, reason: Storage.errnoText()) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw SafetensorsError.ioFailure(path: path, reason: Storage.errnoText()) }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            throw SafetensorsError.cannotOpen(path: path, reason: "is a directory")
        }
        if (st.st_mode & S_IFMT) == S_IFREG && st.st_size > 0 {
            let size = Int(st.st_size)
            guard let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), p != MAP_FAILED else {
                throw SafetensorsError.ioFailure(path: path, reason: "cannot memory-map \(size) bytes: \(Storage.errnoText())")
            }
            base = UnsafeRawPointer(p)
            count = size
            mapped = true
            return
        }
        // Not a regular file (or empty): read it all.
        let bytes: [UInt8]
        do { bytes = try FileIO.readToEnd(fd) ?? [] } catch { throw SafetensorsError.ioFailure(path: path, reason: error.text) }
        count = bytes.count
        mapped = false
        let p = UnsafeMutableRawPointer.allocate(byteCount: max(bytes.count, 1), alignment: 16)
        bytes.withUnsafeBytes { if let b = $0.baseAddress { p.copyMemory(from: b, byteCount: bytes.count) } }
        base = UnsafeRawPointer(p)
    }

    deinit {
        guard let base else { return }
        if mapped {
            munmap(UnsafeMutableRawPointer(mutating: base), count)
        } else {
            base.deallocate()
        }
    }

    static func errnoText() -> String { String(cString: strerror(errno)) }
}
