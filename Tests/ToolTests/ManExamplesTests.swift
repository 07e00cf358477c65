import Foundation
import XCTest

/// Every man page's EXAMPLES run as written: each page's example blocks (.EX/.EE or .nf/.fi) in
/// order in one fresh directory, with the built tools first on PATH and the inputs a reader is
/// assumed to have (a clip.mp4, a PNG, a trained model) made beforehand. Each block must exit 0
/// and leave every file it names as an output (-o, --out, --png, --npy, --npz, tee, >) non-empty.
/// A few examples cannot run in a test; they are listed in `skips` with the reason, and the test
/// fails if that list grows or shrinks (as it does when an example names a tool not built yet).
/// REEL_EXAMPLES_VERBOSE=1 prints each example's time and the outputs it is checked for.
final class ManExamplesTests: XCTestCase {
    /// Examples not run, by page and first line, with the reason. Keep it short.
    static let skips: [String: String] = [
        "reel-train.1: reel-train vae --data shapes --steps 3000 --checkpoint ck.safetensors --time-limit 600":
            "ten minutes of training, then its resume",
        "reel-train.1: make vae-model": "80 minutes of training",
        "reel-train.1: mpirun -np 4 --host a:2,b:2 -x REEL_NUM_THREADS=1 reel-train dit --data shapes --steps 3000": "hosts a and b",
        "reel-fuzz.1: make fuzz FUZZ_TARGETS=safetensors FUZZ_SECONDS=120": "a rebuild with the fuzzer, then two minutes of fuzzing",
    ]

    /// Inputs each page's examples read but do not make, made before its first example.
    static let clip = "reel-synth --seed 2 --size 64x64 --frames 17 | reel-decode -o clip.mp4"
    static let inputs: [String: String] = [
        // A model of one's own: a tiny VAE, one step (the examples need a file, not a good one).
        "reel-decode.1": "reel-synth --count 2 --frames 9 --out tiny && reel-train vae --data tiny --no-real --steps 1"
            + " --frames 9 --min-frames 9 --batch 1 --base-channels 8 --deep-channels 8 --latent-channels 8"
            + " --out mine.safetensors 2> /dev/null && rm -r tiny",
        "reel-denoise.1": clip,
        "reel-extend.1": clip,
        "reel-cut.1": clip,
        "reel-score.1": "reel-synth --seed 2 --frames 17 --shape ball --color red --motion bounces | reel-decode -o clip.mp4",
        "reel-train.1": clip,
        "reel-prompt-expand.1": "reel-synth --seed 3 --frames 1 | reel-decode -o a.png",
        "reel.7": "reel-synth --seed 4 --frames 1 | reel-decode -o in.png",
    ]

    /// Stands in for FFmpeg's command-line tool when it is not installed (make test does not
    /// install it): the pages make their test video with `ffmpeg -f lavfi -i testsrc=size=WxH:...
    /// -frames:v N clip.mp4`; this makes N frames of the shapes world at WxH (8 fps) instead.
    static let ffmpegStandIn = """
        #!/bin/bash
        # ManExamplesTests' stand-in for ffmpeg -f lavfi -i testsrc=size=WxH:rate=R -frames:v N OUT
        set -o pipefail
        src= frames= out=
        while [ $# -gt 0 ]; do
          case $1 in
            -i) src=$2; shift;;
            -frames:v) frames=$2; shift;;
            -v|-f) shift;;
            -*) echo "ffmpeg stand-in: $1 is not supported" >&2; exit 2;;
            *) out=$1;;
          esac
          shift
        done
        [[ $src =~ ^testsrc=size=([0-9]+x[0-9]+) && -n $frames && -n $out ]] || { echo "ffmpeg stand-in: only -i testsrc=size=WxH -frames:v N OUT" >&2; exit 2; }
        reel-synth --size ${BASH_REMATCH[1]} --frames "$frames" | reel-decode -o "$out"

        """

    struct Example {
        var page: String
        var script: String
        var id: String { page + ": " + (script.split(separator: "\n").first.map(String.init) ?? "") }
    }

    /// The example blocks of a page's EXAMPLES section, as shell text (\- and \e unescaped,
    /// requests such as .RS dropped).
    static func examples(page: String, roff: String) -> [Example]? {
        guard let section = ManPageTests.sections(roff).first(where: { $0.0 == "EXAMPLES" })?.1 else { return nil }
        var out: [Example] = []
        var block: [String]? = nil
        for line in section.components(separatedBy: "\n") {
            if line.hasPrefix(".EX") || line.hasPrefix(".nf") { block = []; continue }
            if line.hasPrefix(".EE") || line.hasPrefix(".fi") {
                if let b = block, !b.isEmpty { out.append(Example(page: page, script: b.joined(separator: "\n"))) }
                block = nil; continue
            }
            if block != nil && !line.hasPrefix(".") {
                block!.append(line.replacingOccurrences(of: "\\-", with: "-").replacingOccurrences(of: "\\e", with: "\\"))
            }
        }
        return out
    }

    /// Files and directories an example names as its outputs.
    static func outputs(_ script: String) -> [String] {
        // Quoted text (prompts, Python) names no output.
        let quoted = "\u{1}"
        let bare = script.replacingOccurrences(of: #""[^"]*"|'[^']*'"#, with: quoted, options: .regularExpression)
        var names: [String] = []
        for pattern in [#"(?:^|\s)(?:-o|--out|--png|--npy|--npz)\s+([^\s|;&)<>]+)"#,
                        #"(?:^|\s)tee\s+([^\s|;&)<>]+)"#,
                        #"(?<![0-9&<>])>\s*([^\s|;&)<>]+)"#] {
            let re = try! NSRegularExpression(pattern: pattern, options: [.anchorsMatchLines])
            for m in re.matches(in: bare, range: NSRange(bare.startIndex..., in: bare)) {
                let name = String(bare[Range(m.range(at: 1), in: bare)!])
                if name != "/dev/null" && !name.contains(quoted) && !names.contains(name) { names.append(name) }
            }
        }
        return names
    }

    /// Whether `name` (in `dir`) exists and is not empty; a printf pattern (frame_%03d.png)
    /// needs one file of that form.
    static func madeNonEmpty(_ name: String, in dir: URL) -> Bool {
        let fm = FileManager.default
        if let r = name.range(of: #"%0?[0-9]*d"#, options: .regularExpression) {
            let folder = dir.appendingPathComponent(name).deletingLastPathComponent()
            let base = URL(fileURLWithPath: name).lastPathComponent
            let prefix = String(base[..<(base.range(of: #"%0?[0-9]*d"#, options: .regularExpression) ?? r).lowerBound])
            let suffix = String(name[r.upperBound...])
            let files = (try? fm.contentsOfDirectory(atPath: folder.path)) ?? []
            return files.contains { $0.hasPrefix(prefix) && $0.hasSuffix(suffix)
                && ((try? fm.attributesOfItem(atPath: folder.appendingPathComponent($0).path)[.size] as? Int) ?? 0) > 0 }
        }
        let path = dir.appendingPathComponent(name).path
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: path, isDirectory: &isDir) else { return false }
        if isDir.boolValue { return !((try? fm.contentsOfDirectory(atPath: path)) ?? []).isEmpty }
        return ((try? fm.attributesOfItem(atPath: path)[.size] as? Int) ?? 0) > 0
    }

    /// Every page under man/, by file name.
    static func pages() throws -> [(String, String)] {
        var out: [(String, String)] = []
        for section in ["man1", "man5", "man7"] {
            let dir = Tools.packageRoot.appendingPathComponent("man/" + section)
            for f in try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() {
                out.append((f, try String(contentsOf: dir.appendingPathComponent(f), encoding: .utf8)))
            }
        }
        return out
    }

    /// Tools an example runs that do not exist in this package: reel-* commands (first on a line,
    /// or after |, ;, &&, || or an opening parenthesis) that name no tool.
    static func missingTools(_ script: String) -> [String] {
        let re = try! NSRegularExpression(pattern: #"(?:^|[|;&(])\s*(reel-[a-z]+(?:-[a-z]+)*)(?![\w.])"#,
                                          options: [.anchorsMatchLines])
        let known = Set(Tools.allTools)
        var out: [String] = []
        for m in re.matches(in: script, range: NSRange(script.startIndex..., in: script)) {
            let word = String(script[Range(m.range(at: 1), in: script)!])
            if !known.contains(word) && !out.contains(word) { out.append(word) }
        }
        return out
    }

    func testTheExamplesAreFoundAsBlocks() {
        let ex = Self.examples(page: "x.1", roff: """
            .TH X 1
            .SH EXAMPLES
            Prose.
            .PP
            .EX
            reel-synth \\-\\-count 2 \\e
              | reel-inspect > out.txt
            .EE
            .RS
            .nf
            reel-decode \\-o a.gif < b.reel
            .fi
            .RE
            .SH SEE ALSO
            """)
        XCTAssertEqual(ex?.map(\.script), ["reel-synth --count 2 \\\n  | reel-inspect > out.txt", "reel-decode -o a.gif < b.reel"])
        XCTAssertEqual(Self.outputs("reel-x --npy arrays/ a.reel 2> err | tee t.reel > s.txt; x -o 'q r' -o f_%03d.png > /dev/null"),
                       ["arrays/", "f_%03d.png", "t.reel", "s.txt"])
        XCTAssertEqual(Self.missingTools("reel-synth --out reel-x | reel-recut clip-000000.reel\n(reel-nosuch a) && reel-inspect"),
                       ["reel-recut", "reel-nosuch"])
    }

    func testEveryManPageExampleRuns() throws {
        _ = try Tools.path("reel-synth")
        let probe = try Tools.sh("reel-prompt-expand --print 'a red ball' > /dev/null")
        if probe.status == 66 { throw Tools.unavailable("text model missing: run make text-model") }
        let fm = FileManager.default
        // The ffmpeg stand-in and the model cache (reel-train and --model register networks) live
        // outside the examples' directories.
        let support = try Tools.temporaryDirectory()
        defer { try? fm.removeItem(at: support) }
        var prelude = "set -e; export REEL_CACHE='\(support.path)/cache'; "
        var notes: [String] = []
        if try Tools.sh("command -v ffmpeg").status != 0 {
            let bin = support.appendingPathComponent("bin")
            try fm.createDirectory(at: bin, withIntermediateDirectories: true)
            let shim = bin.appendingPathComponent("ffmpeg")
            try Self.ffmpegStandIn.write(to: shim, atomically: true, encoding: .utf8)
            try fm.setAttributes([.posixPermissions: 0o755], ofItemAtPath: shim.path)
            prelude += "export PATH=\"$PATH:\(bin.path)\"; "
            notes.append("ffmpeg is not installed: its testsrc videos are made by reel-synth | reel-decode")
        }
        // Open MPI refuses the root account (CI's) unless told, and a container's ptrace rules.
        prelude += "export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl_vader_single_copy_mechanism=none; "
        let start = Date()
        var ran = 0
        var skipped: [String: String] = [:]
        var withoutExamples: [String] = []
        for (page, roff) in try Self.pages() {
            guard let examples = Self.examples(page: page, roff: roff) else { withoutExamples.append(page); continue }
            XCTAssertFalse(examples.isEmpty, "\(page): an EXAMPLES section without an example block")
            let dir = try Tools.temporaryDirectory()
            defer { try? fm.removeItem(at: dir) }
            // The examples that run Scripts/ do so from the source tree.
            try fm.createSymbolicLink(at: dir.appendingPathComponent("Scripts"),
                                      withDestinationURL: Tools.packageRoot.appendingPathComponent("Scripts"))
            if let make = Self.inputs[page] {
                let r = try Tools.sh(prelude + make, cwd: dir)
                XCTAssertEqual(r.status, 0, "\(page): making the examples' inputs (\(make)): \(r.stderr)")
            }
            for example in examples {
                if let reason = Self.skips[example.id] { skipped[example.id] = reason; continue }
                let missing = Self.missingTools(example.script)
                if !missing.isEmpty { skipped[example.id] = "no \(missing.joined(separator: ", ")) yet"; continue }
                let t0 = Date()
                let r = try Tools.sh(prelude + "\n" + example.script, cwd: dir)
                ran += 1
                XCTAssertEqual(r.status, 0, "\(page) example exits \(r.status):\n\(example.script)\n\(r.stderr)")
                for name in Self.outputs(example.script) where !Self.madeNonEmpty(name, in: dir) {
                    XCTFail("\(page) example did not make \(name) (or left it empty):\n\(example.script)")
                }
                if ProcessInfo.processInfo.environment["REEL_EXAMPLES_VERBOSE"] != nil {
                    print(String(format: "%5.1f s  ", Date().timeIntervalSince(t0)) + example.id
                          + "  -> " + Self.outputs(example.script).joined(separator: " "))
                }
            }
        }
        XCTAssertEqual(withoutExamples, ["reel.5"], "pages without an EXAMPLES section (reel(5)'s EXAMPLE is a byte dump, checked by ReelStreamTests)")
        XCTAssertGreaterThan(ran, 40)
        print("ManExamplesTests: ran \(ran) examples in \(String(format: "%.1f", Date().timeIntervalSince(start))) s; "
              + "skipped \(skipped.count): " + skipped.sorted { $0.key < $1.key }.map { "\($0.key) (\($0.value))" }.joined(separator: "; ")
              + (notes.isEmpty ? "" : "; " + notes.joined(separator: "; ")))
        XCTAssertEqual(skipped, Self.skips, "the examples skipped are not the known list: run them, or list them in ManExamplesTests.skips with the reason")
    }
}
