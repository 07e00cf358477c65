// Clips as reel-synth makes them: a seed per clip, its scene, its texts.

/// One captioned clip of the shapes world.
public struct SynthClip: Sendable {
    /// Position in the dataset; the file names use it.
    public let index: Int
    /// SplitMix64.clipSeed(datasetSeed, index): the scene's seed.
    public let seed: UInt64
    public let scene: Scene
    /// Captions.shortPrompt, drawn from a generator seeded by the clip seed.
    public let prompt: String
    /// Captions.detailed.
    public let caption: String

    /// Clip `index` of the dataset made from `seed`: the same clip whatever
    /// the count or the first index of the run.
    public init(datasetSeed seed: UInt64, index: Int, width: Int, height: Int, frames: Int,
                constraints: SceneConstraints = .none) throws(WorldError) {
        self.index = index
        self.seed = SplitMix64.clipSeed(seed, index: index)
        scene = try SceneSampler.sample(seed: self.seed, width: width, height: height, frames: frames,
                                        constraints: constraints)
        var promptRNG = SplitMix64(seed: SplitMix64.mix(self.seed ^ 0x5052_4F4D_5054))
        prompt = Captions.shortPrompt(scene, rng: &promptRNG)
        caption = Captions.detailed(scene)
    }

    /// "clip-000042": the stem of the clip's files in a dataset directory.
    public var name: String { SynthClip.name(index) }

    public static func name(_ index: Int) -> String {
        let digits = String(index)
        return "clip-" + String(repeating: "0", count: max(0, 6 - digits.count)) + digits
    }
}

// MARK: - As a reel(5) stream

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ReelStream
import ReelSystem

extension SynthClip {
    /// The metadata key under which the ground-truth JSON travels in a stream.
    public static let sceneMetadataKey = "scene"

    /// Writes the clip as reel(5) records: HEAD (u8 pixels, 3 channels, 8 fps,
    /// frame count known), text (the short prompt, role prompt; the detailed
    /// caption, role caption; both for all frames), meta (key "scene": the
    /// ground truth JSON), then one FRAM per frame, planar (3,H,W).
    /// Segment ids are `firstSegment` and `firstSegment + 1`.
    public func write(to writer: StreamWriter, clip: UInt32, firstSegment: UInt32) throws {
        let renderer = try SceneRenderer(scene)
        let header = ClipHeader(clip: clip, kind: .pixels, dtype: .u8, channels: 3, width: scene.width,
                                height: scene.height, fps: Rational(UInt32(scene.fps)), frameCount: scene.frames)
        try writer.write(header.record)
        try writer.write(TextSegment(segment: firstSegment, clip: clip, role: .prompt, text: prompt).record)
        try writer.write(TextSegment(segment: firstSegment &+ 1, clip: clip, role: .caption, text: caption).record)
        let json = String(decoding: try scene.jsonData(), as: UTF8.self)
        try writer.write(Metadata(key: SynthClip.sceneMetadataKey, value: json).record)
        var scratch = [UInt8]()
        for i in 0..<scene.frames {
            let frame = Frame(clip: clip, index: i, byteCount: renderer.frameByteCount)
            renderer.renderPlanarFrame(i, into: frame.mutableData, scratch: &scratch)
            try writer.write(frame.record)
        }
    }
}

// MARK: - As a dataset directory

/// A dataset directory as `reel-synth --out` writes it (reel-world(7)): for each clip,
/// clip-NNNNNN.reel (its stream, segment ids 0 and 1), .prompt.txt, .caption.txt and .json
/// (the ground truth), each file written whole or not at all.
public enum SynthDataset {
    /// Writes `clip(i)` for every `i` of `indices` into `directory`, made if it is missing (its
    /// parent must exist); each stream starts with `provenance`.
    public static func write(to directory: String, indices: Range<Int>, provenance: Record,
                             clip: (Int) throws -> SynthClip) throws {
        var st = stat()
        if stat(directory, &st) == 0 {
            guard (st.st_mode & S_IFMT) == S_IFDIR else {
                throw SystemError(kind: .usage, "--out \(directory) exists and is not a directory")
            }
        } else if mkdir(directory, 0o755) != 0 && errno != EEXIST {    // EEXIST: a parallel run made it
            let e = errno
            if e == ENOENT { throw SystemError(kind: .missingInput, "cannot create directory \(directory): its parent does not exist") }
            throw SystemError(kind: .io, "cannot create directory \(directory): \(String(cString: strerror(e)))")
        }
        for index in indices {
            let c = try clip(index)
            let stem = directory + "/" + c.name
            let stream = try AtomicFile(path: stem + ".reel")
            let writer = StreamWriter(fileDescriptor: stream.fileDescriptor, name: stem + ".reel")
            try writer.write(provenance)
            try c.write(to: writer, clip: UInt32(index), firstSegment: 0)
            try writer.finish()
            try stream.commit()
            try writeText(c.prompt + "\n", to: stem + ".prompt.txt")
            try writeText(c.caption + "\n", to: stem + ".caption.txt")
            try writeText(String(decoding: try c.scene.jsonData(), as: UTF8.self) + "\n", to: stem + ".json")
        }
    }

    static func writeText(_ text: String, to path: String) throws {
        let file = try AtomicFile(path: path)
        do { try FileIO.writeAll(file.fileDescriptor, Array(text.utf8)) } catch {
            throw SystemError(kind: .io, "cannot write \(path): \(error.text)")
        }
        try file.commit()
    }
}
