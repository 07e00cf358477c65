// reel-synth: render captioned clips of the shapes world (reel-world(7)), as a
// reel(5) stream on stdout or as a dataset directory.

import ReelSystem
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ArgumentParser
import ReelCLI
import ReelStream
import ReelWorld

/// Enum options accept reel-world(7)'s words and their synonyms (--shape sphere is --shape ball).
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
struct ReelSynth: ReelCommand {
    static let toolName = "reel-synth"
    static let configuration = CommandConfiguration(
        commandName: "reel-synth",
        abstract: "Render captioned clips of the shapes world (reel-world(7)).",
        discussion: """
        Clip i is a function of the seed and i alone. Without a directory, writes a \
        reel(5) stream on standard output: per clip HEAD, the short prompt and the detailed \
        caption as text records, the ground truth as a meta record (key scene), and the frames. \
        With a directory, writes per clip clip-NNNNNN.reel (that stream), .prompt.txt, \
        .caption.txt and .json. Attribute values accept synonyms (sphere, cube, crimson).
        """,
        version: reelVersion
    )

    @Option(help: "Dataset seed; clip i uses a seed derived from it and i.")
    var seed: UInt64 = 0

    @Option(help: ArgumentHelp("Canvas size, each side a multiple of 8 and at least 32 (default: \(Self.defaultSize)).", valueName: "WxH"), transform: FrameSize.parse)
    var size = Self.defaultSize
    static let defaultSize = FrameSize(width: 64, height: 64)

    @Option(help: "Frames per clip, at 8 per second (1 makes an image).")
    var frames = 16

    @Option(help: "Number of clips.")
    var count = 1

    @Option(help: "Index of the first clip (to split one dataset across runs).")
    var first = 0

    @Option(help: ArgumentHelp("Write a dataset directory instead of a stream on standard output.", valueName: "dir"))
    var out: String?

    @Option(help: "Pin the background.")
    var background: Background?

    @Option(help: "Pin the camera.")
    var camera: Camera?

    @Option(help: "Pin the number of objects (1 to 3).")
    var objects: Int?

    @Option(help: "Pin the first object's shape.")
    var shape: Shape?

    @Option(help: "Pin the first object's colour.")
    var color: ObjectColor?

    @Option(help: "Pin the first object's size.")
    var objectSize: ObjectSize?

    @Option(help: "Pin the first object's motion.")
    var motion: Motion?

    @Option(help: "Pin the first object's speed.")
    var speed: Speed?

    var constraints: SceneConstraints {
        let pinned = ObjectConstraints(shape: shape, color: color, size: objectSize, motion: motion, speed: speed)
        return SceneConstraints(background: background, camera: camera, objectCount: objects,
                                objects: pinned.isEmpty ? [] : [pinned])
    }

    func clip(_ index: Int, width: Int, height: Int) throws -> SynthClip {
        try SynthClip(datasetSeed: seed, index: index, width: width, height: height, frames: frames,
                      constraints: constraints)
    }

    func execute() throws {
        let (width, height) = (size.width, size.height)
        guard count >= 0 else { throw ToolError.usage("--count \(count) is negative, expected 0 or more") }
        guard first >= 0, first <= Int(UInt32.max) - count else {
            throw ToolError.usage("--first \(first) with --count \(count) runs past clip \(UInt32.max), the last clip id")
        }
        // A single frame is an image: nothing in it can show a motion or a pan (reel-world(7)).
        if frames == 1 {
            if let m = motion, m != .still {
                throw ToolError.usage("--motion '\(m.rawValue)' needs at least 2 frames; with --frames 1 (an image) objects are still")
            }
            if let s = speed { throw ToolError.usage("--speed '\(s.rawValue)' needs at least 2 frames; with --frames 1 (an image) objects are still") }
            if let c = camera, c != .static {
                throw ToolError.usage("--camera '\(c.rawValue)' needs at least 2 frames; with --frames 1 (an image) the camera is static")
            }
        }
        // Check the request once, before any output.
        _ = try clip(first, width: width, height: height)
        if let out {
            try SynthDataset.write(to: out, indices: first..<(first + count),
                                   provenance: Provenance.current(tool: Self.toolName, seed: seed, generated: true).record) {
                try clip($0, width: width, height: height)
            }
        } else {
            let writer = try StreamIO.output(tool: Self.toolName)
            try writer.write(Provenance.current(tool: Self.toolName, seed: seed, generated: true).record)
            for index in first..<(first + count) {
                let c = try clip(index, width: width, height: height)
                // Segment ids follow the clip index, so runs joined with cat keep them apart.
                try c.write(to: writer, clip: UInt32(index), firstSegment: UInt32(truncatingIfNeeded: 2 * index))
            }
            try writer.finish()
        }
    }
}
