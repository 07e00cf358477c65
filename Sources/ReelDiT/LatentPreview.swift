// reel-denoise --preview: a cheap latent-to-RGB decoder fitted to the VAE (a linear map from a
// latent cell's channels to the mean colour of the pixels it covers, one for the first latent
// frame and one for the later ones; Scripts/fit_latent_preview.py fits it, as ComfyUI's latent
// previews do), and the contact sheet of a clip's latent frames it draws.
//
// Legend: F latent frames, C channels, h x w latent cells, s the spatial factor, ph x pw the patch.

import Foundation

public struct LatentPreview: Sendable {
    public static let fileName = "latent-preview.json"
    public let vae: String
    public let channels: Int
    public let spatialFactor: Int
    /// RGB = weight (3 x C) z + bias, for the first latent frame and for the later ones.
    let first: (weight: [Float], bias: [Float])
    let later: (weight: [Float], bias: [Float])

    struct File: Decodable {
        struct Map: Decodable { var weight: [[Float]]; var bias: [Float] }
        var vae: String, channels: Int, spatialFactor: Int, first: Map, later: Map
    }

    public init(path: String) throws(DiTError) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .cannotOpen("cannot open the latent preview decoder \(path)")
        }
        let f: File
        do { f = try JSONDecoder().decode(File.self, from: data) } catch {
            throw .badConfig("\(path) is not a latent preview decoder: \(error)")
        }
        for m in [f.first, f.later] where m.weight.count != 3 || m.weight.contains(where: { $0.count != f.channels }) || m.bias.count != 3 {
            throw .badConfig("\(path): each map needs a 3 x \(f.channels) weight and 3 biases")
        }
        guard (1...64).contains(f.spatialFactor) else { throw .badConfig("\(path): spatial factor \(f.spatialFactor) is not 1 to 64") }
        vae = f.vae; channels = f.channels; spatialFactor = f.spatialFactor
        first = (f.first.weight.flatMap { $0 }, f.first.bias)
        later = (f.later.weight.flatMap { $0 }, f.later.bias)
    }

    /// The decoder for `model`: beside its weights, else the shipped one; it must be fitted to the model's VAE.
    public static func resolve(for model: DiffusionTransformer, weightsPath: String?) throws(DiTError) -> LatentPreview {
        var dirs: [String] = []
        if let weightsPath { dirs.append(URL(fileURLWithPath: weightsPath).deletingLastPathComponent().path) }
        dirs += DefaultDiT.candidates().map { URL(fileURLWithPath: $0).deletingLastPathComponent().path }
        let paths = dirs.map { $0 + "/" + fileName }
        guard let path = paths.first(where: { FileManager.default.isReadableFile(atPath: $0) }) else {
            throw .cannotOpen("no latent preview decoder found (looked for \(paths.joined(separator: ", ")))")
        }
        let p = try LatentPreview(path: path)
        guard p.vae == model.config.vaeID, p.channels == model.config.latentChannels else {
            throw .unsupported("the latent preview decoder \(path) is fitted to the VAE \(p.vae) (\(p.channels) channels), the model \(model.config.id) generates latents of \(model.config.vaeID) (\(model.config.latentChannels)); fit one with Scripts/fit_latent_preview.py")
        }
        return p
    }

    /// A contact sheet of latent frames `x` (raw values in token order: F x (h/ph)(w/pw) x C ph pw):
    /// the frames left to right, each cell drawn as s x s pixels, 2-pixel gaps. Returns planar RGB.
    public func sheet(_ x: [Float], frames f: Int, height h: Int, width w: Int, patchHeight ph: Int, patchWidth pw: Int)
        -> (width: Int, height: Int, rgb: [UInt8]) {
        let s = spatialFactor, c = channels, gap = 2
        let fw = w * s, W = f * fw + (f - 1) * gap, H = h * s
        var rgb = [UInt8](repeating: 255, count: 3 * W * H)
        let gw = w / pw, d = c * ph * pw, n = (h / ph) * gw
        for fi in 0..<f {
            let m = fi == 0 ? first : later
            for y in 0..<h { for xx in 0..<w {
                let tok = (fi * n + (y / ph) * gw + xx / pw) * d, within = (y % ph) * pw + xx % pw
                for k in 0..<3 {
                    var v = m.bias[k]
                    for ci in 0..<c { v += m.weight[k * c + ci] * x[tok + ci * ph * pw + within] }
                    let byte = UInt8(max(0, min(255, (v * 255).rounded())))
                    for dy in 0..<s { for dx in 0..<s {
                        rgb[(k * H + y * s + dy) * W + fi * (fw + gap) + xx * s + dx] = byte
                    } }
                }
            } }
        }
        return (W, H, rgb)
    }
}
