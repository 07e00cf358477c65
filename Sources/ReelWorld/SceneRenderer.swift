// Drawing a Scene: RGB u8 frames, (H,W,3) row-major, no compression.
//
// Backgrounds are exact per pixel (gradients per row; checker and stripes
// box-filtered horizontally so a sub-pixel pan moves them smoothly). Shapes
// are anti-aliased analytically: coverage = clamp(0.5 - signed distance from
// the pixel centre to the outline, 0, 1). Colours mix linearly in sRGB:
// out = under + (colour - under) * coverage.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One object as drawn in one frame: its outline in frame pixels.
public struct DrawnShape: Sendable {
    public let color: RGB
    /// Pixel bounding box (inclusive) that holds every pixel the shape touches, clipped to the frame.
    public let minX: Int, maxX: Int, minY: Int, maxY: Int
    let isCircle: Bool
    /// min(1, area in pixels): a shape smaller than a pixel covers no more than its area.
    let maxCoverage: Double
    let cx: Double, cy: Double, radius: Double
    let xs: [Double], ys: [Double]

    init(_ o: SceneObject, frame i: Int, width: Int, height: Int) {
        color = o.rgb
        let w = o.drawnWidth(frame: i)
        let x0 = o.center[i].x, y0 = o.center[i].y
        cx = x0
        cy = y0
        if let unit = ShapeGeometry.outline(o.shape) {
            isCircle = false
            radius = 0
            let c = cos(o.rotation[i]), s = sin(o.rotation[i])
            xs = unit.map { x0 + w * (c * $0.x - s * $0.y) }
            ys = unit.map { y0 + w * (s * $0.x + c * $0.y) }
        } else {
            isCircle = true
            radius = w / 2
            xs = [x0 - w / 2, x0 + w / 2]
            ys = [y0 - w / 2, y0 + w / 2]
        }
        maxCoverage = min(1, ShapeGeometry.area(o.shape) * w * w)
        let lox = (xs.min() ?? cx) - 1, hix = (xs.max() ?? cx) + 1
        let loy = (ys.min() ?? cy) - 1, hiy = (ys.max() ?? cy) + 1
        minX = Int(max(0, min(Double(width), lox.rounded(.down))))
        maxX = Int(max(-1, min(Double(width - 1), hix.rounded(.down))))
        minY = Int(max(0, min(Double(height), loy.rounded(.down))))
        maxY = Int(max(-1, min(Double(height - 1), hiy.rounded(.down))))
    }

    /// Whether the point lies inside the shape (even-odd rule for polygons).
    @inline(__always) func contains(_ x: Double, _ y: Double) -> Bool {
        if isCircle {
            let dx = x - cx, dy = y - cy
            return dx * dx + dy * dy <= radius * radius
        }
        var inside = false
        var j = xs.count - 1
        for k in 0..<xs.count {
            if (ys[k] > y) != (ys[j] > y) {
                let t = (y - ys[k]) / (ys[j] - ys[k])
                if x < xs[k] + t * (xs[j] - xs[k]) { inside.toggle() }
            }
            j = k
        }
        return inside
    }

    /// Distance from the point to the outline.
    @inline(__always) func distanceToOutline(_ x: Double, _ y: Double) -> Double {
        if isCircle {
            let dx = x - cx, dy = y - cy
            return abs((dx * dx + dy * dy).squareRoot() - radius)
        }
        var best = Double.infinity
        var j = xs.count - 1
        for k in 0..<xs.count {
            let ex = xs[k] - xs[j], ey = ys[k] - ys[j]
            let px = x - xs[j], py = y - ys[j]
            let len2 = ex * ex + ey * ey
            let t = len2 > 0 ? max(0, min(1, (px * ex + py * ey) / len2)) : 0
            let qx = px - t * ex, qy = py - t * ey
            best = min(best, qx * qx + qy * qy)
            j = k
        }
        return best.squareRoot()
    }

    /// Fraction of pixel (px, py) covered by the shape, in [0, 1]: the
    /// signed distance d from the pixel centre to the outline (negative
    /// inside) gives clamp(0.5 - d, 0, 1), which is a one-pixel box filter
    /// exactly for axis-aligned edges and within a few percent for others;
    /// corners round off by under half a pixel. Unbiased, so a shape's
    /// coverage-weighted centroid is its centre.
    public func coverage(x px: Int, y py: Int) -> Double {
        let x = Double(px) + 0.5, y = Double(py) + 0.5
        if isCircle {
            let dx = x - cx, dy = y - cy
            return max(0, min(maxCoverage, 0.5 - ((dx * dx + dy * dy).squareRoot() - radius)))
        }
        let d = distanceToOutline(x, y)
        if d >= 0.5 { return contains(x, y) ? maxCoverage : 0 }
        return max(0, min(maxCoverage, contains(x, y) ? 0.5 + d : 0.5 - d))
    }
}

/// Renders the frames of a scene.
public struct SceneRenderer: Sendable {
    public let scene: Scene

    /// Checks the scene (it may come from JSON) so rendering cannot fail.
    public init(_ scene: Scene) throws(WorldError) {
        try scene.validate()
        self.scene = scene
    }

    /// Bytes in one frame: height * width * 3.
    public var frameByteCount: Int { scene.width * scene.height * 3 }

    /// The outline of object `k` in frame `i`.
    public func drawnShape(object k: Int, frame i: Int) -> DrawnShape {
        DrawnShape(scene.objects[k], frame: i, width: scene.width, height: scene.height)
    }

    /// Frame `i` as (H,W,3) RGB bytes.
    public func renderFrame(_ i: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: frameByteCount)
        renderFrame(i, into: &out)
        return out
    }

    /// Every frame, (T,H,W,3).
    public func render() -> [UInt8] {
        var all = [UInt8]()
        all.reserveCapacity(frameByteCount * scene.frames)
        var frame = [UInt8](repeating: 0, count: frameByteCount)
        for i in 0..<scene.frames {
            renderFrame(i, into: &frame)
            all.append(contentsOf: frame)
        }
        return all
    }

    /// Frame `i` planar, (3,H,W) as reel(5) FRAM records hold pixels, into
    /// `planar` (at least frameByteCount bytes); `scratch` holds the (H,W,3) frame.
    public func renderPlanarFrame(_ i: Int, into planar: UnsafeMutableRawBufferPointer, scratch: inout [UInt8]) {
        renderFrame(i, into: &scratch)
        let n = scene.width * scene.height
        precondition(planar.count >= 3 * n, "planar buffer too small")
        scratch.withUnsafeBufferPointer { hwc in
            for p in 0..<n {                                   // (H,W,3) -> (3,H,W)
                planar[p] = hwc[3 * p]
                planar[n + p] = hwc[3 * p + 1]
                planar[2 * n + p] = hwc[3 * p + 2]
            }
        }
    }

    /// Draws frame `i` into `buffer` (resized to frameByteCount if needed), (H,W,3).
    public func renderFrame(_ i: Int, into buffer: inout [UInt8]) {
        if buffer.count != frameByteCount { buffer = [UInt8](repeating: 0, count: frameByteCount) }
        let W = scene.width, H = scene.height
        let shift = scene.cameraShift[i]
        buffer.withUnsafeMutableBufferPointer { px in
            drawBackground(px, W: W, H: H, shift: shift)
            for o in scene.objects {
                let shape = DrawnShape(o, frame: i, width: W, height: H)
                guard shape.minX <= shape.maxX, shape.minY <= shape.maxY else { continue }
                let c = (Double(o.rgb.r), Double(o.rgb.g), Double(o.rgb.b))
                for y in shape.minY...shape.maxY {
                    for x in shape.minX...shape.maxX {
                        let a = shape.coverage(x: x, y: y)
                        if a <= 0 { continue }
                        let p = (y * W + x) * 3
                        if a >= 1 {
                            px[p] = o.rgb.r
                            px[p + 1] = o.rgb.g
                            px[p + 2] = o.rgb.b
                        } else {
                            px[p] = mix(px[p], c.0, a)
                            px[p + 1] = mix(px[p + 1], c.1, a)
                            px[p + 2] = mix(px[p + 2], c.2, a)
                        }
                    }
                }
            }
        }
    }

    @inline(__always) func mix(_ under: UInt8, _ over: Double, _ a: Double) -> UInt8 {
        let u = Double(under)
        return UInt8(max(0, min(255, (u + (over - u) * a).rounded())))
    }

    /// Length of [0, u) that lies in even cells of width `cell` (cells [2kc, (2k+1)c)).
    @inline(__always) static func evenLength(_ u: Double, cell: Double) -> Double {
        let period = 2 * cell
        let k = (u / period).rounded(.down)
        return k * cell + min(u - k * period, cell)
    }

    func drawBackground(_ px: UnsafeMutableBufferPointer<UInt8>, W: Int, H: Int, shift: Double) {
        let cell = Double(scene.cellSize)
        func put(_ p: Int, _ c: (UInt8, UInt8, UInt8)) {
            px[p] = c.0
            px[p + 1] = c.1
            px[p + 2] = c.2
        }
        switch scene.background.kind {
        case .solid(let c):
            for p in stride(from: 0, to: W * H * 3, by: 3) { put(p, (c.r, c.g, c.b)) }
        case .gradient(let top, let bottom):
            for y in 0..<H {
                let c = top.mixed(with: bottom, (Double(y) + 0.5) / Double(H))
                for x in 0..<W { put((y * W + x) * 3, (c.r, c.g, c.b)) }
            }
            if scene.background == .night { drawStars(px, W: W, H: H, shift: shift) }
        case .pattern(let a, let b):
            // Fraction of each column's world interval [x - shift, x + 1 - shift) in even cells.
            var even = [Double](repeating: 0, count: W)
            for x in 0..<W {
                let u0 = Double(x) - shift
                even[x] = SceneRenderer.evenLength(u0 + 1, cell: cell) - SceneRenderer.evenLength(u0, cell: cell)
            }
            let rowA = even.map { b.mixed(with: a, $0) }      // even rows: a in even columns
            let rowB = even.map { a.mixed(with: b, $0) }      // odd rows: b in even columns
            let checker = scene.background == .checker
            for y in 0..<H {
                let oddRow = checker && (y / scene.cellSize) % 2 == 1
                let row = oddRow ? rowB : rowA
                for x in 0..<W { put((y * W + x) * 3, (row[x].r, row[x].g, row[x].b)) }
            }
        }
    }

    /// Night's stars: in each world cell (the checker's cell size) a star with
    /// probability 0.3, one pixel high and one wide, box-filtered across the
    /// two columns it straddles; brightness 0.55-1; fixed in the scene, so a
    /// pan carries them.
    func drawStars(_ px: UnsafeMutableBufferPointer<UInt8>, W: Int, H: Int, shift: Double) {
        let cellSize = scene.cellSize
        let cell = Double(cellSize)
        let star = Background.starColor
        let s = (Double(star.r), Double(star.g), Double(star.b))
        let firstCell = Int(((-shift - 1) / cell).rounded(.down))
        let lastCell = Int(((Double(W) - shift) / cell).rounded(.down))
        let rows = (H + cellSize - 1) / cellSize
        guard firstCell <= lastCell else { return }
        for cy in 0..<rows {
            for cx in firstCell...lastCell {
                let h = SplitMix64.mix(UInt64(scene.starSeed) << 40 ^ UInt64(bitPattern: Int64(cx)) &* 0x9E37_79B9 ^ UInt64(cy) << 20)
                guard h & 0x3FF < 307 else { continue }
                let fx = Double((h >> 10) & 0xFFFF) / 65536
                let fy = Double((h >> 26) & 0xFFFF) / 65536
                let brightness = 0.55 + 0.45 * Double((h >> 42) & 0xFF) / 255
                let y = cy * cellSize + Int(fy * cell)
                guard y < H else { continue }
                let x = Double(cx) * cell + fx * (cell - 1) + shift
                let x0 = Int(x.rounded(.down))
                let f = x - Double(x0)
                for (col, weight) in [(x0, 1 - f), (x0 + 1, f)] where col >= 0 && col < W && weight > 0 {
                    let p = (y * W + col) * 3
                    let a = brightness * weight
                    px[p] = mix(px[p], s.0, a)
                    px[p + 1] = mix(px[p + 1], s.1, a)
                    px[p + 2] = mix(px[p + 2], s.2, a)
                }
            }
        }
    }
}
