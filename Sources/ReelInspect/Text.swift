// Small text helpers without Foundation: printf-style numbers, byte sizes,
// and the plain rendering of prov records' JSON values.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ReelStream
import ReelSystem

/// `x` formatted with a printf format for one double, e.g. "%.6g".
func printf(_ format: String, _ x: Double) -> String {
    var buf = [CChar](repeating: 0, count: 64)
    let n = withVaList([x]) { vsnprintf(&buf, 64, format, $0) }
    return String(decoding: buf[0..<Int(max(0, min(n, 63)))].map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// Six significant digits, "nan" for NaN.
func number(_ x: Double) -> String { x.isNaN ? "nan" : printf("%.6g", x) }

/// "1 frame", "2 frames".
func plural(_ n: Int, _ noun: String) -> String { n == 1 ? "1 \(noun)" : "\(n) \(noun)s" }

/// Right-aligns `s` in `width` columns.
func right(_ s: String, _ width: Int) -> String { s.count >= width ? s : String(repeating: " ", count: width - s.count) + s }
func left(_ s: String, _ width: Int) -> String { s.count >= width ? s : s + String(repeating: " ", count: width - s.count) }

/// "1.5 MiB", "96 B".
func byteSize(_ n: Int) -> String {
    if n < 1024 { return "\(n) B" }
    let units = ["KiB", "MiB", "GiB", "TiB"]
    var v = Double(n) / 1024, u = 0
    while v >= 1024 && u < units.count - 1 { v /= 1024; u += 1 }
    return printf("%.1f", v) + " " + units[u]
}

/// A quoted string for a summary line: control characters escaped, long text cut.
func quoted(_ s: String, limit: Int = 200) -> String {
    let cut = s.count > limit ? String(s.prefix(limit)) + "..." : s
    return jsonString(cut)
}

extension JSONValue {
    /// Compact text: strings bare, arrays space-separated.
    var plain: String {
        switch self {
        case let .string(s): return s
        case let .number(x): return x
        case let .bool(b): return String(b)
        case .null: return "null"
        case let .array(a): return a.map(\.plain).joined(separator: " ")
        case let .object(m): return "{" + m.map { "\($0.key): \($0.value.plain)" }.joined(separator: ", ") + "}"
        }
    }
}
