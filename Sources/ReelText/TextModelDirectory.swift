// Where the all-MiniLM-L6-v2 files live. Search order:
//   1. an explicit directory (a tool's --text-model DIR),
//   2. the REEL_TEXT_MODEL environment variable,
//   3. the cache that Scripts/fetch-text-model.sh fills:
//      ${XDG_CACHE_HOME:-$HOME/.cache}/reel/all-MiniLM-L6-v2/
// The files are never part of the repository.
import Foundation

public struct TextModelDirectory: Sendable, Equatable {
    /// The model's name, as recorded in provenance.
    public static let modelID = "sentence-transformers/all-MiniLM-L6-v2"
    /// Files the encoder cannot work without.
    public static let requiredFiles = ["model.safetensors", "vocab.txt"]

    public let url: URL

    public init(url: URL) { self.url = url }

    /// The cache directory that Scripts/fetch-text-model.sh writes.
    public static func cacheDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL? {
        let base: String
        if let xdg = environment["XDG_CACHE_HOME"], !xdg.isEmpty {
            base = xdg
        } else if let home = environment["HOME"], !home.isEmpty {
            base = home + "/.cache"
        } else {
            return nil
        }
        return URL(fileURLWithPath: base).appendingPathComponent("reel/all-MiniLM-L6-v2", isDirectory: true)
    }

    /// Finds the model: `explicit`, else $REEL_TEXT_MODEL, else the cache.
    /// An explicit or environment directory that lacks the files is an error
    /// naming that directory, not a silent fall-through.
    public static func locate(explicit: String? = nil,
                              environment: [String: String] = ProcessInfo.processInfo.environment) throws -> TextModelDirectory {
        if let explicit {
            return try checked(URL(fileURLWithPath: explicit))
        }
        if let env = environment["REEL_TEXT_MODEL"], !env.isEmpty {
            return try checked(URL(fileURLWithPath: env))
        }
        guard let cache = cacheDirectory(environment: environment) else {
            throw TextError.modelNotFound(searched: ["--text-model", "$REEL_TEXT_MODEL", "$XDG_CACHE_HOME or $HOME (neither is set)"])
        }
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: cache.path, isDirectory: &isDir), isDir.boolValue else {
            throw TextError.modelNotFound(searched: ["--text-model", "$REEL_TEXT_MODEL", cache.path])
        }
        return try checked(cache)
    }

    static func checked(_ url: URL) throws -> TextModelDirectory {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir), isDir.boolValue else {
            throw TextError.modelNotFound(searched: [url.path + " (not a directory)"])
        }
        for f in requiredFiles where !FileManager.default.isReadableFile(atPath: url.appendingPathComponent(f).path) {
            throw TextError.missingModelFile(directory: url.path, file: f)
        }
        return TextModelDirectory(url: url)
    }

    public var weightsURL: URL { url.appendingPathComponent("model.safetensors") }
    public var vocabularyURL: URL { url.appendingPathComponent("vocab.txt") }
}
