// Latent frames <-> the model's tokens: the same cut as reel-patchify (patch 1 x ph x pw,
// tokens t slowest then rows then columns, values (c, dy, dx) with dx fastest), plus the
// per-channel normalization of the config.
//
// Legend: F latent frames, C channels, h x w latent cells, gh = h/ph, gw = w/pw, T = F gh gw,
// D = C ph pw.

extension DiTConfig {
    /// Latent frames (F,C,h,w), raw VAE values -> normalized tokens (T,D).
    public func tokens(fromLatent z: [Float], frames f: Int, height h: Int, width w: Int) -> [Float] {
        let c = latentChannels, ph = patchHeight, pw = patchWidth, gh = h / ph, gw = w / pw, d = tokenDim
        var out = [Float](repeating: 0, count: f * gh * gw * d)
        for fi in 0..<f { for gy in 0..<gh { for gx in 0..<gw {
            let tok = ((fi * gh + gy) * gw + gx) * d
            for ci in 0..<c {
                let inv = 1 / latentScale[ci], sh = latentShift[ci]
                for dy in 0..<ph { for dx in 0..<pw {
                    let v = z[((fi * c + ci) * h + gy * ph + dy) * w + gx * pw + dx]
                    out[tok + (ci * ph + dy) * pw + dx] = (v - sh) * inv
                } }
            }
        } } }
        return out
    }

    /// The inverse of `tokens(fromLatent:)`: normalized tokens (T,D) -> raw latent frames (F,C,h,w).
    public func latent(fromTokens x: [Float], frames f: Int, height h: Int, width w: Int) -> [Float] {
        let c = latentChannels, ph = patchHeight, pw = patchWidth, gh = h / ph, gw = w / pw, d = tokenDim
        var out = [Float](repeating: 0, count: f * c * h * w)
        for fi in 0..<f { for gy in 0..<gh { for gx in 0..<gw {
            let tok = ((fi * gh + gy) * gw + gx) * d
            for ci in 0..<c {
                for dy in 0..<ph { for dx in 0..<pw {
                    out[((fi * c + ci) * h + gy * ph + dy) * w + gx * pw + dx] =
                        x[tok + (ci * ph + dy) * pw + dx] * latentScale[ci] + latentShift[ci]
                } }
            }
        } } }
        return out
    }

    /// Tokens of patch-token values as reel-patchify writes them (raw latent values, same order)
    /// normalized for the model, in place.
    public func normalize(tokens x: inout [Float]) {
        let ph = patchHeight, pw = patchWidth, d = tokenDim
        for i in 0..<x.count {
            let ci = (i % d) / (ph * pw)
            x[i] = (x[i] - latentShift[ci]) / latentScale[ci]
        }
    }

    public func denormalize(tokens x: inout [Float]) {
        let ph = patchHeight, pw = patchWidth, d = tokenDim
        for i in 0..<x.count {
            let ci = (i % d) / (ph * pw)
            x[i] = x[i] * latentScale[ci] + latentShift[ci]
        }
    }
}
