// ClipScorer: one clip's pixels and texts in, its scores out.

import ReelStream
import ReelWorld

/// The scorer's version, named in every report (changes when a score would).
public let scorerVersion = "reel-score 2"

/// A prompt (or caption) and the video frames it applies to.
public struct ClipText: Sendable, Equatable {
    public var text: String
    public var role: TextRole
    public var start: Int
    public var end: Int?

    public init(text: String, role: TextRole = .prompt, start: Int = 0, end: Int? = nil) {
        self.text = text; self.role = role; self.start = start; self.end = end
    }
}

public struct SegmentScore: Sendable {
    public var text: ClipText
    /// The frames scored (the segment's range within the clip).
    public var frames: Range<Int>
    public var adherence: Adherence
}

public struct ClipScore: Sendable {
    public var clip: UInt32
    public var width: Int, height: Int, frames: Int
    public var observation: Observation
    public var segments: [SegmentScore]
    public var temporal: TemporalQuality
    /// nil when the stream gives no noise levels for the clip.
    public var joins: [JoinCheck]?
    public var loop: LoopCheck?
    public var notes: [String]

    /// Passed checks over all checks of all segments; nil when no text names anything checkable.
    public var score: Double? {
        let total = segments.reduce(0) { $0 + $1.adherence.checks.count }
        guard total > 0 else { return nil }
        return Double(segments.reduce(0) { $0 + $1.adherence.passed }) / Double(total)
    }
    public var passed: Int { segments.reduce(0) { $0 + $1.adherence.passed } }
    public var checked: Int { segments.reduce(0) { $0 + $1.adherence.checks.count } }

    /// Ranking for --best: the adherence score (none counts as 0), then temporal quality, then the lower clip id.
    public static func ranksAbove(_ a: ClipScore, _ b: ClipScore) -> Bool {
        let sa = a.score ?? 0, sb = b.score ?? 0
        if sa != sb { return sa > sb }
        if a.temporal.quality != b.temporal.quality { return a.temporal.quality > b.temporal.quality }
        return a.clip < b.clip
    }
}

public struct ClipScorer: Sendable {
    /// Also check the last-to-first seam and whether the clip is its own reversal.
    public var loop: Bool

    public init(loop: Bool = false) { self.loop = loop }

    /// Scores `pixels`. `texts` are the clip's texts (prompts are used; captions
    /// only when there is no prompt); `given` marks the video frames the stream's
    /// noise levels say were given (nil: no levels).
    public func score(clip: UInt32, pixels: ClipPixels, texts: [ClipText], given: [Bool]? = nil) -> ClipScore {
        let observation = ClipAnalyzer.observe(pixels)
        var notes: [String] = []
        let prompts = texts.filter { $0.role == .prompt }
        let chosen = prompts.isEmpty ? texts.filter { $0.role == .caption } : prompts
        if prompts.isEmpty && !chosen.isEmpty { notes.append("no prompt: the caption was checked") }
        var segments: [SegmentScore] = []
        for t in chosen {
            let lo = min(t.start, pixels.frameCount), hi = min(t.end ?? pixels.frameCount, pixels.frameCount)
            guard lo < hi else {
                notes.append("text \"\(t.text)\" covers frames \(t.start)..<\(t.end.map(String.init) ?? "end"), none of the clip's \(pixels.frameCount)")
                continue
            }
            let o = (lo == 0 && hi == pixels.frameCount) ? observation : ClipAnalyzer.observe(pixels.slice(lo..<hi))
            let a = AdherenceChecker.check(t.text, against: o)
            if a.checks.isEmpty { notes.append("\"\(t.text)\" names nothing the shapes world has") }
            if !a.unchecked.isEmpty { notes.append("could not check: \(a.unchecked.joined(separator: ", "))") }
            segments.append(SegmentScore(text: t, frames: lo..<hi, adherence: a))
        }
        if chosen.isEmpty { notes.append("no prompt or caption: scored for temporal quality only") }
        var joins: [JoinCheck]?
        if let given {
            joins = TemporalMeasure.joins(pixels, given: given)
        }
        return ClipScore(clip: clip, width: pixels.width, height: pixels.height, frames: pixels.frameCount,
                         observation: observation, segments: segments,
                         temporal: TemporalMeasure.quality(pixels, observation), joins: joins,
                         loop: loop ? TemporalMeasure.loop(pixels) : nil, notes: notes)
    }
}
