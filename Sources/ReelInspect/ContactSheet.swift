// A contact sheet of a stream as one PNG: per clip, up to 16 frames (evenly
// spaced when the frame count is known, else the first 16), one row each.
// Pixel frames are shown as they are (gray, or RGB from the first three
// channels); latent frames as one gray tile per channel, each normalized to its
// channel's min..max over the clip; patchified clips are put back together from
// their tokens at their (t, h, w) positions (a position with no token stays
// background). Large frames are sampled down to at most 256 pixels a side,
// small ones enlarged to at least 128.
import ReelImage
import ReelStream

final class ContactSheet {
    static let maxFrames = 16
    static let maxSide = 256
    static let minSide = 128
    static let gap = 4
    static let background: UInt8 = 40

    /// One captured frame, sampled down: (C, h, w) as f32.
    final class Capture {
        let frame: Int
        var values: [Float]
        var filled: [Bool]
        init(frame: Int, count: Int) {
            self.frame = frame
            values = [Float](repeating: 0, count: count)
            filled = [Bool](repeating: false, count: count)
        }
    }

    /// What is kept of one clip.
    final class ClipFrames {
        let kind: FrameKind, dtype: DType
        let channels: Int, height: Int, width: Int
        /// Sampling step: every step-th row and column.
        let step: Int
        let h: Int, w: Int
        let wanted: Set<Int>?
        var captures: [Int: Capture] = [:]

        init(kind: FrameKind, dtype: DType, channels: Int, height: Int, width: Int, frames: Int) {
            self.kind = kind; self.dtype = dtype
            self.channels = channels; self.height = height; self.width = width
            step = max(1, (max(height, width) + ContactSheet.maxSide - 1) / ContactSheet.maxSide)
            h = (height + step - 1) / step; w = (width + step - 1) / step
            if frames > ContactSheet.maxFrames {
                wanted = Set((0..<ContactSheet.maxFrames).map { $0 * frames / ContactSheet.maxFrames })
            } else {
                wanted = nil   // the first maxFrames
            }
        }

        func capture(_ frame: Int) -> Capture? {
            if let c = captures[frame] { return c }
            if let wanted { guard wanted.contains(frame) else { return nil } } else {
                guard frame < ContactSheet.maxFrames else { return nil }
            }
            let c = Capture(frame: frame, count: channels * h * w)
            captures[frame] = c
            return c
        }
    }

    var clips: [UInt32: ClipFrames] = [:]

    /// Keeps a frame if it is one the sheet shows. `widen` turns samples to f32.
    func add(_ f: Frame, header: ClipHeader, widen: SampleWidener) {
        let clip = clips[f.clip] ?? ClipFrames(kind: header.kind, dtype: header.dtype, channels: header.channels,
                                                height: header.height, width: header.width, frames: header.frameCount)
        clips[f.clip] = clip
        guard let cap = clip.capture(f.index) else { return }
        let row = UnsafeMutablePointer<Float>.allocate(capacity: header.width)
        defer { row.deallocate() }
        for c in 0..<header.channels {
            for y in stride(from: 0, to: header.height, by: clip.step) {
                widen.widen(f.data.baseAddress!, from: (c * header.height + y) * header.width, count: header.width, into: row)
                let o = (c * clip.h + y / clip.step) * clip.w
                for x in stride(from: 0, to: header.width, by: clip.step) {
                    cap.values[o + x / clip.step] = row[x]
                    cap.filled[o + x / clip.step] = true
                }
            }
        }
    }

    /// Places the values of tokens that fall on shown frames.
    func add(_ b: TokenBlock, geometry g: PatchGeometry, kind: FrameKind, widen: SampleWidener) {
        let clip = clips[b.clip] ?? ClipFrames(kind: kind, dtype: g.dtype, channels: g.channels,
                                                height: g.height, width: g.width, frames: g.frames)
        clips[b.clip] = clip
        let token = UnsafeMutablePointer<Float>.allocate(capacity: g.tokenDim)
        defer { token.deallocate() }
        for i in 0..<b.count {
            let (t, h, w) = b.position(i)
            let frames = (0..<g.pt).map { clip.capture(Int(t) * g.pt + $0) }
            if frames.allSatisfy({ $0 == nil }) { continue }
            widen.widen(b.data.baseAddress!, from: i * g.tokenDim, count: g.tokenDim, into: token)
            var v = 0
            for c in 0..<g.channels {            // values in (c, dt, dy, dx) order
                for dt in 0..<g.pt {
                    for dy in 0..<g.ph {
                        for dx in 0..<g.pw {
                            let y = Int(h) * g.ph + dy, x = Int(w) * g.pw + dx
                            if let cap = frames[dt], y % clip.step == 0, x % clip.step == 0 {
                                let o = (c * clip.h + y / clip.step) * clip.w + x / clip.step
                                cap.values[o] = token[v]
                                cap.filled[o] = true
                            }
                            v += 1
                        }
                    }
                }
            }
        }
    }

    /// Renders the sheet; `range` gives a latent channel's (min, max) over its clip.
    func render(order: [UInt32], range: (UInt32, Int) -> (Float, Float)) throws -> PixelImage? {
        struct Row { let clip: ClipFrames; let id: UInt32; let capture: Capture }
        var rows: [Row] = []
        for id in order {
            guard let clip = clips[id] else { continue }
            for f in clip.captures.keys.sorted() { rows.append(Row(clip: clip, id: id, capture: clip.captures[f]!)) }
        }
        guard !rows.isEmpty else { return nil }
        func scale(_ c: ClipFrames) -> Int { max(1, ContactSheet.minSide / max(c.h, c.w)) }
        func tiles(_ c: ClipFrames) -> Int { c.kind == .pixels ? 1 : c.channels }
        let gap = ContactSheet.gap
        let width = rows.map { r in gap + tiles(r.clip) * (r.clip.w * scale(r.clip) + gap) }.max() ?? 1
        let height = rows.reduce(gap) { $0 + $1.clip.h * scale($1.clip) + gap }
        guard width <= PixelImage.maxSide && height <= PixelImage.maxSide else {
            throw InspectError("the contact sheet would be \(width)x\(height), more than \(PixelImage.maxSide) a side")
        }
        var rgb = [UInt8](repeating: ContactSheet.background, count: 3 * width * height)   // (3,H,W)
        let plane = width * height
        var top = gap
        for r in rows {
            let c = r.clip, s = scale(c), cap = r.capture
            for tile in 0..<tiles(c) {
                let left = gap + tile * (c.w * s + gap)
                // Each output channel k reads source channel src[k] and maps it to 0...255.
                let src: [Int]
                var lo: [Float] = [], hi: [Float] = []
                if c.kind == .pixels {
                    src = c.channels >= 3 ? [0, 1, 2] : [0, 0, 0]
                    let full: Float = c.dtype == .u8 ? 255 : c.dtype == .u16 ? 65535 : 1
                    lo = [0, 0, 0]; hi = [full, full, full]
                } else {
                    src = [tile, tile, tile]
                    let (a, b) = range(r.id, tile)
                    lo = [a, a, a]; hi = [b, b, b]
                }
                for y in 0..<(c.h * s) {
                    for x in 0..<(c.w * s) {
                        let o = (y / s) * c.w + x / s
                        let dst = (top + y) * width + left + x
                        for k in 0..<3 {
                            let i = src[k] * c.h * c.w + o
                            guard cap.filled[i] else { continue }
                            let span = hi[k] - lo[k]
                            let v = span > 0 ? (cap.values[i] - lo[k]) / span : 0.5
                            rgb[k * plane + dst] = v.isNaN ? 0 : UInt8(max(0, min(255, (v * 255).rounded())))
                        }
                    }
                }
            }
            top += c.h * s + gap
        }
        return try PixelImage(width: width, height: height, channels: 3, samples: .u8(rgb))
    }
}
