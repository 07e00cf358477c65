// reel-synth: render captioned clips of the shapes world (WORLD.md).

import ArgumentParser
import Foundation
import ReelWorld

/// A canvas size given as WxH.
struct CanvasSize: ExpressibleByArgument {
    var width: Int
    var height: Int

    init?(argument: String) {
        let parts = argument.lowercased().split(separator: "x", omittingEmptySubsequences: false)
        guard parts.count == 2, let w = Int(parts[0]), let h = Int(parts[1]) else { return nil }
        width = w
        height = h
    }

    init(width: Int, height: Int) {
        self.width = width
        self.height = height
    }

    var defaultValueDescription: String { "\(width)x\(height)" }
}

/// Enum options accept WORLD.md's words and their synonyms (--shape sphere is --shape ball).
protocol VocabularyOption: ExpressibleByArgument, CaseIterable, RawRepresentable where RawValue == String {
    static func from(_ term: Term) -> Self?
}

extension VocabularyOption {
    public init?(argument: String) {
        if let v = Self(rawValue: argument.lowercased()) {
            self = v
        } else if let term = Vocabulary.term(for: argument), let v = Self.from(term) {
            self = v
        } else {
            return nil
        }
    }

    public static var allValueStrings: [String] { allCases.map(\.rawValue) }
}

extension Shape: VocabularyOption {
    static func from(_ t: Term) -> Shape? { if case .shape(let v) = t { return v }; return nil }
}
extension ObjectColor: VocabularyOption {
    static func from(_ t: Term) -> ObjectColor? { if case .color(let v) = t { return v }; return nil }
}
extension ObjectSize: VocabularyOption {
    static func from(_ t: Term) -> ObjectSize? { if case .size(let v) = t { return v }; return nil }
}
extension Motion: VocabularyOption {
    static func from(_ t: Term) -> Motion? { if case .motion(let v) = t { return v }; return nil }
}
extension Speed: VocabularyOption {
    static func from(_ t: Term) -> Speed? { if case .speed(let v) = t { return v }; return nil }
}
extension Background: VocabularyOption {
    static func from(_ t: Term) -> Background? {
        switch t {
        case .background(let v): return v
        case .color(.white): return .white
        case .color(.black): return .black
        default: return nil
        }
    }
}
extension Camera: VocabularyOption {
    static func from(_ t: Term) -> Camera? { if case .camera(let v) = t { return v }; return nil }
}

@main
struct ReelSynth: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reel-synth",
        abstract: "Render captioned clips of the shapes world (WORLD.md).",
        discussion: """
        Clip i of a run is a function of --seed and i alone. With --out, writes per clip \
        clip-NNNNNN.rgb (frames), .prompt.txt, .caption.txt and .json (ground truth).
        """,
        version: "0.1.0"
    )

    @Option(help: "Dataset seed; clip i uses a seed derived from it and i.")
    var seed: UInt64 = 0

    @Option(help: ArgumentHelp("Canvas size, WxH, each a multiple of 8 and at least 32.", valueName: "WxH"))
    var size = CanvasSize(width: 64, height: 64)

    @Option(help: "Frames per clip (8 per second; 1 makes an image).")
    var frames = 16

    @Option(help: "Number of clips.")
    var count = 1

    @Option(help: "Index of the first clip (to split a dataset across runs).")
    var first = 0

    @Option(help: ArgumentHelp("Write a dataset directory instead of a stream on stdout.", valueName: "dir"))
    var out: String?

    @Option(help: "Pin the background.")
    var background: Background?

    @Option(help: "Pin the camera ('static', 'pans left', 'pans right').")
    var camera: Camera?

    @Option(help: "Pin the number of objects (1-3).")
    var objects: Int?

    @Option(help: "Pin the first object's shape (synonyms such as sphere or cube work).")
    var shape: Shape?

    @Option(help: "Pin the first object's colour.")
    var color: ObjectColor?

    @Option(help: "Pin the first object's size.")
    var objectSize: ObjectSize?

    @Option(help: "Pin the first object's motion ('bounces', 'moves left', ...).")
    var motion: Motion?

    @Option(help: "Pin the first object's speed.")
    var speed: Speed?

    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let failure as SynthFailure {
            FileHandle.standardError.write(Data("reel-synth: \(failure)\n".utf8))
            Foundation.exit(failure.exitCode)
        } catch {
            exit(withError: error)
        }
    }

    var constraints: SceneConstraints {
        let first = ObjectConstraints(shape: shape, color: color, size: objectSize, motion: motion, speed: speed)
        return SceneConstraints(background: background, camera: camera, objectCount: objects,
                                objects: first.isEmpty ? [] : [first])
    }

    func run() throws {
        guard count >= 0 else { throw SynthFailure.usage("count \(count) is negative, expected 0 or more") }
        guard first >= 0, first <= Int.max - count else {
            throw SynthFailure.usage("first index \(first) is out of range, expected 0 or more")
        }
        // Check the request once, before any output.
        do {
            _ = try SynthClip(datasetSeed: seed, index: first, width: size.width, height: size.height,
                              frames: frames, constraints: constraints)
        } catch {
            throw SynthFailure.usage(error.description)
        }
        if let out {
            try writeDataset(to: out)
        } else {
            throw SynthFailure.usage("writing a stream on stdout needs ReelStream; give --out DIR")
        }
    }

    func writeDataset(to dir: String) throws {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        if fm.fileExists(atPath: dir, isDirectory: &isDir) {
            guard isDir.boolValue else { throw SynthFailure.cannotCreate("\(dir) exists and is not a directory") }
        } else {
            do {
                try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
            } catch {
                throw SynthFailure.cannotCreate("cannot create directory \(dir): \(error.localizedDescription)")
            }
        }
        var frame = [UInt8]()
        for index in first..<(first + count) {
            let clip: SynthClip
            let renderer: SceneRenderer
            do {
                clip = try SynthClip(datasetSeed: seed, index: index, width: size.width, height: size.height,
                                     frames: frames, constraints: constraints)
                renderer = try SceneRenderer(clip.scene)
            } catch {
                throw SynthFailure.usage(error.description)
            }
            var pixels = Data(capacity: renderer.frameByteCount * frames)
            for i in 0..<frames {
                renderer.renderFrame(i, into: &frame)
                pixels.append(contentsOf: frame)
            }
            let stem = (dir as NSString).appendingPathComponent(clip.name)
            let json: Data
            do { json = try clip.scene.jsonData() } catch { throw SynthFailure.internalError(error.description) }
            try writeAtomically(pixels, to: stem + ".rgb")
            try writeAtomically(Data((clip.prompt + "\n").utf8), to: stem + ".prompt.txt")
            try writeAtomically(Data((clip.caption + "\n").utf8), to: stem + ".caption.txt")
            try writeAtomically(json + Data("\n".utf8), to: stem + ".json")
        }
    }

    func writeAtomically(_ data: Data, to path: String) throws {
        do {
            try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw SynthFailure.io("cannot write \(path): \(error.localizedDescription)")
        }
    }
}

enum SynthFailure: Error, CustomStringConvertible {
    case usage(String)
    case cannotCreate(String)
    case io(String)
    case internalError(String)

    var description: String {
        switch self {
        case .usage(let s), .cannotCreate(let s), .io(let s), .internalError(let s): return s
        }
    }

    /// sysexits: 64 usage, 73 cannot create, 74 I/O, 70 internal.
    var exitCode: Int32 {
        switch self {
        case .usage: return 64
        case .cannotCreate: return 73
        case .io: return 74
        case .internalError: return 70
        }
    }
}
