// Moving pixel frames between PixelImage and reel(5) FRAM records.
// Both are planar C×H×W, so this is one copy (plus a byte swap on big-endian
// hosts for u16, and a conversion for float pixel streams).

import ReelImage
import ReelStream

extension SampleDepth {
    /// The stream dtype of this depth.
    public var dtype: DType { self == .u8 ? .u8 : .u16 }
}

public enum PixelFrames {
    /// A FRAM record holding `image` (its samples as they are: channels and depth must match the clip).
    public static func frame(_ image: PixelImage, clip: UInt32, index: Int) -> Frame {
        let bytes = image.planeSize * image.channels * image.depth.bytesPerSample
        let f = Frame(clip: clip, index: index, byteCount: bytes)
        image.copyPlanarLittleEndian(into: f.mutableData)
        return f
    }

    /// The pixels of a FRAM record of a pixel clip. u8 and u16 are taken as
    /// they are; float samples (0-1) become u16 with rounding and clamping.
    public static func image(_ frame: Frame, header h: ClipHeader) throws -> PixelImage {
        guard h.kind == .pixels else {
            throw MediaError.unsupported(path: "stream", detail: "clip \(h.clip) holds latents, not pixels")
        }
        guard (1...4).contains(h.channels) else {
            throw MediaError.unsupported(path: "stream", detail: "clip \(h.clip) has \(h.channels) channels; pixel frames have 1 to 4 (gray, gray+alpha, RGB, RGBA)")
        }
        let n = h.channels * h.height * h.width
        let src = frame.data
        switch h.dtype {
        case .u8, .u16:
            return try PixelImage(planarLittleEndian: src, width: h.width, height: h.height, channels: h.channels,
                                  depth: h.dtype == .u8 ? .u8 : .u16)
        case .f32, .f16, .bf16:
            var v = [Float](repeating: 0, count: n)
            for i in 0..<n {
                switch h.dtype {
                case .f32: v[i] = Float(bitPattern: UInt32(littleEndian: src.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
                case .bf16: v[i] = Float(bitPattern: UInt32(UInt16(littleEndian: src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) << 16)
                default: v[i] = halfToFloat(UInt16(littleEndian: src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
                }
                v[i] *= 65535
            }
            return try PixelImage(floatPlanes: v, width: h.width, height: h.height, channels: h.channels, depth: .u16)
        }
    }

    /// IEEE half to Float, by bits (no dependence on Float16 support).
    static func halfToFloat(_ h: UInt16) -> Float {
        let sign = UInt32(h >> 15) << 31
        let exp = Int((h >> 10) & 0x1F)
        let mant = UInt32(h & 0x3FF)
        if exp == 0 {
            let v = Float(mant) / 1024 / 16384  // subnormal: mant × 2^-24
            return sign != 0 ? -v : v
        }
        if exp == 31 { return Float(bitPattern: sign | 0x7F80_0000 | (mant << 13)) }
        return Float(bitPattern: sign | UInt32(exp - 15 + 127) << 23 | (mant << 13))
    }
}
