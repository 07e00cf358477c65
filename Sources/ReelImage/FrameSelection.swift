// Choosing frames from a timed source: --start (seconds), --frames N, --fps R.
//
// Output frame k stands at time start + k/R. It shows the source frame whose
// timestamp is nearest to that time (ties to the earlier frame), so a faster
// rate duplicates frames and a slower one drops them; a source at the output
// rate passes through one to one. The last source frame lasts one source
// frame period, and output stops once less than half an output period of
// the source is left. Works one frame at a time: memory does not grow with length.

/// A frame rate as a fraction (30000/1001 for NTSC video).
public struct FrameRate: Sendable, Equatable, Hashable, CustomStringConvertible {
    public let numerator: Int
    public let denominator: Int

    /// A rate of numerator/denominator frames per second, reduced; both must be positive.
    public init(_ numerator: Int, _ denominator: Int = 1) throws {
        guard numerator > 0, denominator > 0, numerator <= 1_000_000, denominator <= 1_000_000 else {
            throw MediaError.invalidArgument("frame rate \(numerator)/\(denominator) is out of range; expected a positive fraction up to 1000000/1")
        }
        let g = FrameRate.gcd(numerator, denominator)
        self.numerator = numerator / g
        self.denominator = denominator / g
        guard value <= 1000 else {
            throw MediaError.invalidArgument("frame rate \(self) is over 1000 frames per second")
        }
    }

    /// Parses `24`, `29.97` or `30000/1001`.
    public init(parsing text: String) throws {
        if let slash = text.firstIndex(of: "/") {
            guard let n = Int(text[..<slash]), let d = Int(text[text.index(after: slash)...]) else {
                throw MediaError.invalidArgument("frame rate '\(text)' is not a number or a fraction like 30000/1001")
            }
            try self.init(n, d)
            return
        }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, let whole = Int(parts[0].isEmpty ? "0" : String(parts[0])), whole >= 0 else {
            throw MediaError.invalidArgument("frame rate '\(text)' is not a number or a fraction like 30000/1001")
        }
        if parts.count == 1 {
            try self.init(whole, 1)
            return
        }
        let frac = String(parts[1])
        guard !frac.isEmpty, frac.count <= 6, frac.allSatisfy(\.isNumber), let f = Int(frac) else {
            throw MediaError.invalidArgument("frame rate '\(text)' is not a number or a fraction like 30000/1001")
        }
        var scale = 1
        for _ in 0..<frac.count { scale *= 10 }
        try self.init(whole * scale + f, scale)
    }

    public var value: Double { Double(numerator) / Double(denominator) }
    public var description: String { denominator == 1 ? "\(numerator)" : "\(numerator)/\(denominator)" }

    /// The time of frame `index` in seconds.
    public func time(ofFrame index: Int) -> Double { Double(index) * Double(denominator) / Double(numerator) }

    static func gcd(_ a: Int, _ b: Int) -> Int {
        var (a, b) = (a, b)
        while b != 0 { (a, b) = (b, a % b) }
        return max(a, 1)
    }
}

/// Which frames of a source to take.
public struct FrameSelection: Sendable, Equatable {
    /// Seconds from the start of the source (a PNG sequence's frame i is at i/rate).
    public var start: Double
    /// At most this many output frames; nil for all.
    public var frameLimit: Int?
    /// The output rate; nil keeps the source's rate.
    public var rate: FrameRate?

    public init(start: Double = 0, frameLimit: Int? = nil, rate: FrameRate? = nil) throws {
        guard start.isFinite, start >= 0 else {
            throw MediaError.invalidArgument("start time \(start) must be a number of seconds, 0 or more")
        }
        if let n = frameLimit, n < 1 {
            throw MediaError.invalidArgument("frame count \(n) must be at least 1")
        }
        self.start = start
        self.frameLimit = frameLimit
        self.rate = rate
    }
}

/// Applies a FrameSelection to frames pushed in timestamp order.
public struct FrameResampler<Frame> {
    public let outputRate: FrameRate
    public let sourceRate: FrameRate
    public let selection: FrameSelection
    private var pending: (frame: Frame, time: Double)?
    /// Output frames produced so far.
    public private(set) var emitted = 0

    public init(selection: FrameSelection, sourceRate: FrameRate) {
        self.selection = selection
        self.sourceRate = sourceRate
        outputRate = selection.rate ?? sourceRate
    }

    /// True once --frames output frames have been produced: stop decoding.
    public var isFinished: Bool { selection.frameLimit.map { emitted >= $0 } ?? false }

    private func target(_ k: Int) -> Double { selection.start + outputRate.time(ofFrame: k) }

    /// Takes the next source frame (timestamps in seconds, increasing) and
    /// returns the output frames now decided, in order.
    public mutating func push(_ frame: Frame, time: Double) -> [Frame] {
        var out: [Frame] = []
        var t = time.isFinite ? time : 0
        if let p = pending {
            if t <= p.time { t = p.time + sourceRate.time(ofFrame: 1) }
            let mid = (p.time + t) / 2
            while !isFinished && target(emitted) < mid + 1e-9 {
                out.append(p.frame)
                emitted += 1
            }
        }
        pending = (frame, t)
        return out
    }

    /// Ends the source; returns the frames the last source frame still covers.
    public mutating func finish() -> [Frame] {
        var out: [Frame] = []
        guard let p = pending else { return out }
        // An output frame needs at least half its period inside the source's
        // span, so container timestamp rounding cannot add a frame and a clip
        // of duration D yields round(D × rate) frames.
        let end = p.time + sourceRate.time(ofFrame: 1)
        while !isFinished && target(emitted) < end - outputRate.time(ofFrame: 1) / 2 + 1e-9 {
            out.append(p.frame)
            emitted += 1
        }
        pending = nil
        return out
    }
}
