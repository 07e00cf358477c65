// The bottom layer every reel library may use: what kind of thing went wrong.
//
// Each library's error type says its kind (`ReelError.kind`) in its own module; the tool layer
// (ReelCLI's `report`) maps a kind to the tool's exit status in one place, so no tool needs to
// catch an error only to rethrow it as another type.

/// What went wrong, as the person running a tool needs to know it.
public enum ErrorKind: Sendable, Equatable, CaseIterable {
    /// The command line: an option or value the tool cannot take (exit 64).
    case usage
    /// The input's content is wrong: a malformed stream, media or model file (exit 65).
    case badData
    /// An input file does not exist or cannot be opened (exit 66).
    case missingInput
    /// Reading or writing failed: a full disk, an I/O error (exit 74).
    case io
    /// A defect in reel itself (exit 70).
    case software
    /// The reader downstream went away: the tool stops quietly (exit 0).
    case closedPipe
}

/// An error a person running a tool reads: its message names the problem and the value, and
/// its kind decides the exit status.
public protocol ReelError: Error, CustomStringConvertible {
    var kind: ErrorKind { get }
}
