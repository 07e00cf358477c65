// The background: which of the world's ten it is, and per row the set of
// colours a background pixel may take.
//
// Every background is, row by row, a segment of colours [A_y, B_y] in RGB:
// a solid colour (A = B = the colour), a gradient (A = B = the row's mix, as
// the renderer draws it), night (A = the row's mix, B = the stars' colour, which
// box-filtered stars blend towards), checker and stripes (A and B the two
// pattern colours, which box filtering blends at cell edges). A pixel's
// distance to the background is its distance to its row's segment. The clip's
// background is the one whose segments lie nearest the pixels, each pixel's
// distance (see fitDistance) capped at `distanceCap` so that objects (at least 80 from the
// background by reel-world(7)'s colour rule) weigh the same whatever their colour.

import ReelWorld

struct BackgroundModel: Sendable {
    let background: Background
    let width: Int, height: Int
    /// Per row, the segment's ends (r, g, b).
    let rowA: [SIMD3<Float>], rowB: [SIMD3<Float>]

    static let distanceCap: Float = 40

    init(_ background: Background, width: Int, height: Int) {
        self.background = background
        self.width = width
        self.height = height
        func v(_ c: RGB) -> SIMD3<Float> { SIMD3(Float(c.r), Float(c.g), Float(c.b)) }
        var a: [SIMD3<Float>] = [], b: [SIMD3<Float>] = []
        for y in 0..<height {
            switch background.kind {
            case .solid(let c):
                a.append(v(c)); b.append(v(c))
            case .gradient(let top, let bottom):
                let c = v(top.mixed(with: bottom, (Double(y) + 0.5) / Double(height)))
                a.append(c)
                b.append(background == .night ? v(Background.starColor) : c)
            case .pattern(let p, let q):
                a.append(v(p)); b.append(v(q))
            }
        }
        rowA = a
        rowB = b
    }

    /// The nearest background colour to `p` in row `y`, and the distance to it.
    @inline(__always) func nearest(_ p: SIMD3<Float>, row y: Int) -> (SIMD3<Float>, Float) {
        let a = rowA[y], d = rowB[y] - a
        let dd = (d * d).sum()
        var q = a
        if dd > 0 {
            let t = max(0, min(1, ((p - a) * d).sum() / dd))
            q = a + t * d
        }
        let e = p - q
        return (q, (e * e).sum().squareRoot())
    }

    /// The distance `fit` uses: to the segment's ends for a pattern (blends
    /// occur only at cell edges, and a plain gray lies on both patterns'
    /// segments), to the row's gradient colour for night (its stars are few),
    /// to the segment otherwise.
    @inline(__always) func fitDistance(_ p: SIMD3<Float>, row y: Int) -> Float {
        switch background.kind {
        case .pattern:
            let a = p - rowA[y], b = p - rowB[y]
            return min((a * a).sum(), (b * b).sum()).squareRoot()
        case .gradient:
            let a = p - rowA[y]
            return (a * a).sum().squareRoot()
        case .solid:
            return nearest(p, row: y).1
        }
    }

    /// Mean capped distance of every `step`-th pixel of `frame` to this background.
    func fit(_ frame: [UInt8], step: Int) -> Float {
        let plane = width * height
        var total: Float = 0
        var n = 0
        frame.withUnsafeBufferPointer { f in
            var p = 0
            while p < plane {
                let px = SIMD3(Float(f[p]), Float(f[plane + p]), Float(f[2 * plane + p]))
                total += min(BackgroundModel.distanceCap, fitDistance(px, row: p / width))
                n += 1
                p += step
            }
        }
        return total / Float(max(1, n))
    }

    /// The background of the world that best explains the clip (the first,
    /// middle and last frames), and its mean capped distance.
    static func classify(_ clip: ClipPixels) -> (BackgroundModel, Float) {
        let picks = Array(Set([0, clip.frameCount / 2, clip.frameCount - 1])).sorted()
        var best: (BackgroundModel, Float)?
        for b in Background.allCases {
            let m = BackgroundModel(b, width: clip.width, height: clip.height)
            var f: Float = 0
            for i in picks { f += m.fit(clip.frames[i], step: 3) }
            f /= Float(picks.count)
            if best == nil || f < best!.1 { best = (m, f) }
        }
        return best!
    }
}
