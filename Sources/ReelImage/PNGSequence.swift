// Numbered PNG sequences: printf-style patterns (frame_%04d.png) or a directory.
//
// Reading a pattern starts at the first index of 0...4 that exists (as FFmpeg's
// image2 demuxer does) and runs while files exist. Reading a directory takes
// every *.png in it (not hidden files), in natural order (frame2 before
// frame10). Writing numbers frames from 0 and is all or nothing: each frame
// goes to a hidden temporary file and all are renamed into place at commit.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A printf-style file name pattern with one `%d` or `%0Nd`.
public struct SequencePattern: Sendable, Equatable {
    public let prefix: String
    public let suffix: String
    /// Zero-padding width (0 for plain %d).
    public let width: Int

    init(prefix: String, suffix: String, width: Int) {
        self.prefix = prefix
        self.suffix = suffix
        self.width = width
    }

    /// Parses a pattern; returns nil when `text` holds no `%d` conversion.
    /// `%%` is a literal percent sign.
    public init?(_ text: String) throws {
        var prefix = "", suffix = ""
        var width: Int?
        var chars = Array(text)[...]
        while let ch = chars.first {
            chars = chars.dropFirst()
            if ch != "%" {
                if width == nil { prefix.append(ch) } else { suffix.append(ch) }
                continue
            }
            if chars.first == "%" {
                chars = chars.dropFirst()
                if width == nil { prefix.append("%") } else { suffix.append("%") }
                continue
            }
            var digits = ""
            while let d = chars.first, d.isASCII, d.isNumber {
                digits.append(d)
                chars = chars.dropFirst()
            }
            guard chars.first == "d" else {
                throw MediaError.invalidArgument("pattern '\(text)' has a % that is not %d, %0Nd or %%")
            }
            chars = chars.dropFirst()
            guard width == nil else {
                throw MediaError.invalidArgument("pattern '\(text)' has more than one %d")
            }
            let w = Int(digits) ?? 0
            guard w <= 12 else { throw MediaError.invalidArgument("pattern '\(text)' pads to \(w) digits; at most 12") }
            width = w
        }
        guard let w = width else { return nil }
        self.prefix = prefix
        self.suffix = suffix
        self.width = w
    }

    /// The file name of frame `index`.
    public func path(_ index: Int) -> String {
        let digits = String(index)
        let pad = digits.count < width ? String(repeating: "0", count: width - digits.count) : ""
        return prefix + pad + digits + suffix
    }
}

/// An ordered list of PNG files making one clip.
public struct PNGSequence: Sendable, Equatable {
    public let paths: [String]

    /// Most frames a sequence may hold.
    public static let maxFrames = 1_000_000

    public init(paths: [String]) { self.paths = paths }

    /// The files of a pattern, from the first of indices 0...4 that exists.
    public static func open(pattern: SequencePattern, text: String) throws -> PNGSequence {
        guard let first = (0...4).first(where: { FileAccess.exists(pattern.path($0)) }) else {
            throw MediaError.cannotOpen(path: text, reason: "no file matches the pattern (looked for \(pattern.path(0)) to \(pattern.path(4)))")
        }
        var paths: [String] = []
        var i = first
        while FileAccess.exists(pattern.path(i)) && paths.count < maxFrames {
            paths.append(pattern.path(i))
            i += 1
        }
        return PNGSequence(paths: paths)
    }

    /// Every visible *.png file in `directory`, in natural order.
    public static func open(directory: String) throws -> PNGSequence {
        guard let dir = opendir(directory) else {
            throw MediaError.cannotOpen(path: directory, reason: FileAccess.errnoText(errno))
        }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name.hasPrefix(".") { continue }
            if name.lowercased().hasSuffix(".png") { names.append(name) }
            if names.count > maxFrames { break }
        }
        guard !names.isEmpty else {
            throw MediaError.cannotOpen(path: directory, reason: "the directory holds no .png files")
        }
        names.sort(by: naturalOrder)
        let base = directory.hasSuffix("/") ? directory : directory + "/"
        return PNGSequence(paths: names.map { base + $0 })
    }

    /// Compares names with runs of digits taken as numbers: frame2 < frame10.
    public static func naturalOrder(_ a: String, _ b: String) -> Bool {
        var i = Array(a.utf8)[...], j = Array(b.utf8)[...]
        func isDigit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }
        while let x = i.first, let y = j.first {
            if isDigit(x) && isDigit(y) {
                let da = i.prefix(while: isDigit), db = j.prefix(while: isDigit)
                let na = da.drop(while: { $0 == 48 }), nb = db.drop(while: { $0 == 48 })
                if na.count != nb.count { return na.count < nb.count }
                if !na.elementsEqual(nb) { return na.lexicographicallyPrecedes(nb) }
                if da.count != db.count { return da.count > db.count }
                i = i.dropFirst(da.count)
                j = j.dropFirst(db.count)
                continue
            }
            if x != y { return x < y }
            i = i.dropFirst()
            j = j.dropFirst()
        }
        return i.count < j.count
    }
}

/// Writes frames as numbered PNGs, all or nothing.
public final class PNGSequenceWriter {
    private let pattern: SequencePattern
    private let depth: SampleDepth?
    private var staged: [(temp: String, final: String)] = []
    private var createdDirectory: String?
    private var committed = false
    private var nextIndex: Int

    /// `target` is a pattern (`out_%04d.png`) or a directory (created if
    /// missing; frames named frame_0000.png, ...). Frames are numbered from
    /// `startIndex`; `depth` forces 8 or 16 bits (nil keeps each frame's).
    public init(target: String, startIndex: Int = 0, depth: SampleDepth? = nil) throws {
        if let p = try SequencePattern(target) {
            pattern = p
        } else {
            let dir = target.hasSuffix("/") ? String(target.dropLast()) : target
            if !FileAccess.isDirectory(dir) {
                guard mkdir(dir, 0o777) == 0 else {
                    throw MediaError.writeFailed(path: target, reason: "cannot create the directory: \(FileAccess.errnoText(errno))")
                }
                createdDirectory = dir
                TemporaryFiles.register(dir, directory: true)
            }
            pattern = SequencePattern(prefix: dir + "/frame_", suffix: ".png", width: 4)
        }
        self.depth = depth
        nextIndex = startIndex
    }

    /// The file names written (or to be written) so far.
    public var paths: [String] { staged.map(\.final) }

    /// Text stored in every frame's provenance iTXt chunk.
    public var comment: String?

    /// Stages one frame as the next number (or as number `index`, which must
    /// be above every number staged so far).
    public func append(_ image: PixelImage, index: Int? = nil) throws {
        if let index {
            guard index >= nextIndex else {
                throw MediaError.invalidArgument("frame \(index) comes after frame \(nextIndex - 1): frames must arrive in increasing order")
            }
            nextIndex = index
        }
        let final = pattern.path(nextIndex)
        let temp = FileAccess.temporaryPath(beside: final)
        do {
            try PNGCodec.writeDirect(image, to: temp, depth: depth, name: final, comment: comment)
        } catch {
            FileAccess.remove(temp)
            throw error
        }
        staged.append((temp, final))
        nextIndex += 1
    }

    /// Renames every staged frame into place.
    public func commit() throws {
        for (i, s) in staged.enumerated() {
            guard rename(s.temp, s.final) == 0 else {
                let reason = FileAccess.errnoText(errno)
                for t in staged[i...] { FileAccess.remove(t.temp) }
                committed = true
                throw MediaError.writeFailed(path: s.final, reason: reason)
            }
            TemporaryFiles.unregister(s.temp)
        }
        if let d = createdDirectory { TemporaryFiles.unregister(d) }
        committed = true
    }

    /// Removes every staged frame (and the directory if this writer made it).
    public func abort() {
        guard !committed else { return }
        for s in staged { FileAccess.remove(s.temp) }
        staged.removeAll()
        if let d = createdDirectory { rmdir(d); TemporaryFiles.unregister(d) }
        committed = true
    }

    deinit { abort() }
}
