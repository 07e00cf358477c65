// Whole-file reads with errno messages, and atomic writes (temporary file in
// the destination's directory, renamed into place on success, removed on failure).

import ReelSystem
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// File-system helpers shared by PNG and video I/O.
public enum FileAccess {
    /// The text of an errno value.
    public static func errnoText(_ e: Int32) -> String { String(cString: strerror(e)) }

    /// Whether `path` names a directory.
    public static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// Whether something exists at `path`.
    public static func exists(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0
    }

    /// Whether `path` names a regular file (after symlinks).
    public static func isRegularFile(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG
    }

    /// Copies what a FIFO, a character device or /dev/stdin gives (read once, to its end) into a
    /// temporary file that is unlinked at once, and returns a path that reopens it
    /// ("/proc/self/fd/N") as often as a reader needs: a named pipe can be read only once, and
    /// readers open their input twice (to probe it, then to read it). Nothing is left behind.
    public static func spool(_ path: String, limit: Int = 1 << 36) throws -> String {
        let src = open(path, O_RDONLY)
        guard src >= 0 else { throw MediaError.cannotOpen(path: path, reason: errnoText(errno)) }
        defer { close(src) }
        return try spool(prefix: [], fileDescriptor: src, name: path, limit: limit)
    }

    /// The same for `prefix` (bytes already read from it) and the rest of the open `src`, named
    /// `name` in messages: media on standard input (reel-encode -).
    public static func spool(prefix: [UInt8], fileDescriptor src: Int32, name path: String, limit: Int = 1 << 36) throws -> String {
        var template = Array("/tmp/.reel-spool-XXXXXX".utf8CString)
        let dst = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard dst >= 0 else { throw MediaError.writeFailed(path: "/tmp", reason: "cannot spool \(path): \(errnoText(errno))") }
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var total = prefix.count
        do { try FileIO.writeAll(dst, prefix) } catch {
            close(dst); throw MediaError.writeFailed(path: "/tmp", reason: "cannot spool \(path): \(error.text)")
        }
        while true {
            let n: Int
            do { n = try FileIO.read(src, into: &buffer) } catch {
                close(dst); throw MediaError.cannotOpen(path: path, reason: error.text)
            }
            if n == 0 { break }
            total += n
            guard total <= limit else { close(dst); throw MediaError.tooLarge(path: path, detail: "more than \(limit) bytes") }
            do { try FileIO.writeAll(dst, buffer[0..<n]) } catch {
                close(dst); throw MediaError.writeFailed(path: "/tmp", reason: "cannot spool \(path): \(error.text)")
            }
        }
        return "/proc/self/fd/\(dst)"  // kept open for the life of the process
    }

    /// The first `count` bytes of a file (fewer when it is shorter).
    public static func readPrefix(_ path: String, count: Int) throws -> [UInt8] {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw MediaError.cannotOpen(path: path, reason: errnoText(errno)) }
        defer { close(fd) }
        var out = [UInt8](repeating: 0, count: count)
        let n = out.withUnsafeMutableBytes { read(fd, $0.baseAddress, count) }
        return n > 0 ? Array(out[0..<n]) : []
    }

    /// Reads a regular file whole, refusing files over `limit` bytes.
    public static func readAll(_ path: String, limit: Int = 1 << 30) throws -> [UInt8] {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw MediaError.cannotOpen(path: path, reason: errnoText(errno)) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw MediaError.cannotOpen(path: path, reason: errnoText(errno)) }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            throw MediaError.cannotOpen(path: path, reason: (st.st_mode & S_IFMT) == S_IFDIR ? "is a directory" : "not a regular file")
        }
        guard Int(st.st_size) <= limit else {
            throw MediaError.tooLarge(path: path, detail: "file is \(st.st_size) bytes; the limit is \(limit)")
        }
        let out: [UInt8]?
        do { out = try FileIO.readToEnd(fd, limit: limit) } catch { throw MediaError.cannotOpen(path: path, reason: error.text) }
        guard let out else { throw MediaError.tooLarge(path: path, detail: "file is over \(limit) bytes") }
        return out
    }

    /// A temporary path beside `path` (same directory, so rename is atomic),
    /// keeping the extension so libraries that look at it still see it.
    public static func temporaryPath(beside destination: String) -> String {
        // Standard output and devices get a temporary file in /tmp (copied out at the end); a
        // symlink's temporary sits beside its target, which the rename replaces.
        let path = isStreamDestination(destination) ? "/tmp/reel-output" : resolvedDestination(destination)
        let slash = path.lastIndex(of: "/")
        let dir = slash.map { String(path[...$0]) } ?? ""
        let base = slash.map { String(path[path.index(after: $0)...]) } ?? path
        let ext = base.lastIndex(of: ".").map { String(base[$0...]) } ?? ""
        let token = String(UInt64.random(in: 0...UInt64.max), radix: 36)
        let temp = "\(dir).\(base).reel-tmp-\(getpid())-\(token)\(ext)"
        TemporaryFiles.register(temp)
        return temp
    }

    /// Whether output named `path` is standard output ("-") or an existing file that is not a
    /// regular file or directory (a FIFO, a character device such as /dev/full or /dev/null):
    /// such a destination is written into, never replaced; it cannot be all-or-nothing, so its
    /// bytes are written only once everything is made.
    public static func isStreamDestination(_ path: String) -> Bool {
        if path == "-" { return true }
        var st = stat()
        guard stat(path, &st) == 0 else { return false }
        let kind = st.st_mode & S_IFMT
        return kind != S_IFREG && kind != S_IFDIR
    }

    /// A symlink's target (so that the link stays a link); any other path as it is.
    public static func resolvedDestination(_ path: String) -> String {
        var st = stat()
        guard lstat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFLNK, let real = realpath(path, nil) else { return path }
        defer { free(real) }
        return String(cString: real)
    }

    /// Copies a finished temporary file into standard output or a FIFO or device, then removes it.
    static func copyOut(_ from: String, to: String) throws {
        let src = open(from, O_RDONLY)
        guard src >= 0 else { throw MediaError.writeFailed(path: to, reason: errnoText(errno)) }
        defer { close(src); remove(from) }
        let dst = to == "-" ? 1 : open(to, O_WRONLY)
        guard dst >= 0 else { throw MediaError.writeFailed(path: to, reason: errnoText(errno)) }
        defer { if dst != 1 { close(dst) } }
        let name = to == "-" ? "standard output" : to
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n: Int
            do { n = try FileIO.read(src, into: &buffer) } catch {
                throw MediaError.writeFailed(path: name, reason: error.text)
            }
            if n == 0 { return }
            do { try FileIO.writeAll(dst, buffer[0..<n]) } catch {
                throw MediaError.writeFailed(path: name, reason: error.text)
            }
        }
    }

    /// Renames `from` onto `to` (atomic within one file system); standard output, FIFOs and
    /// devices are written into instead, and a symlink's target is replaced, not the link.
    public static func move(_ from: String, to destination: String) throws {
        if isStreamDestination(destination) {
            try copyOut(from, to: destination)
            return
        }
        let to = resolvedDestination(destination)
        guard rename(from, to) == 0 else {
            let reason = errnoText(errno)
            remove(from)
            throw MediaError.writeFailed(path: to, reason: reason)
        }
        TemporaryFiles.unregister(from)
    }

    /// Removes a file if it exists; errors are ignored (used on failure paths).
    public static func remove(_ path: String) { unlink(path); TemporaryFiles.unregister(path) }

    /// Runs `body` with a temporary path beside `path` and renames it into
    /// place on success; on any error the temporary file is removed and the
    /// destination is left as it was.
    public static func writeAtomically(to path: String, _ body: (String) throws -> Void) throws {
        let temp = temporaryPath(beside: path)
        do {
            try body(temp)
        } catch {
            remove(temp)
            throw error
        }
        try move(temp, to: path)
    }
}

/// Temporary files and directories that a signal must not leave behind: every temporary path
/// made by `FileAccess.temporaryPath` is listed until it is renamed into place or removed, and
/// directories a writer created until they are kept. After `installSignalCleanup()`, SIGINT,
/// SIGTERM and SIGHUP remove them (unlink and rmdir only, which are async-signal-safe) and the
/// process then dies of the signal as it would have (exit status 128 + the signal).
public enum TemporaryFiles {
    static let capacity = 1 << 16
    nonisolated(unsafe) static let files: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?> = {
        let p = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: capacity + 64)
        p.initialize(repeating: nil, count: capacity + 64)
        return p
    }()
    nonisolated(unsafe) static var lock = pthread_mutex_t()
    nonisolated(unsafe) static var lockReady: Bool = { pthread_mutex_init(&lock, nil); return true }()
    nonisolated(unsafe) static var hint = 0

    static func withLock<R>(_ body: () -> R) -> R {
        _ = lockReady
        pthread_mutex_lock(&lock); defer { pthread_mutex_unlock(&lock) }
        return body()
    }

    /// Lists a temporary file (slots 0..<capacity) or a created directory (the last 64 slots).
    public static func register(_ path: String, directory: Bool = false) {
        withLock {
            let range = directory ? capacity..<(capacity + 64) : 0..<capacity
            for k in 0..<range.count {
                let i = range.lowerBound + (directory ? k : (hint + k) % capacity)
                if files[i] == nil { files[i] = strdup(path); if !directory { hint = i + 1 }; return }
            }
        }
    }

    public static func unregister(_ path: String) {
        withLock {
            for i in 0..<(capacity + 64) {
                if let p = files[i], strcmp(p, path) == 0 { files[i] = nil; free(p); if i < capacity { hint = i }; return }
            }
        }
    }

    public static func installSignalCleanup() {
        for sig in [SIGINT, SIGTERM, SIGHUP] {
            _ = signal(sig) { sig in
                for i in 0..<(TemporaryFiles.capacity + 64) {
                    guard let p = TemporaryFiles.files[i] else { continue }
                    if i < TemporaryFiles.capacity { unlink(p) } else { rmdir(p) }
                }
                _ = signal(sig, SIG_DFL)
                _ = raise(sig)
            }
        }
    }
}
