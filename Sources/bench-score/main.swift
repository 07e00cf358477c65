// bench-score: clips scored per second (ReelScore's ClipScorer on reel-synth's
// pixels, prompt included), 64x64, 17 frames, on 1 and on 2 threads.

import Dispatch
import ReelScore
import ReelWorld
#if canImport(Glibc)
import Glibc
#endif

func now() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}

let count = 400
let clips: [(ClipPixels, String)] = try (0..<count).map { i in
    let c = try SynthClip(datasetSeed: 9001, index: i, width: 64, height: 64, frames: 17)
    return (try ClipPixels(rendering: c.scene), c.prompt)
}
let scorer = ClipScorer()
_ = scorer.score(clip: 0, pixels: clips[0].0, texts: [ClipText(text: clips[0].1)])   // warm the shape prototypes
for threads in [1, 2] {
    let t0 = now()
    let per = (count + threads - 1) / threads
    DispatchQueue.concurrentPerform(iterations: threads) { w in
        for i in (w * per)..<min(count, (w + 1) * per) {
            _ = scorer.score(clip: UInt32(i), pixels: clips[i].0, texts: [ClipText(text: clips[i].1)])
        }
    }
    let dt = now() - t0
    print("bench-score: \(threads) thread\(threads == 1 ? "" : "s"): \(count) clips 64x64x17 in \(String(format: "%.2f", dt)) s, \(String(format: "%.0f", Double(count) / dt)) clips/s")
}
