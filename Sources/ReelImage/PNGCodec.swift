// PNG reading and writing through libpng (via the C functions in CPNG/shim.h,
// which keep libpng's longjmp error handling inside C).
//
// Reading accepts every PNG colour type and bit depth: palette images become
// RGB (RGBA with tRNS), gray below 8 bits becomes 8-bit gray, tRNS becomes an
// alpha channel; 16-bit files stay 16-bit. Writing takes 1-4 channels at 8 or
// 16 bits and is atomic.

import CPNG

/// PNG file input and output.
public enum PNGCodec {
    /// The first eight bytes of every PNG file.
    public static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// Whether `bytes` begin with the PNG signature.
    public static func hasSignature(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 8 && Array(bytes[0..<8]) == signature
    }

    /// Reads the PNG file at `path`.
    public static func read(path: String) throws -> PixelImage {
        let bytes = try FileAccess.readAll(path)
        return try decode(bytes, name: path)
    }

    /// Header facts of a PNG after reel's transforms.
    public struct Info: Sendable, Equatable {
        public var width: Int
        public var height: Int
        public var channels: Int
        public var depth: SampleDepth
    }

    /// Most pixels (width x height) a PNG may claim before anything is decoded: a guard against
    /// decompression bombs (a few hundred kilobytes of zeros claiming 16384x16384 would take 4 GB
    /// and 20 s). 40 megapixels holds 8K UHD (7680x4320); reel-encode --max-pixels raises it.
    nonisolated(unsafe) public static var maxPixels = 40_000_000

    /// Reads only the header of the PNG in `bytes`.
    public static func info(_ bytes: [UInt8], name: String) throws -> Info {
        if bytes.isEmpty { throw MediaError.malformed(path: name, detail: "file is empty (0 bytes)") }
        guard hasSignature(bytes) else {
            throw MediaError.malformed(path: name, detail: "bad signature (expected the 8-byte PNG signature 89 50 4E 47 0D 0A 1A 0A)")
        }
        // Sides are checked before libpng sees them, to name the limit.
        if bytes.count >= 16 && bytes[12..<16].elementsEqual("IHDR".utf8) {
            let length = bytes[8..<12].reduce(0) { $0 << 8 | Int($1) }
            guard length == 13 else {
                throw MediaError.malformed(path: name, detail: "the IHDR chunk is \(length) bytes, expected 13")
            }
        }
        if bytes.count >= 24 && bytes[12..<16].elementsEqual("IHDR".utf8) {
            let w = bytes[16..<20].reduce(0) { $0 << 8 | Int($1) }
            let h = bytes[20..<24].reduce(0) { $0 << 8 | Int($1) }
            if w > PixelImage.maxSide || h > PixelImage.maxSide {
                throw MediaError.tooLarge(path: name, detail: "image is \(w)x\(h); sides must be at most \(PixelImage.maxSide)")
            }
            if w * h > maxPixels {
                throw MediaError.tooLarge(path: name, detail: "image claims \(w)x\(h) = \(w * h) pixels, over the limit of \(maxPixels) checked before decoding (raise it with --max-pixels)")
            }
        }
        var header = reel_png_info()
        var message = [CChar](repeating: 0, count: 256)
        let rc = bytes.withUnsafeBufferPointer { b in
            reel_png_read_info(b.baseAddress, b.count, UInt32(PixelImage.maxSide) + 1, &header, &message, message.count)
        }
        guard rc == 0 else { throw pngError(name, message) }
        guard header.width <= UInt32(PixelImage.maxSide), header.height <= UInt32(PixelImage.maxSide) else {
            throw MediaError.tooLarge(path: name, detail: "image is \(header.width)x\(header.height); sides must be at most \(PixelImage.maxSide)")
        }
        guard Int(header.width) * Int(header.height) <= maxPixels else {
            throw MediaError.tooLarge(path: name, detail: "image claims \(header.width)x\(header.height) = \(Int(header.width) * Int(header.height)) pixels, over the limit of \(maxPixels) checked before decoding (raise it with --max-pixels)")
        }
        guard header.depth == 8 || header.depth == 16 else {
            throw MediaError.unsupported(path: name, detail: "bit depth \(header.depth) after expansion")
        }
        return Info(width: Int(header.width), height: Int(header.height), channels: Int(header.channels),
                    depth: header.depth == 16 ? .u16 : .u8)
    }

    /// Decodes a PNG held in memory; `name` labels errors.
    public static func decode(_ bytes: [UInt8], name: String) throws -> PixelImage {
        let h = try info(bytes, name: name)
        try PixelImage.validate(width: h.width, height: h.height, channels: h.channels, depth: h.depth, what: name)
        let count = h.width * h.height * h.channels
        var message = [CChar](repeating: 0, count: 256)
        switch h.depth {
        case .u8:
            var buffer = [UInt8](repeating: 0, count: count)
            let rc = bytes.withUnsafeBufferPointer { b in
                buffer.withUnsafeMutableBufferPointer { o in
                    reel_png_read_pixels(b.baseAddress, b.count, UInt32(PixelImage.maxSide), o.baseAddress, o.count, &message, message.count)
                }
            }
            guard rc == 0 else { throw pngError(name, message) }
            return try buffer.withUnsafeBufferPointer {
                try PixelImage(interleaved8: $0, width: h.width, height: h.height, channels: h.channels)
            }
        case .u16:
            var buffer = [UInt16](repeating: 0, count: count)
            let rc = bytes.withUnsafeBufferPointer { b in
                buffer.withUnsafeMutableBytes { o in
                    reel_png_read_pixels(b.baseAddress, b.count, UInt32(PixelImage.maxSide),
                                         o.baseAddress?.assumingMemoryBound(to: UInt8.self), o.count, &message, message.count)
                }
            }
            guard rc == 0 else { throw pngError(name, message) }
            return try buffer.withUnsafeBufferPointer {
                try PixelImage(interleaved16: $0, width: h.width, height: h.height, channels: h.channels)
            }
        }
    }

    /// The iTXt keyword under which reel stores a file's provenance (JSON).
    public static let provenanceKey = "reel provenance"

    /// Writes `image` as a PNG at its own depth (or `depth` when given),
    /// atomically: a temporary file beside `path` renamed into place.
    /// `comment` (UTF-8) is stored in an iTXt chunk keyed `provenanceKey`.
    public static func write(_ image: PixelImage, to path: String, depth: SampleDepth? = nil, compression: Int = 6,
                             comment: String? = nil) throws {
        try FileAccess.writeAtomically(to: path) { temp in
            try writeDirect(image, to: temp, depth: depth, compression: compression, name: path, comment: comment)
        }
    }

    /// The text stored under `key` in the PNG's header chunks, if any.
    public static func text(_ bytes: [UInt8], key: String = provenanceKey, name: String) throws -> String? {
        var out = [CChar](repeating: 0, count: 1 << 16)
        var message = [CChar](repeating: 0, count: 256)
        let n = bytes.withUnsafeBufferPointer { b in
            reel_png_read_text(b.baseAddress, b.count, key, &out, out.count, &message, message.count)
        }
        if n < 0 { throw pngError(name, message) }
        return n == 0 ? nil : cText(out)
    }

    /// Writes straight to `path` (not atomic; the caller renames). `name` labels errors.
    public static func writeDirect(_ image: PixelImage, to path: String, depth: SampleDepth? = nil,
                                   compression: Int = 6, name: String? = nil, comment: String? = nil) throws {
        let d = depth ?? image.depth
        var message = [CChar](repeating: 0, count: 256)
        let rc: Int32
        switch d {
        case .u8:
            let data = image.interleaved8()
            rc = data.withUnsafeBufferPointer { b in
                reel_png_write(path, UInt32(image.width), UInt32(image.height), Int32(image.channels), 8,
                               b.baseAddress, Int32(compression), comment == nil ? nil : provenanceKey, comment,
                               &message, message.count)
            }
        case .u16:
            let data = image.interleaved16()
            rc = data.withUnsafeBytes { b in
                reel_png_write(path, UInt32(image.width), UInt32(image.height), Int32(image.channels), 16,
                               b.baseAddress?.assumingMemoryBound(to: UInt8.self), Int32(compression),
                               comment == nil ? nil : provenanceKey, comment, &message, message.count)
            }
        }
        guard rc == 0 else {
            throw MediaError.writeFailed(path: name ?? path, reason: cText(message))
        }
    }

    private static func pngError(_ name: String, _ message: [CChar]) -> MediaError {
        let text = cText(message)
        if text.contains("Image width exceeds user limit") || text.contains("Image height exceeds user limit")
            || text.contains("exceeds") {
            return .tooLarge(path: name, detail: "\(text) (sides must be at most \(PixelImage.maxSide))")
        }
        return .malformed(path: name, detail: text.isEmpty ? "libpng error" : text)
    }
}

/// The NUL-terminated text in a C character buffer.
func cText(_ buffer: [CChar]) -> String {
    let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
    return String(decoding: bytes, as: UTF8.self)
}
