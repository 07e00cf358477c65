// Training and evaluation data for the VAE: clips of the shapes world from
// reel-synth dataset directories (.reel files), and real footage and photos read
// from their installed paths at training time (never copied into the repository).

import Foundation
import ReelImage
import ReelNumerics
import ReelStream
import ReelVideo

/// A clip held as planar u8 frames (3,H,W).
public struct PixelClip: Sendable {
    public var width: Int, height: Int
    public var frames: [[UInt8]]
    public var name: String

    public init(width: Int, height: Int, frames: [[UInt8]], name: String) {
        self.width = width; self.height = height; self.frames = frames; self.name = name
    }

    /// Frames start..<start+count, cropped to (x, y, w, h), as Float in [-1,1] into
    /// frames at..<at+count of `dst` laid out (3,T,h,w) (one batch element of (B,3,T,H,W));
    /// T = `layoutFrames` (default `count`).
    func write(start: Int, count: Int, x: Int, y: Int, w: Int, h: Int, into dst: UnsafeMutablePointer<Float>,
               layoutFrames: Int? = nil, at: Int = 0) {
        let total = layoutFrames ?? count
        for t in 0..<count {
            let f = frames[min(start + t, frames.count - 1)]
            f.withUnsafeBufferPointer { src in
                for c in 0..<3 {
                    for r in 0..<h {
                        let s = src.baseAddress! + (c * height + y + r) * width + x
                        let d = dst + ((c * total + at + t) * h + r) * w
                        for q in 0..<w { d[q] = Float(s[q]) * (2.0 / 255.0) - 1 }
                    }
                }
            }
        }
    }

    /// The whole clip (its first `count` frames) as (1,3,T,H,W) in [-1,1].
    public func tensor(frames count: Int? = nil) -> Tensor {
        let t = min(count ?? frames.count, frames.count)
        let x = Tensor(uninitialized: [1, 3, t, height, width])
        write(start: 0, count: t, x: 0, y: 0, w: width, h: height, into: x.data)
        return x
    }

    /// A centred crop of size w x h, all its frames.
    public func cropped(width w: Int, height h: Int, frames count: Int? = nil) -> PixelClip {
        let x0 = (width - w) / 2, y0 = (height - h) / 2
        let t = min(count ?? frames.count, frames.count)
        let out = frames.prefix(t).map { f -> [UInt8] in
            var o = [UInt8](repeating: 0, count: 3 * w * h)
            for c in 0..<3 { for r in 0..<h { for q in 0..<w {
                o[(c * h + r) * w + q] = f[(c * height + y0 + r) * width + x0 + q]
            } } }
            return o
        }
        return PixelClip(width: w, height: h, frames: out, name: name)
    }
}

public enum VAEData {
    /// Every clip of a reel-synth dataset directory (its clip-*.reel files, sorted by name).
    public static func loadSynthDirectory(_ dir: String) throws(VAEError) -> [PixelClip] {
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: dir) } catch {
            throw .cannotOpen("cannot read the dataset directory \(dir): \(error.localizedDescription)")
        }
        var clips: [PixelClip] = []
        for name in names.sorted() where name.hasSuffix(".reel") {
            let path = dir + "/" + name
            guard let data = FileManager.default.contents(atPath: path) else { throw .cannotOpen("cannot read \(path)") }
            do {
                clips += try readClips(StreamReader(bytes: [UInt8](data), name: path), name: name)
            } catch let e as VAEError { throw e } catch {
                throw .badInput("\(path): \(error)")
            }
        }
        guard !clips.isEmpty else { throw .badInput("the dataset directory \(dir) holds no clip-*.reel files (make one with reel-synth --out)") }
        return clips
    }

    /// The u8 RGB pixel clips of a reel(5) stream.
    public static func readClips(_ reader: StreamReader, name: String) throws -> [PixelClip] {
        var state = StreamState()
        var clips: [UInt32: PixelClip] = [:]
        var order: [UInt32] = []
        while let r = try reader.next() {
            switch try state.decode(r, index: reader.recordIndex) {
            case .header(let h):
                guard h.kind == .pixels, h.dtype == .u8, h.channels == 3 else {
                    throw VAEError.badInput("\(name): clip \(h.clip) is not u8 RGB pixels (\(h.kind), \(h.dtype), \(h.channels) channels)")
                }
                clips[h.clip] = PixelClip(width: h.width, height: h.height, frames: [], name: "\(name)#\(h.clip)")
                order.append(h.clip)
            case .frame(let f):
                clips[f.clip]?.frames.append([UInt8](f.data))
            default:
                break
            }
        }
        return order.compactMap { clips[$0] }.filter { !$0.frames.isEmpty }
    }

    /// Frames of a video file, resized (cropping to keep the aspect) to `size`, every `step`-th.
    public static func loadVideo(_ path: String, size: ImageSize, step: Int = 1, limit: Int = 2000) throws -> [[UInt8]] {
        let reader = try VideoReader(path: path)
        var frames: [[UInt8]] = []
        var i = 0
        while frames.count < limit, let f = try reader.nextFrame() {
            defer { i += 1 }
            if i % step != 0 { continue }
            frames.append(try planarRGB(f.image, size: size))
        }
        return frames
    }

    /// A PNG photo resized (cropping to keep the aspect) to `size`.
    public static func loadPhoto(_ path: String, size: ImageSize) throws -> [UInt8] {
        try planarRGB(try PNGCodec.read(path: path), size: size)
    }

    static func planarRGB(_ image: PixelImage, size: ImageSize) throws -> [UInt8] {
        var im = image.converted(to: .u8)
        if im.channels != 3 { im = try im.converted(channels: 3) }
        im = try Resampler.fit(im, to: size, mode: .crop)
        guard case .u8(let bytes) = im.samples else { throw VAEError.badInput("image did not convert to u8") }
        return bytes
    }
}

/// The real footage and photos of /usr/share/doc/opencv-doc/examples/data (Debian's
/// opencv-doc; OpenCV's samples/data, Apache-2.0 AND BSD-3-Clause per its copyright
/// file). vtest.avi and tree.avi: the first 80% of each trains, the last 20% is held
/// out; photos graf1/graf3/smarties/cards/chicky_512 train, rubberwhale1/2 are held out.
public struct RealFootage: Sendable {
    public static let directory = "/usr/share/doc/opencv-doc/examples/data"
    public static let videos = ["vtest.avi", "tree.avi"]
    public static let trainPhotos = ["graf1.png", "graf3.png", "smarties.png", "cards.png", "chicky_512.png"]
    public static let heldOutPhotos = ["rubberwhale1.png", "rubberwhale2.png"]
    /// Frames are brought to this size (vtest 768x576 and tree 320x240 are both 4:3).
    public static let frameSize = ImageSize(width: 256, height: 192)

    public var trainClips: [PixelClip] = []
    public var heldOutClips: [PixelClip] = []
    public var trainPhotos: [PixelClip] = []
    public var heldOutPhotos: [PixelClip] = []

    public init() {}

    /// Reads what is installed; a missing file is skipped (and named in `missing`).
    public static func load(directory: String = RealFootage.directory) -> (RealFootage, missing: [String]) {
        var r = RealFootage()
        var missing: [String] = []
        for v in videos {
            let path = directory + "/" + v
            guard let frames = try? VAEData.loadVideo(path, size: frameSize), frames.count >= 20 else {
                missing.append(path); continue
            }
            let cut = frames.count * 4 / 5
            r.trainClips.append(PixelClip(width: frameSize.width, height: frameSize.height, frames: Array(frames[..<cut]), name: v))
            r.heldOutClips.append(PixelClip(width: frameSize.width, height: frameSize.height, frames: Array(frames[cut...]), name: v + " (held out)"))
        }
        for (list, held) in [(trainPhotos, false), (heldOutPhotos, true)] {
            for p in list {
                let path = directory + "/" + p
                guard let f = try? VAEData.loadPhoto(path, size: frameSize) else { missing.append(path); continue }
                let clip = PixelClip(width: frameSize.width, height: frameSize.height, frames: [f], name: p)
                if held { r.heldOutPhotos.append(clip) } else { r.trainPhotos.append(clip) }
            }
        }
        return (r, missing)
    }

    /// The held-out evaluation set, (1,3,T,128,128) in [-1,1]: four 9-frame windows spread
    /// over each held-out video tail and each held-out photo, centre-cropped to 128x128.
    public func heldOutEvaluationClips() -> [Tensor] {
        var set: [Tensor] = []
        for clip in heldOutClips {
            let windows = 4, span = max(1, (clip.frames.count - 9) / windows)
            for k in 0..<windows where k * span + 9 <= clip.frames.count {
                let part = PixelClip(width: clip.width, height: clip.height,
                                     frames: Array(clip.frames[(k * span)..<(k * span + 9)]), name: clip.name)
                set.append(part.cropped(width: 128, height: 128).tensor())
            }
        }
        for p in heldOutPhotos { set.append(p.cropped(width: 128, height: 128).tensor()) }
        return set
    }
}
