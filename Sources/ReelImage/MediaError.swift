// Typed errors of ReelImage and ReelVideo (one type, so tools map each case to one exit status). Each names the file, what is wrong and what was expected.
import ReelSystem

/// Why reading or writing an image or video failed.
public enum MediaError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file or directory cannot be opened or read (missing, permissions, a directory).
    case cannotOpen(path: String, reason: String)
    /// The file is not a valid image or video: bad signature, bad CRC, truncated.
    case malformed(path: String, detail: String)
    /// A valid file that reel does not handle.
    case unsupported(path: String, detail: String)
    /// Dimensions beyond reel's limits.
    case tooLarge(path: String, detail: String)
    /// Writing the output failed; nothing was left behind.
    case writeFailed(path: String, reason: String)
    /// A bad parameter (size, pattern, fit) given by the caller.
    case invalidArgument(String)

    public var description: String {
        switch self {
        case .cannotOpen(let p, let r): "cannot open \(p): \(r)"
        case .malformed(let p, let d): "\(p): not a valid image or video: \(d)"
        case .unsupported(let p, let d): "\(p): unsupported: \(d)"
        case .tooLarge(let p, let d): "\(p): too large: \(d)"
        case .writeFailed(let p, let r): "cannot write \(p): \(r)"
        case .invalidArgument(let m): m
        }
    }
}

extension MediaError: ReelError {
    public var kind: ErrorKind {
        switch self {
        case .cannotOpen: .missingInput
        case .malformed, .unsupported, .tooLarge: .badData
        case .writeFailed: .io
        case .invalidArgument: .usage
        }
    }
}
