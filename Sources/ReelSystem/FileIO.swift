// Reading and writing file descriptors whole: interrupted calls (EINTR) and short writes are
// retried by swift-system's FileDescriptor, so no layer writes those loops again. Errors come
// back as the errno that stopped the call, for the caller to name its file.
import SystemPackage
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public enum FileIO {
    /// Writes every byte of `bytes` to `fd`.
    public static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) throws(Errno) {
        guard bytes.count > 0 else { return }
        do { _ = try FileDescriptor(rawValue: fd).writeAll(bytes) } catch let e as Errno { throw e } catch { throw Errno.ioError }
    }

    /// Writes every byte of `bytes` to `fd`.
    public static func writeAll(_ fd: Int32, _ bytes: [UInt8]) throws(Errno) {
        do { try bytes.withUnsafeBytes { try writeAll(fd, $0) } } catch let e as Errno { throw e } catch { throw Errno.ioError }
    }

    /// One read(2) into `buffer`: the bytes read, 0 at the end of the file.
    public static func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) throws(Errno) -> Int {
        do { return try FileDescriptor(rawValue: fd).read(into: buffer) } catch let e as Errno { throw e } catch { throw Errno.ioError }
    }

    /// One read(2) into the whole of `buffer`: the bytes read, 0 at the end of the file.
    public static func read(_ fd: Int32, into buffer: inout [UInt8]) throws(Errno) -> Int {
        do { return try buffer.withUnsafeMutableBytes { try read(fd, into: $0) } } catch let e as Errno { throw e } catch { throw Errno.ioError }
    }

    /// Writes every byte of `bytes` to `fd`.
    public static func writeAll(_ fd: Int32, _ bytes: ArraySlice<UInt8>) throws(Errno) {
        do { try bytes.withUnsafeBytes { try writeAll(fd, $0) } } catch let e as Errno { throw e } catch { throw Errno.ioError }
    }

    /// Writes every byte of `parts`, in order, to `fd` with gathering writes (writev(2), at most
    /// 1024 parts a call): a record's header and payload leave in one call without a copy.
    /// swift-system has no writev, so this is reel's one retry loop of its own (EINTR, short writes).
    public static func writeAll(_ fd: Int32, parts: [UnsafeRawBufferPointer]) throws(Errno) {
        var iov = parts.filter { $0.count > 0 }.map { iovec(iov_base: UnsafeMutableRawPointer(mutating: $0.baseAddress!), iov_len: $0.count) }
        var index = 0
        while index < iov.count {
            let n = iov.withUnsafeMutableBufferPointer { writev(fd, $0.baseAddress! + index, Int32(min($0.count - index, 1024))) }
            if n < 0 {
                if errno == EINTR { continue }
                throw Errno(rawValue: errno)
            }
            var left = n
            while index < iov.count && left >= iov[index].iov_len { left -= iov[index].iov_len; index += 1 }
            if left > 0 {
                iov[index].iov_base = iov[index].iov_base! + left
                iov[index].iov_len -= left
            }
        }
    }

    /// Everything `fd` holds until its end, in chunks of 64 KiB; nil once more than `limit` bytes came.
    public static func readToEnd(_ fd: Int32, limit: Int = .max) throws(Errno) -> [UInt8]? {
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = try read(fd, into: &chunk)
            if n == 0 { return out }
            out.append(contentsOf: chunk[0..<n])
            if out.count > limit { return nil }
        }
    }
}

extension Errno {
    /// The C library's text for this error ("No space left on device").
    public var text: String { String(cString: strerror(rawValue)) }
}
