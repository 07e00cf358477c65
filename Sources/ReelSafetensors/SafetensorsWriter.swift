import ReelSystem
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Builds a safetensors file the way the reference implementation does:
/// tensors ordered by dtype (the reference's dtype order, descending: 8-byte
/// types first, so every tensor stays aligned to its element size) then by
/// name (bytewise), data laid out contiguously in that
/// order, the JSON header padded with spaces to a multiple of 8 bytes.
/// Values are encoded when added.
public struct SafetensorsWriter {
    public var metadata: [String: String]?
    private var tensors: [(info: SafetensorsTensorInfo, bytes: [UInt8])] = []
    private var names = Set<String>()

    /// `metadata`, when not nil, is written as the header's `__metadata__`.
    public init(metadata: [String: String]? = nil) {
        self.metadata = metadata
    }

    /// Adds a tensor from Float values, encoded as `dtype` (F32, F16 or BF16;
    /// narrowing rounds to nearest even).
    public mutating func add(_ name: String, shape: [Int], dtype: SafetensorsDtype = .f32, values: [Float]) throws {
        try values.withUnsafeBufferPointer { try add(name, shape: shape, dtype: dtype, values: $0) }
    }

    /// Adds a tensor from a buffer of Float values (copied now).
    public mutating func add(_ name: String, shape: [Int], dtype: SafetensorsDtype = .f32, values: UnsafeBufferPointer<Float>) throws {
        guard dtype.isWritableFromFloat else {
            throw SafetensorsError.invalidTensorForWriting(tensor: name, reason: "dtype \(dtype) cannot be written from Float values (use F32, F16 or BF16, or rawBytes)")
        }
        let count = try checkedElementCount(name, shape: shape, dtype: dtype)
        guard values.count == count else {
            throw SafetensorsError.invalidTensorForWriting(tensor: name, reason: "shape \(shape) has \(count) elements but \(values.count) values were given")
        }
        var bytes = [UInt8](repeating: 0, count: count * dtype.byteSize)
        bytes.withUnsafeMutableBytes { out in
            switch dtype {
            case .f32:
                for i in 0..<count { out.storeBytes(of: values[i].bitPattern.littleEndian, toByteOffset: 4 * i, as: UInt32.self) }
            case .f16:
                for i in 0..<count { out.storeBytes(of: HalfPrecision.halfBits(from: values[i]).littleEndian, toByteOffset: 2 * i, as: UInt16.self) }
            default:
                for i in 0..<count { out.storeBytes(of: HalfPrecision.bfloat16Bits(from: values[i]).littleEndian, toByteOffset: 2 * i, as: UInt16.self) }
            }
        }
        try append(name, shape: shape, dtype: dtype, bytes: bytes)
    }

    /// Adds a tensor of any dtype from its little-endian element bytes.
    public mutating func add(_ name: String, shape: [Int], dtype: SafetensorsDtype, rawBytes: [UInt8]) throws {
        let count = try checkedElementCount(name, shape: shape, dtype: dtype)
        guard rawBytes.count == count * dtype.byteSize else {
            throw SafetensorsError.invalidTensorForWriting(tensor: name, reason: "shape \(shape) of \(dtype) needs \(count * dtype.byteSize) bytes but \(rawBytes.count) were given")
        }
        try append(name, shape: shape, dtype: dtype, bytes: rawBytes)
    }

    private func checkedElementCount(_ name: String, shape: [Int], dtype: SafetensorsDtype) throws -> Int {
        var count = 1
        for d in shape {
            guard d >= 0 else {
                throw SafetensorsError.invalidTensorForWriting(tensor: name, reason: "shape \(shape) has a negative dimension")
            }
            let (p, overflow) = count.multipliedReportingOverflow(by: d)
            if overflow { throw SafetensorsError.sizeOverflow(tensor: name, shape: shape, dtype: dtype) }
            count = p
        }
        if count.multipliedReportingOverflow(by: dtype.byteSize).overflow {
            throw SafetensorsError.sizeOverflow(tensor: name, shape: shape, dtype: dtype)
        }
        return count
    }

    private mutating func append(_ name: String, shape: [Int], dtype: SafetensorsDtype, bytes: [UInt8]) throws {
        guard name != "__metadata__" else {
            throw SafetensorsError.invalidTensorForWriting(tensor: name, reason: "the name __metadata__ is reserved for the header's metadata")
        }
        guard names.insert(name).inserted else {
            throw SafetensorsError.invalidTensorForWriting(tensor: name, reason: "a tensor with this name was already added")
        }
        tensors.append((SafetensorsTensorInfo(name: name, dtype: dtype, shape: shape, dataOffsets: 0..<bytes.count), bytes))
    }

    /// The file's parts in order: the 8-byte length, the padded header, then
    /// each tensor's bytes.
    private func parts() -> [[UInt8]] {
        let ordered = tensors.sorted { a, b in
            let ra = a.info.dtype.alignmentRank, rb = b.info.dtype.alignmentRank
            if ra != rb { return ra > rb }
            return a.info.name.utf8.lexicographicallyPrecedes(b.info.name.utf8)   // byte order, as Rust sorts
        }
        var json = "{"
        var first = true
        if let metadata {
            json += "\"__metadata__\":{"
            json += metadata.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
                .map { jsonString($0) + ":" + jsonString(metadata[$0] ?? "") }
                .joined(separator: ",")
            json += "}"
            first = false
        }
        var offset = 0
        for (info, bytes) in ordered {
            if !first { json += "," }
            first = false
            let shape = info.shape.map(String.init).joined(separator: ",")
            json += "\(jsonString(info.name)):{\"dtype\":\"\(info.dtype.rawValue)\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(offset + bytes.count)]}"
            offset += bytes.count
        }
        json += "}"
        var header = Array(json.utf8)
        header.append(contentsOf: [UInt8](repeating: 0x20, count: (8 - header.count % 8) % 8))
        let n = UInt64(header.count)
        let length = (0..<8).map { UInt8(truncatingIfNeeded: n >> (8 * UInt64($0))) }
        return [length, header] + ordered.map(\.bytes)
    }

    /// The complete file image.
    public func serialized() -> [UInt8] {
        let parts = parts()
        var out: [UInt8] = []
        out.reserveCapacity(parts.reduce(0) { $0 + $1.count })
        for p in parts { out.append(contentsOf: p) }
        return out
    }

    /// Writes the file atomically: to a temporary file in the same directory,
    /// flushed to disk, then renamed over `path`. On failure nothing is left
    /// behind and an existing file at `path` is untouched. The tensors are
    /// written one by one, without assembling the whole image in memory.
    public func write(toPath path: String) throws {
        try writeFileAtomically(path: path, parts: parts())
    }
}

/// One-call writer: `tensors` encoded as their dtype (F32, F16 or BF16).
public func writeSafetensors(path: String,
                             tensors: [(name: String, shape: [Int], dtype: SafetensorsDtype, values: [Float])],
                             metadata: [String: String]? = nil) throws {
    var writer = SafetensorsWriter(metadata: metadata)
    for t in tensors { try writer.add(t.name, shape: t.shape, dtype: t.dtype, values: t.values) }
    try writer.write(toPath: path)
}

/// Writes `parts`, concatenated, to `path` whole or not at all (ReelSystem's AtomicFile, synced
/// before the rename: a checkpoint survives a crash right after it is written).
func writeFileAtomically(path: String, parts: [[UInt8]]) throws {
    let file = try AtomicFile(path: path)
    for bytes in parts {
        do { try FileIO.writeAll(file.fileDescriptor, bytes) } catch {
            throw SafetensorsError.ioFailure(path: path, reason: "write failed: \(error.text)")
        }
    }
    try file.commit(sync: true)
}
