// Where an object is while another one hides part of it (amodal completion).
//
// A frame in which a track touches another object and its visible part is
// smaller than the whole shape is not "clean": its centroid is pulled away from
// the hidden part. Such frames still show where the object is, because the
// world's objects are opaque and the hidden part must lie under the object in
// front. For each such frame in which at least a fifth of it shows, the mask
// of the object in the nearest clean frame (its shape at its size and
// orientation there; none when no frame is clean) is slid over the frame, and the
// offsets kept at which
//   - the fewest visible pixels of the object fall outside the mask (grown by a
//     pixel), plus
//   - the fewest of the mask's interior pixels (shrunk by a pixel) fall on the
//     background (they would have to show),
// with mask pixels past the frame's border costing nothing (the one-pixel
// margins forgive anti-aliased edges). The frame gets the mask's centre at the
// mean of the offsets within max(1, 2% of the interior) of the lowest cost when
// the fit is good (its cost under a tenth of the interior's pixels) and
// unambiguous (every one of those offsets within 2 pixels of their mean);
// otherwise it gets none, as a frame where the object is hidden completely.
// Motion classes use these centres beside the clean frames' (MotionClassifier);
// sizes, shapes and orientations only the measured frames.

enum Amodal {
    /// Per track, per frame: the centre from the clean frame's blob, or the completed one, or nil.
    static func centers(_ tracks: [ObjectTrack], labels: [[UInt8]], coverage: [[Float]],
                        colorIndex: [Int], width W: Int, height H: Int) -> [[SIMD2<Double>?]] {
        tracks.indices.map { i in
            let tr = tracks[i], k = UInt8(colorIndex[i])
            let clean = tr.clean.indices.filter { tr.clean[$0] }
            var out = [SIMD2<Double>?](repeating: nil, count: tr.blobs.count)
            for t in clean { out[t] = SIMD2(tr.blobs[t].cx, tr.blobs[t].cy) }
            guard !clean.isEmpty else { return out }
            for t in tr.blobs.indices where tr.present[t] && !tr.clean[t] && !tr.blobs[t].touchesEdge {
                let ref = clean.min { abs($0 - t) < abs($1 - t) }!
                out[t] = complete(ref: tr.blobs[ref], refLabels: labels[ref], refCoverage: coverage[ref],
                                  target: tr.blobs[t], labels: labels[t], coverage: coverage[t], k: k, W: W, H: H)
            }
            return out
        }
    }

    static func complete(ref: Blob, refLabels: [UInt8], refCoverage: [Float], target: Blob,
                         labels: [UInt8], coverage: [Float], k: UInt8, W: Int, H: Int) -> SIMD2<Double>? {
        // The mask: the reference frame's pixels of the object covered at least half.
        var mask: [(Int, Int)] = []
        for y in max(0, ref.minY - 1)...min(H - 1, ref.maxY + 1) {
            for x in max(0, ref.minX - 1)...min(W - 1, ref.maxX + 1) where refLabels[y * W + x] == k && refCoverage[y * W + x] >= 0.5 {
                mask.append((x, y))
            }
        }
        var visible: [(Int, Int)] = []
        for y in max(0, target.minY)...min(H - 1, target.maxY) {
            for x in max(0, target.minX)...min(W - 1, target.maxX) where labels[y * W + x] == k && coverage[y * W + x] >= 0.5 {
                visible.append((x, y))
            }
        }
        guard mask.count >= 4, 5 * visible.count >= mask.count, visible.count < mask.count else { return nil }
        // Offsets that keep the visible pixels' box inside the mask's box moved.
        let mw = ref.maxX - ref.minX, mh = ref.maxY - ref.minY
        let loX = target.maxX - mw - ref.minX, hiX = target.minX - ref.minX
        let loY = target.maxY - mh - ref.minY, hiY = target.minY - ref.minY
        guard loX <= hiX + 2, loY <= hiY + 2 else { return nil }
        // On the mask's box grown by two: the mask, its one-pixel dilation and its erosion, so that an
        // anti-aliased edge pixel that a sub-pixel move turns on or off costs nothing.
        let bw = mw + 5, bh = mh + 5
        var inMask = [Bool](repeating: false, count: bw * bh)
        for (x, y) in mask { inMask[(y - ref.minY + 2) * bw + (x - ref.minX + 2)] = true }
        var dilated = inMask, interior: [(Int, Int)] = []
        for v in 1..<(bh - 1) {
            for u in 1..<(bw - 1) where inMask[v * bw + u] {
                for (a, b) in [(-1, 0), (1, 0), (0, -1), (0, 1)] { dilated[(v + b) * bw + u + a] = true }
                if inMask[v * bw + u - 1] && inMask[v * bw + u + 1] && inMask[(v - 1) * bw + u] && inMask[(v + 1) * bw + u] {
                    interior.append((u + ref.minX - 2, v + ref.minY - 2))
                }
            }
        }
        guard interior.count >= 4 else { return nil }
        var costs: [(cost: Int, dx: Int, dy: Int)] = []
        for dy in (loY - 1)...(hiY + 1) {
            for dx in (loX - 1)...(hiX + 1) {
                var cost = 0
                for (x, y) in visible {
                    let u = x - dx - ref.minX + 2, v = y - dy - ref.minY + 2
                    if u < 0 || v < 0 || u >= bw || v >= bh || !dilated[v * bw + u] { cost += 1 }
                }
                for (x, y) in interior {
                    let u = x + dx, v = y + dy
                    if u >= 0, v >= 0, u < W, v < H, labels[v * W + u] == 255 { cost += 1 }
                }
                costs.append((cost, dx, dy))
            }
        }
        guard let best = costs.min(by: { $0.cost < $1.cost }), best.cost * 10 < interior.count else { return nil }
        let ties = costs.filter { $0.cost <= best.cost + max(1, interior.count / 50) }
        let mx = Double(ties.map(\.dx).reduce(0, +)) / Double(ties.count)
        let my = Double(ties.map(\.dy).reduce(0, +)) / Double(ties.count)
        for c in ties where (Double(c.dx) - mx) * (Double(c.dx) - mx) + (Double(c.dy) - my) * (Double(c.dy) - my) > 4 { return nil }
        return SIMD2(ref.cx + mx, ref.cy + my)
    }
}
