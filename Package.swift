// swift-tools-version: 6.0
// reel: a Sora-style text-to-video toolkit as small Unix tools over a documented tensor stream.
//
// Targets are declared by layer, bottom up; a target depends only on layers below it, and a
// tool links only what it uses:
//   C shims          CReelChecksum, CPNG (libpng), CFFmpeg, COpenBLAS (dlopen), ReelKernels
//   system           ReelSystem      error kinds (the one route from an error to an exit status)
//   format           ReelStream      the reel(5) stream: records, reader, writer, two-stage pipe
//                    ReelPatch       spacetime patches of a stream
//                    ReelCanvas      canvases of latent frames built from clips (blends, loops), storyboards
//   engine           ReelNumerics    tensors, autograd, ops and generic layers
//                    ReelSafetensors, ReelOptim (AdamW, checkpoints)
//   media            ReelImage (libpng, resizing), ReelVideo (FFmpeg)
//   world            ReelWorld       the captioned shapes world (reel-world(7))
//   text             ReelText        WordPiece tokenizer, MiniLM encoder, prompt expansion
//   models           ReelVAE         the causal video VAE (network, weights, streaming, training, data)
//                    ReelDiT         the diffusion transformer (network, weights, sampler)
//   model training   ReelDiTTraining the DiT's data and training loop
//   scoring          ReelScore       prompt adherence and temporal quality of clips
//   tool support     ReelCLI         exit codes, errors, atomic output files, option groups
//                    ReelInspect
//   tools            reel-*          one executable each, with a man page in man/man1
//   benchmarks       bench-*         `make bench`, never part of the tests
//   tests            ReelTestSupport and one test target per library; ToolTests for the tools
import PackageDescription

let argumentParser: Target.Dependency = .product(name: "ArgumentParser", package: "swift-argument-parser")

// The hot loops of the engine, media, world, text and model libraries skip bounds and
// overflow checks in release builds only. Debug builds (the tests) keep every check, optimized
// (-O): unoptimized, the suite ran 3.1x as long (214 s against 69 s of test time on 2 cores).
let hotLoops: [SwiftSetting] = [
    .unsafeFlags(["-Ounchecked"], .when(configuration: .release)),
    .unsafeFlags(["-O"], .when(configuration: .debug)),
]
// Release builds only: the stream libraries' permutation and statistics loops, which run at pipe
// speed (measured: a few percent less CPU than -O, within the noise of a shared machine), and the
// benchmarks.
let uncheckedInRelease: [SwiftSetting] = [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]
// The engine's C kernels (COpenBLAS's loader, ReelKernels' elementwise, normalization and softmax
// kernels, each compiled for AVX-512, AVX2+FMA and baseline x86-64 and picked per CPU by
// target_clones).
let engineKernelCFlags: [CSetting] = [.unsafeFlags(["-O3", "-ffp-contract=fast", "-fno-math-errno",
                                              "-fassociative-math", "-fno-signed-zeros", "-fno-trapping-math"])]
// The stream tools link the Swift runtime statically in release builds: loading libswiftCore and
// FoundationEssentials (which swift-argument-parser pulls in) is most of a tool's start-up
// (perf stat, reel-patchify --help: 5.5 ms CPU dynamic, 3.3 ms static).
// make sanitize links them dynamically (REEL_DYNAMIC_STDLIB=1): a sanitized build is for finding
// bugs, not for start-up time. Nothing they link may import Foundation (only FoundationEssentials).
let streamToolsStatic: [LinkerSetting] = Context.environment["REEL_DYNAMIC_STDLIB"] == "1" ? [] : [
    .unsafeFlags(["-static-stdlib", "-l_FoundationCollections", "-l_FoundationCShims", "-lswiftSynchronization"],
                 .when(configuration: .release)),
]

let package = Package(
    name: "reel",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // File descriptors that retry interrupted calls (ReelSystem's FileIO).
        .package(url: "https://github.com/apple/swift-system", from: "1.8.0"),
    ],
    targets: [
        // MARK: - C shims

        .target(name: "CReelChecksum"),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CFFmpeg", pkgConfig: "libavformat libavcodec libswscale libavutil",
                       providers: [.apt(["libavformat-dev", "libavcodec-dev", "libswscale-dev", "libavutil-dev"])]),
        // Loads libopenblas at run time (dlopen) after choosing its kernels by cpuid.
        .target(name: "COpenBLAS", cSettings: engineKernelCFlags, linkerSettings: [.linkedLibrary("dl")]),
        .target(name: "ReelKernels", cSettings: engineKernelCFlags, linkerSettings: [.linkedLibrary("m")]),

        // MARK: - System

        // What kind of thing went wrong, said by every library's errors (ReelCLI maps kinds to statuses);
        // atomic files; whole reads and writes of file descriptors.
        .target(name: "ReelSystem", dependencies: [.product(name: "SystemPackage", package: "swift-system")]),

        // MARK: - Stream format

        .target(name: "ReelStream", dependencies: ["CReelChecksum", "ReelSystem"]),
        .target(name: "ReelPatch", dependencies: ["ReelStream", "ReelSystem"], swiftSettings: uncheckedInRelease),
        // Canvases of latent frames built from clips (reel-blend, reel-loop, reel-extend) and storyboards.
        .target(name: "ReelCanvas", dependencies: ["ReelStream", "ReelSystem"]),

        // MARK: - Engine: numerics, safetensors, optimizers

        .target(name: "ReelNumerics", dependencies: ["COpenBLAS", "ReelKernels", "ReelSystem"], swiftSettings: hotLoops),
        .target(name: "ReelSafetensors", dependencies: ["ReelSystem"]),
        // The AdamW update loop runs over every parameter each step.
        .target(name: "ReelOptim", dependencies: ["ReelSafetensors", "ReelSystem"], swiftSettings: hotLoops),

        // MARK: - Media: PNG, video

        // ReelImage links libpng only (reel-inspect uses it); FFmpeg stays in ReelVideo and the tools.
        // ReelVideo also holds the media <-> pixel-stream logic of reel-encode and reel-decode.
        .target(name: "ReelImage", dependencies: ["CPNG", "ReelSystem"], swiftSettings: hotLoops),
        .target(name: "ReelVideo", dependencies: ["CFFmpeg", "ReelImage", "ReelStream"], swiftSettings: hotLoops),

        // MARK: - Shapes world

        // Rendering thousands of clips is a hot loop.
        .target(name: "ReelWorld", dependencies: ["ReelStream", "ReelSystem"], swiftSettings: hotLoops),

        // MARK: - Text: tokenizer, encoder, prompt expansion

        .target(name: "ReelText", dependencies: ["ReelNumerics", "ReelSafetensors", "ReelWorld", "ReelStream", "ReelSystem"],
                swiftSettings: hotLoops),

        // MARK: - Models

        // The video compression network. Its shipped default model is a resource
        // (reel_ReelVAE.resources next to the tools).
        .target(name: "ReelVAE", dependencies: ["ReelNumerics", "ReelOptim", "ReelSafetensors", "ReelStream",
                                                "ReelImage", "ReelVideo", "ReelSystem"],
                resources: [.copy("Resources/vae-default.safetensors"), .copy("Resources/vae-default.json")],
                swiftSettings: hotLoops),
        // The diffusion transformer: model, blocks, sampler; its shipped default model is a resource.
        .target(name: "ReelDiT", dependencies: ["ReelNumerics", "ReelSafetensors", "ReelStream", "ReelPatch", "ReelSystem"],
                resources: [.copy("Resources/dit-default.safetensors"), .copy("Resources/dit-default.json"),
                            .copy("Resources/latent-preview.json")],
                swiftSettings: hotLoops),

        // MARK: - Model training

        // The DiT's training data (clips encoded with the VAE, captions with the text encoder) and loop.
        .target(name: "ReelDiTTraining", dependencies: ["ReelDiT", "ReelNumerics", "ReelOptim", "ReelSafetensors",
                                                        "ReelStream", "ReelText", "ReelVAE"],
                swiftSettings: hotLoops),

        // MARK: - Quality scores

        // Prompt adherence and temporal quality of clips in the shapes world (latent clips decoded
        // with ReelVAE). Segmentation loops run per pixel of every frame.
        .target(name: "ReelScore", dependencies: ["ReelWorld", "ReelText", "ReelStream", "ReelVAE", "ReelSystem"],
                swiftSettings: hotLoops),

        // MARK: - Tool support

        .target(name: "ReelCLI", dependencies: ["ReelStream", "ReelSystem", argumentParser]),
        .target(name: "ReelInspect", dependencies: ["ReelStream", "ReelImage", "ReelSystem"], swiftSettings: uncheckedInRelease),

        // MARK: - Tools

        .executableTarget(name: "reel-patchify", dependencies: ["ReelPatch", "ReelCLI", argumentParser],
                          linkerSettings: streamToolsStatic),
        .executableTarget(name: "reel-unpatchify", dependencies: ["ReelPatch", "ReelCLI", argumentParser],
                          linkerSettings: streamToolsStatic),
        .executableTarget(name: "reel-inspect", dependencies: ["ReelInspect", "ReelCLI", argumentParser],
                          linkerSettings: streamToolsStatic),
        // reel-encode and reel-decode use the VAE for latent frames.
        .executableTarget(name: "reel-encode", dependencies: ["ReelVideo", "ReelImage", "ReelStream", "ReelVAE",
                                                              "ReelCLI", argumentParser]),
        .executableTarget(name: "reel-decode", dependencies: ["ReelVideo", "ReelImage", "ReelStream", "ReelVAE",
                                                              "ReelCLI", argumentParser]),
        .executableTarget(name: "reel-blend", dependencies: ["ReelCanvas", "ReelCLI", "ReelStream", argumentParser],
                          linkerSettings: streamToolsStatic),
        .executableTarget(name: "reel-extend", dependencies: ["ReelCanvas", "ReelCLI", "ReelStream", argumentParser],
                          linkerSettings: streamToolsStatic),
        // reel-storyboard encodes its media cards with the VAE and its text cards with ReelText.
        .executableTarget(name: "reel-storyboard", dependencies: ["ReelCanvas", "ReelText", "ReelVAE", "ReelVideo", "ReelImage",
                                                                  "ReelStream", "ReelSystem", "ReelCLI", argumentParser]),
        .executableTarget(name: "reel-loop", dependencies: ["ReelCanvas", "ReelCLI", "ReelStream", argumentParser],
                          linkerSettings: streamToolsStatic),
        // reel-cut decodes and encodes the cut clip with the VAE (no FFmpeg: it reads latent streams).
        .executableTarget(name: "reel-cut", dependencies: ["ReelCanvas", "ReelVAE", "ReelCLI", "ReelStream", argumentParser]),
        .executableTarget(name: "reel-synth", dependencies: ["ReelWorld", "ReelStream", "ReelCLI", argumentParser]),
        .executableTarget(name: "reel-prompt-expand", dependencies: ["ReelText", "ReelStream", "ReelCLI", argumentParser]),
        .executableTarget(name: "reel-train", dependencies: ["ReelVAE", "ReelDiT", "ReelDiTTraining", "ReelNumerics", "ReelCLI",
                                                             argumentParser]),
        .executableTarget(name: "reel-denoise", dependencies: ["ReelDiT", "ReelVAE", "ReelText", "ReelPatch", "ReelStream",
                                                               "ReelCLI", "ReelImage", argumentParser]),
        .executableTarget(name: "reel-score", dependencies: ["ReelScore", "ReelVAE", "ReelVideo", "ReelImage", "ReelStream",
                                                             "ReelCLI", argumentParser]),

        // MARK: - Fuzzing (make fuzz builds reel-fuzz as a libFuzzer binary; built normally it replays inputs)

        .executableTarget(name: "reel-fuzz", dependencies: ["ReelStream", "ReelCanvas", "ReelInspect", "ReelSafetensors", "ReelImage", "ReelVideo",
                                                            "ReelText", "ReelSystem", "ReelCLI", argumentParser]),

        // MARK: - Benchmarks (make bench; never part of the tests)

        .executableTarget(name: "bench-stream", dependencies: ["ReelStream"], swiftSettings: uncheckedInRelease),
        .executableTarget(name: "bench-engine", dependencies: ["ReelNumerics", "ReelDiT"], path: "Sources/bench-engine",
                          swiftSettings: uncheckedInRelease),
        .executableTarget(name: "bench-text", dependencies: ["ReelText", "ReelNumerics"], path: "Sources/bench-text",
                          swiftSettings: uncheckedInRelease),
        .executableTarget(name: "bench-vae", dependencies: ["ReelVAE", "ReelNumerics"], path: "Sources/bench-vae",
                          swiftSettings: uncheckedInRelease),
        .executableTarget(name: "bench-dit", dependencies: ["ReelDiT", "ReelNumerics"], path: "Sources/bench-dit",
                          swiftSettings: uncheckedInRelease),
        .executableTarget(name: "bench-score", dependencies: ["ReelScore", "ReelWorld"], path: "Sources/bench-score",
                          swiftSettings: uncheckedInRelease),

        // MARK: - Tests

        // Test targets that depend on tools make `swift test` build them; ReelTestSupport runs
        // the built tools for each. Tests read their Fixtures/ (PyTorch golden values among them)
        // through #filePath, so no resource bundle is needed.
        .target(name: "ReelTestSupport", path: "Sources/ReelTestSupport"),
        .testTarget(name: "ReelStreamTests", dependencies: ["ReelStream"], exclude: ["Fixtures"]),
        .testTarget(name: "ReelFormatTests", dependencies: ["ReelStream", "ReelCLI", "ReelSystem"]),
        .testTarget(name: "ReelCanvasTests", dependencies: ["ReelCanvas", "ReelStream"]),
        .testTarget(name: "ReelPatchTests", dependencies: ["ReelPatch", "ReelStream", "ReelTestSupport",
                                                           "reel-patchify", "reel-unpatchify"]),
        // The engine's tests also check ReelDiT's DiTBlock (built from the engine's layers) against PyTorch.
        .testTarget(name: "ReelNumericsTests", dependencies: ["ReelNumerics", "ReelOptim", "COpenBLAS", "ReelKernels",
                                                              "ReelDiT"],
                    exclude: ["Fixtures"]),
        .testTarget(name: "ReelSystemTests", dependencies: ["ReelSystem"]),
        .testTarget(name: "ReelSafetensorsTests", dependencies: ["ReelSafetensors"], exclude: ["Fixtures"]),
        .testTarget(name: "ReelOptimTests", dependencies: ["ReelOptim", "ReelSafetensors"], exclude: ["Fixtures"]),
        // Fixtures: PyTorch golden resizes, remade by make_resize_golden.py.
        .testTarget(name: "ReelImageTests", dependencies: ["ReelImage"], exclude: ["Fixtures", "make_resize_golden.py"]),
        .testTarget(name: "ReelVideoTests", dependencies: ["ReelVideo", "ReelImage", "ReelStream"]),
        .testTarget(name: "ReelWorldTests", dependencies: ["ReelWorld", "ReelStream", "ReelTestSupport", "reel-synth"]),
        .testTarget(name: "ReelTextTests", dependencies: ["ReelText", "ReelWorld", "ReelStream"], exclude: ["Fixtures"]),
        .testTarget(name: "ReelVAETests", dependencies: ["ReelVAE", "ReelWorld", "ReelNumerics", "ReelOptim",
                                                        "ReelStream", "ReelSafetensors"],
                    exclude: ["Fixtures"]),
        .testTarget(name: "ReelDiTTests", dependencies: ["ReelDiT", "ReelNumerics", "ReelOptim", "ReelStream"],
                    exclude: ["Fixtures"]),
        .testTarget(name: "ReelScoreTests", dependencies: ["ReelScore", "ReelWorld", "ReelStream", "ReelVAE",
                                                           "ReelTestSupport", "reel-score", "reel-synth", "reel-encode"]),
        .testTarget(name: "ReelInspectTests", dependencies: ["ReelInspect", "ReelPatch", "ReelStream", "ReelImage",
                                                             "ReelTestSupport", "reel-inspect", "reel-patchify"]),
        // End-to-end tests of the built tools in shell pipelines, every tool's man page against
        // its --help, every page's EXAMPLES run, and golden checksums of deterministic pipelines
        // (Fixtures/golden.sha256, make repin): it builds every tool.
        .testTarget(name: "ToolTests", dependencies: ["ReelStream", "ReelSafetensors", "ReelCanvas", "ReelTestSupport",
                                                      "reel-patchify", "reel-unpatchify", "reel-inspect",
                                                      "reel-encode", "reel-decode", "reel-synth", "reel-prompt-expand",
                                                      "reel-train", "reel-denoise", "reel-score",
                                                      "reel-blend", "reel-loop", "reel-extend", "reel-cut", "reel-storyboard", "reel-fuzz"],
                    exclude: ["Fixtures"]),
    ]
)
