// Latent clips in reel(5) streams: pixel clips to latent clips (reel-encode's default
// mode) and back (reel-decode), frame by frame in bounded memory. Records of other
// kinds (prov, text, meta, ...) and clips already of the wanted kind pass through.
//
// A latent clip's HEAD: kind latents, dtype f32, channels Z, width x height the
// latent grid (the source size rounded up to a multiple of the spatial factor, over
// s), spatialFactor s, temporalFactor 4, sourceWidth x sourceHeight the pixel size,
// firstFrameAlone, model = the VAE's id; frameCount = 1 + ceil((T-1)/4) when the
// pixel clip's T is known, else 0. Latent frame n covers video frames 4n-3...4n
// (frame 0 alone). A frame size not divisible by s is padded by repeating the edge
// pixels and cropped back on decoding; a last partial group of frames is completed
// with copies of the last frame. So that decoding gives back exactly the frames that
// went in, the encoder writes a `meta` record with key `source-frames` and value
// "CLIP FRAMES" (the pixel clip's frame count): before the latent HEAD when the count
// is known up front, after the clip's last latent frame otherwise (a later one
// overrides an earlier). The decoder consumes it and drops the padding frames.

import ReelSystem
import ReelStream

/// The `meta` record that carries a latent clip's source frame count.
public enum SourceFrames {
    public static let key = "source-frames"
    public static func record(clip: UInt32, frames: Int) -> Record {
        Metadata(key: key, value: "\(clip) \(frames)").record
    }
    /// (clip, frames) of a `source-frames` value, nil when malformed.
    public static func parse(_ value: String) -> (clip: UInt32, frames: Int)? {
        let parts = value.split(separator: " ")
        guard parts.count == 2, let c = UInt32(parts[0]), let n = Int(parts[1]), n >= 1 else { return nil }
        return (c, n)
    }
}

public enum LatentStreamError: Error, CustomStringConvertible {
    case badClip(String)
    public var description: String { switch self { case .badClip(let s): s } }
}

/// Pixel clips -> latent clips.
public final class LatentClipEncoder {
    let model: CausalVideoVAE
    let chunkLatents: Int
    /// Called after each pixel frame is encoded with the count so far and the clip's announced
    /// frame count (0 when unknown): reel-encode's progress line on a terminal.
    public var progress: ((Int, Int) -> Void)?
    struct Open {
        var header: ClipHeader
        var encoder: VAEStreamEncoder
        var nextPixelFrame = 0
        var nextLatent = 0
    }
    var open: [UInt32: Open] = [:]
    var order: [UInt32] = []

    public init(model: CausalVideoVAE, chunkLatents: Int = 4) {
        self.model = model
        self.chunkLatents = chunkLatents
    }

    /// The latent HEAD for a pixel clip's HEAD.
    public func latentHeader(for h: ClipHeader) -> ClipHeader {
        let s = model.config.spatialFactor
        let w = (h.width + s - 1) / s, hh = (h.height + s - 1) / s
        return ClipHeader(clip: h.clip, kind: .latents, dtype: .f32, channels: model.config.latentChannels,
                          width: w, height: hh, fps: h.fps,
                          frameCount: CausalVideoVAE.latentFrames(forVideoFrames: h.frameCount),
                          spatialFactor: s, temporalFactor: model.config.temporalFactor,
                          sourceWidth: h.width, sourceHeight: h.height, firstFrameAlone: true, model: model.config.id)
    }

    /// Reads every record of `reader`, writing latent clips for pixel clips and the rest unchanged
    /// (not DONE: the caller finishes the stream).
    public func run(_ reader: StreamReader, to writer: StreamWriter) throws {
        var state = StreamState()
        while let record = try reader.next() {
            let decoded = try state.decode(record, index: reader.recordIndex)
            switch decoded {
            case .header(let h) where h.kind == .pixels:
                guard h.channels == 3 || h.channels == 1, h.dtype == .u8 || h.dtype == .u16 else {
                    throw LatentStreamError.badClip("clip \(h.clip) has \(h.channels)-channel \(h.dtype) pixels; latent encoding takes u8 or u16 RGB or gray")
                }
                let lh = latentHeader(for: h)
                let s = model.config.spatialFactor
                let enc = try VAEStreamEncoder(model: model, width: lh.width * s, height: lh.height * s, chunkLatents: chunkLatents)
                open[h.clip] = Open(header: h, encoder: enc)
                order.append(h.clip)
                if h.frameCount > 0 { try writer.write(SourceFrames.record(clip: h.clip, frames: h.frameCount)) }
                try writer.write(lh.record)
            case .patchGeometry(let g) where open[g.clip] != nil:
                throw LatentStreamError.badClip("clip \(g.clip) is cut into patches (a PTCH record); latent encoding needs its pixel frames: run reel-unpatchify first")
            case .frame(let f) where open[f.clip] != nil:
                guard var o = open[f.clip] else { continue }
                guard f.index == o.nextPixelFrame else {
                    throw LatentStreamError.badClip("clip \(f.clip): frame \(f.index) follows frame \(o.nextPixelFrame - 1); latent encoding needs every frame from 0 in order (use --pixels for a canvas with gaps)")
                }
                o.nextPixelFrame += 1
                progress?(o.nextPixelFrame, o.header.frameCount)
                let unit = unitFrame(f, header: o.header, width: o.encoder.width, height: o.encoder.height)
                let latents = o.encoder.push(unit)
                try write(latents, clip: f.clip, open: &o, to: writer)
                open[f.clip] = o
            default:
                try writer.write(record)
            }
        }
        for clip in order {
            guard var o = open[clip] else { continue }
            try write(o.encoder.finish(), clip: clip, open: &o, to: writer)
            if o.nextPixelFrame != o.header.frameCount && o.nextPixelFrame > 0 {
                try writer.write(SourceFrames.record(clip: clip, frames: o.nextPixelFrame))
            }
            open[clip] = nil
        }
    }

    func write(_ latents: [[Float]], clip: UInt32, open o: inout Open, to writer: StreamWriter) throws {
        for l in latents {
            let frame = Frame(clip: clip, index: o.nextLatent, byteCount: l.count * 4)
            let dst = frame.mutableData
            for (i, v) in l.enumerated() { dst.storeBytes(of: v.bitPattern.littleEndian, toByteOffset: i * 4, as: UInt32.self) }
            try writer.write(frame.record)
            o.nextLatent += 1
        }
    }

    /// A pixel frame as (3,H',W') Float in [-1,1], gray replicated, padded by edge repetition to H'xW'
    /// (reel-storyboard encodes its media cards' frames with it).
    public func unitFrame(_ f: Frame, header h: ClipHeader, width: Int, height: Int) -> [Float] {
        let data = f.data, plane = h.width * h.height
        var out = [Float](repeating: 0, count: 3 * width * height)
        let scale: Float = h.dtype == .u8 ? 2.0 / 255.0 : 2.0 / 65535.0
        for c in 0..<3 {
            let sc = h.channels == 1 ? 0 : c
            for y in 0..<height {
                let sy = min(y, h.height - 1)
                for x in 0..<width {
                    let sx = min(x, h.width - 1)
                    let i = sc * plane + sy * h.width + sx
                    let v: Float
                    if h.dtype == .u8 {
                        v = Float(data[i])
                    } else {
                        v = Float(UInt16(data[2 * i]) | UInt16(data[2 * i + 1]) << 8)
                    }
                    out[(c * height + y) * width + x] = v * scale - 1
                }
            }
        }
        return out
    }
}

/// Latent clips -> u8 RGB pixel clips. `resolve` gives the network for a clip's model id
/// (it may refuse an id it does not have).
public final class LatentClipDecoder {
    let resolve: (ClipHeader) throws -> CausalVideoVAE
    let chunkLatents: Int
    /// Which latent clips to decode; the others pass through as they are (their network is not
    /// looked for): reel-decode --clip decodes one clip whatever the others need.
    public var decodes: (ClipHeader) -> Bool = { _ in true }
    struct Open {
        var latentHeader: ClipHeader
        var pixelHeader: ClipHeader
        var decoder: VAEStreamDecoder
        var nextLatent = 0
        var nextFrame = 0
        /// Decoded frames held back: the last latent frame may hold up to 3 padding frames.
        var pending: [[Float]] = []
    }
    var open: [UInt32: Open] = [:]
    var order: [UInt32] = []
    /// Source frame counts from `source-frames` meta records, by clip.
    var sourceFrames: [UInt32: Int] = [:]

    public init(chunkLatents: Int = 4, resolve: @escaping (ClipHeader) throws -> CausalVideoVAE) {
        self.resolve = resolve
        self.chunkLatents = chunkLatents
    }

    public func run(_ reader: StreamReader, to writer: StreamWriter) throws {
        var state = StreamState()
        while let record = try reader.next() {
            switch try state.decode(record, index: reader.recordIndex) {
            case .header(let h) where h.kind == .latents && decodes(h):
                let model = try resolve(h)
                let c = model.config
                guard h.dtype == .f32 || h.dtype == .f16, h.channels == c.latentChannels, h.spatialFactor == c.spatialFactor,
                      h.temporalFactor == c.temporalFactor, h.firstFrameAlone else {
                    throw LatentStreamError.badClip("clip \(h.clip): latents of \(h.channels) channels \(h.dtype), factors \(h.spatialFactor)/\(h.temporalFactor)\(h.firstFrameAlone ? "" : ", first frame not alone") do not fit the VAE \(c.id) (\(c.latentChannels) channels f32 or f16, factors \(c.spatialFactor)/\(c.temporalFactor))")
                }
                guard h.sourceWidth <= h.width * c.spatialFactor, h.sourceHeight <= h.height * c.spatialFactor,
                      h.sourceWidth > 0, h.sourceHeight > 0 else {
                    throw LatentStreamError.badClip("clip \(h.clip): source size \(h.sourceWidth)x\(h.sourceHeight) does not fit a \(h.width)x\(h.height) latent grid at factor \(c.spatialFactor)")
                }
                let ph = ClipHeader(clip: h.clip, kind: .pixels, dtype: .u8, channels: 3, width: h.sourceWidth,
                                    height: h.sourceHeight, fps: h.fps,
                                    frameCount: sourceFrames[h.clip] ?? CausalVideoVAE.videoFrames(forLatentFrames: h.frameCount))
                let dec = VAEStreamDecoder(model: model, latentWidth: h.width, latentHeight: h.height, chunkLatents: chunkLatents)
                open[h.clip] = Open(latentHeader: h, pixelHeader: ph, decoder: dec)
                order.append(h.clip)
                try writer.write(ph.record)
            case .frame(let f) where open[f.clip] != nil:
                guard var o = open[f.clip] else { continue }
                guard f.index == o.nextLatent else {
                    throw LatentStreamError.badClip("clip \(f.clip): latent frame \(f.index) follows frame \(o.nextLatent - 1); decoding needs every latent frame from 0 in order")
                }
                o.nextLatent += 1
                let latent = floats(f, dtype: o.latentHeader.dtype)
                guard latent.allSatisfy({ $0.isFinite }) else {
                    throw LatentStreamError.badClip("clip \(f.clip): latent frame \(f.index) holds a non-finite value")
                }
                try write(o.decoder.push(latent), open: &o, to: writer)
                open[f.clip] = o
            case .metadata(let m) where m.key == SourceFrames.key:
                guard let (clip, n) = SourceFrames.parse(m.value) else {
                    throw LatentStreamError.badClip("meta record \(SourceFrames.key) = \"\(m.value)\" is not \"CLIP FRAMES\"")
                }
                sourceFrames[clip] = n
            case .partial(let n):
                throw LatentStreamError.badClip("record \(reader.recordIndex): clip \(n.clip) is only partly denoised (a PART record: its latent frames still hold noise); finish it with reel-denoise, then decode")
            default:
                try writer.write(record)
            }
        }
        for clip in order {
            guard var o = open[clip] else { continue }
            try write(o.decoder.finish(), open: &o, to: writer, last: true)
            open[clip] = nil
        }
    }

    func floats(_ f: Frame, dtype: DType) -> [Float] {
        let d = f.data
        if dtype == .f32 {
            return (0..<(d.count / 4)).map { Float(bitPattern: UInt32(littleEndian: d.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
        }
        return (0..<(d.count / 2)).map { Float(Float16(bitPattern: UInt16(littleEndian: d.loadUnaligned(fromByteOffset: $0 * 2, as: UInt16.self)))) }
    }

    /// Writes decoded frames, holding the newest 3 back until the clip ends; then
    /// drops those past the clip's source frame count (the encoder's padding).
    func write(_ frames: [[Float]], open o: inout Open, to writer: StreamWriter, last: Bool = false) throws {
        o.pending += frames
        var ready: [[Float]] = []
        if last {
            let limit = sourceFrames[o.pixelHeader.clip].map { max(0, $0 - o.nextFrame) } ?? o.pending.count
            ready = Array(o.pending.prefix(limit))
            o.pending = []
        } else if o.pending.count > 3 {
            ready = Array(o.pending.prefix(o.pending.count - 3))
            o.pending.removeFirst(ready.count)
        }
        let w = o.pixelHeader.width, h = o.pixelHeader.height, fullW = o.decoder.width, fullH = o.decoder.height
        for f in ready {
            let frame = Frame(clip: o.pixelHeader.clip, index: o.nextFrame, byteCount: 3 * w * h)
            let dst = frame.mutableData
            for c in 0..<3 { for y in 0..<h { for x in 0..<w {
                dst[(c * h + y) * w + x] = unitToPixel(f[(c * fullH + y) * fullW + x])
            } } }
            try writer.write(frame.record)
            o.nextFrame += 1
        }
    }
}

extension LatentStreamError: ReelError {
    public var kind: ErrorKind { .badData }
}
