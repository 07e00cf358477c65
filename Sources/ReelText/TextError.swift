// Errors of the text stack: finding and loading the model, tokenizing,
// encoding, expanding prompts. Each message says what is wrong, the bad value
// and what was expected; tools print them after their name.
import ReelSystem

public enum TextError: Error, Equatable, CustomStringConvertible, Sendable {
    /// No model directory was found; `searched` lists where we looked.
    case modelNotFound(searched: [String])
    /// A model directory lacks a file the encoder needs.
    case missingModelFile(directory: String, file: String)
    case cannotRead(path: String, reason: String)
    case badModelFile(path: String, reason: String)
    case badArgument(String)

    public var description: String {
        switch self {
        case .modelNotFound(let searched):
            return "the all-MiniLM-L6-v2 text model was not found (looked in "
                + searched.joined(separator: ", ")
                + "); run reel-fetch-text-model (installed by make install; in a checkout Scripts/fetch-text-model.sh or `make text-model`) to put it in the cache, "
                + "or pass --text-model DIR / set REEL_TEXT_MODEL to a directory holding model.safetensors and vocab.txt"
        case .missingModelFile(let directory, let file):
            return "the text model directory \(directory) has no \(file); "
                + "run reel-fetch-text-model (in a checkout Scripts/fetch-text-model.sh or `make text-model`) to fetch all-MiniLM-L6-v2"
        case .cannotRead(let path, let reason):
            return "cannot read \(path): \(reason)"
        case .badModelFile(let path, let reason):
            return "bad text model file \(path): \(reason)"
        case .badArgument(let message):
            return message
        }
    }
}

extension TextError: ReelError {
    public var kind: ErrorKind {
        switch self {
        case .modelNotFound, .missingModelFile, .cannotRead: .missingInput
        case .badModelFile: .badData
        case .badArgument: .usage
        }
    }
}
