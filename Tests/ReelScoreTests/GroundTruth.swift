// Comparing what the scorer sees with reel-synth's ground truth: per attribute,
// the share of cases that agree, and the confusion of the motion classes.

import Foundation
import ReelScore
import ReelWorld

struct AgreementTally {
    var agree: [String: Int] = [:]
    var total: [String: Int] = [:]
    /// motion confusion: truth -> observed ("missing" when the object was not found) -> count.
    var motion: [String: [String: Int]] = [:]
    var failures: [String] = []

    mutating func count(_ attribute: String, _ ok: Bool, _ why: @autoclosure () -> String) {
        total[attribute, default: 0] += 1
        if ok { agree[attribute, default: 0] += 1 } else if failures.count < AgreementTally.failureCap { failures.append("\(attribute): \(why())") }
    }

    func rate(_ attribute: String) -> Double {
        Double(agree[attribute] ?? 0) / Double(max(1, total[attribute] ?? 0))
    }

    /// How many disagreements to keep for the log (REEL_SCORE_FAILURES, default 40).
    static let failureCap = Int(ProcessInfo.processInfo.environment["REEL_SCORE_FAILURES"] ?? "") ?? 40

    static let attributes = ["background", "camera", "colour", "shape", "size", "motion", "speed"]

    /// The motion the per-frame track shows: the label, except that a line whose
    /// first step (camera removed) goes the other way is named by that step
    /// (a renderer that starts an object at the edge it moves towards bounces
    /// it back at once; the caption fixes of issue 11 keep the label and the
    /// track in agreement).
    static func trackMotion(_ o: SceneObject, _ scene: Scene) -> Motion {
        guard let d = o.motion.lineDirection, o.center.count >= 2 else { return o.motion }
        let dx = (o.center[1].x - scene.cameraShift[1]) - (o.center[0].x - scene.cameraShift[0])
        let dy = o.center[1].y - o.center[0].y
        let step = d.dx != 0 ? dx * d.dx : dy * d.dy
        guard step < 0 else { return o.motion }
        switch o.motion {
        case .movesLeft: return .movesRight
        case .movesRight: return .movesLeft
        case .movesUp: return .movesDown
        default: return .movesUp
        }
    }

    /// Tallies one clip: the scene's attributes against the observation (objects matched by colour).
    mutating func add(_ scene: Scene, _ o: Observation, tag: String) {
        count("background", o.background == scene.background, "\(tag) \(scene.background.rawValue) seen as \(o.background.rawValue)")
        count("camera", o.camera == scene.camera, "\(tag) \(scene.camera.rawValue) seen as \(o.camera.rawValue)")
        for (k, t) in scene.objects.enumerated() {
            let seen = o.objects.first { $0.color == t.color }
            let what = "\(tag) object \(k) \(t.color.rawValue) \(t.shape.rawValue) \(t.size.rawValue) \(t.motion.rawValue) \(t.speed?.rawValue ?? "-")"
            count("colour", seen != nil, "\(what) not found (seen: \(o.objects.map(\.color.rawValue)))")
            count("shape", seen?.shape == t.shape, "\(what) seen as \(seen?.shape.rawValue ?? "none")")
            count("size", seen?.size == t.size, "\(what) seen as \(seen?.size.rawValue ?? "none") \(seen.map { String($0.widthFraction) } ?? "")")
            let truth = AgreementTally.trackMotion(t, scene)
            count("motion", seen?.motion == truth, "\(what) (track: \(truth.rawValue)) seen as \(seen?.motion.rawValue ?? "none")")
            count("motion label", seen?.motion == t.motion, "\(what) seen as \(seen?.motion.rawValue ?? "none")")
            count("speed", seen?.speed == t.speed, "\(what) seen as \(seen?.speed?.rawValue ?? "none") rate \(seen?.rate ?? 0)")
            motion[truth.rawValue, default: [:]][seen?.motion.rawValue ?? "missing", default: 0] += 1
        }
    }

    var summary: String {
        var s = (AgreementTally.attributes + ["motion label"]).map { a in
            "\(a) \(agree[a] ?? 0)/\(total[a] ?? 0) = \(String(format: "%.2f", 100 * rate(a)))%"
        }.joined(separator: ", ")
        let names = Motion.allCases.map(\.rawValue) + ["missing"]
        s += "\nmotion confusion (rows: the track's motion, columns: seen; " + names.enumerated().map { "\($0.offset)=\($0.element)" }.joined(separator: " ") + ")\n"
        for (i, truth) in Motion.allCases.map(\.rawValue).enumerated() {
            let row = motion[truth] ?? [:]
            s += String(i) + ": " + names.map { String(row[$0] ?? 0) }.joined(separator: " ") + "\n"
        }
        return s
    }
}
