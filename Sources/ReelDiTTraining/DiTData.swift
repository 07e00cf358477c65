// Training data for the diffusion transformer: reel-synth dataset directories, encoded once
// with the VAE (posterior means) and their captions once with the text encoder, cached in one
// safetensors file per directory, so a training step runs only the DiT.

import Foundation
import ReelNumerics
import ReelSafetensors
import ReelStream
import ReelText
import ReelVAE
import ReelDiT

/// One training clip: its latent frames and the embeddings of its caption and prompt.
public struct LatentClip: Sendable {
    /// Latent frames (F, C, h, w), raw VAE means.
    public var latent: [Float]
    public var frames: Int, channels: Int, height: Int, width: Int
    public var caption: TextCondition
    public var prompt: TextCondition
    public var name: String
}

public enum DiTData {
    /// Version of the cache layout; a cache of another version (or VAE) is rebuilt.
    static let cacheVersion = "1"

    /// The clips of a reel-synth directory: from `dir/.dit-cache-<vae id>.safetensors` when it
    /// exists and matches, else encoded now (and the cache written).
    public static func load(directory dir: String, vae: CausalVideoVAE, text: SentenceEncoder,
                            log: (String) -> Void) throws -> [LatentClip] {
        let cachePath = dir + "/.dit-cache-\(vae.config.id).safetensors"
        if FileManager.default.fileExists(atPath: cachePath), let clips = try? readCache(cachePath) {
            log("reel-train: \(clips.count) clips of \(dir) from its latent cache")
            return clips
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDirectory) else {
            throw DiTError.cannotOpen("the dataset directory \(dir) does not exist (make one with reel-synth --out)")
        }
        guard isDirectory.boolValue else { throw DiTError.cannotOpen("--data \(dir) is not a directory") }
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".reel") }.sorted() } catch {
            throw DiTError.cannotOpen("cannot read the dataset directory \(dir): \(error.localizedDescription)")
        }
        guard !names.isEmpty else { throw DiTError.badInput("the dataset directory \(dir) holds no clip-*.reel files (make one with reel-synth --out)") }
        var clips: [LatentClip] = []
        let start = Date()
        for (i, name) in names.enumerated() {
            let path = dir + "/" + name
            guard let data = FileManager.default.contents(atPath: path) else { throw DiTError.cannotOpen("cannot read \(path)") }
            let (pixels, caption, prompt) = try readSynthClip([UInt8](data), name: path)
            let z = GradMode.withoutGrad { vae.encode(pixels.tensor()).mean }  // (1,C,F,h,w)
            let c = z.shape[1], f = z.shape[2], h = z.shape[3], w = z.shape[4]
            var latent = [Float](repeating: 0, count: f * c * h * w)  // (F,C,h,w)
            for ci in 0..<c { for fi in 0..<f { for j in 0..<(h * w) {
                latent[(fi * c + ci) * h * w + j] = z.data[(ci * f + fi) * h * w + j]
            } } }
            func cond(_ s: String) -> TextCondition {
                let e = text.encode(s)
                return TextCondition(tokenStates: e.tokenStates, tokenCount: e.tokenCount, pooled: e.pooled, frames: 0..<f)
            }
            clips.append(LatentClip(latent: latent, frames: f, channels: c, height: h, width: w,
                                    caption: cond(caption), prompt: cond(prompt), name: path))
            if (i + 1) % 200 == 0 {
                log(String(format: "reel-train: encoded %d/%d clips of %@ (%.0f s)", i + 1, names.count, dir, Date().timeIntervalSince(start)))
            }
        }
        try writeCache(clips, to: cachePath)
        return clips
    }

    /// The pixels, detailed caption and short prompt of one reel-synth clip file.
    static func readSynthClip(_ bytes: [UInt8], name: String) throws -> (PixelClip, String, String) {
        let reader = StreamReader(bytes: bytes, name: name)
        var state = StreamState()
        var clip: PixelClip?
        var caption = "", prompt = ""
        while let r = try reader.next() {
            switch try state.decode(r, index: reader.recordIndex) {
            case .header(let h):
                guard clip == nil, h.kind == .pixels, h.dtype == .u8, h.channels == 3 else {
                    throw DiTError.badInput("\(name): expected one clip of u8 RGB pixels")
                }
                clip = PixelClip(width: h.width, height: h.height, frames: [], name: name)
            case .frame(let f): clip?.frames.append([UInt8](f.data))
            case .text(let t):
                if t.role == .caption { caption = t.text } else if t.role == .prompt { prompt = t.text }
            default: break
            }
        }
        guard let clip, !clip.frames.isEmpty else { throw DiTError.badInput("\(name) holds no frames") }
        return (clip, caption.isEmpty ? prompt : caption, prompt.isEmpty ? caption : prompt)
    }

    static func writeCache(_ clips: [LatentClip], to path: String) throws {
        var writer = SafetensorsWriter(metadata: ["format": "reel-dit-cache", "version": cacheVersion, "clips": String(clips.count)])
        for (i, c) in clips.enumerated() {
            try writer.add("\(i).latent", shape: [c.frames, c.channels, c.height, c.width], values: c.latent)
            try writer.add("\(i).caption", shape: [c.caption.tokenCount, c.caption.pooled.count], values: c.caption.tokenStates)
            try writer.add("\(i).caption_pooled", shape: [c.caption.pooled.count], values: c.caption.pooled)
            try writer.add("\(i).prompt", shape: [c.prompt.tokenCount, c.prompt.pooled.count], values: c.prompt.tokenStates)
            try writer.add("\(i).prompt_pooled", shape: [c.prompt.pooled.count], values: c.prompt.pooled)
        }
        try writer.write(toPath: path)
    }

    static func readCache(_ path: String) throws -> [LatentClip] {
        let file = try SafetensorsFile(path: path)
        guard file.metadata["version"] == cacheVersion, let n = Int(file.metadata["clips"] ?? "") else {
            throw DiTError.badInput("\(path) is not a latent cache of version \(cacheVersion)")
        }
        return try (0..<n).map { i in
            let shape = try file.info("\(i).latent").shape
            let f = shape[0]
            func cond(_ key: String) throws -> TextCondition {
                let info = try file.info("\(i).\(key)")
                return TextCondition(tokenStates: try file.floats("\(i).\(key)"), tokenCount: info.shape[0],
                                     pooled: try file.floats("\(i).\(key)_pooled"), frames: 0..<f)
            }
            return LatentClip(latent: try file.floats("\(i).latent"), frames: f, channels: shape[1], height: shape[2],
                              width: shape[3], caption: try cond("caption"), prompt: try cond("prompt"), name: "\(path)#\(i)")
        }
    }
}
