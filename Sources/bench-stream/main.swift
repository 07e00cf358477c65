// bench-stream: how fast reel-patchify, reel-unpatchify and reel-inspect move a
// 1 GiB latent stream through pipes, and how fast they start.
//
//   bench-stream [--gib N] [--runs N] [--dir DIR] [--generate FILE]
//
// Generates a latent f32 stream (clips of different sizes, 16 channels), then
// times shell pipelines with clock_gettime(CLOCK_MONOTONIC). Each figure is
// the best of --runs runs, with the pipe's own speed (cat | cat) as the
// reference. Start-up is the median of 20 runs of `tool --help` and of the
// tool on a tiny stream, against /bin/true. Tools are looked up beside this
// executable (make bench: .build/release).
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ReelStream

func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

func fail(_ message: String) -> Never {
    let line = Array("bench-stream: \(message)\n".utf8)
    _ = line.withUnsafeBytes { write(2, $0.baseAddress!, $0.count) }
    for dir in ["/dev/shm", "/tmp"] {
        for suffix in ["", "-tokens", "-tiny", "-tiny-tokens"] { unlink("\(dir)/bench-stream-\(getpid())\(suffix).reel") }
    }
    exit(1)
}

/// Runs `/bin/sh -c command`; returns its exit status.
func sh(_ command: String) -> Int32 {
    var pid: pid_t = 0
    let args = ["/bin/sh", "-c", command]
    var argv: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) } + [nil]
    defer { for a in argv { free(a) } }
    let rc = posix_spawn(&pid, "/bin/sh", nil, nil, &argv, environ)
    guard rc == 0 else { fail("cannot run /bin/sh: \(String(cString: strerror(rc)))") }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    return (status >> 8) & 0xFF
}

/// CPU seconds (user + system) used by finished children so far.
func childCPU() -> Double {
    var u = rusage()
    getrusage(RUSAGE_CHILDREN.rawValue, &u)
    return Double(u.ru_utime.tv_sec) + Double(u.ru_utime.tv_usec) * 1e-6 + Double(u.ru_stime.tv_sec) + Double(u.ru_stime.tv_usec) * 1e-6
}

/// Wall-clock and CPU seconds (all processes of the pipeline) to run `command`, failing the bench if it fails.
func time(_ command: String) -> (wall: Double, cpu: Double) {
    let c0 = childCPU()
    let t0 = now()
    let status = sh(command)
    let t = now() - t0
    if status != 0 { fail("\"\(command)\" exited with status \(status)") }
    return (t, childCPU() - c0)
}

func median(_ xs: [Double]) -> Double { let s = xs.sorted(); return s[s.count / 2] }

func format(_ x: Double, _ digits: Int = 2) -> String {
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let r = (x * scale).rounded() / scale
    var s = String(r)
    if let dot = s.firstIndex(of: ".") {
        let decimals = s.distance(from: dot, to: s.endIndex) - 1
        if decimals < digits { s += String(repeating: "0", count: digits - decimals) }
    }
    return s
}

func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }

/// Writes a latent stream of about `bytes` bytes to `path`: clips of 16
/// channels in different sizes, frames of values in [-3, 3].
func generate(path: String, bytes target: Int, sizes: [(Int, Int)] = [(128, 128), (96, 160), (64, 256), (128, 96)]) throws -> Int {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    guard fd >= 0 else { fail("cannot write \(path): \(String(cString: strerror(errno)))") }
    defer { close(fd) }
    let w = StreamWriter(fileDescriptor: fd, name: path)
    try w.write(Provenance(tool: "bench-stream", args: ["--generate"], generated: true).record)
    let channels = 16
    var written = 0
    var clip: UInt32 = 0
    while written < target {
        let (h, w2) = sizes[Int(clip) % sizes.count]
        let frameBytes = channels * h * w2 * 4
        let frames = max(1, min(257, (target - written) / frameBytes))
        let header = ClipHeader(clip: clip, kind: .latents, dtype: .f32, channels: channels, width: w2, height: h,
                                fps: Rational(24), frameCount: frames, spatialFactor: 8, temporalFactor: 4,
                                firstFrameAlone: true, model: "bench")
        try w.write(header.record)
        try w.write(TextSegment(segment: clip, clip: clip, role: .prompt, text: "clip \(clip)").record)
        var f = Frame(clip: clip, index: 0, byteCount: frameBytes)
        let values = f.mutableData.bindMemory(to: Float.self)   // (C,H,W)
        for i in 0..<values.count { values[i] = Float((i &* 2654435761) % 6001) / 1000 - 3 }
        for t in 0..<frames {
            f.payload.base.storeBytes(of: UInt32(t).littleEndian, toByteOffset: 4, as: UInt32.self)
            f.index = t
            values[t % values.count] = Float(t) / 1000
            try w.write(f.record)
            written += frameBytes
        }
        clip += 1
    }
    try w.finish()
    return w.offset
}

// MARK: - Main

func value(_ args: inout ArraySlice<String>, _ name: String) -> String {
    guard let v = args.popFirst() else { fail("\(name) needs a value") }
    return v
}

func main() {
var gib = 1.0
var runs = 3
var dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp"
var args = CommandLine.arguments.dropFirst()
while let a = args.popFirst() {
    switch a {
    case "--gib": guard let v = Double(value(&args, a)), v > 0 else { fail("--gib needs a positive number") }; gib = v
    case "--runs": guard let v = Int(value(&args, a)), v > 0 else { fail("--runs needs a positive number") }; runs = v
    case "--dir": dir = value(&args, a)
    case "--generate":
        // Writes the stream to a file and stops (for profiling by hand).
        let path = value(&args, a)
        do { _ = try generate(path: path, bytes: Int(gib * Double(1 << 30))) } catch { fail("cannot generate \(path): \(error)") }
        return
    case "--help", "-h":
        print("usage: bench-stream [--gib N] [--runs N] [--dir DIR] [--generate FILE]"); exit(0)
    default: fail("unknown argument \(a)")
    }
}

var exe = [CChar](repeating: 0, count: 4096)
let n = readlink("/proc/self/exe", &exe, exe.count - 1)
let selfPath = n > 0 ? String(decoding: exe[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self) : CommandLine.arguments[0]
let bin = selfPath.lastIndex(of: "/").map { String(selfPath[..<$0]) } ?? "."
for tool in ["reel-patchify", "reel-unpatchify", "reel-inspect"] where access("\(bin)/\(tool)", X_OK) != 0 {
    fail("\(bin)/\(tool) is missing: build it first (swift build -c release)")
}

let input = "\(dir)/bench-stream-\(getpid()).reel"
let tokens = "\(dir)/bench-stream-\(getpid())-tokens.reel"
let tiny = "\(dir)/bench-stream-\(getpid())-tiny.reel"
let tinyTokens = "\(dir)/bench-stream-\(getpid())-tiny-tokens.reel"
defer { unlink(input); unlink(tokens); unlink(tiny); unlink(tinyTokens) }

let total: Int
do {
    total = try generate(path: input, bytes: Int(gib * Double(1 << 30)))
    _ = try generate(path: tiny, bytes: 4 * 16 * 16 * 16 * 4, sizes: [(16, 16)])   // 4 frames of 16x16x16 f32
} catch { fail("cannot generate the stream: \(error)") }
_ = time("\(bin)/reel-patchify < \(input) > \(tokens)")
_ = time("\(bin)/reel-patchify < \(tiny) > \(tinyTokens)")
let totalGiB = Double(total) / Double(1 << 30)
print("bench-stream: \(format(totalGiB, 3)) GiB latent f32 stream (16 channels, clips of 128x128, 96x160, 64x256, 128x96) in \(dir)")
print("throughput (GiB of input per second; best of \(runs) runs):")
print("  wall: through pipes, cat FILE | TOOL | cat > /dev/null; x = ratio to the pipe alone (cat | cat)")
print("  cpu:  the tool alone, TOOL < FILE > /dev/null, per CPU-second (user + system) it used")

func best(_ command: String) -> (wall: Double, cpu: Double) {
    var w = Double.infinity, c = Double.infinity
    for _ in 0..<runs { let (a, b) = time(command); w = min(w, a); c = min(c, b) }
    return (w, c)
}

let pipe = totalGiB / best("cat \(input) | cat > /dev/null").wall
let catCPU = totalGiB / best("cat \(input) > /dev/null").cpu
print("  \(pad("cat | cat (the pipe)", 24)) wall \(format(pipe)) GiB/s                cpu \(format(catCPU)) GiB/s (cat FILE > /dev/null)")
let rows: [(String, String, String)] = [
    ("reel-patchify", "cat \(input) | \(bin)/reel-patchify | cat > /dev/null", "\(bin)/reel-patchify < \(input) > /dev/null"),
    ("reel-unpatchify", "cat \(tokens) | \(bin)/reel-unpatchify | cat > /dev/null", "\(bin)/reel-unpatchify < \(tokens) > /dev/null"),
    ("reel-inspect", "cat \(input) | \(bin)/reel-inspect > /dev/null", "\(bin)/reel-inspect < \(input) > /dev/null"),
    ("reel-inspect --check", "cat \(input) | \(bin)/reel-inspect --check", "\(bin)/reel-inspect --check < \(input)"),
    ("patchify | unpatchify", "cat \(input) | \(bin)/reel-patchify | \(bin)/reel-unpatchify | cat > /dev/null",
     "\(bin)/reel-patchify < \(input) | \(bin)/reel-unpatchify > /dev/null"),
]
for (label, piped, alone) in rows {
    let w = totalGiB / best(piped).wall
    let c = totalGiB / best(alone).cpu
    let chain = label.contains("|")
    let note = chain ? "  (CPU of both tools summed; on two free cores the slower stage sets the pace)" : c >= 1 ? "" : "  (below 1 GiB/s)"
    print("  \(pad(label, 24)) wall \(format(w)) GiB/s x\(format(w / pipe))   cpu \(format(c)) GiB/s\(note)")
}

print("start-up, median of 20 runs in ms (wall, and CPU of sh plus the tool):")
func startup(_ command: String) -> (wall: Double, cpu: Double) {
    _ = sh(command)   // warm the page cache
    let r = (0..<20).map { _ in time(command) }
    return (median(r.map(\.wall)) * 1000, median(r.map(\.cpu)) * 1000)
}
let floor = startup("/bin/true")
print("  \(pad("sh -c /bin/true (floor)", 40)) wall \(format(floor.wall))  cpu \(format(floor.cpu))")
for tool in ["reel-patchify", "reel-unpatchify", "reel-inspect"] {
    let help = startup("\(bin)/\(tool) --help > /dev/null")
    let small = startup("\(bin)/\(tool) < \(tool == "reel-unpatchify" ? tinyTokens : tiny) > /dev/null")
    print("  \(pad(tool + " --help", 40)) wall \(format(help.wall))  cpu \(format(help.cpu))")
    print("  \(pad(tool + " on a 64 KiB stream", 40)) wall \(format(small.wall))  cpu \(format(small.cpu))")
}
let load = (try? String(decoding: readFile("/proc/loadavg"), as: UTF8.self)) ?? "?"
print("load average at the end: \(load.split(separator: " ").prefix(3).joined(separator: " ")) on \(sysconf(Int32(_SC_NPROCESSORS_ONLN))) CPUs (wall figures need an idle machine)")
}

func readFile(_ path: String) throws -> [UInt8] {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { return [] }
    defer { close(fd) }
    var buf = [UInt8](repeating: 0, count: 256)
    let n = read(fd, &buf, 256)
    return n > 0 ? Array(buf[0..<n]) : []
}

main()
