// Losses, each a scalar (shape []) averaged over elements:
//   mseLoss  mean((a - b)^2)
//   l1Loss   mean(|a - b|)            (gradient sign(a - b), 0 at a == b)
//   klDiagonalGaussian  mean(0.5 * (mu^2 + exp(logvar) - 1 - logvar)),
//            the KL divergence of N(mu, exp(logvar)) from N(0, 1) per element
//            (sum it over a latent's elements by multiplying by the count).

import Foundation

public func mseLoss(_ a: Tensor, _ b: Tensor) -> Tensor {
    shapeCheck(a.shape == b.shape, "mseLoss of shapes \(a.shape) and \(b.shape)")
    let n = a.count
    let out = Tensor.result([], inputs: [a, b]) { out in
        let g = out.grad[0] * 2 / Float(n)
        let pa = a.data, pb = b.data
        if a.requiresGrad { let ga = a.grad; for i in 0..<n { ga[i] += g * (pa[i] - pb[i]) } }
        if b.requiresGrad { let gb = b.grad; for i in 0..<n { gb[i] -= g * (pa[i] - pb[i]) } }
    }
    var s = 0.0
    let pa = a.data, pb = b.data
    for i in 0..<n { let d = Double(pa[i] - pb[i]); s += d * d }
    out.data[0] = Float(s / Double(n))
    return out
}

public func l1Loss(_ a: Tensor, _ b: Tensor) -> Tensor {
    shapeCheck(a.shape == b.shape, "l1Loss of shapes \(a.shape) and \(b.shape)")
    let n = a.count
    let out = Tensor.result([], inputs: [a, b]) { out in
        let g = out.grad[0] / Float(n)
        let pa = a.data, pb = b.data
        for i in 0..<n {
            let d = pa[i] - pb[i]
            let sgn: Float = d > 0 ? 1 : (d < 0 ? -1 : 0)
            if a.requiresGrad { a.grad[i] += g * sgn }
            if b.requiresGrad { b.grad[i] -= g * sgn }
        }
    }
    var s = 0.0
    for i in 0..<n { s += Double(abs(a.data[i] - b.data[i])) }
    out.data[0] = Float(s / Double(n))
    return out
}

public func klDiagonalGaussian(mean mu: Tensor, logVariance lv: Tensor) -> Tensor {
    shapeCheck(mu.shape == lv.shape, "KL of mean \(mu.shape) and log-variance \(lv.shape)")
    let n = mu.count
    let out = Tensor.result([], inputs: [mu, lv]) { out in
        let g = out.grad[0] / Float(n)
        if mu.requiresGrad { let gm = mu.grad; for i in 0..<n { gm[i] += g * mu.data[i] } }
        if lv.requiresGrad { let gl = lv.grad; for i in 0..<n { gl[i] += g * 0.5 * (Foundation.exp(lv.data[i]) - 1) } }
    }
    var s = 0.0
    for i in 0..<n {
        let m = Double(mu.data[i]), l = Double(lv.data[i])
        s += 0.5 * (m * m + Foundation.exp(l) - 1 - l)
    }
    out.data[0] = Float(s / Double(n))
    return out
}
