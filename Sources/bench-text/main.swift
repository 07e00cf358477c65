// bench-text: how fast reel embeds a prompt with all-MiniLM-L6-v2.
// Target: a 32-token prompt in under 20 ms on 2 cores. Prints the Swift
// encoder's time per prompt and prompts per second, its GFLOP/s against the
// machine's measured fp32 peak, and beside it sentence-transformers
// (PyTorch, CPU, the same thread count) when Python has it.
// Run by `make bench`; REEL_NUM_THREADS sets the thread count (default: all cores).
import Foundation
import ReelNumerics
import ReelText

let peakGFLOPS = Double(ProcessInfo.processInfo.environment["REEL_PEAK_GFLOPS"] ?? "") ?? MachinePeak.measure().gflops  // measured: an FMA loop on every core
let tokens = 32
let caption = "A small red ball bounces up and down quickly near the center of the frame. "
    + "A large blue square moves left slowly, starting on the right side of the frame. "
    + "The background is a glowing sunset. The camera pans left."

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(("bench-text: " + message + "\n").data(using: .utf8)!)
    exit(1)
}

func seconds(_ body: () -> Void) -> Double {
    let t0 = DispatchTime.now().uptimeNanoseconds
    body()
    return Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
}

/// CPU seconds this process has used, all threads together.
func cpuSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// The 1-minute load average: timings on a shared machine are only as good as it is idle.
func loadAverage() -> String {
    (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").first.map(String.init) ?? "?"
}

func median(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] }

let encoder: SentenceEncoder
do {
    encoder = try SentenceEncoder(modelDirectory: nil, maxLength: tokens)
} catch {
    fail("\(error)")
}
let ids = encoder.tokenizer.encode(caption)
guard ids.count == tokens else { fail("the benchmark caption has \(ids.count) tokens, expected \(tokens)") }

// FLOPs of one forward pass: per layer and token, the four D×D projections and
// the two D×F feed-forward products, plus attention scores and mixing (2·T·D each).
let c = encoder.configuration
let d = Double(c.hiddenSize), f = Double(c.intermediateSize), t = Double(tokens)
let flops = Double(c.layerCount) * t * (2 * (4 * d * d + 2 * d * f) + 4 * t * d)

for _ in 0..<10 { _ = encoder.encode(caption) }
var single: [Double] = []
let cpu0 = cpuSeconds()
for _ in 0..<100 { single.append(seconds { _ = encoder.encode(caption) }) }
let cpuMS = (cpuSeconds() - cpu0) / 100 * 1000
let ms = median(single) * 1000

let batchSize = 16
let batch = [String](repeating: caption, count: batchSize)
_ = encoder.encode(batch)
var batched: [Double] = []
for _ in 0..<10 { batched.append(seconds { _ = encoder.encode(batch) }) }
let batchPerSecond = Double(batchSize) / median(batched)

print("bench-text: all-MiniLM-L6-v2, \(tokens)-token prompt, \(Parallel.threads) threads, load average \(loadAverage()) on \(ProcessInfo.processInfo.activeProcessorCount) cores, \(Gemm.backend)")
print(String(format: "  reel (Swift)            %7.2f ms/prompt  %7.1f prompts/s  %6.1f GFLOP/s = %.3f of peak  (target < 20 ms: %@)",
             ms, 1000 / ms, flops / (ms / 1000) / 1e9, flops / (ms / 1000) / 1e9 / peakGFLOPS, ms < 20 ? "met" : "MISSED"))
print(String(format: "  reel (Swift)            %7.2f CPU ms/prompt (all threads; what an idle machine would need at most)", cpuMS))
print(String(format: "  reel (Swift), batch %d  %7.2f ms/prompt  %7.1f prompts/s", batchSize, 1000 / batchPerSecond, batchPerSecond))

// sentence-transformers on CPU, same text, same length, same threads.
let script = """
import os, sys, time
os.environ["HF_HUB_OFFLINE"] = "1"
import torch
from sentence_transformers import SentenceTransformer
torch.set_num_threads(int(sys.argv[2]))
m = SentenceTransformer(sys.argv[1], device="cpu")
m.max_seq_length = int(sys.argv[3])
text = sys.argv[4]
with torch.inference_mode():
    for _ in range(10): m.encode(text)
    ts = []
    c0 = time.process_time()
    for _ in range(100):
        t0 = time.perf_counter(); m.encode(text); ts.append(time.perf_counter() - t0)
    cpu = (time.process_time() - c0) / 100
    ts.sort()
    b = [text] * 16
    m.encode(b, batch_size=16)
    bs = []
    for _ in range(10):
        t0 = time.perf_counter(); m.encode(b, batch_size=16); bs.append(time.perf_counter() - t0)
    bs.sort()
print(ts[len(ts) // 2] * 1000, 16 / bs[len(bs) // 2], cpu * 1000)
"""
func python(_ args: [String]) -> (Int32, String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["python3"] + args
    let out = Pipe()
    p.standardOutput = out
    p.standardError = FileHandle.nullDevice
    do { try p.run() } catch { return (127, "") }
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: data, as: UTF8.self))
}
if python(["-c", "import sentence_transformers"]).0 != 0 {
    print("  sentence-transformers   not installed (pip install sentence-transformers to compare)")
} else {
    let (status, out) = python(["-c", script, encoder.modelDirectory.url.path, "\(Parallel.threads)", "\(tokens)", caption])
    let parts = out.split(whereSeparator: { $0 == " " || $0 == "\n" }).compactMap { Double($0) }
    if status == 0, parts.count == 3 {
        print(String(format: "  sentence-transformers   %7.2f ms/prompt  %7.1f prompts/s  (PyTorch CPU, %d threads); reel is %.2fx its speed",
                     parts[0], 1000 / parts[0], Parallel.threads, parts[0] / ms))
        print(String(format: "  sentence-transformers   %7.2f CPU ms/prompt; reel uses %.2fx less CPU", parts[2], parts[2] / cpuMS))
        print(String(format: "  sentence-transformers, batch %d  %7.2f ms/prompt  %7.1f prompts/s; reel is %.2fx its speed",
                     batchSize, 1000 / parts[1], parts[1], batchPerSecond / parts[1]))
    } else {
        print("  sentence-transformers   failed to run (status \(status))")
    }
}
