// Small text helpers without Foundation: printf-style numbers, byte sizes,
// and a JSON reader for prov records.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ReelStream

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

/// A JSON value (what prov records hold).
indirect enum JSONValue: Equatable {
    case string(String), number(Double), bool(Bool), null
    /// An integer too large for a Double to hold exactly (a 64-bit seed), kept as its digits.
    case bigInteger(String)
    case array([JSONValue]), object([(String, JSONValue)])

    static func == (a: JSONValue, b: JSONValue) -> Bool {
        switch (a, b) {
        case let (.string(x), .string(y)): return x == y
        case let (.number(x), .number(y)): return x == y
        case let (.bigInteger(x), .bigInteger(y)): return x == y
        case let (.bool(x), .bool(y)): return x == y
        case (.null, .null): return true
        case let (.array(x), .array(y)): return x == y
        case let (.object(x), .object(y)): return x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: return false
        }
    }

    subscript(key: String) -> JSONValue? {
        if case let .object(members) = self { return members.first { $0.0 == key }?.1 }
        return nil
    }

    /// The value as JSON text again.
    var jsonText: String {
        switch self {
        case let .string(s): return jsonString(s)
        case let .number(x): return x == x.rounded() && abs(x) < 1e15 ? String(Int64(x)) : String(x)
        case let .bigInteger(d): return d
        case let .bool(b): return String(b)
        case .null: return "null"
        case let .array(a): return "[" + a.map(\.jsonText).joined(separator: ",") + "]"
        case let .object(m): return "{" + m.map { jsonString($0.0) + ":" + $0.1.jsonText }.joined(separator: ",") + "}"
        }
    }

    /// Compact text: strings bare, arrays space-separated.
    var plain: String {
        switch self {
        case let .string(s): return s
        case let .number(x): return x == x.rounded() && abs(x) < 1e15 ? String(Int64(x)) : String(x)
        case let .bigInteger(d): return d
        case let .bool(b): return String(b)
        case .null: return "null"
        case let .array(a): return a.map(\.plain).joined(separator: " ")
        case let .object(m): return "{" + m.map { "\($0.0): \($0.1.plain)" }.joined(separator: ", ") + "}"
        }
    }
}

/// Parses one JSON value filling the whole text; throws a message saying where it went wrong.
struct JSONReader {
    let bytes: [UInt8]
    var i = 0

    static func parse(_ text: String) throws -> JSONValue {
        var r = JSONReader(bytes: Array(text.utf8))
        let v = try r.value(depth: 0)
        r.space()
        guard r.i == r.bytes.count else { throw r.error("text after the JSON value") }
        return v
    }

    struct Failure: Error { let message: String }
    func error(_ what: String) -> Failure { Failure(message: "\(what) at byte \(i)") }

    mutating func space() { while i < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[i]) { i += 1 } }

    mutating func value(depth: Int) throws -> JSONValue {
        guard depth < 64 else { throw error("nesting deeper than 64") }
        space()
        guard i < bytes.count else { throw error("unexpected end") }
        switch bytes[i] {
        case UInt8(ascii: "{"):
            i += 1
            var members: [(String, JSONValue)] = []
            space()
            if i < bytes.count && bytes[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
            while true {
                space()
                guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw error("expected a member name") }
                let k = try string()
                space()
                guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { throw error("expected ':'") }
                i += 1
                members.append((k, try value(depth: depth + 1)))
                space()
                guard i < bytes.count else { throw error("unexpected end") }
                if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                if bytes[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
                throw error("expected ',' or '}'")
            }
        case UInt8(ascii: "["):
            i += 1
            var items: [JSONValue] = []
            space()
            if i < bytes.count && bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
            while true {
                items.append(try value(depth: depth + 1))
                space()
                guard i < bytes.count else { throw error("unexpected end") }
                if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                if bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
                throw error("expected ',' or ']'")
            }
        case UInt8(ascii: "\""):
            return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        default:
            let start = i
            while i < bytes.count, "+-0123456789.eE".utf8.contains(bytes[i]) { i += 1 }
            let text = String(decoding: bytes[start..<i], as: UTF8.self)
            guard i > start, let x = Double(text) else { throw error("expected a value") }
            if abs(x) >= 9007199254740992, UInt64(text) != nil || Int64(text) != nil { return .bigInteger(text) }
            return .number(x)
        }
    }

    mutating func literal(_ word: String) throws {
        let w = Array(word.utf8)
        guard i + w.count <= bytes.count, Array(bytes[i..<(i + w.count)]) == w else { throw error("expected \(word)") }
        i += w.count
    }

    mutating func string() throws -> String {
        i += 1  // opening quote
        var out: [UInt8] = []
        while i < bytes.count {
            let b = bytes[i]
            i += 1
            switch b {
            case UInt8(ascii: "\""):
                return String(decoding: out, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard i < bytes.count else { throw error("unexpected end") }
                let e = bytes[i]
                i += 1
                switch e {
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "u"):
                    guard i + 4 <= bytes.count, let u = UInt32(String(decoding: bytes[i..<(i + 4)], as: UTF8.self), radix: 16) else {
                        throw error("bad \\u escape")
                    }
                    i += 4
                    out += Array(String(UnicodeScalar(u).map(Character.init) ?? "\u{FFFD}").utf8)
                default: out.append(e)
                }
            default:
                guard b >= 0x20 else { throw error("control character in a string") }
                out.append(b)
            }
        }
        throw error("unterminated string")
    }
}
