// Files written whole or not at all, for every layer (tools, inspectors, dataset writers).
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A system call that failed, with the path it was about and the kind of failure.
public struct SystemError: ReelError, Equatable {
    public let kind: ErrorKind
    public let description: String
    public init(kind: ErrorKind, _ description: String) { self.kind = kind; self.description = description }
}

/// A file that appears under its name whole or not at all: written to a
/// temporary file in the same directory, renamed on `commit()`, removed if
/// never committed.
public final class AtomicFile {
    public let path: String
    public let temporaryPath: String
    public private(set) var fileDescriptor: Int32
    private var committed = false

    public init(path: String) throws {
        self.path = path
        let dir: String
        let base: String
        if let slash = path.lastIndex(of: "/") {
            dir = String(path[..<slash]).isEmpty ? "/" : String(path[..<slash])
            base = String(path[path.index(after: slash)...])
        } else {
            dir = "."
            base = path
        }
        guard !base.isEmpty else { throw SystemError(kind: .usage, "output path \"\(path)\" names a directory, expected a file") }
        var template = Array("\(dir)/.\(base).tmp-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else {
            let e = errno
            if e == ENOENT { throw SystemError(kind: .missingInput, "cannot write \(path): directory \(dir) does not exist") }
            throw SystemError(kind: .io, "cannot write \(path): \(String(cString: strerror(e)))")
        }
        fchmod(fd, 0o644)
        fileDescriptor = fd
        temporaryPath = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    /// Closes and renames the temporary file to `path`; with `sync`, flushes it to the disk first.
    public func commit(sync: Bool = false) throws {
        guard !committed else { return }
        if sync, fileDescriptor >= 0, fsync(fileDescriptor) != 0 {
            let e = errno
            abandon()
            throw SystemError(kind: .io, "cannot write \(path): \(String(cString: strerror(e)))")
        }
        if fileDescriptor >= 0 {
            if close(fileDescriptor) != 0 {
                let e = errno
                unlink(temporaryPath)
                throw SystemError(kind: .io, "cannot write \(path): \(String(cString: strerror(e)))")
            }
            fileDescriptor = -1
        }
        if rename(temporaryPath, path) != 0 {
            let e = errno
            unlink(temporaryPath)
            throw SystemError(kind: .io, "cannot write \(path): \(String(cString: strerror(e)))")
        }
        committed = true
    }

    /// Removes the temporary file; the destination is left as it was.
    public func abandon() {
        guard !committed else { return }
        if fileDescriptor >= 0 { close(fileDescriptor); fileDescriptor = -1 }
        unlink(temporaryPath)
        committed = true
    }

    deinit { abandon() }
}
