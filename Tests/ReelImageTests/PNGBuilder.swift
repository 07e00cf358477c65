// Builds PNG files byte by byte (stored deflate blocks, real CRCs), so tests can
// make every colour type and bit depth, and precisely broken files, without
// relying on the code under test.

enum PNGBuilder {
    static let crcTable: [UInt32] = (0..<256).map { n -> UInt32 in
        var c = UInt32(n)
        for _ in 0..<8 { c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes { c = crcTable[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        return c ^ 0xFFFF_FFFF
    }

    static func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)] }

    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let t = Array(type.utf8)
        return be32(UInt32(data.count)) + t + data + be32(crc32(t + data))
    }

    /// zlib stream of stored (uncompressed) deflate blocks.
    static func zlibStored(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x78, 0x01]
        var i = 0
        repeat {
            let n = min(65535, data.count - i)
            let last: UInt8 = i + n >= data.count ? 1 : 0
            out += [last, UInt8(n & 0xFF), UInt8(n >> 8), UInt8(~n & 0xFF), UInt8((~n >> 8) & 0xFF)]
            out += data[i..<(i + n)]
            i += n
        } while i < data.count
        var a: UInt32 = 1, b: UInt32 = 0
        for x in data { a = (a + UInt32(x)) % 65521; b = (b + a) % 65521 }
        return out + be32((b << 16) | a)
    }

    /// A PNG from raw scanlines (filter byte 0 is added per row).
    /// `rows` are the packed bytes of each row as the PNG stores them.
    static func png(width: UInt32, height: UInt32, bitDepth: UInt8, colorType: UInt8,
                    rows: [[UInt8]], extra: [[UInt8]] = []) -> [UInt8] {
        let sig: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        let ihdr = be32(width) + be32(height) + [bitDepth, colorType, 0, 0, 0]
        var raw: [UInt8] = []
        for r in rows { raw.append(0); raw += r }
        var out = sig + chunk("IHDR", ihdr)
        for e in extra { out += e }
        out += chunk("IDAT", zlibStored(raw)) + chunk("IEND", [])
        return out
    }
}
