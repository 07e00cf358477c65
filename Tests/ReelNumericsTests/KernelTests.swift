// The GEMM backends and the vectorized kernels' edge cases.

import COpenBLAS
import ReelKernels
import Foundation
import XCTest
@testable import ReelNumerics
import ReelSystem

final class KernelTests: XCTestCase {
    /// OpenBLAS (through Gemm.sgemm, threaded split included) and the portable fallback
    /// against a Float64 triple loop, for every transpose combination, alpha and beta.
    func testGemmBackendsAgainstNaiveProduct() {
        var rng = Xoshiro256StarStar(seed: 9)
        print(Engine.description)
        for (m, n, k) in [(7, 5, 3), (70, 90, 33), (300, 130, 70), (40, 600, 50)] {  // serial, row split, column split
            for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
                let a = Tensor(randomNormal: ta ? [k, m] : [m, k], using: &rng)
                let b = Tensor(randomNormal: tb ? [n, k] : [k, n], using: &rng)
                let c0 = Tensor(randomNormal: [m, n], using: &rng)
                var want = [Float](repeating: 0, count: m * n)
                for i in 0..<m { for j in 0..<n {
                    var s = 0.0
                    for p in 0..<k {
                        let av = ta ? a.data[p * m + i] : a.data[i * k + p]
                        let bv = tb ? b.data[j * k + p] : b.data[p * n + j]
                        s += Double(av) * Double(bv)
                    }
                    want[i * n + j] = Float(0.5 * s + 2 * Double(c0.data[i * n + j]))
                } }
                let lda = ta ? m : k, ldb = tb ? k : n
                let c1 = c0.copy(), c2 = c0.copy()
                Gemm.sgemm(transA: ta, transB: tb, m: m, n: n, k: k, alpha: 0.5, a: a.data, lda: lda, b: b.data,
                           ldb: ldb, beta: 2, c: c1.data, ldc: n)
                reel_sgemm_portable(ta ? 1 : 0, tb ? 1 : 0, Int32(m), Int32(n), Int32(k), 0.5, a.data, Int32(lda),
                                    b.data, Int32(ldb), 2, c2.data, Int32(n))
                let tol = Float(k).squareRoot() * 2e-6
                assertClose("sgemm \(m)x\(n)x\(k) tA=\(ta) tB=\(tb)", c1.scalars, want, atol: tol, rtol: 1e-5)
                assertClose("portable sgemm \(m)x\(n)x\(k) tA=\(ta) tB=\(tb)", c2.scalars, want, atol: tol, rtol: 1e-5)
            }
        }
    }

    /// The polynomial exp: relative error over its range, exact 0 for -inf and below -87.3.
    func testPolynomialExp() {
        var x = [Float](stride(from: -87, through: 88, by: 0.37))
        x += [-.infinity, -100, -87.5, 0]
        var y = [Float](repeating: 1, count: x.count)
        rk_exp(x, &y, x.count)
        var worst: Double = 0
        for (xi, yi) in zip(x, y) where xi >= -87 {
            worst = max(worst, abs(Double(yi) - Foundation.exp(Double(xi))) / Foundation.exp(Double(xi)))
        }
        print("polynomial exp: max relative error \(worst) on [-87, 88]")
        XCTAssertLessThan(worst, 4e-7)
        XCTAssertEqual(Array(y.suffix(4)), [0, 0, 0, 1])
    }

    /// Softmax of huge logits stays finite; a row of equal values is uniform.
    func testSoftmaxStability() {
        let x = Tensor([1e30, 1e30 - 1e24, -1e30, 3, 3, 3], shape: [2, 3])
        let y = GradMode.withoutGrad { softmax(x) }.scalars
        XCTAssertTrue(y.allSatisfy { $0.isFinite })
        XCTAssertEqual(y[3], 1.0 / 3, accuracy: 1e-7)
        XCTAssertEqual(y[0] + y[1] + y[2], 1, accuracy: 1e-6)
    }

    /// A fully masked query row gets zeros (forward) and passes no gradient.
    func testFullyMaskedQueryIsZero() {
        var rng = Xoshiro256StarStar(seed: 4)
        let q = Tensor(randomNormal: [1, 2, 4], using: &rng, requiresGrad: true)
        let k = Tensor(randomNormal: [1, 3, 4], using: &rng, requiresGrad: true)
        let v = Tensor(randomNormal: [1, 3, 4], using: &rng, requiresGrad: true)
        let mask = AttentionMask(querySegment: [0, 9], keySegment: [0, 0, 1])
        let y = scaledDotProductAttention(query: q, key: k, value: v, heads: 1, mask: mask)
        XCTAssertEqual(Array(y.scalars[4..<8]), [0, 0, 0, 0])
        sum(y).backward()
        XCTAssertEqual(Array(q.gradScalars[4..<8]), [0, 0, 0, 0])
        XCTAssertEqual(Array(v.gradScalars[8..<12]), [0, 0, 0, 0])  // key 2 (segment 1) unused
    }

    /// Backward frees the graph and intermediate gradients; leaves keep theirs and accumulate.
    func testBackwardReleasesIntermediates() {
        var rng = Xoshiro256StarStar(seed: 8)
        let layer = Linear(4, 3, rng: &rng)
        let x = Tensor(randomNormal: [2, 4], using: &rng, requiresGrad: true)
        let h = layer(x)                       // (2,3), an intermediate
        let y = sum(silu(h).reshaped([6]))
        y.backward()
        XCTAssertFalse(h.hasGrad)
        XCTAssertTrue(h.parents.isEmpty && h.backwardFn == nil)
        let first = layer.weight.gradScalars
        XCTAssertTrue(first.contains { $0 != 0 })
        sum(silu(layer(x)).reshaped([6])).backward()  // gradients accumulate over calls
        for (a, b) in zip(layer.weight.gradScalars, first) { XCTAssertEqual(a, 2 * b, accuracy: 1e-6) }
    }

    /// Random dropout: about p of the elements dropped, the rest scaled by 1/(1-p), the
    /// gradient through the same mask; identity when not training.
    func testRandomDropout() {
        var rng = Xoshiro256StarStar(seed: 21)
        let x = Tensor(repeating: 2, shape: [100_000], requiresGrad: true)
        let y = dropout(x, p: 0.25, training: true, using: &rng)
        let dropped = y.scalars.filter { $0 == 0 }.count
        XCTAssertEqual(Double(dropped) / 100_000, 0.25, accuracy: 0.01)
        XCTAssertTrue(y.scalars.allSatisfy { $0 == 0 || abs($0 - 2 / 0.75) < 1e-6 })
        sum(y).backward()
        for (g, v) in zip(x.gradScalars, y.scalars) { XCTAssertEqual(g, v == 0 ? 0 : 1 / 0.75, accuracy: 1e-6) }
        XCTAssertTrue(dropout(x, p: 0.25, training: false, using: &rng) === x)
    }

    /// Attention to no keys (an empty text) gives zeros, not a trap.
    func testAttentionWithNoKeys() {
        let q = Tensor(repeating: 1, shape: [1, 3, 4])
        let kv = Tensor(zeros: [1, 0, 4])
        let y = scaledDotProductAttention(query: q, key: kv, value: kv, heads: 2)
        XCTAssertEqual(y.scalars, [Float](repeating: 0, count: 12))
    }

    /// Inference mode records nothing; a reshape shares storage.
    func testInferenceModeAndViews() {
        let w = Tensor([1, 2, 3, 4], shape: [2, 2], requiresGrad: true)
        let y = GradMode.withoutGrad { linear(Tensor([1, 1], shape: [1, 2]), weight: w, bias: nil) }
        XCTAssertFalse(y.requiresGrad)
        XCTAssertEqual(y.scalars, [3, 7])
        XCTAssertEqual(y.description, "Tensor(1, 2) [3.0, 7.0]")
        let v = w.reshaped([4])
        XCTAssertEqual(v.data, w.data)
        sum(v * v).backward()
        XCTAssertEqual(w.gradScalars, [2, 4, 6, 8])
    }

    /// Large elementwise ops run in pieces across the cores; they must equal one serial kernel call.
    func testSplitElementwiseEqualsSerial() {
        var rng = Xoshiro256StarStar(seed: 12)
        let x = Tensor(randomNormal: [600, 384], std: 3, using: &rng, requiresGrad: true)
        let n = x.count
        let g = Tensor(randomNormal: x.shape, using: &rng)
        var want = [Float](repeating: 0, count: n), wantGrad = [Float](repeating: 0, count: n)
        rk_gelu_tanh_forward(x.data, &want, n)
        rk_gelu_tanh_backward(x.data, g.data, &wantGrad, n)
        let y = gelu(x)
        y.backward(seed: g)
        XCTAssertEqual(y.scalars, want)
        XCTAssertEqual(x.gradScalars, wantGrad)

        x.zeroGrad()
        rk_softmax_forward(x.data, &want, 600, 384)
        let s = softmax(x)
        XCTAssertEqual(s.scalars, want)
        wantGrad = [Float](repeating: 0, count: n)
        rk_softmax_backward(s.data, g.data, &wantGrad, 600, 384)
        s.backward(seed: g)
        XCTAssertEqual(x.gradScalars, wantGrad)

        x.zeroGrad()
        var mean = [Float](repeating: 0, count: 600), rstd = mean
        rk_layernorm_forward(x.data, &want, &mean, &rstd, nil, nil, 600, 384, 1e-5)
        let l = layerNorm(x, weight: nil, bias: nil)
        XCTAssertEqual(l.scalars, want)
        wantGrad = [Float](repeating: 0, count: n)
        rk_layernorm_backward(x.data, g.data, mean, rstd, nil, &wantGrad, nil, nil, 600, 384)
        l.backward(seed: g)
        XCTAssertEqual(x.gradScalars, wantGrad)
        // GroupNorm, split by groups, with affine parameters
        let xg = Tensor(randomNormal: [2, 8, 10000], std: 2, using: &rng, requiresGrad: true)
        let w = Tensor(randomNormal: [8], using: &rng, requiresGrad: true)
        let bias = Tensor(randomNormal: [8], using: &rng, requiresGrad: true)
        let gg = Tensor(randomNormal: xg.shape, using: &rng)
        var wantY = [Float](repeating: 0, count: xg.count), wantDx = wantY
        var gm = [Float](repeating: 0, count: 8), gr = gm, wantDw = gm, wantDb = gm
        rk_groupnorm_forward(xg.data, &wantY, &gm, &gr, w.data, bias.data, 2, 8, 10000, 4, 1e-5)
        rk_groupnorm_backward(xg.data, gg.data, gm, gr, w.data, &wantDx, &wantDw, &wantDb, 2, 8, 10000, 4)
        let yg = groupNorm(xg, groups: 4, weight: w, bias: bias)
        yg.backward(seed: gg)
        XCTAssertEqual(yg.scalars, wantY)
        XCTAssertEqual(xg.gradScalars, wantDx)
        assertClose("split groupNorm dw", w.gradScalars, wantDw, atol: 1e-6, rtol: 1e-6)
        assertClose("split groupNorm db", bias.gradScalars, wantDb, atol: 1e-6, rtol: 1e-6)
    }

    /// The environment's OPENBLAS_CORETYPE is respected, but one that keeps an AVX-512 CPU on
    /// older kernels is warned about (reel-train, bench-engine); an AVX-512 core name or none is not.
    func testCoretypeWarningNamesAWeakerForcedCore() {
        let saved = getenv("OPENBLAS_CORETYPE").map { String(cString: $0) }
        defer { if let saved { setenv("OPENBLAS_CORETYPE", saved, 1) } else { unsetenv("OPENBLAS_CORETYPE") } }
        setenv("OPENBLAS_CORETYPE", "Haswell", 1)
        if Gemm.cpuHasAVX512 {
            XCTAssertEqual(Gemm.coretypeWarning?.contains("OPENBLAS_CORETYPE=Haswell"), true, Gemm.coretypeWarning ?? "no warning")
        } else {
            XCTAssertNil(Gemm.coretypeWarning, "no AVX-512 here: Haswell kernels are the best")
        }
        setenv("OPENBLAS_CORETYPE", "SkylakeX", 1)
        XCTAssertNil(Gemm.coretypeWarning)
        unsetenv("OPENBLAS_CORETYPE")
        XCTAssertNil(Gemm.coretypeWarning)
    }
}
