// .npy files (format version 1.0) written as a stream goes: the data is
// appended as it arrives and the header, whose shape is known only at the end,
// is written last into room kept for it. The file appears atomically.
import ReelSystem
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ReelStream

/// One .npy file being written: C order, little-endian, the leading dimension
/// counted as rows are appended.
final class NpyFile {
    /// "\x93NUMPY", version 1.0, header length, header dict, padded so the data
    /// starts 64-byte aligned; 128 bytes hold any shape reel can produce.
    static let headerBytes = 128

    let path: String
    let descr: String
    /// Dimensions after the first.
    let rowShape: [Int]
    private(set) var rows = 0
    private let file: AtomicFile

    /// - descr: numpy dtype string, e.g. "<f4", "|u1", "<i4".
    init(path: String, descr: String, rowShape: [Int]) throws {
        self.path = path; self.descr = descr; self.rowShape = rowShape
        file = try AtomicFile(path: path)
        try write([UInt8](repeating: 0x20, count: NpyFile.headerBytes))
    }

    static func descr(_ d: DType) -> String {
        switch d {
        case .u8: "|u1"
        case .u16: "<u2"
        case .f16: "<f2"
        case .f32, .bf16: "<f4"   // numpy has no bfloat16: written widened to f32
        }
    }

    /// The header for `shape`, exactly `headerBytes` long.
    static func header(descr: String, shape: [Int]) -> [UInt8] {
        let dims = shape.count == 1 ? "\(shape[0])," : shape.map(String.init).joined(separator: ", ")
        var dict = Array("{'descr': '\(descr)', 'fortran_order': False, 'shape': (\(dims)), }".utf8)
        let room = headerBytes - 10
        precondition(dict.count < room, "npy header for shape \(shape) exceeds its reserved room")
        dict += [UInt8](repeating: 0x20, count: room - 1 - dict.count) + [0x0A]
        let n = UInt16(room)
        return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(n & 0xFF), UInt8(n >> 8)] + dict
    }

    func append(rows n: Int, _ bytes: UnsafeRawBufferPointer) throws {
        try write(bytes)
        rows += n
    }

    private func write(_ b: [UInt8]) throws { try b.withUnsafeBytes { try write($0) } }

    private func write(_ b: UnsafeRawBufferPointer) throws {
        do { try FileIO.writeAll(file.fileDescriptor, b) } catch {
            throw InspectError("cannot write \(path): \(error.text)", kind: .io)
        }
    }

    /// Writes the header with the final shape and moves the file into place.
    func commit() throws {
        let h = NpyFile.header(descr: descr, shape: [rows] + rowShape)
        let n = h.withUnsafeBytes { pwrite(file.fileDescriptor, $0.baseAddress!, $0.count, 0) }
        guard n == h.count else { throw InspectError("cannot write \(path): \(String(cString: strerror(errno)))", kind: .io) }
        try file.commit()
    }
}
