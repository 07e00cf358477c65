// swift-tools-version: 6.0
// reel: a Sora-style text-to-video toolkit as small Unix tools over a documented tensor stream.
//
// Layers (each a library target; a tool links only what it uses):
//   C shims        CReelChecksum, COpenBLAS, CPNG, CFFmpeg
//   format         ReelStream      the reel(5) stream: records, reader, writer, two-stage pipe
//   tool support   ReelCLI         exit codes, errors, atomic output files, option groups
//   numerics       ReelNumerics    tensors, kernels, autograd, optimizers, safetensors
//   media          ReelImage (libpng, resizing), ReelVideo (FFmpeg)
//   world          ReelWorld       the captioned shapes world (WORLD.md)
//   text           ReelText        WordPiece tokenizer, MiniLM encoder, prompt expansion
import PackageDescription

let argumentParser: Target.Dependency = .product(name: "ArgumentParser", package: "swift-argument-parser")

var targets: [Target] = []

// The hot loops of the engine, media, world, text and model libraries skip bounds and
// overflow checks in release builds only. Debug builds (the tests) keep every check, optimized
// (-O): unoptimized, the suite ran 3.1x as long (214 s against 69 s of test time on 2 cores).
let hotLoops: [SwiftSetting] = [
    .unsafeFlags(["-Ounchecked"], .when(configuration: .release)),
    .unsafeFlags(["-O"], .when(configuration: .debug)),
]
// Benchmarks run in release builds only.
let uncheckedInRelease: [SwiftSetting] = [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]

// MARK: - C shims

targets += [
    .target(name: "CReelChecksum"),
    .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
    .systemLibrary(name: "CFFmpeg", pkgConfig: "libavformat libavcodec libswscale libavutil",
                   providers: [.apt(["libavformat-dev", "libavcodec-dev", "libswscale-dev", "libavutil-dev"])]),
]

// MARK: - Stream format and tool support (issue 2)

targets += [
    .target(name: "ReelStream", dependencies: ["CReelChecksum"]),
    .target(name: "ReelCLI", dependencies: ["ReelStream", argumentParser]),
    .testTarget(name: "ReelStreamTests", dependencies: ["ReelStream"], exclude: ["Fixtures"]),
    .testTarget(name: "ReelFormatTests", dependencies: ["ReelStream", "ReelCLI"]),
]

// End-to-end tests of the built tools in shell pipelines, and man pages against --help.
// ReelTestSupport runs the built tools for every test target that needs them.
targets += [
    .target(name: "ReelTestSupport", path: "Sources/ReelTestSupport"),
    // Depending on the tools makes `swift test` build them.
    .testTarget(name: "ToolTests", dependencies: ["ReelStream", "ReelTestSupport", "reel-encode", "reel-decode", "reel-patchify",
                                                  "reel-unpatchify", "reel-inspect", "reel-synth", "reel-prompt-expand", "reel-denoise"]),
]

// MARK: - Stream tools: patchify, unpatchify, inspect (issue 2)

// The permutation and statistics loops run at pipe speed; release builds skip bounds checks
// there (measured: a few percent less CPU than -O, within the noise of a shared machine).
let streamToolsFast: [SwiftSetting] = [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]
// Release tools link the Swift runtime statically: loading libswiftCore and FoundationEssentials
// (which swift-argument-parser pulls in) is most of a tool's start-up (perf stat, reel-patchify
// --help: 5.5 ms CPU dynamic, 3.3 ms static).
let streamToolsStatic: [LinkerSetting] = [
    .unsafeFlags(["-static-stdlib", "-l_FoundationCollections", "-l_FoundationCShims", "-lswiftSynchronization"],
                 .when(configuration: .release)),
]

targets += [
    .target(name: "ReelPatch", dependencies: ["ReelStream"], swiftSettings: streamToolsFast),
    .target(name: "ReelInspect", dependencies: ["ReelStream", "ReelCLI", "ReelImage"], swiftSettings: streamToolsFast),
    .executableTarget(name: "reel-patchify", dependencies: ["ReelPatch", "ReelCLI", argumentParser], linkerSettings: streamToolsStatic),
    .executableTarget(name: "reel-unpatchify", dependencies: ["ReelPatch", "ReelCLI", argumentParser], linkerSettings: streamToolsStatic),
    .executableTarget(name: "reel-inspect", dependencies: ["ReelInspect", "ReelCLI", argumentParser], linkerSettings: streamToolsStatic),
    .executableTarget(name: "bench-stream", dependencies: ["ReelStream"], swiftSettings: streamToolsFast),
    .testTarget(name: "ReelPatchTests", dependencies: ["ReelPatch", "ReelStream", "ReelTestSupport", "reel-patchify", "reel-unpatchify"]),
    .testTarget(name: "ReelInspectTests", dependencies: ["ReelInspect", "ReelPatch", "ReelStream", "ReelImage", "ReelTestSupport",
                                                         "reel-inspect", "reel-patchify"]),
]

// MARK: - Media: PNG, video, encode/decode (issue 2)

// ReelImage links libpng only (reel-inspect uses it); FFmpeg stays in ReelVideo and the two tools.
// ReelVideo also holds the media <-> pixel-stream logic of reel-encode and reel-decode.
targets += [
    .target(name: "ReelImage", dependencies: ["CPNG"], swiftSettings: hotLoops),
    .target(name: "ReelVideo", dependencies: ["CFFmpeg", "ReelImage", "ReelStream"],
            swiftSettings: hotLoops),
    .executableTarget(name: "reel-encode", dependencies: ["ReelVideo", "ReelImage", "ReelStream", "ReelCLI", argumentParser]),
    .executableTarget(name: "reel-decode", dependencies: ["ReelVideo", "ReelImage", "ReelStream", "ReelCLI", argumentParser]),
    // Fixtures: PyTorch golden resizes, remade by make_resize_golden.py.
    .testTarget(name: "ReelImageTests", dependencies: ["ReelImage"], exclude: ["Fixtures", "make_resize_golden.py"]),
    .testTarget(name: "ReelVideoTests", dependencies: ["ReelVideo", "ReelImage", "ReelStream"]),
]

// MARK: - Neural engine (issue 3)

// COpenBLAS loads libopenblas at run time (dlopen) after choosing its kernels by cpuid;
// ReelKernels holds the vectorized elementwise, normalization and softmax kernels,
// each compiled for AVX-512, AVX2+FMA and baseline x86-64 and picked per CPU (target_clones).
let engineKernelCFlags: [CSetting] = [.unsafeFlags(["-O3", "-ffp-contract=fast", "-fno-math-errno",
                                              "-fassociative-math", "-fno-signed-zeros", "-fno-trapping-math"])]
targets += [
    .target(name: "COpenBLAS", cSettings: engineKernelCFlags, linkerSettings: [.linkedLibrary("dl")]),
    .target(name: "ReelKernels", cSettings: engineKernelCFlags, linkerSettings: [.linkedLibrary("m")]),
    .target(name: "ReelNumerics", dependencies: ["COpenBLAS", "ReelKernels"],
            swiftSettings: hotLoops),
    // The engine's tests also check ReelDiT's DiTBlock (built from the engine's layers) against PyTorch.
    .testTarget(name: "ReelNumericsTests", dependencies: ["ReelNumerics", "ReelOptim", "COpenBLAS", "ReelKernels", "ReelDiT"],
                exclude: ["Fixtures"]),
    .executableTarget(name: "bench-engine", dependencies: ["ReelNumerics", "ReelDiT"], path: "Sources/bench-engine",
                      swiftSettings: uncheckedInRelease),
]

// MARK: - Safetensors (issue 3)

targets += [
    .target(name: "ReelSafetensors"),
    // Tests read their Fixtures/ through #filePath, so no resource bundle is needed.
    .testTarget(name: "ReelSafetensorsTests", dependencies: ["ReelSafetensors"], exclude: ["Fixtures"]),
    // The AdamW update loop runs over every parameter each step: -Ounchecked in release builds.
    .target(name: "ReelOptim", dependencies: ["ReelSafetensors"],
            swiftSettings: hotLoops),
    .testTarget(name: "ReelOptimTests", dependencies: ["ReelOptim", "ReelSafetensors"], exclude: ["Fixtures"]),
]

// MARK: - Shapes world: reel-synth (issue 5)

targets += [
    // Rendering thousands of clips is a hot loop: -Ounchecked in release builds.
    .target(name: "ReelWorld", dependencies: ["ReelStream"], swiftSettings: hotLoops),
    .executableTarget(name: "reel-synth", dependencies: ["ReelWorld", "ReelCLI", "ReelStream", argumentParser]),
    .testTarget(name: "ReelWorldTests", dependencies: ["ReelWorld", "ReelStream", "ReelTestSupport", "reel-synth"]),
]

// MARK: - Text: tokenizer, encoder, reel-prompt-expand (issue 4)

// Encoder forward passes and the tokenizer: -Ounchecked in release builds.
targets += [
    .target(name: "ReelText", dependencies: ["ReelNumerics", "ReelSafetensors", "ReelWorld", "ReelStream"],
            swiftSettings: hotLoops),
    .executableTarget(name: "reel-prompt-expand", dependencies: ["ReelText", "ReelCLI", "ReelStream", argumentParser]),
    .testTarget(name: "ReelTextTests", dependencies: ["ReelText", "ReelWorld", "ReelStream"], exclude: ["Fixtures"]),
    .executableTarget(name: "bench-text", dependencies: ["ReelText", "ReelNumerics"], path: "Sources/bench-text",
                      swiftSettings: uncheckedInRelease),
]

// MARK: - Video compression network: ReelVAE, reel-train (issue 5)

// The VAE's convolutions and training loops run hot: -Ounchecked in release builds.
// The shipped default model is a resource (reel_ReelVAE.resources next to the tools).
targets += [
    .target(name: "ReelVAE", dependencies: ["ReelNumerics", "ReelOptim", "ReelSafetensors", "ReelStream",
                                            "ReelImage", "ReelVideo"],
            resources: [.copy("Resources/vae-default.safetensors"), .copy("Resources/vae-default.json")],
            swiftSettings: hotLoops),
    .executableTarget(name: "reel-train", dependencies: ["ReelVAE", "ReelDiTTraining", "ReelDiT", "ReelCLI", argumentParser]),
    .executableTarget(name: "bench-vae", dependencies: ["ReelVAE", "ReelNumerics"], path: "Sources/bench-vae",
                      swiftSettings: uncheckedInRelease),
    // Tests read their Fixtures/ (PyTorch golden values) through #filePath.
    .testTarget(name: "ReelVAETests", dependencies: ["ReelVAE", "ReelWorld", "ReelNumerics", "ReelOptim",
                                                    "ReelStream", "ReelSafetensors"], exclude: ["Fixtures"]),
]
// reel-encode and reel-decode (declared in the media section) use the VAE for latent frames;
// ToolTests checks reel-train's man page against its --help, so `swift test` builds it too.
// ReelMediaCLI: the exit status of each media and VAE error, for those two tools.
targets.append(.target(name: "ReelMediaCLI", dependencies: ["ReelCLI", "ReelImage", "ReelVAE"]))
for target in targets where target.name == "reel-encode" || target.name == "reel-decode" {
    target.dependencies += ["ReelVAE", "ReelMediaCLI"]
}
for target in targets where target.name == "ToolTests" {
    target.dependencies.append("reel-train")
}

// MARK: - Quality scores: reel-score (issue 11)

// Prompt adherence and temporal quality of clips in the shapes world (ReelScore), the
// reel-score tool (latent clips decoded with ReelVAE) and its throughput bench.
// Segmentation loops run per pixel of every frame: -Ounchecked in release builds.
targets += [
    .target(name: "ReelScore", dependencies: ["ReelWorld", "ReelText", "ReelStream", "ReelVAE"],
            swiftSettings: hotLoops),
    .executableTarget(name: "reel-score", dependencies: ["ReelScore", "ReelCLI", "ReelMediaCLI", "ReelStream",
                                                         "ReelVAE", "ReelVideo", "ReelImage", argumentParser]),
    .executableTarget(name: "bench-score", dependencies: ["ReelScore", "ReelWorld"], path: "Sources/bench-score",
                      swiftSettings: uncheckedInRelease),
    .testTarget(name: "ReelScoreTests", dependencies: ["ReelScore", "ReelWorld", "ReelStream", "ReelVAE",
                                                       "ReelTestSupport", "reel-score", "reel-synth", "reel-encode"]),
]
// ToolTests checks every tool's man page against its --help, so it builds reel-score too.
for target in targets where target.name == "ToolTests" {
    target.dependencies.append("reel-score")
}


// MARK: - Diffusion transformer: ReelDiT (model, sampler), ReelDiTTraining (data, training), reel-denoise

// The DiT's loops run hot: -Ounchecked in release builds.
targets += [
    .target(name: "ReelDiT", dependencies: ["ReelNumerics", "ReelSafetensors", "ReelStream", "ReelPatch"],
            resources: [.copy("Resources/dit-default.safetensors"), .copy("Resources/dit-default.json")],
            swiftSettings: hotLoops),
    .target(name: "ReelDiTTraining", dependencies: ["ReelDiT", "ReelNumerics", "ReelOptim", "ReelSafetensors", "ReelStream",
                                                    "ReelText", "ReelVAE"],
            swiftSettings: hotLoops),
    .testTarget(name: "ReelDiTTests", dependencies: ["ReelDiT", "ReelNumerics", "ReelOptim", "ReelStream"], exclude: ["Fixtures"]),
    .executableTarget(name: "bench-dit", dependencies: ["ReelDiT", "ReelNumerics"], path: "Sources/bench-dit",
                      swiftSettings: uncheckedInRelease),
    .executableTarget(name: "reel-denoise", dependencies: ["ReelDiT", "ReelText", "ReelPatch", "ReelStream", "ReelCLI", argumentParser]),
]

// MARK: - Benchmarks (make bench; never part of the tests)

let package = Package(
    name: "reel",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: targets
)
