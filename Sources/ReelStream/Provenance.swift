import ReelSystem

/// prov: which tool made or changed the stream. The payload is one UTF-8 JSON
/// object with these members (others may follow in later versions):
///   "tool" string, "version" string, "args" array of strings,
///   "model" string (may be empty), "seed" integer or null,
///   "generated" boolean (true when the tool synthesized content).
/// Every tool appends one prov record to the stream it writes; earlier ones are
/// forwarded, so a stream carries its whole history.
public struct Provenance: Equatable, Sendable {
    public var tool: String
    public var version: String
    public var args: [String]
    public var model: String
    public var seed: UInt64?
    public var generated: Bool

    public init(tool: String, version: String = reelVersion, args: [String], model: String = "", seed: UInt64? = nil, generated: Bool = false) {
        self.tool = tool; self.version = version; self.args = args; self.model = model; self.seed = seed; self.generated = generated
    }

    public var json: String {
        let a = args.map(jsonString).joined(separator: ",")
        let s = seed.map { String($0) } ?? "null"
        return "{\"tool\":\(jsonString(tool)),\"version\":\(jsonString(version)),\"args\":[\(a)],\"model\":\(jsonString(model)),\"seed\":\(s),\"generated\":\(generated)}"
    }

    public var record: Record { Record(type: .provenance, bytes: Array(json.utf8)) }

    /// The JSON text of a prov record, validated as UTF-8.
    public static func text(_ r: Record, index: Int) throws -> String {
        guard let s = r.payload.string(0..<r.payload.count) else {
            throw StreamError.malformed(record: index, type: "prov", problem: "payload is not valid UTF-8")
        }
        return s
    }
}

/// reel's software version (the stream format has its own version).
public let reelVersion = "0.1.0"

