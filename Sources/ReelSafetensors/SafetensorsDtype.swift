/// The element types a safetensors header may name, spelled as in the format
/// (huggingface/safetensors `Dtype`). Every one is recognised and validated;
/// `SafetensorsFile.floats` converts the floating-point ones and
/// `SafetensorsFile.integers` the integer and boolean ones.
public enum SafetensorsDtype: String, CaseIterable, Sendable, Hashable, CustomStringConvertible {
    case bool = "BOOL"
    case u8 = "U8"
    case i8 = "I8"
    case f8e5m2 = "F8_E5M2"
    case f8e4m3 = "F8_E4M3"
    case i16 = "I16"
    case u16 = "U16"
    case f16 = "F16"
    case bf16 = "BF16"
    case i32 = "I32"
    case u32 = "U32"
    case f32 = "F32"
    case f64 = "F64"
    case i64 = "I64"
    case u64 = "U64"

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .bool, .u8, .i8, .f8e5m2, .f8e4m3: return 1
        case .i16, .u16, .f16, .bf16: return 2
        case .i32, .u32, .f32: return 4
        case .f64, .i64, .u64: return 8
        }
    }

    /// Position in the reference implementation's dtype order (the order of
    /// the cases above, increasing alignment); writers sort by it, descending.
    public var alignmentRank: Int { SafetensorsDtype.allCases.firstIndex(of: self) ?? 0 }

    /// True for the types `floats(_:)` converts to `Float`.
    public var isFloatingPoint: Bool {
        switch self {
        case .f8e5m2, .f8e4m3, .f16, .bf16, .f32, .f64: return true
        default: return false
        }
    }

    /// True for the types `integers(_:)` converts to `Int64` (BOOL reads as 0/1).
    public var isInteger: Bool {
        switch self {
        case .bool, .u8, .i8, .i16, .u16, .i32, .u32, .i64, .u64: return true
        default: return false
        }
    }

    /// The types `SafetensorsWriter` can encode from `Float` values.
    public var isWritableFromFloat: Bool { self == .f32 || self == .f16 || self == .bf16 }

    public var description: String { rawValue }
}
