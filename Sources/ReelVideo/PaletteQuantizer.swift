// Median-cut colour quantisation for GIF frames: 256 colours per frame.
//
// Colours are binned at 5 bits per channel (32768 bins, each keeping its pixel
// count and RGB sums); the box of bins with the largest spread times count is
// split at its weighted median along its longest axis until there are 256
// boxes; each palette entry is its box's mean colour. Every bin then maps to
// its nearest entry (squared RGB distance). No dithering: the error stays
// local and measurable.

import ReelImage

/// A palette and per-pixel indices for one frame.
public struct QuantizedFrame: Sendable {
    /// Up to 256 colours as (r, g, b).
    public var palette: [(UInt8, UInt8, UInt8)]
    /// One palette index per pixel, row-major H×W.
    public var indices: [UInt8]
}

public enum PaletteQuantizer {
    private struct Bin {
        var key: Int
        var count: Int
        var r: Int, g: Int, b: Int
    }

    /// Quantises an 8-bit planar RGB image (3 channels) to at most `colours` colours.
    public static func quantize(_ image: PixelImage, colours: Int = 256) -> QuantizedFrame {
        let plane = image.planeSize
        guard case .u8(let s) = image.samples, image.channels == 3 else {
            return QuantizedFrame(palette: [(0, 0, 0)], indices: [UInt8](repeating: 0, count: plane))
        }
        var count = [Int](repeating: 0, count: 32768)
        var sumR = [Int](repeating: 0, count: 32768), sumG = sumR, sumB = sumR
        var keys = [Int](repeating: 0, count: plane)
        for i in 0..<plane {
            let r = Int(s[i]), g = Int(s[plane + i]), b = Int(s[2 * plane + i])
            let k = ((r >> 3) << 10) | ((g >> 3) << 5) | (b >> 3)
            keys[i] = k
            count[k] += 1
            sumR[k] += r
            sumG[k] += g
            sumB[k] += b
        }
        var bins: [Bin] = []
        for k in 0..<32768 where count[k] > 0 {
            bins.append(Bin(key: k, count: count[k], r: sumR[k] / count[k], g: sumG[k] / count[k], b: sumB[k] / count[k]))
        }
        // Boxes are ranges of `bins`, reordered in place as they split; each
        // keeps its longest axis and split priority (range² × pixels).
        struct Box { var range: Range<Int>; var axis: Int; var score: Int }
        func makeBox(_ r: Range<Int>) -> Box {
            var lo = (255, 255, 255), hi = (0, 0, 0), w = 0
            for i in r {
                let b = bins[i]
                lo = (min(lo.0, b.r), min(lo.1, b.g), min(lo.2, b.b))
                hi = (max(hi.0, b.r), max(hi.1, b.g), max(hi.2, b.b))
                w += b.count
            }
            let ranges = [hi.0 - lo.0, hi.1 - lo.1, hi.2 - lo.2]
            let axis = ranges.firstIndex(of: ranges.max() ?? 0) ?? 0
            let score = r.count > 1 ? ranges[axis] * ranges[axis] * w : 0
            return Box(range: r, axis: axis, score: score)
        }
        var boxes: [Box] = [makeBox(0..<bins.count)]
        while boxes.count < colours {
            var best = -1, bestScore = 0
            for (n, box) in boxes.enumerated() where box.score > bestScore { best = n; bestScore = box.score }
            if best < 0 { break }
            let box = boxes[best].range
            let axis = boxes[best].axis
            bins[box].sort { a, b in
                let x = axis == 0 ? a.r : axis == 1 ? a.g : a.b
                let y = axis == 0 ? b.r : axis == 1 ? b.g : b.b
                return x < y
            }
            let total = bins[box].reduce(0) { $0 + $1.count }
            var acc = 0, cut = box.lowerBound + 1
            for i in box {
                acc += bins[i].count
                if acc * 2 >= total { cut = min(max(i + 1, box.lowerBound + 1), box.upperBound - 1); break }
            }
            boxes[best] = makeBox(box.lowerBound..<cut)
            boxes.append(makeBox(cut..<box.upperBound))
        }
        var palette: [(UInt8, UInt8, UInt8)] = []
        for box in boxes.map(\.range) {
            var n = 0, r = 0, g = 0, b = 0
            for i in box {
                n += bins[i].count
                r += bins[i].r * bins[i].count
                g += bins[i].g * bins[i].count
                b += bins[i].b * bins[i].count
            }
            let d = max(n, 1)
            palette.append((UInt8((r + d / 2) / d), UInt8((g + d / 2) / d), UInt8((b + d / 2) / d)))
        }
        if palette.isEmpty { palette = [(0, 0, 0)] }
        // Nearest palette entry for every used bin, from the bin's mean colour.
        var lookup = [UInt8](repeating: 0, count: 32768)
        for bin in bins {
            var best = 0, bestD = Int.max
            for (j, p) in palette.enumerated() {
                let dr = bin.r - Int(p.0), dg = bin.g - Int(p.1), db = bin.b - Int(p.2)
                let d = dr * dr + dg * dg + db * db
                if d < bestD { bestD = d; best = j }
            }
            lookup[bin.key] = UInt8(best)
        }
        return QuantizedFrame(palette: palette, indices: keys.map { lookup[$0] })
    }
}
