// Segmenting one frame into the world's object colours.
//
// A pixel farther than `foregroundDistance` from its row's background segment
// belongs to an object. Drawn shapes are anti-aliased, so an edge pixel is a
// mix p = g + a (c - g) of the background colour g under it and the object's
// colour c with coverage a. For each palette colour c the background allows,
// the pixel's coverage is the projection of p - g on c - g (clamped to 0-1)
// and its residual the distance from p to that mix; the pixel goes to the
// colour with the smallest residual if that residual is within
// `colorTolerance` (60 in RGB: below the 80 by which an object's colour
// differs from its background, and below the gaps between the palette's
// colours, so a pixel is never taken for two). Moments are coverage-weighted,
// which makes the centroid of a drawn shape its centre (the renderer's
// coverage is unbiased).

import ReelWorld

/// One colour's pixels in one frame.
public struct Blob: Sendable {
    /// Sum of coverage: the area in pixels.
    public var area: Double = 0
    public var cx: Double = 0, cy: Double = 0
    /// Pixel bounding box of pixels covered at least half.
    public var minX = Int.max, maxX = Int.min, minY = Int.max, maxY = Int.min
    /// Sum of coverage times squared distance from the centroid.
    public var polar: Double = 0
    /// Coverage-weighted angular moments of order 3, 4 and 5 (re, im), r^2-weighted:
    /// sum a r^2 e^{ik theta}; divided by `polar` they measure k-fold symmetry.
    public var moment: [SIMD2<Double>] = [.zero, .zero, .zero]
    /// Largest distance from the centroid to the centre of a pixel covered at least half.
    public var radius: Double = 0
    /// Touches the frame's border (the object may be cut off).
    public var touchesEdge = false
    /// Mean colour of pixels covered fully (a > 0.9).
    public var interior = SIMD3<Double>(repeating: 0)
    public var interiorCount = 0

    public var isEmpty: Bool { area <= 0 }

    /// |M_k| / polar for k = 3, 4, 5.
    public func symmetry(_ k: Int) -> Double {
        guard polar > 0 else { return 0 }
        let m = moment[k - 3]
        return (m.x * m.x + m.y * m.y).squareRoot() / polar
    }

    /// The orientation angle of the k-fold moment, in radians of the shape (period 2 pi / k).
    public func orientation(_ k: Int) -> Double {
        let m = moment[k - 3]
        return atan2Approx(m.y, m.x) / Double(k)
    }

    /// polar / area^2: 1/(2 pi) for a disc, 1/6 for a square, larger for pointed shapes.
    public var spread: Double { area > 0 ? polar / (area * area) : 0 }

    func overlaps(_ o: Blob, margin: Int = 1) -> Bool {
        !(isEmpty || o.isEmpty) && minX - margin <= o.maxX && o.minX - margin <= maxX
            && minY - margin <= o.maxY && o.minY - margin <= maxY
    }
}

@inline(__always) func atan2Approx(_ y: Double, _ x: Double) -> Double {
    #if canImport(Glibc)
    return Glibc.atan2(y, x)
    #else
    return Darwin.atan2(y, x)
    #endif
}
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

struct FrameSegmenter {
    let model: BackgroundModel
    let colors: [ObjectColor]
    let palette: [SIMD3<Float>]

    static let foregroundDistance: Float = 24
    static let colorTolerance: Float = 60

    init(model: BackgroundModel) {
        self.model = model
        colors = model.background.allowedColors
        palette = colors.map { SIMD3(Float($0.rgb.r), Float($0.rgb.g), Float($0.rgb.b)) }
    }

    /// One blob per allowed colour (empty where the colour is absent). `label`
    /// and `coverage` are scratch buffers of W*H.
    func segment(_ frame: [UInt8], label: inout [UInt8], coverage: inout [Float]) -> [Blob] {
        let W = model.width, H = model.height, plane = W * H
        if label.count != plane { label = [UInt8](repeating: 255, count: plane); coverage = [Float](repeating: 0, count: plane) }
        var blobs = [Blob](repeating: Blob(), count: colors.count)
        var sx = [Double](repeating: 0, count: colors.count), sy = sx
        frame.withUnsafeBufferPointer { f in
            label.withUnsafeMutableBufferPointer { lab in
                coverage.withUnsafeMutableBufferPointer { cov in
                    for y in 0..<H {
                        for x in 0..<W {
                            let p = y * W + x
                            let px = SIMD3(Float(f[p]), Float(f[plane + p]), Float(f[2 * plane + p]))
                            let (g, dist) = model.nearest(px, row: y)
                            lab[p] = 255
                            cov[p] = 0
                            guard dist > FrameSegmenter.foregroundDistance else { continue }
                            var best = Float.infinity, bestK = -1, bestA: Float = 0
                            for k in 0..<palette.count {
                                let d = palette[k] - g
                                let dd = (d * d).sum()
                                let a = max(0, min(1, ((px - g) * d).sum() / dd))
                                let e = px - (g + a * d)
                                let r = (e * e).sum()
                                if r < best { best = r; bestK = k; bestA = a }
                            }
                            guard bestK >= 0, best.squareRoot() <= FrameSegmenter.colorTolerance, bestA > 0 else { continue }
                            lab[p] = UInt8(bestK)
                            cov[p] = bestA
                            let a = Double(bestA)
                            blobs[bestK].area += a
                            sx[bestK] += a * (Double(x) + 0.5)
                            sy[bestK] += a * (Double(y) + 0.5)
                            if bestA >= 0.5 {
                                blobs[bestK].minX = min(blobs[bestK].minX, x); blobs[bestK].maxX = max(blobs[bestK].maxX, x)
                                blobs[bestK].minY = min(blobs[bestK].minY, y); blobs[bestK].maxY = max(blobs[bestK].maxY, y)
                            }
                            if bestA > 0.9 {
                                blobs[bestK].interior += SIMD3(Double(px.x), Double(px.y), Double(px.z))
                                blobs[bestK].interiorCount += 1
                            }
                        }
                    }
                }
            }
        }
        for k in blobs.indices where blobs[k].area > 0 {
            blobs[k].cx = sx[k] / blobs[k].area
            blobs[k].cy = sy[k] / blobs[k].area
            if blobs[k].interiorCount > 0 { blobs[k].interior /= Double(blobs[k].interiorCount) }
            let b = blobs[k]
            if b.minX <= b.maxX {
                blobs[k].touchesEdge = b.minX == 0 || b.minY == 0 || b.maxX == W - 1 || b.maxY == H - 1
            }
        }
        // Second pass: moments about each centroid, over each blob's box (grown by one pixel for edges).
        label.withUnsafeBufferPointer { lab in
            coverage.withUnsafeBufferPointer { cov in
                for k in blobs.indices where blobs[k].area > 0 && blobs[k].minX <= blobs[k].maxX {
                    var b = blobs[k]
                    let x0 = max(0, b.minX - 1), x1 = min(W - 1, b.maxX + 1)
                    let y0 = max(0, b.minY - 1), y1 = min(H - 1, b.maxY + 1)
                    var polar = 0.0, radius = 0.0
                    var m3 = SIMD2<Double>.zero, m4 = m3, m5 = m3
                    for y in y0...y1 {
                        for x in x0...x1 {
                            let p = y * W + x
                            guard lab[p] == UInt8(k) else { continue }
                            let a = Double(cov[p])
                            let dx = Double(x) + 0.5 - b.cx, dy = Double(y) + 0.5 - b.cy
                            let r2 = dx * dx + dy * dy
                            polar += a * r2
                            if a >= 0.5 { radius = max(radius, r2) }
                            guard r2 > 1e-9 else { continue }
                            // z^k / r^(k-2) with z = dx + i dy.
                            let z2 = SIMD2(dx * dx - dy * dy, 2 * dx * dy)
                            let z3 = SIMD2(z2.x * dx - z2.y * dy, z2.x * dy + z2.y * dx)
                            let z4 = SIMD2(z3.x * dx - z3.y * dy, z3.x * dy + z3.y * dx)
                            let z5 = SIMD2(z4.x * dx - z4.y * dy, z4.x * dy + z4.y * dx)
                            let r = r2.squareRoot()
                            m3 += a * z3 / r
                            m4 += a * z4 / r2
                            m5 += a * z5 / (r2 * r)
                        }
                    }
                    b.polar = polar
                    b.radius = radius.squareRoot()
                    b.moment = [m3, m4, m5]
                    blobs[k] = b
                }
            }
        }
        return blobs
    }
}
