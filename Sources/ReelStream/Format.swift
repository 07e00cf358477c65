// reel(5): the stream format every reel tool reads and writes.
//
// A stream is a 16-byte preamble (signature, version) followed by records. A
// record is a 16-byte header (type, CRC-32C, payload length), the payload, and
// zero padding to the next multiple of 8. The last record is DONE. All
// integers are little-endian. The full specification is man/man5/reel.5; this
// file holds its constants.

/// The constants of reel(5) version 1.
public enum ReelFormat {
    /// 0x8A 'R' 'E' 'L' CR LF 0x1A LF: the high byte catches 7-bit transports,
    /// CR LF and LF catch line-ending conversion, 0x1A stops DOS `type`.
    public static let signature: [UInt8] = [0x8A, 0x52, 0x45, 0x4C, 0x0D, 0x0A, 0x1A, 0x0A]
    public static let majorVersion: UInt16 = 1
    public static let minorVersion: UInt16 = 1
    public static let preambleSize = 16
    public static let recordHeaderSize = 16
    /// Records start at multiples of this within the stream, and tensor data at
    /// multiples of it within a payload.
    public static let alignment = 8
    /// Largest payload a v1 reader accepts (1 GiB).
    public static let maxPayload = 1 << 30
    /// Caps on dimensions; each keeps every size computation far from overflow.
    public static let maxSide = 16384
    public static let maxChannels = 4096
    public static let maxTokensPerRecord = 1 << 24
    public static let maxTokenDim = 1 << 20
    public static let maxPatch = 64
    public static let maxTextBytes = 1 << 20
    /// Frame-range end meaning "to the end of the clip"; clip meaning "every clip".
    public static let open: UInt32 = 0xFFFF_FFFF

    /// Rounds `n` up to the alignment.
    @inlinable public static func padded(_ n: Int) -> Int { (n + 7) & ~7 }
}

/// A record's four-letter type. An upper-case first letter marks a critical
/// record (a reader that does not know it must stop); lower case marks an
/// ancillary one (a reader that does not know it forwards it unchanged).
public struct RecordType: Hashable, Sendable, CustomStringConvertible {
    /// The four ASCII bytes as they appear in the stream.
    public let bytes: (UInt8, UInt8, UInt8, UInt8)

    public init(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) { bytes = (a, b, c, d) }

    public init(_ code: StaticString) {
        precondition(code.utf8CodeUnitCount == 4, "record types have four letters")
        let p = code.utf8Start
        bytes = (p[0], p[1], p[2], p[3])
    }

    /// Parses a type name given by a person (e.g. on a command line).
    public init?(name: String) {
        let u = Array(name.utf8)
        guard u.count == 4, u.allSatisfy(RecordType.isLetter) else { return nil }
        bytes = (u[0], u[1], u[2], u[3])
    }

    @inlinable static func isLetter(_ c: UInt8) -> Bool { (c >= 65 && c <= 90) || (c >= 97 && c <= 122) }

    public var isValid: Bool {
        RecordType.isLetter(bytes.0) && RecordType.isLetter(bytes.1)
            && RecordType.isLetter(bytes.2) && RecordType.isLetter(bytes.3)
    }
    public var isCritical: Bool { bytes.0 >= 65 && bytes.0 <= 90 }
    public var array: [UInt8] { [bytes.0, bytes.1, bytes.2, bytes.3] }

    public var description: String {
        isValid ? String(decoding: array, as: UTF8.self)
            : array.map { b in (b >= 32 && b < 127) ? String(UnicodeScalar(b)) : "\\x" + String(b, radix: 16) }.joined()
    }

    public static func == (l: RecordType, r: RecordType) -> Bool { l.array == r.array }
    public func hash(into h: inout Hasher) { h.combine(bytes.0); h.combine(bytes.1); h.combine(bytes.2); h.combine(bytes.3) }

    // Version 1 kinds. Critical:
    /// Clip header: what a clip's frames are.
    public static let head = RecordType("HEAD")
    /// One frame of a clip: pixels or latents, planar C×H×W.
    public static let frame = RecordType("FRAM")
    /// Spacetime patch geometry of a clip.
    public static let patchGeometry = RecordType("PTCH")
    /// A block of spacetime patch tokens with their (t,h,w) positions.
    public static let tokens = RecordType("TOKS")
    /// End of stream.
    public static let done = RecordType("DONE")
    /// The levels at which a partly denoised clip's stored frames already are (format 1.1).
    public static let partial = RecordType("PART")
    // Ancillary:
    /// A text prompt or caption tied to a frame range.
    public static let text = RecordType("text")
    /// Text embeddings for a text segment.
    public static let embedding = RecordType("embd")
    /// A noise level per frame.
    public static let noise = RecordType("nois")
    /// A key/value pair.
    public static let metadata = RecordType("meta")
    /// Which tool made or changed the stream, with what arguments, model and seed.
    public static let provenance = RecordType("prov")

    /// Every kind this version of reel understands.
    public static let known: Set<RecordType> = [.head, .frame, .patchGeometry, .tokens, .done, .partial,
                                                .text, .embedding, .noise, .metadata, .provenance]
}

/// Element types of tensors in the stream.
public enum DType: UInt16, Sendable, CaseIterable, CustomStringConvertible {
    case u8 = 1, u16 = 2, f16 = 3, f32 = 4, bf16 = 5

    public var size: Int {
        switch self {
        case .u8: 1
        case .u16, .f16, .bf16: 2
        case .f32: 4
        }
    }
    public var description: String {
        switch self {
        case .u8: "u8"
        case .u16: "u16"
        case .f16: "f16"
        case .f32: "f32"
        case .bf16: "bf16"
        }
    }
    public init?(name: String) {
        guard let d = DType.allCases.first(where: { $0.description == name }) else { return nil }
        self = d
    }
}

/// What a clip's frames hold.
public enum FrameKind: UInt16, Sendable, CustomStringConvertible {
    /// Pixels: sRGB (or gray) samples; u8 0-255, u16 0-65535, floats 0-1.
    case pixels = 1
    /// Latents of the video compression network named in the header.
    case latents = 2

    public var description: String { self == .pixels ? "pixels" : "latents" }
}

/// Frames per second as a fraction, as video containers store it.
public struct Rational: Hashable, Sendable, CustomStringConvertible {
    public var numerator: UInt32
    public var denominator: UInt32
    public init(_ numerator: UInt32, _ denominator: UInt32 = 1) {
        self.numerator = numerator
        self.denominator = denominator
    }
    public var value: Double { denominator == 0 ? 0 : Double(numerator) / Double(denominator) }
    public var description: String { denominator == 1 ? "\(numerator)" : "\(numerator)/\(denominator)" }
}
