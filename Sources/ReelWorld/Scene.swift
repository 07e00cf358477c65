// The scene: the structured ground truth of one clip (reel-world(7), "Captions").
// The renderer is a pure function of a Scene, so the JSON written beside a
// clip is enough to draw it again.
import ReelSystem

/// A point in frame pixel coordinates: origin at the frame's top-left corner,
/// x to the right, y down; pixel (i, j) covers [i, i+1) x [j, j+1).
public struct Point: Hashable, Codable, Sendable {
    public var x: Double
    public var y: Double

    public init(x: Double, y: Double) {
        self.x = x
        self.y = y
    }

    // Encoded as a JSON array [x, y].
    public init(from decoder: Decoder) throws {
        var c = try decoder.unkeyedContainer()
        x = try c.decode(Double.self)
        y = try c.decode(Double.self)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.unkeyedContainer()
        try c.encode(x)
        try c.encode(y)
    }
}

/// One object of a scene: its attributes and its per-frame track.
public struct SceneObject: Codable, Sendable, Equatable {
    public var shape: Shape
    public var color: ObjectColor
    /// The colour's sRGB value (reel-world(7)'s table), repeated for readers of the JSON.
    public var rgb: RGB
    public var size: ObjectSize
    public var motion: Motion
    /// nil exactly when motion is still.
    public var speed: Speed?
    /// Nominal width in pixels: size.fraction times the canvas's short side.
    public var width: Double
    /// Where the caption says the object is: the centre of its path in the
    /// first frame (the circle's centre for circles, the start for lines,
    /// the rest position otherwise), camera included.
    public var anchor: Point
    /// Per frame: the shape's centre in the frame (a triangle's centroid),
    /// camera pan included. May lie outside the frame when a pan carries it out.
    public var center: [Point]
    /// Per frame: drawn width over nominal width (1 unless grows or shrinks).
    public var scale: [Double]
    /// Per frame: rotation in radians, clockwise on screen (0 unless spins).
    public var rotation: [Double]

    public init(shape: Shape, color: ObjectColor, size: ObjectSize, motion: Motion, speed: Speed?,
                width: Double, anchor: Point, center: [Point], scale: [Double], rotation: [Double]) {
        self.shape = shape
        self.color = color
        self.rgb = color.rgb
        self.size = size
        self.motion = motion
        self.speed = speed
        self.width = width
        self.anchor = anchor
        self.center = center
        self.scale = scale
        self.rotation = rotation
    }

    // Encoded by hand only so that a still object's speed is an explicit null.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(shape, forKey: .shape)
        try c.encode(color, forKey: .color)
        try c.encode(rgb, forKey: .rgb)
        try c.encode(size, forKey: .size)
        try c.encode(motion, forKey: .motion)
        try c.encode(speed, forKey: .speed)
        try c.encode(width, forKey: .width)
        try c.encode(anchor, forKey: .anchor)
        try c.encode(center, forKey: .center)
        try c.encode(scale, forKey: .scale)
        try c.encode(rotation, forKey: .rotation)
    }

    /// Drawn width in pixels in frame `i`.
    public func drawnWidth(frame i: Int) -> Double { width * scale[i] }
}

/// The ground truth of one clip.
public struct Scene: Codable, Sendable, Equatable {
    public var width: Int
    public var height: Int
    public var frames: Int
    public var fps: Int
    public var background: Background
    public var camera: Camera
    /// The seed the scene was sampled from (SceneSampler.sample(seed:...)); 0 if unknown.
    public var seed: UInt64
    /// Places night's stars (a hash of seed and star cell).
    public var starSeed: UInt32
    /// Per frame: how far, in pixels, the scene (background texture and
    /// objects) has moved to the right in the frame; negative is left.
    public var cameraShift: [Double]
    /// Back to front: later objects are drawn in front.
    public var objects: [SceneObject]

    public init(width: Int, height: Int, frames: Int, background: Background, camera: Camera,
                seed: UInt64, starSeed: UInt32, cameraShift: [Double], objects: [SceneObject]) {
        self.width = width
        self.height = height
        self.frames = frames
        self.fps = worldFPS
        self.background = background
        self.camera = camera
        self.seed = seed
        self.starSeed = starSeed
        self.cameraShift = cameraShift
        self.objects = objects
    }

    /// The canvas's short side, which sizes and texture cells are measured on.
    public var shortSide: Int { min(width, height) }

    /// Side of a checker square and width of a stripe: 1/8 of the short side.
    public var cellSize: Int { max(1, shortSide / 8) }

    /// Checks what a renderer relies on, for scenes read from JSON.
    public func validate() throws(WorldError) {
        try Scene.checkCanvas(width: width, height: height)
        try Scene.checkFrames(frames)
        guard fps == worldFPS else { throw .invalidScene("fps is \(fps) but the shapes world runs at \(worldFPS)") }
        guard cameraShift.count == frames else {
            throw .invalidScene("cameraShift has \(cameraShift.count) entries for \(frames) frames")
        }
        guard (1...3).contains(objects.count) else {
            throw .invalidScene("the scene has \(objects.count) objects, expected 1 to 3")
        }
        guard cameraShift.allSatisfy({ $0.isFinite }) else { throw .invalidScene("cameraShift has a non-finite value") }
        for (k, o) in objects.enumerated() {
            guard o.center.count == frames, o.scale.count == frames, o.rotation.count == frames else {
                throw .invalidScene("object \(k) has tracks of \(o.center.count), \(o.scale.count), \(o.rotation.count) entries for \(frames) frames")
            }
            guard o.width.isFinite, o.width > 0, o.width <= 4 * Double(max(width, height)) else {
                throw .invalidScene("object \(k) has width \(o.width), expected a positive number of pixels")
            }
            guard o.center.allSatisfy({ $0.x.isFinite && $0.y.isFinite && abs($0.x) < 1e6 && abs($0.y) < 1e6 }),
                  o.scale.allSatisfy({ $0.isFinite && $0 >= 0 && $0 <= 16 }),
                  o.rotation.allSatisfy({ $0.isFinite }) else {
                throw .invalidScene("object \(k) has a non-finite or out-of-range track value")
            }
            guard (o.speed == nil) == !o.motion.hasSpeed else {
                throw .invalidScene("object \(k) moves '\(o.motion.rawValue)' with speed \(o.speed?.rawValue ?? "none")")
            }
        }
    }

    /// Largest canvas side accepted (pixels).
    public static let maximumSide = 4096

    static func checkCanvas(width: Int, height: Int) throws(WorldError) {
        guard width % 8 == 0, height % 8 == 0, width >= 32, height >= 32,
              width <= maximumSide, height <= maximumSide else {
            throw .invalidCanvas(width: width, height: height)
        }
    }

    static func checkFrames(_ frames: Int) throws(WorldError) {
        guard frames >= 1, frames <= 1_000_000 else { throw .invalidFrameCount(frames) }
    }
}

/// Everything that can be wrong with a request to the shapes world.
public enum WorldError: Error, Equatable, CustomStringConvertible {
    case invalidCanvas(width: Int, height: Int)
    case invalidFrameCount(Int)
    case invalidObjectCount(Int, pinned: Int)
    case colorNotAllowed(ObjectColor, Background)
    case noBackgroundAllows([ObjectColor])
    case speedWithoutMotion(Speed)
    case invalidScene(String)

    public var description: String {
        switch self {
        case .invalidCanvas(let w, let h):
            func fix(_ v: Int) -> Int { min(Scene.maximumSide, max(32, (v + 4) / 8 * 8)) }
            let suggestion = "(try \(fix(w))x\(fix(h)))"
            if w % 8 != 0 || h % 8 != 0 { return "size \(w)x\(h) is not a multiple of 8 \(suggestion)" }
            if w < 32 || h < 32 { return "size \(w)x\(h) is smaller than 32 pixels on a side \(suggestion)" }
            return "size \(w)x\(h) is larger than \(Scene.maximumSide) pixels on a side \(suggestion)"
        case .invalidFrameCount(let n):
            return "frame count \(n) is out of range, expected 1 to 1000000"
        case .invalidObjectCount(let n, let pinned):
            if pinned > 3 { return "\(pinned) objects were described but a scene holds 1 to 3" }
            return "object count \(n) is out of range, expected 1 to 3 (and at least the \(pinned) described)"
        case .colorNotAllowed(let c, let b):
            let d = Int(b.distance(to: c.rgb).rounded())
            let ok = b.allowedColors.map(\.rawValue).joined(separator: ", ")
            return "a \(c.rawValue) object on the \(b.rawValue) background is \(d) from its colour, closer than \(Int(minimumColorDistance)) (colours allowed on \(b.rawValue): \(ok))"
        case .noBackgroundAllows(let cs):
            return "no background allows the colours \(cs.map(\.rawValue).joined(separator: ", ")) together"
        case .speedWithoutMotion(let s):
            return "speed '\(s.rawValue)' was given for an object that is still; still objects have no speed"
        case .invalidScene(let why):
            return "invalid scene: \(why)"
        }
    }
}

extension WorldError: ReelError {
    /// A scene the world cannot render comes from the options or the prompt that asked for it.
    public var kind: ErrorKind { .usage }
}
