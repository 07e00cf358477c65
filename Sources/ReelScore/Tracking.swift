// Following each object through the clip. Objects are told apart by colour
// (the world gives the objects of a clip distinct colours), so a track is one
// palette colour's blob in every frame. A frame is "clean" for a track when the
// blob is there, is not cut by the frame's border (at the left or right
// border and no longer symmetric about its centre, or under 97% of its median
// area away from the border) and does not touch another
// object's box: there the blob is the whole shape, and its centre, size and
// outline can be read.

import ReelWorld

public struct ObjectTrack: Sendable {
    public let color: ObjectColor
    /// Per frame; an empty blob where the colour is absent.
    public var blobs: [Blob]
    public var present: [Bool]
    public var clean: [Bool]
    /// Per frame: the centre where it can be told, from a clean frame's blob or completed behind
    /// another object (Amodal); nil elsewhere. Empty until the analyzer fills it.
    public var centers: [SIMD2<Double>?] = []

    /// Frames where the object can be measured: the clean ones, or every present one when fewer than 3 are clean.
    public var measured: [Int] {
        let c = clean.indices.filter { clean[$0] }
        return c.count >= min(3, present.filter { $0 }.count) ? c : present.indices.filter { present[$0] }
    }

    /// Frames whose centre is known (`centers`), when there are at least 3 of them (or every
    /// present frame); else the measured ones.
    var positioned: [Int] {
        let p = centers.indices.filter { centers[$0] != nil }
        return p.count >= min(3, present.filter { $0 }.count) ? p : measured
    }

    /// The centre in frame f: the known one, else the blob's centroid.
    func center(_ f: Int) -> SIMD2<Double> {
        if f < centers.count, let c = centers[f] { return c }
        return SIMD2(blobs[f].cx, blobs[f].cy)
    }
}

enum Tracker {
    /// Least area (pixels) for a colour to count as present in a frame.
    static let minimumArea = 2.0

    /// Tracks from per-frame blobs (blobs[t][k] is colour k in frame t). A colour
    /// is an object when present in at least a third of the frames (at least one)
    /// and, in some frame, not a thin fringe inside another object's box (the
    /// mix of two colours at an edge can look like a third colour).
    static func tracks(_ blobs: [[Blob]], colors: [ObjectColor], width: Int) -> [ObjectTrack] {
        let T = blobs.count
        var out: [ObjectTrack] = []
        let minFrames = max(1, (T + 2) / 3)
        for k in colors.indices {
            let series = blobs.map { $0[k] }
            let present = series.map { $0.area >= minimumArea && $0.minX <= $0.maxX }
            guard present.filter({ $0 }).count >= minFrames else { continue }
            // A fringe: in every present frame inside a larger blob's box and under a quarter of its area.
            var standsAlone = false
            for t in 0..<T where present[t] {
                let b = series[t]
                let inside = blobs[t].indices.contains { j in
                    j != k && blobs[t][j].area > 4 * b.area && b.minX >= blobs[t][j].minX - 1 && b.maxX <= blobs[t][j].maxX + 1
                        && b.minY >= blobs[t][j].minY - 1 && b.maxY <= blobs[t][j].maxY + 1
                }
                if !inside { standsAlone = true; break }
            }
            guard standsAlone else { continue }
            out.append(ObjectTrack(color: colors[k], blobs: series, present: present, clean: present))
        }
        for i in out.indices {
            let present = out[i].present.indices.filter { out[i].present[$0] }
            let inside = present.filter { !out[i].blobs[$0].touchesEdge }
            let typical = median((inside.isEmpty ? present : inside).map { out[i].blobs[$0].area })
            var touching = [Bool](repeating: false, count: T)
            for t in 0..<T where out[i].present[t] {
                let b = out[i].blobs[t]
                touching[t] = out.indices.contains { j in j != i && out[j].present[t] && b.overlaps(out[j].blobs[t]) }
                // A shape at the left or right border is cut when it is no longer symmetric about its centre
                // (the world's shapes are, left to right); at the top and bottom it is whole (no pan is vertical).
                let atSide = b.minX == 0 || b.maxX == width - 1
                let cut = atSide && (abs((b.cx - Double(b.minX)) - (Double(b.maxX) + 1 - b.cx)) > 0.4 || b.area < 0.97 * typical)
                out[i].clean[t] = !cut && !touching[t]
            }
            // Near another object, a blob is whole when it is in front: its size is the one the frames
            // around it show (the square root of the area interpolated linearly between the nearest
            // clean frames, or beyond the two nearest on one side, as a grows or shrinks changes it), within 2%.
            var alone = (0..<T).filter { out[i].clean[$0] }
            if alone.isEmpty {
                // Near another object in every frame: whole throughout when its area holds within 4%
                // (it is in front, and neither grows nor shrinks); else nothing is known to be whole.
                let areas = present.filter { !out[i].blobs[$0].touchesEdge }.map { out[i].blobs[$0].area }
                guard let lo = areas.min(), let hi = areas.max(), hi - lo < 0.04 * hi else { continue }
                alone = present.filter { !out[i].blobs[$0].touchesEdge }
                for t in alone { out[i].clean[t] = true }
            }
            for t in 0..<T where out[i].present[t] && touching[t] {
                let earlier = alone.filter { $0 < t }, later = alone.filter { $0 > t }
                let side = { (f: Int) in out[i].blobs[f].area.squareRoot() }
                // Through two clean frames: between them, or beyond them (the two nearest on one side).
                let pair: (Int, Int)
                if let b = earlier.last, let a = later.first { pair = (b, a) }
                else if later.count >= 2 { pair = (later[0], later[1]) }
                else if earlier.count >= 2 { pair = (earlier[earlier.count - 2], earlier[earlier.count - 1]) }
                else { pair = (alone[0], alone[0]) }
                let (p, q) = pair
                let expected = p == q ? side(p) : side(p) + (side(q) - side(p)) * Double(t - p) / Double(q - p)
                let b = out[i].blobs[t]
                let atSide = b.minX == 0 || b.maxX == width - 1
                if !atSide && b.area.squareRoot() >= 0.98 * expected { out[i].clean[t] = true }
            }
        }
        return out
    }
}
