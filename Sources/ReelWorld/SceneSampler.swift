// Sampling scenes from the training distribution, optionally conditioned on
// attributes a user named, and computing each object's per-frame track.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Attributes pinned for one object; nil means "sample it".
public struct ObjectConstraints: Sendable, Equatable, Hashable {
    public var shape: Shape?
    public var color: ObjectColor?
    public var size: ObjectSize?
    public var motion: Motion?
    public var speed: Speed?

    public init(shape: Shape? = nil, color: ObjectColor? = nil, size: ObjectSize? = nil,
                motion: Motion? = nil, speed: Speed? = nil) {
        self.shape = shape
        self.color = color
        self.size = size
        self.motion = motion
        self.speed = speed
    }

    public var isEmpty: Bool { shape == nil && color == nil && size == nil && motion == nil && speed == nil }
}

/// Attributes pinned for a scene; everything left nil is drawn from the
/// training distribution. `objects[k]` constrains the k-th object (back to
/// front); the scene has at least `objects.count` objects.
public struct SceneConstraints: Sendable, Equatable, Hashable {
    public var background: Background?
    public var camera: Camera?
    /// Exact number of objects (1-3), or nil to sample it (at least objects.count).
    public var objectCount: Int?
    public var objects: [ObjectConstraints]
    /// Keep a pinned colour on a pinned background even when reel-world(7)'s
    /// colour rule excludes the pair (reel-prompt-expand honours what a user
    /// asked for, with a warning); training data never sets it.
    public var allowsColorsNearBackground = false

    public init(background: Background? = nil, camera: Camera? = nil, objectCount: Int? = nil,
                objects: [ObjectConstraints] = [], allowsColorsNearBackground: Bool = false) {
        self.background = background
        self.camera = camera
        self.objectCount = objectCount
        self.objects = objects
        self.allowsColorsNearBackground = allowsColorsNearBackground
    }

    /// No constraint at all: the plain training distribution.
    public static let none = SceneConstraints()
}

/// The training distribution of the shapes world.
///
/// Draw order (all from the caller's generator): background (uniform over
/// those that allow every pinned colour), camera (static 1/2, each pan 1/4),
/// object count (1: 1/2, 2: 3/10, 3: 1/5), then per object shape (uniform),
/// colour (uniform over colours the background allows and no earlier object
/// has), size (uniform), motion (uniform; never spins for a ball unless pinned;
/// never still when a speed is pinned), speed (uniform), then placement.
///
/// A single frame is an image: its camera is static and every object still,
/// whatever was pinned for motion, speed or camera (nothing in one frame could
/// show them, and the caption must not claim what the frame does not show).
public enum SceneSampler {
    public static let cameraWeights: [(Camera, Double)] = [(.static, 0.5), (.pansLeft, 0.25), (.pansRight, 0.25)]
    public static let objectCountWeights: [(Int, Double)] = [(1, 0.5), (2, 0.3), (3, 0.2)]

    /// A scene drawn from the training distribution given `constraints`.
    /// Throws when the canvas or frame count is invalid or the constraints
    /// contradict reel-world(7) (a colour too close to the background, a speed on a
    /// still object, more than three objects).
    public static func sample<G: RandomNumberGenerator>(
        width: Int, height: Int, frames: Int,
        constraints: SceneConstraints = .none,
        rng: inout G
    ) throws(WorldError) -> Scene {
        try Scene.checkCanvas(width: width, height: height)
        try Scene.checkFrames(frames)
        let pinned = constraints.objects.count
        if let n = constraints.objectCount, !(1...3).contains(n) || n < pinned {
            throw .invalidObjectCount(n, pinned: pinned)
        }
        if pinned > 3 { throw .invalidObjectCount(pinned, pinned: pinned) }
        for o in constraints.objects {
            if let s = o.speed, o.motion == .still { throw .speedWithoutMotion(s) }
        }

        // Background.
        let pinnedColors = constraints.objects.compactMap(\.color)
        let background: Background
        if let b = constraints.background {
            if !constraints.allowsColorsNearBackground, let bad = pinnedColors.first(where: { !b.allows($0) }) {
                throw .colorNotAllowed(bad, b)
            }
            background = b
        } else {
            let candidates = Background.allCases.filter { b in pinnedColors.allSatisfy { b.allows($0) } }
            if candidates.isEmpty { throw .noBackgroundAllows(pinnedColors) }
            background = rng.pick(candidates)
        }

        // Camera and object count.
        let image = frames == 1
        let camera = image ? .static : (constraints.camera ?? cameraWeights[rng.weightedIndex(cameraWeights.map(\.1))].0)
        let count: Int
        if let n = constraints.objectCount {
            count = n
        } else {
            let options = objectCountWeights.filter { $0.0 >= max(1, pinned) }
            count = options[rng.weightedIndex(options.map(\.1))].0
        }

        // Attributes per object.
        var attributes: [(Shape, ObjectColor, ObjectSize, Motion, Speed?)] = []
        var used = Set<ObjectColor>(pinnedColors)
        for k in 0..<count {
            let c = k < pinned ? constraints.objects[k] : ObjectConstraints()
            let shape = c.shape ?? rng.pick(Shape.allCases)
            let color: ObjectColor
            if let pc = c.color {
                color = pc
            } else {
                let allowed = background.allowedColors
                let fresh = allowed.filter { !used.contains($0) }
                color = rng.pick(fresh.isEmpty ? allowed : fresh)
                used.insert(color)
            }
            let size = c.size ?? rng.pick(ObjectSize.allCases)
            let motion: Motion
            if image {
                motion = .still
            } else if let m = c.motion {
                motion = m
            } else {
                var options = Motion.allCases
                if shape == .ball { options.removeAll { $0 == .spins } }
                if c.speed != nil { options.removeAll { $0 == .still } }
                motion = rng.pick(options)
            }
            let speed: Speed? = motion.hasSpeed ? (c.speed ?? rng.pick(Speed.allCases)) : nil
            attributes.append((shape, color, size, motion, speed))
        }

        let starSeed = UInt32(truncatingIfNeeded: rng.next() >> 32)
        let dt = 1.0 / Double(worldFPS)
        let cameraShift = (0..<frames).map { camera.sceneVelocity * Double(width) * Double($0) * dt }

        // Placement: retry a few times to keep objects apart in the first frame.
        var objects: [SceneObject] = []
        for (shape, color, size, motion, speed) in attributes {
            var best: SceneObject?
            var bestOverlap = Double.infinity
            for _ in 0..<24 {
                let o = track(shape: shape, color: color, size: size, motion: motion, speed: speed,
                              width: width, height: height, frames: frames, cameraShift: cameraShift, rng: &rng)
                let overlap = objects.map { overlapAtStart(o, $0) }.max() ?? 0
                if overlap < bestOverlap {
                    best = o
                    bestOverlap = overlap
                }
                if overlap <= 0 { break }
            }
            if let b = best { objects.append(b) }
        }
        return Scene(width: width, height: height, frames: frames, background: background, camera: camera,
                     seed: 0, starSeed: starSeed, cameraShift: cameraShift, objects: objects)
    }

    /// The scene for `seed`: SplitMix64(seed) drives `sample`, and the scene records the seed.
    public static func sample(seed: UInt64, width: Int, height: Int, frames: Int,
                              constraints: SceneConstraints = .none) throws(WorldError) -> Scene {
        var rng = SplitMix64(seed: seed)
        var scene = try sample(width: width, height: height, frames: frames, constraints: constraints, rng: &rng)
        scene.seed = seed
        return scene
    }

    /// How far two objects' bounding circles overlap in frame 0 (pixels; <= 0 is apart).
    static func overlapAtStart(_ a: SceneObject, _ b: SceneObject) -> Double {
        let ra = a.drawnWidth(frame: 0) * ShapeGeometry.circumradius(a.shape)
        let rb = b.drawnWidth(frame: 0) * ShapeGeometry.circumradius(b.shape)
        let dx = a.center[0].x - b.center[0].x
        let dy = a.center[0].y - b.center[0].y
        return ra + rb + 1 - (dx * dx + dy * dy).squareRoot()
    }

    /// Folds `p` into [lo, hi] as a point moving along a line does when it
    /// bounces off both ends.
    static func fold(_ p: Double, _ lo: Double, _ hi: Double) -> Double {
        let span = hi - lo
        guard span > 0 else { return (lo + hi) / 2 }
        var u = (p - lo).truncatingRemainder(dividingBy: 2 * span)
        if u < 0 { u += 2 * span }
        return lo + (u <= span ? u : 2 * span - u)
    }

    /// Largest scale an object reaches under `motion`.
    static let growthRange = (low: 0.5, high: 1.5)

    /// Steps (frame i-1 to frame i) that make up the first half of a clip:
    /// a line motion has room to keep its named direction over these.
    public static func halfSteps(frames: Int) -> Int { frames / 2 }

    /// Draws a placement for one object and computes its per-frame track.
    ///
    /// Kinematics (t = frame / 8 s, v = speed.value; W, H the canvas's width
    /// and height; the camera pan moves the scene at c = sceneVelocity * W):
    /// - moves left/right: v W per second in the scene (v W + c on screen),
    ///   bouncing off the frame's left and right edges (the object's extent
    ///   stays inside the frame, so a pan never carries it out);
    /// - moves up/down: v H per second, bouncing off the top and bottom edges;
    /// - a line motion starts on the side it moves away from: on the near half
    ///   of its room, far enough back that it travels in the named direction
    ///   for the first half of the clip (halfSteps); where the speed makes that
    ///   impossible, at the near edge, so the first bounce comes as late as it can;
    /// - bounces: a parabola (constant gravity) resting on the bottom edge;
    ///   the drop height is 45-80% of the room, and the object covers v H
    ///   per second on average;
    /// - circles: a circle of radius min(0.2 short side, room) at path speed v W;
    /// - grows/shrinks: the scale runs 0.5 -> 1.5 (or back) at v per second, then holds;
    /// - spins: v turns per second about the centre;
    /// - the camera adds cameraShift to x; an object whose x is fixed in the
    ///   scene is placed so that the pan keeps it inside the frame for the
    ///   whole clip, or, where the pan is longer than the room, so that its
    ///   path on screen is centred (inside for as much of the clip as can be).
    static func track<G: RandomNumberGenerator>(
        shape: Shape, color: ObjectColor, size: ObjectSize, motion: Motion, speed: Speed?,
        width: Int, height: Int, frames: Int, cameraShift: [Double], rng: inout G
    ) -> SceneObject {
        let W = Double(width), H = Double(height)
        let w = size.fraction * Double(min(width, height))
        let v = speed?.value ?? 0
        let dt = 1.0 / Double(worldFPS)
        let maxScale = (motion == .grows || motion == .shrinks) ? growthRange.high : 1
        var e = ShapeGeometry.extents(shape)
        if motion == .spins {
            let r = ShapeGeometry.circumradius(shape)
            e = (r, r, r, r)
        }
        let reach = w * maxScale
        let left = e.left * reach, right = W - e.right * reach
        let top = e.up * reach, bottom = H - e.down * reach
        func within(_ lo: Double, _ hi: Double) -> Double { hi > lo ? rng.uniform(lo, hi) : (lo + hi) / 2 }
        // An x fixed in the scene whose screen position x + shift stays in [lo, hi].
        let shiftLow = cameraShift.min() ?? 0, shiftHigh = cameraShift.max() ?? 0
        func sceneX(_ lo: Double, _ hi: Double) -> Double { within(lo - shiftLow, hi - shiftHigh) }
        let pan = cameraShift.count > 1 ? (cameraShift[1] - cameraShift[0]) / dt : 0     // pixels per second
        let half = Double(halfSteps(frames: frames)) * dt                                 // seconds

        // Where a line motion starts along its axis: `travel` is how far it
        // moves on screen in the first half; [lo, hi] the room.
        func lineStart(_ lo: Double, _ hi: Double, forward: Bool, travel: Double) -> Double {
            let room = hi - lo
            guard room > 0 else { return (lo + hi) / 2 }
            let slack = min(room - travel, room / 2)
            let offset = slack > 0 ? rng.uniform(0, slack) : 0
            return forward ? lo + offset : hi - offset
        }

        var centers: [Point] = []
        var scales = [Double](repeating: 1, count: frames)
        var rotations = [Double](repeating: 0, count: frames)
        var anchor: Point
        centers.reserveCapacity(frames)

        switch motion {
        case .still, .grows, .shrinks, .spins:
            let c = Point(x: sceneX(left, right), y: within(top, bottom))
            anchor = c
            centers = [Point](repeating: c, count: frames)
            if motion == .grows || motion == .shrinks {
                for i in 0..<frames {
                    let d = v * Double(i) * dt
                    scales[i] = motion == .grows ? min(growthRange.low + d, growthRange.high)
                                                 : max(growthRange.high - d, growthRange.low)
                }
            }
            if motion == .spins {
                let start = rng.uniform(0, 2 * Double.pi)
                let direction: Double = rng.below(2) == 0 ? 1 : -1
                for i in 0..<frames { rotations[i] = start + direction * 2 * Double.pi * v * Double(i) * dt }
            }
        case .movesUp, .movesDown:
            let dy = motion == .movesDown ? 1.0 : -1.0
            let x = sceneX(left, right)
            let y0 = lineStart(top, bottom, forward: dy > 0, travel: v * H * half)
            anchor = Point(x: x, y: y0)
            for i in 0..<frames {
                centers.append(Point(x: x, y: fold(y0 + dy * v * H * Double(i) * dt, top, bottom)))
            }
        case .movesLeft, .movesRight:
            // Simulated on screen, where the frame's edges are: the scene
            // velocity s v W (s = +-1, flipped at each bounce) plus the pan.
            let dx = motion == .movesRight ? 1.0 : -1.0
            let y = within(top, bottom)
            let x0 = lineStart(left, right, forward: dx > 0, travel: max(0, v * W + dx * pan) * half)
            anchor = Point(x: x0, y: y)
            var p = x0, s = dx
            centers.append(Point(x: x0, y: y))
            for i in 1..<max(1, frames) {
                var remaining = dt
                var bounces = 0
                while remaining > 0, right > left, bounces < 64 {
                    let u = s * v * W + pan
                    let next = p + u * remaining
                    if next > right, u > 0 {
                        remaining -= (right - p) / u
                        p = right
                        s = -s
                        bounces += 1
                    } else if next < left, u < 0 {
                        remaining -= (left - p) / u
                        p = left
                        s = -s
                        bounces += 1
                    } else {
                        p = next
                        remaining = 0
                    }
                }
                p = min(max(p, left), max(left, right))
                centers.append(Point(x: p - cameraShift[i], y: y))        // in the scene; the pan is added below
            }
        case .bounces:
            let x = sceneX(left, right)
            let room = max(0, bottom - top)
            let drop = room * rng.uniform(0.45, 0.8)
            let period = max(2 * drop / (v * H), dt)
            let phase = rng.unitInterval()
            anchor = Point(x: x, y: bottom - drop / 2)
            for i in 0..<frames {
                var tau = (Double(i) * dt / period + phase).truncatingRemainder(dividingBy: 1)
                if tau < 0 { tau += 1 }
                centers.append(Point(x: x, y: bottom - drop * 4 * tau * (1 - tau)))
            }
        case .circles:
            let r = max(0, min(0.2 * Double(min(width, height)), (right - left) / 2, (bottom - top) / 2))
            let c = Point(x: sceneX(left + r, right - r), y: within(top + r, bottom - r))
            anchor = c
            let start = rng.uniform(0, 2 * Double.pi)
            let direction: Double = rng.below(2) == 0 ? 1 : -1
            let omega = r > 0 ? v * W / r : 0
            for i in 0..<frames {
                let a = start + direction * omega * Double(i) * dt
                centers.append(Point(x: c.x + r * cos(a), y: c.y + r * sin(a)))
            }
        }
        for i in 0..<frames { centers[i].x += cameraShift[i] }
        anchor.x += cameraShift.first ?? 0
        return SceneObject(shape: shape, color: color, size: size, motion: motion, speed: speed, width: w,
                           anchor: anchor, center: centers, scale: scales, rotation: rotations)
    }
}
