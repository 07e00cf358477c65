// Prompt adherence: the attributes a prompt names (ReelText's PromptParser),
// checked against what the clip shows. Named objects are matched to observed
// ones one to one, in the way that passes the most checks (ties: the prompt's
// order); a named object with no observed one fails all its checks.

import ReelText
import ReelWorld

/// One attribute the prompt names, and whether the clip shows it.
public struct AttributeCheck: Sendable, Equatable {
    /// "object 1 colour", "background", "camera", "object 2 count" ...
    public var attribute: String
    public var expected: String
    /// What the clip shows ("none" when nothing matches).
    public var observed: String
    public var passed: Bool
}

public struct Adherence: Sendable, Equatable {
    public var checks: [AttributeCheck]
    /// Words of the prompt outside the world's vocabulary, and phrases naming what the world lacks.
    public var unchecked: [String]
    public var passed: Int { checks.filter(\.passed).count }
    /// Share of checks passed; nil when the prompt names nothing checkable.
    public var score: Double? { checks.isEmpty ? nil : Double(passed) / Double(checks.count) }
}

enum AdherenceChecker {
    static func check(_ prompt: String, against o: Observation) -> Adherence {
        let parsed = PromptParser.parse(prompt)
        var unchecked = parsed.unknownWords + parsed.unsupportedPhrases
        var checks: [AttributeCheck] = []
        if let b = parsed.background {
            checks.append(AttributeCheck(attribute: "background", expected: b.rawValue, observed: o.background.rawValue, passed: b == o.background))
        }
        if let c = parsed.camera {
            checks.append(AttributeCheck(attribute: "camera", expected: c.rawValue, observed: o.camera.rawValue, passed: c == o.camera))
        }
        // One entry per named object (groups expanded, at most 3 objects: the world's limit).
        var named: [NamedObject] = []
        for g in parsed.objects { for _ in 0..<max(1, min(g.count, 3)) { named.append(g) } }
        if named.count > 3 {
            unchecked.append("objects past the third (the world holds 1 to 3)")
            named = Array(named.prefix(3))
        }
        let observed = o.objects
        func attributes(_ n: NamedObject, _ obs: ObservedObject?) -> [(String, String, String, Bool)] {
            var out: [(String, String, String, Bool)] = []
            if let s = n.shape { out.append(("shape", s.rawValue, obs?.shape.rawValue ?? "none", obs?.shape == s)) }
            if let c = n.color { out.append(("colour", c.rawValue, obs?.color.rawValue ?? "none", obs?.color == c)) }
            if let s = n.size { out.append(("size", s.rawValue, obs?.size.rawValue ?? "none", obs?.size == s)) }
            if let m = n.motion, !(m == .spins && n.shape == .ball) {
                out.append(("motion", m.rawValue, obs?.motion.rawValue ?? "none", obs?.motion == m))
            } else if n.moves {
                out.append(("motion", "moving", obs?.motion.rawValue ?? "none", obs.map { $0.motion != .still } ?? false))
            }
            if let s = n.speed {
                out.append(("speed", s.rawValue, obs?.speed?.rawValue ?? "none", obs?.speed == s))
            }
            return out
        }
        if named.contains(where: { $0.motion == .spins && $0.shape == .ball }) {
            unchecked.append("spins (a ball's turning cannot be seen)")
        }
        // Best one-to-one assignment of named to observed objects (nil: unmatched).
        var best: [Int?] = Array(repeating: nil, count: named.count)
        var bestPassed = -1
        var current: [Int?] = []
        func search(_ i: Int, used: Set<Int>, passed: Int) {
            if i == named.count {
                if passed > bestPassed { bestPassed = passed; best = current }
                return
            }
            for j in observed.indices where !used.contains(j) {
                current.append(j)
                let p = attributes(named[i], observed[j]).filter(\.3).count
                search(i + 1, used: used.union([j]), passed: passed + p)
                current.removeLast()
            }
            if observed.count - used.count < named.count - i {
                current.append(nil)
                search(i + 1, used: used, passed: passed)
                current.removeLast()
            }
        }
        search(0, used: [], passed: 0)
        for (i, n) in named.enumerated() {
            let obs = best[i].map { observed[$0] }
            for (name, expected, seen, passed) in attributes(n, obs) {
                checks.append(AttributeCheck(attribute: "object \(i + 1) \(name)", expected: expected, observed: seen, passed: passed))
            }
        }
        if parsed.countStated {
            for g in parsed.objects where g.count > 1 || parsed.objects.count == 1 {
                let seen = observed.filter { g.shape == nil || $0.shape == g.shape }.count
                let what = g.shape.map { "\($0.rawValue)s" } ?? "objects"
                checks.append(AttributeCheck(attribute: "count of \(what)", expected: "\(g.count)", observed: "\(seen)", passed: seen == g.count))
            }
        }
        return Adherence(checks: checks, unchecked: unchecked)
    }
}
