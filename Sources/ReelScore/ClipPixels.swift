// A clip's pixels as the scorer reads them: T frames of planar (3,H,W) RGB u8.
// Gray clips are replicated to three channels; u16 keeps its high byte; float
// pixels (nominally 0-1) are scaled by 255, rounded and clamped.

import ReelSystem
import ReelStream

public struct ClipPixels: Sendable {
    public let width: Int
    public let height: Int
    /// frames[t] is (3,H,W): the R plane, then G, then B.
    public var frames: [[UInt8]]

    public init(width: Int, height: Int, frames: [[UInt8]]) {
        precondition(frames.allSatisfy { $0.count == 3 * width * height }, "frames must be (3,H,W)")
        self.width = width
        self.height = height
        self.frames = frames
    }

    public var frameCount: Int { frames.count }
    public var shortSide: Int { min(width, height) }

    /// The frames `range` of this clip.
    public func slice(_ range: Range<Int>) -> ClipPixels {
        ClipPixels(width: width, height: height, frames: Array(frames[range]))
    }

    /// One FRAM record of a pixel clip as (3,H,W) u8.
    public static func rgb(_ frame: Frame, header h: ClipHeader) throws(ScoreError) -> [UInt8] {
        guard h.kind == .pixels else { throw .badClip("clip \(h.clip) holds latents; decode them first") }
        guard h.channels == 1 || h.channels == 3 || h.channels == 4 else {
            throw .badClip("clip \(h.clip) has \(h.channels) channels; the scorer reads gray, RGB or RGBA pixels")
        }
        let plane = h.width * h.height
        let d = frame.data
        var out = [UInt8](repeating: 0, count: 3 * plane)
        func sample(_ i: Int) -> UInt8 {
            switch h.dtype {
            case .u8: return d[i]
            case .u16: return d[2 * i + 1]
            case .f32:
                let v = Float(bitPattern: UInt32(littleEndian: d.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
                return v.isFinite ? UInt8(max(0, min(255, (v * 255).rounded()))) : 0
            case .f16:
                let v = Float(Float16(bitPattern: UInt16(littleEndian: d.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))))
                return v.isFinite ? UInt8(max(0, min(255, (v * 255).rounded()))) : 0
            case .bf16:
                let bits = UInt32(UInt16(littleEndian: d.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) << 16
                let v = Float(bitPattern: bits)
                return v.isFinite ? UInt8(max(0, min(255, (v * 255).rounded()))) : 0
            }
        }
        if h.dtype == .u8 && h.channels >= 3 {
            out.withUnsafeMutableBytes { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: d[0..<(3 * plane)])) }
            return out
        }
        for c in 0..<3 {
            let src = h.channels == 1 ? 0 : c
            for p in 0..<plane { out[c * plane + p] = sample(src * plane + p) }
        }
        return out
    }
}

/// Everything the scorer reports as a failure of its input.
public enum ScoreError: Error, CustomStringConvertible, Equatable {
    case badClip(String)
    case usage(String)

    public var description: String {
        switch self {
        case .badClip(let s), .usage(let s): s
        }
    }
}

import ReelWorld

extension ClipPixels {
    /// The frames ReelWorld's renderer draws for `scene`.
    public init(rendering scene: Scene) throws(WorldError) {
        let r = try SceneRenderer(scene)
        var scratch = [UInt8]()
        var frames: [[UInt8]] = []
        for i in 0..<scene.frames {
            var planar = [UInt8](repeating: 0, count: r.frameByteCount)
            planar.withUnsafeMutableBytes { r.renderPlanarFrame(i, into: $0, scratch: &scratch) }
            frames.append(planar)
        }
        self.init(width: scene.width, height: scene.height, frames: frames)
    }
}

extension ScoreError: ReelError {
    public var kind: ErrorKind {
        switch self {
        case .badClip: .badData
        case .usage: .usage
        }
    }
}
