#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// Outlines of the four shapes, for a shape of width 1 centred on its centre
// (a triangle's centroid), y down, not rotated.

/// Inner over outer radius of the five-pointed star (a regular pentagram's
/// is 0.382; slightly fatter so small stars stay legible).
public let starInnerRatio = 0.42

public enum ShapeGeometry {
    /// Outer radius of the star whose horizontal extent is 1: the two side
    /// points lie at 18 degrees above the horizontal, so width = 2 R cos 18.
    public static let starOuterRadius = 1 / (2 * cos18)
    static let cos18 = 0.951_056_516_295_153_6
    static let cos36 = 0.809_016_994_374_947_5

    /// Polygon vertices (unit width, centre at 0), or nil for the ball (a circle of radius 1/2).
    public static func outline(_ shape: Shape) -> [Point]? {
        switch shape {
        case .ball:
            return nil
        case .square:
            return [Point(x: -0.5, y: -0.5), Point(x: 0.5, y: -0.5), Point(x: 0.5, y: 0.5), Point(x: -0.5, y: 0.5)]
        case .triangle:
            // Equilateral, side 1, point up; the centroid is 2/3 of the height below the apex.
            let h = 3.0.squareRoot() / 2
            return [Point(x: 0, y: -2 * h / 3), Point(x: 0.5, y: h / 3), Point(x: -0.5, y: h / 3)]
        case .star:
            let outer = starOuterRadius
            let inner = outer * starInnerRatio
            var pts: [Point] = []
            for k in 0..<10 {
                let a = -Double.pi / 2 + Double(k) * Double.pi / 5
                let r = k % 2 == 0 ? outer : inner
                pts.append(Point(x: r * cos(a), y: r * sin(a)))
            }
            return pts
        }
    }

    /// Extents from the centre (unit width, not rotated): left, right, up, down.
    public static func extents(_ shape: Shape) -> (left: Double, right: Double, up: Double, down: Double) {
        switch shape {
        case .ball, .square:
            return (0.5, 0.5, 0.5, 0.5)
        case .triangle:
            let h = 3.0.squareRoot() / 2
            return (0.5, 0.5, 2 * h / 3, h / 3)
        case .star:
            return (0.5, 0.5, starOuterRadius, starOuterRadius * cos36)
        }
    }

    /// Largest distance from the centre to the outline (unit width): the reach at any rotation.
    public static func circumradius(_ shape: Shape) -> Double {
        switch shape {
        case .ball: return 0.5
        case .square: return 0.5 * 2.0.squareRoot()
        case .triangle: return 1 / 3.0.squareRoot()
        case .star: return starOuterRadius
        }
    }

    /// Area of the shape at unit width (for coverage checks).
    public static func area(_ shape: Shape) -> Double {
        switch shape {
        case .ball: return Double.pi / 4
        default:
            guard let p = outline(shape) else { return 0 }
            var a = 0.0
            for i in 0..<p.count {
                let q = p[(i + 1) % p.count]
                a += p[i].x * q.y - q.x * p[i].y
            }
            return abs(a) / 2
        }
    }
}

