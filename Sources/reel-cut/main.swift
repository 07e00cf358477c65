// reel-cut: Sora's re-cut. Trims a clip of latent frames to a range, re-times it (faster drops
// frames; slower makes in-betweens that reel-denoise generates) and extends it to a length with
// frames to generate, as one canvas for reel-denoise. See man/man1/reel-cut.1 and
// Sources/ReelCanvas/Cut.swift.
import ArgumentParser
import Foundation
import ReelCanvas
import ReelCLI
import ReelStream
import ReelVAE

@main
struct ReelCut: ReelCommand {
    static let toolName = "reel-cut"
    static let configuration = CommandConfiguration(
        commandName: toolName,
        abstract: "Re-cut a clip of latent frames: trim, re-time (faster or slower) and extend, as a canvas for reel-denoise.",
        discussion: """
            Reads a reel stream of latent frames (a file, or standard input with - or no argument), \
            keeps video frames --from to --to, plays them at --speed (2: twice as fast, 0.5: half as \
            fast, the in-between frames generated), and makes the canvas --length frames long, the \
            frames after the cut clip generated. The cut clip is decoded and encoded anew with the \
            VAE (the causal VAE encodes a clip's first frame alone). Pipe it through \
            reel-prompt-expand | reel-patchify | reel-denoise | reel-unpatchify | reel-decode.
            """,
        version: reelVersion)

    @Argument(help: ArgumentHelp("A reel stream of latent frames (reel-encode, or reel-denoise | reel-unpatchify); - or none: standard input.", valueName: "clip"))
    var input: String = "-"

    @Option(help: ArgumentHelp("First video frame kept: frames (12) or seconds (1.5s); default 0.", valueName: "time"))
    var from: String = "0"

    @Option(help: ArgumentHelp("Video frame the cut ends before: frames or seconds; default: the clip's end.", valueName: "time"))
    var to: String?

    @Option(help: ArgumentHelp("Playback speed, 0.125 to 8: 2 plays twice as fast (every other frame), 0.5 half as fast (a generated frame between each two).", valueName: "S"))
    var speed: Double = 1

    @Option(help: ArgumentHelp("Video frames (or seconds) of the canvas: the frames after the cut clip are generated; default: the cut clip's own length.", valueName: "time"))
    var length: String?

    @Option(help: ArgumentHelp("Noise level of the latent frames that hold in-betweens when slowing down (the model regenerates them, keeping the source loosely), above 0, at most 1.", valueName: "L"))
    var strength: Float = 0.6

    @Option(help: ArgumentHelp("The clip to cut (default: the first clip in the stream).", valueName: "id"))
    var clip: UInt32?

    @Option(name: .customLong("model"), help: ArgumentHelp("The VAE (default: the one that made the clip, by the id its HEAD names).", valueName: "path"))
    var model: String?

    func execute() throws {
        let c = try LatentClip.read(path: input, clip: clip) { try StreamIO.input(tool: Self.toolName) }
        let h = c.header, tf = h.temporalFactor
        let fps = h.fps.value > 0 ? h.fps.value : 8
        let start = try Cut.frames(from, fps: fps, option: "--from")
        let end = try to.map { try Cut.frames($0, fps: fps, option: "--to") }
        let total = try length.map { try Cut.frames($0, fps: fps, option: "--length") }
        let plan = try Cut.plan(source: c.sourceFrames, from: start, to: end, speed: speed, length: total, strength: strength,
                                temporalFactor: tf)
        for note in plan.notes { printError("reel-cut: note: \(note)") }
        let retimed = plan.sourceFrame.count
        let latentRetimed = plan.levels.count
        var latents: [[Float]]
        if plan.sourceFrame == Array(0..<retimed) {
            // A cut from frame 0 at whole frames: the clip's own latent frames, bit for bit.
            latents = Array(c.frames[0..<latentRetimed])
        } else {
            let vae = try NetworkChoice(path: model).network(for: h)
            latents = try vae.reencode(c.frames, latentWidth: h.width, latentHeight: h.height, picking: plan.sourceFrame)
            guard latents.count == latentRetimed else {
                throw CanvasError.badInput("the cut clip encoded to \(latents.count) latent frames, expected \(latentRetimed)")
            }
            // Latent frame 0 holds frame 0 alone: a cut that starts at the clip's frame 0 keeps its latent bit for bit.
            if plan.sourceFrame.first == 0 { latents[0] = c.frames[0] }
        }
        var frames: [[Float]?] = latents
        var levels = plan.levels
        while frames.count < plan.latentFrames { frames.append(nil); levels.append(1) }
        var canvas = LatentCanvas(like: h, frames: frames, levels: levels, sourceFrames: plan.length)
        canvas.segments = Cut.segments(c.segments, from: start, speed: speed, sourceFrames: c.sourceFrames,
                                       retimed: retimed, length: plan.length)
        let kept = Set(canvas.segments.map(\.segment))
        canvas.embeddings = c.embeddings.filter { kept.contains($0.segment) }
        try canvas.write(to: try StreamIO.output(tool: Self.toolName), provenance: Provenance.current(tool: Self.toolName).record)
    }
}
