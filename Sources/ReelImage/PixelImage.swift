// PixelImage: a still image as reel streams it, planar C×H×W samples, u8 or u16.
//
// Planar storage (channel c, row y, column x at c*H*W + y*W + x) is the layout
// of reel(5) pixel-frame records, so a frame moves between the stream and this
// type with one copy. PNG and FFmpeg want interleaved H×W×C rows; the
// `interleaved…` initialisers and accessors convert at the file boundary.

/// Bits per sample.
public enum SampleDepth: Int, Sendable, CaseIterable, CustomStringConvertible {
    case u8 = 8
    case u16 = 16

    /// The largest sample value: 255 or 65535.
    public var maxValue: Int { self == .u8 ? 255 : 65535 }
    public var bytesPerSample: Int { rawValue / 8 }
    public var description: String { self == .u8 ? "u8" : "u16" }
}

/// Planar samples of one depth.
public enum PlanarSamples: Sendable, Equatable {
    case u8([UInt8])
    case u16([UInt16])

    public var count: Int {
        switch self {
        case .u8(let a): a.count
        case .u16(let a): a.count
        }
    }
    public var depth: SampleDepth {
        switch self {
        case .u8: .u8
        case .u16: .u16
        }
    }
}

/// An image of `channels` planes (1 gray, 2 gray+alpha, 3 RGB, 4 RGBA), each
/// `height` rows of `width` samples; sRGB-encoded values as stored in PNG.
public struct PixelImage: Sendable, Equatable {
    /// Largest width or height reel accepts (as reel(5)).
    public static let maxSide = 16384
    /// Largest image in bytes (as reel(5)'s largest record payload, 1 GiB).
    public static let maxBytes = 1 << 30

    public let width: Int
    public let height: Int
    public let channels: Int
    /// Planar C×H×W.
    public private(set) var samples: PlanarSamples

    public var depth: SampleDepth { samples.depth }
    public var planeSize: Int { width * height }

    /// Checks sizes against the limits; `what` names the image in the error.
    public static func validate(width: Int, height: Int, channels: Int, depth: SampleDepth, what: String) throws {
        guard width >= 1, height >= 1, width <= maxSide, height <= maxSide else {
            throw MediaError.tooLarge(path: what, detail: "image is \(width)x\(height); sides must be 1 to \(maxSide)")
        }
        guard (1...4).contains(channels) else {
            throw MediaError.unsupported(path: what, detail: "\(channels) channels; expected 1 to 4")
        }
        let bytes = width * height * channels * depth.bytesPerSample
        guard bytes <= maxBytes else {
            throw MediaError.tooLarge(path: what, detail: "image of \(width)x\(height)x\(channels) \(depth) is \(bytes) bytes; the limit is \(maxBytes)")
        }
    }

    /// Wraps planar samples; their count must be channels*height*width.
    public init(width: Int, height: Int, channels: Int, samples: PlanarSamples) throws {
        try PixelImage.validate(width: width, height: height, channels: channels, depth: samples.depth, what: "image")
        guard samples.count == width * height * channels else {
            throw MediaError.invalidArgument("image of \(width)x\(height)x\(channels) needs \(width * height * channels) samples, got \(samples.count)")
        }
        self.width = width
        self.height = height
        self.channels = channels
        self.samples = samples
    }

    /// An image with every sample 0 (black, and transparent where there is alpha).
    public init(zeroWidth width: Int, height: Int, channels: Int, depth: SampleDepth) throws {
        try PixelImage.validate(width: width, height: height, channels: channels, depth: depth, what: "image")
        self.width = width
        self.height = height
        self.channels = channels
        let n = width * height * channels
        samples = depth == .u8 ? .u8([UInt8](repeating: 0, count: n)) : .u16([UInt16](repeating: 0, count: n))
    }

    /// Builds from interleaved H×W×C samples (as PNG rows and RGB24 video frames hold them).
    public init(interleaved8 data: UnsafeBufferPointer<UInt8>, width: Int, height: Int, channels: Int, rowStride: Int? = nil) throws {
        try PixelImage.validate(width: width, height: height, channels: channels, depth: .u8, what: "image")
        let stride = rowStride ?? width * channels
        guard stride >= width * channels, data.count >= stride * (height - 1) + width * channels else {
            throw MediaError.invalidArgument("interleaved buffer of \(data.count) bytes is too small for \(width)x\(height)x\(channels)")
        }
        let plane = width * height
        var out = [UInt8](repeating: 0, count: plane * channels)
        out.withUnsafeMutableBufferPointer { o in
            for y in 0..<height {
                let row = y * stride
                for x in 0..<width {
                    let src = row + x * channels
                    let dst = y * width + x
                    for c in 0..<channels { o[c * plane + dst] = data[src + c] }
                }
            }
        }
        self.width = width
        self.height = height
        self.channels = channels
        samples = .u8(out)
    }

    /// Builds from interleaved H×W×C 16-bit samples in host byte order.
    public init(interleaved16 data: UnsafeBufferPointer<UInt16>, width: Int, height: Int, channels: Int) throws {
        try PixelImage.validate(width: width, height: height, channels: channels, depth: .u16, what: "image")
        guard data.count >= width * height * channels else {
            throw MediaError.invalidArgument("interleaved buffer of \(data.count) samples is too small for \(width)x\(height)x\(channels)")
        }
        let plane = width * height
        var out = [UInt16](repeating: 0, count: plane * channels)
        out.withUnsafeMutableBufferPointer { o in
            for i in 0..<plane {
                for c in 0..<channels { o[c * plane + i] = data[i * channels + c] }
            }
        }
        self.width = width
        self.height = height
        self.channels = channels
        samples = .u16(out)
    }

    /// Builds from raw planar C×H×W bytes, u16 little-endian: the samples of a
    /// reel(5) FRAM record (`Frame.data`), so tools without FFmpeg can read frames.
    public init(planarLittleEndian raw: UnsafeRawBufferPointer, width: Int, height: Int, channels: Int, depth: SampleDepth) throws {
        try PixelImage.validate(width: width, height: height, channels: channels, depth: depth, what: "frame")
        let n = width * height * channels
        guard raw.count >= n * depth.bytesPerSample else {
            throw MediaError.invalidArgument("frame of \(width)x\(height)x\(channels) \(depth) needs \(n * depth.bytesPerSample) bytes, got \(raw.count)")
        }
        self.width = width
        self.height = height
        self.channels = channels
        switch depth {
        case .u8:
            samples = .u8([UInt8](raw.prefix(n)))
        case .u16:
            samples = .u16((0..<n).map { UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self)) })
        }
    }

    /// Copies the samples as planar C×H×W bytes, u16 little-endian, into
    /// `raw` (which must hold channels×height×width×bytesPerSample bytes).
    public func copyPlanarLittleEndian(into raw: UnsafeMutableRawBufferPointer) {
        switch samples {
        case .u8(let a):
            a.withUnsafeBytes { raw.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0.prefix(raw.count))) }
        case .u16(let a):
            #if _endian(big)
            a.map { $0.littleEndian }.withUnsafeBytes { raw.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0.prefix(raw.count))) }
            #else
            a.withUnsafeBytes { raw.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0.prefix(raw.count))) }
            #endif
        }
    }

    /// The sample at channel c, row y, column x, as an integer.
    @inlinable public func sample(_ c: Int, _ y: Int, _ x: Int) -> Int {
        let i = (c * height + y) * width + x
        switch samples {
        case .u8(let a): return Int(a[i])
        case .u16(let a): return Int(a[i])
        }
    }

    /// Interleaved H×W×C 8-bit samples (16-bit images are narrowed with rounding).
    public func interleaved8() -> [UInt8] {
        let img = depth == .u8 ? self : converted(to: .u8)
        guard case .u8(let a) = img.samples else { return [] }
        let plane = planeSize
        var out = [UInt8](repeating: 0, count: a.count)
        out.withUnsafeMutableBufferPointer { o in
            a.withUnsafeBufferPointer { s in
                for i in 0..<plane {
                    for c in 0..<channels { o[i * channels + c] = s[c * plane + i] }
                }
            }
        }
        return out
    }

    /// Interleaved H×W×C 16-bit samples in host order (8-bit images are widened ×257).
    public func interleaved16() -> [UInt16] {
        let img = depth == .u16 ? self : converted(to: .u16)
        guard case .u16(let a) = img.samples else { return [] }
        let plane = planeSize
        var out = [UInt16](repeating: 0, count: a.count)
        out.withUnsafeMutableBufferPointer { o in
            a.withUnsafeBufferPointer { s in
                for i in 0..<plane {
                    for c in 0..<channels { o[i * channels + c] = s[c * plane + i] }
                }
            }
        }
        return out
    }

    /// Converts between 8 and 16 bits: up by ×257 (exact inverse), down by
    /// round(v × 255 / 65535).
    public func converted(to target: SampleDepth) -> PixelImage {
        var copy = self
        switch (samples, target) {
        case (.u8(let a), .u16):
            copy.samples = .u16(a.map { UInt16($0) &* 257 })
        case (.u16(let a), .u8):
            copy.samples = .u8(a.map { UInt8((UInt32($0) &* 255 &+ 32767) / 65535) })
        default:
            break
        }
        return copy
    }

    /// Converts to `target` channels (1, 3 or 4). Gray is replicated into RGB;
    /// alpha is composited over black when dropped and set opaque when added;
    /// RGB to gray uses Rec. 601 luma (0.299, 0.587, 0.114).
    public func converted(channels target: Int) throws -> PixelImage {
        guard [1, 3, 4].contains(target) else {
            throw MediaError.invalidArgument("cannot convert to \(target) channels; expected 1, 3 or 4")
        }
        if target == channels { return self }
        let plane = planeSize
        let maxV = Float(depth.maxValue)
        let hasAlpha = channels == 2 || channels == 4
        let colour = hasAlpha ? channels - 1 : channels
        let src = floatPlanes()  // (C,H,W)
        var out = [Float](repeating: 0, count: plane * target)
        for i in 0..<plane {
            let a: Float = hasAlpha ? src[(channels - 1) * plane + i] / maxV : 1
            var rgb: (Float, Float, Float)
            if colour == 1 {
                let g = src[i]
                rgb = (g, g, g)
            } else {
                rgb = (src[i], src[plane + i], src[2 * plane + i])
            }
            if target == 4 {
                out[i] = rgb.0
                out[plane + i] = rgb.1
                out[2 * plane + i] = rgb.2
                out[3 * plane + i] = hasAlpha ? a * maxV : maxV
            } else {
                rgb = (rgb.0 * a, rgb.1 * a, rgb.2 * a)
                if target == 3 {
                    out[i] = rgb.0
                    out[plane + i] = rgb.1
                    out[2 * plane + i] = rgb.2
                } else {
                    out[i] = colour == 1 ? rgb.0 : 0.299 * rgb.0 + 0.587 * rgb.1 + 0.114 * rgb.2
                }
            }
        }
        return try PixelImage(floatPlanes: out, width: width, height: height, channels: target, depth: depth)
    }

    /// All samples as Float in 0...maxValue, planar C×H×W.
    public func floatPlanes() -> [Float] {
        switch samples {
        case .u8(let a): return a.map { Float($0) }
        case .u16(let a): return a.map { Float($0) }
        }
    }

    /// Rounds and clamps Float samples (0...maxValue of `depth`), planar C×H×W.
    public init(floatPlanes values: [Float], width: Int, height: Int, channels: Int, depth: SampleDepth) throws {
        try PixelImage.validate(width: width, height: height, channels: channels, depth: depth, what: "image")
        guard values.count == width * height * channels else {
            throw MediaError.invalidArgument("image of \(width)x\(height)x\(channels) needs \(width * height * channels) samples, got \(values.count)")
        }
        let maxV = Float(depth.maxValue)
        self.width = width
        self.height = height
        self.channels = channels
        switch depth {
        case .u8:
            samples = .u8(values.map { v in v.isNaN ? 0 : UInt8(min(max(v, 0), maxV).rounded()) })
        case .u16:
            samples = .u16(values.map { v in v.isNaN ? 0 : UInt16(min(max(v, 0), maxV).rounded()) })
        }
    }
}
