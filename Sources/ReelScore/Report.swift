// A clip's scores as one line of text, as JSON (the --json report and the
// value of the `score` meta record), and the score record itself.

import ReelStream
import ReelWorld
import ReelSystem

extension ClipScore {
    static func number(_ v: Double, _ digits: Int = 3) -> String {
        guard v.isFinite else { return "null" }
        var p = 1.0
        for _ in 0..<digits { p *= 10 }
        let r = (v * p).rounded() / p
        var s = String(r)
        if s.hasSuffix(".0") { s.removeLast(2) }
        return s
    }

    /// `clip 3: 5/6 0.833, temporal 0.97; failed object 1 motion (moves left, saw moves right)`
    public var line: String {
        var s = "clip \(clip): "
        if let score { s += "\(passed)/\(checked) \(ClipScore.number(score))" } else { s += "no checks" }
        s += ", temporal \(ClipScore.number(temporal.quality))"
        let failed = segments.flatMap { seg in seg.adherence.checks.filter { !$0.passed } }
        if !failed.isEmpty {
            s += "; failed " + failed.map { "\($0.attribute) (\($0.expected), saw \($0.observed))" }.joined(separator: ", ")
        }
        if let joins, !joins.isEmpty {
            s += "; joins " + joins.map { "\($0.frame): step x\(ClipScore.number($0.stepRatio, 2))\($0.motionHolds ? "" : " motion breaks")" }.joined(separator: ", ")
        }
        if let loop { s += "; loop seam x\(ClipScore.number(loop.seamRatio, 2))\(loop.isReversal ? ", a reversal" : "")" }
        if !notes.isEmpty { s += "; " + notes.joined(separator: "; ") }
        return s
    }

    /// The report of this clip as one JSON object.
    public var json: String {
        func str(_ s: String) -> String { jsonString(s) }
        func list(_ items: [String]) -> String { "[" + items.joined(separator: ",") + "]" }
        let o = observation
        let objects = o.objects.map { ob in
            "{\"color\":\(str(ob.color.rawValue)),\"shape\":\(str(ob.shape.rawValue)),\"size\":\(str(ob.size.rawValue)),"
                + "\"motion\":\(str(ob.motion.rawValue)),\"speed\":\(ob.speed.map { str($0.rawValue) } ?? "null"),"
                + "\"width\":\(ClipScore.number(ob.widthFraction)),\"rate\":\(ClipScore.number(ob.rate)),\"frames_seen\":\(ob.framesSeen)}"
        }
        let segs = segments.map { sg in
            "{\"text\":\(str(sg.text.text)),\"role\":\(str(sg.text.role == .prompt ? "prompt" : sg.text.role == .caption ? "caption" : "negative")),"
                + "\"frames\":[\(sg.frames.lowerBound),\(sg.frames.upperBound)],"
                + "\"score\":\(sg.adherence.score.map { ClipScore.number($0) } ?? "null"),"
                + "\"checks\":" + list(sg.adherence.checks.map {
                    "{\"attribute\":\(str($0.attribute)),\"expected\":\(str($0.expected)),\"observed\":\(str($0.observed)),\"passed\":\($0.passed)}"
                }) + ",\"unchecked\":" + list(sg.adherence.unchecked.map(str)) + "}"
        }
        var s = "{\"scorer\":\(str(scorerVersion)),\"clip\":\(clip),\"width\":\(width),\"height\":\(height),\"frames\":\(frames),"
        s += "\"score\":\(score.map { ClipScore.number($0) } ?? "null"),\"passed\":\(passed),\"checked\":\(checked),"
        s += "\"temporal\":{\"quality\":\(ClipScore.number(temporal.quality)),\"flicker\":\(ClipScore.number(temporal.flicker)),"
        s += "\"jerk\":\(ClipScore.number(temporal.jerk)),\"persistence\":\(ClipScore.number(temporal.persistence))},"
        s += "\"observed\":{\"background\":\(str(o.background.rawValue)),\"camera\":\(str(o.camera.rawValue)),\"objects\":\(list(objects))},"
        s += "\"segments\":\(list(segs)),"
        if let joins {
            s += "\"joins\":" + list(joins.map { "{\"frame\":\($0.frame),\"step_ratio\":\(ClipScore.number($0.stepRatio)),\"motion_holds\":\($0.motionHolds)}" }) + ","
        } else {
            s += "\"joins\":null,"
        }
        if let loop {
            s += "\"loop\":{\"seam_ratio\":\(ClipScore.number(loop.seamRatio)),\"reversal\":\(loop.isReversal)},"
        } else {
            s += "\"loop\":null,"
        }
        s += "\"notes\":\(list(notes.map(str)))}"
        return s
    }

    /// The key of the meta record that carries a clip's report.
    public static let metadataKey = "score"

    /// A `meta` record, key `score`, value this report's JSON.
    public var record: Record { Metadata(key: ClipScore.metadataKey, value: json).record }
}
