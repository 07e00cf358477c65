// Resizing: separable resampling with filters stretched when shrinking (so a
// downscale averages every source pixel it covers, like an area filter, and
// never aliases), and --fit geometry for crop, pad and stretch.
//
// The kernel scheme follows Pillow's ImagingResample: for output pixel i the
// centre in source coordinates is box.x + (i + 0.5) * scale; a filter of
// support s reaches s * max(scale, 1) source pixels either side; weights are
// normalised to sum to 1. Results are rounded and clamped to the sample range.

/// Resampling filters.
public enum ResampleFilter: String, Sendable, CaseIterable {
    /// Box: pure area averaging when shrinking, nearest neighbour when enlarging.
    case box
    /// Triangle: bilinear when enlarging, area-weighted when shrinking.
    case bilinear
    /// Lanczos with a = 3: the sharpest; may overshoot near edges (clamped).
    case lanczos3

    var support: Double {
        switch self {
        case .box: 0.5
        case .bilinear: 1
        case .lanczos3: 3
        }
    }

    func weight(_ x: Double) -> Double {
        switch self {
        case .box:
            return (x > -0.5 && x <= 0.5) ? 1 : 0
        case .bilinear:
            let a = abs(x)
            return a < 1 ? 1 - a : 0
        case .lanczos3:
            if x == 0 { return 1 }
            let a = abs(x)
            if a >= 3 { return 0 }
            let px = Double.pi * x
            return 3 * sin(px) * sin(px / 3) / (px * px)
        }
    }
}

/// How an image is brought to a target size whose aspect ratio differs.
public enum FitMode: String, Sendable, CaseIterable {
    /// Scale to cover the target, cut the overflow equally from both sides.
    case crop
    /// Scale to fit inside the target, fill the rest with zero samples
    /// (black; transparent where there is alpha), image centred.
    case pad
    /// Scale each axis independently; the aspect ratio changes.
    case stretch
}

/// A target size, parsed from `WxH`.
public struct ImageSize: Sendable, Equatable, CustomStringConvertible {
    public var width: Int
    public var height: Int
    public init(width: Int, height: Int) {
        self.width = width
        self.height = height
    }
    /// Parses `64x64` (also `64X64`); sides 1 to PixelImage.maxSide.
    public init(parsing text: String) throws {
        let parts = text.split(separator: "x", omittingEmptySubsequences: false).flatMap { $0.split(separator: "X", omittingEmptySubsequences: false) }
        guard parts.count == 2, let w = Int(parts[0]), let h = Int(parts[1]) else {
            throw MediaError.invalidArgument("size '\(text)' is not WIDTHxHEIGHT (e.g. 64x64)")
        }
        guard (1...PixelImage.maxSide).contains(w), (1...PixelImage.maxSide).contains(h) else {
            throw MediaError.invalidArgument("size '\(text)' is out of range; each side must be 1 to \(PixelImage.maxSide)")
        }
        width = w
        height = h
    }
    public var description: String { "\(width)x\(height)" }
}

/// Where a fitted image comes from and goes to.
public struct FitLayout: Sendable, Equatable {
    /// The region of the source that is resampled (source pixel units).
    public var sourceX: Double, sourceY: Double, sourceWidth: Double, sourceHeight: Double
    /// The rectangle of the output it fills (the rest is padding).
    public var destX: Int, destY: Int, destWidth: Int, destHeight: Int

    /// The layout for fitting a width×height source into `target`.
    public static func compute(sourceWidth w: Int, sourceHeight h: Int, target: ImageSize, mode: FitMode) -> FitLayout {
        let tw = Double(target.width), th = Double(target.height)
        let sw = Double(w), sh = Double(h)
        switch mode {
        case .stretch:
            return FitLayout(sourceX: 0, sourceY: 0, sourceWidth: sw, sourceHeight: sh,
                             destX: 0, destY: 0, destWidth: target.width, destHeight: target.height)
        case .crop:
            let scale = max(tw / sw, th / sh)
            let bw = min(sw, tw / scale), bh = min(sh, th / scale)
            return FitLayout(sourceX: (sw - bw) / 2, sourceY: (sh - bh) / 2, sourceWidth: bw, sourceHeight: bh,
                             destX: 0, destY: 0, destWidth: target.width, destHeight: target.height)
        case .pad:
            let scale = min(tw / sw, th / sh)
            let dw = min(target.width, max(1, Int((sw * scale).rounded())))
            let dh = min(target.height, max(1, Int((sh * scale).rounded())))
            return FitLayout(sourceX: 0, sourceY: 0, sourceWidth: sw, sourceHeight: sh,
                             destX: (target.width - dw) / 2, destY: (target.height - dh) / 2, destWidth: dw, destHeight: dh)
        }
    }
}

/// Separable image resampling.
public enum Resampler {
    /// Per-output-pixel taps: first source index, tap count, and weights
    /// (`maxTaps` per output pixel, zero-filled).
    struct Kernel {
        var first: [Int]
        var count: [Int]
        var weights: [Float]
        var maxTaps: Int
    }

    static func kernel(inSize: Int, outSize: Int, boxStart: Double, boxSize: Double, filter: ResampleFilter) -> Kernel {
        let scale = boxSize / Double(outSize)
        let filterScale = max(scale, 1)
        let support = filter.support * filterScale
        let maxTaps = Int((support * 2).rounded(.up)) + 2
        var first = [Int](repeating: 0, count: outSize)
        var count = [Int](repeating: 0, count: outSize)
        var weights = [Float](repeating: 0, count: outSize * maxTaps)
        for i in 0..<outSize {
            let centre = boxStart + (Double(i) + 0.5) * scale
            var lo = Int((centre - support).rounded(.down))
            var hi = Int((centre + support).rounded(.up))
            lo = max(lo, 0)
            hi = min(hi, inSize)
            if hi - lo > maxTaps { hi = lo + maxTaps }
            var w = [Double]()
            var total = 0.0
            for j in lo..<max(hi, lo) {
                let v = filter.weight((Double(j) + 0.5 - centre) / filterScale)
                w.append(v)
                total += v
            }
            if w.isEmpty || total == 0 {
                // The box fell between taps (tiny boxes with the box filter): nearest pixel.
                let nearest = min(max(Int(centre), 0), inSize - 1)
                first[i] = nearest
                count[i] = 1
                weights[i * maxTaps] = 1
                continue
            }
            first[i] = lo
            count[i] = w.count
            for (k, v) in w.enumerated() { weights[i * maxTaps + k] = Float(v / total) }
        }
        return Kernel(first: first, count: count, weights: weights, maxTaps: maxTaps)
    }

    /// Resamples the `layout` source box of `image` to destWidth×destHeight and
    /// places it on a zero canvas of `canvas` size.
    public static func resample(_ image: PixelImage, layout: FitLayout, canvas: ImageSize,
                                filter: ResampleFilter = .lanczos3) throws -> PixelImage {
        let out = resample(planes: image.floatPlanes(), width: image.width, height: image.height, channels: image.channels,
                           layout: layout, canvas: canvas, filter: filter)
        return try PixelImage(floatPlanes: out, width: canvas.width, height: canvas.height, channels: image.channels, depth: image.depth)
    }

    /// The float core: planar (C,H,W) in, planar (C,canvasH,canvasW) out, unrounded.
    public static func resample(planes src: [Float], width w: Int, height h: Int, channels cN: Int,
                                layout: FitLayout, canvas: ImageSize, filter: ResampleFilter) -> [Float] {
        let ow = layout.destWidth, oh = layout.destHeight
        let kx = kernel(inSize: w, outSize: ow, boxStart: layout.sourceX, boxSize: layout.sourceWidth, filter: filter)
        let ky = kernel(inSize: h, outSize: oh, boxStart: layout.sourceY, boxSize: layout.sourceHeight, filter: filter)
        // Only the source rows some output row reads need the horizontal pass.
        let rowLo = ky.first.min() ?? 0
        let rowHi = zip(ky.first, ky.count).map { $0 + $1 }.max() ?? h
        var tmp = [Float](repeating: 0, count: cN * h * ow)  // (C,H,ow)
        var out = [Float](repeating: 0, count: cN * canvas.height * canvas.width)  // (C,canvasH,canvasW)
        src.withUnsafeBufferPointer { s in
            tmp.withUnsafeMutableBufferPointer { t in
                kx.weights.withUnsafeBufferPointer { wx in
                    for c in 0..<cN {
                        for y in rowLo..<rowHi {
                            let row = (c * h + y) * w
                            let trow = (c * h + y) * ow
                            for x in 0..<ow {
                                let f = kx.first[x], n = kx.count[x], wb = x * kx.maxTaps
                                var acc: Float = 0
                                for k in 0..<n { acc += s[row + f + k] * wx[wb + k] }
                                t[trow + x] = acc
                            }
                        }
                    }
                }
            }
        }
        tmp.withUnsafeBufferPointer { t in
            out.withUnsafeMutableBufferPointer { o in
                ky.weights.withUnsafeBufferPointer { wy in
                    for c in 0..<cN {
                        for y in 0..<oh {
                            let f = ky.first[y], n = ky.count[y], wb = y * ky.maxTaps
                            let orow = (c * canvas.height + layout.destY + y) * canvas.width + layout.destX
                            for k in 0..<n {
                                let wk = wy[wb + k]
                                let trow = (c * h + f + k) * ow
                                for x in 0..<ow { o[orow + x] += t[trow + x] * wk }
                            }
                        }
                    }
                }
            }
        }
        return out
    }

    /// Brings `image` to `size` with the given fit; an image already that size is returned unchanged.
    public static func fit(_ image: PixelImage, to size: ImageSize, mode: FitMode,
                           filter: ResampleFilter = .lanczos3) throws -> PixelImage {
        if image.width == size.width && image.height == size.height { return image }
        let layout = FitLayout.compute(sourceWidth: image.width, sourceHeight: image.height, target: size, mode: mode)
        return try resample(image, layout: layout, canvas: size, filter: filter)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
