// A model block built from the engine's layers, used only by the engine's tests (gradient
// check and the PyTorch golden of Scripts/torch_reference.py); the VAE has blocks of its own.

@testable import ReelNumerics
import ReelSystem

/// A residual block of causal 3-D convolutions (as in causal video VAEs):
///   h = CausalConv3d(silu(GroupNorm(x))); h = CausalConv3d(silu(GroupNorm(h)))
///   out = skip(x) + h, skip a 1x1x1 convolution when the widths differ.
/// x (B,Ci,T,H,W) -> (B,Co,T,H,W).
final class ResidualConvBlock3d: Layer {
    let norm1: GroupNorm
    let conv1: Conv3d
    let norm2: GroupNorm
    let conv2: Conv3d
    let skip: Conv3d?

    init(inChannels: Int, outChannels: Int, groups: Int, kernel: Int = 3, rng: inout Xoshiro256StarStar) {
        norm1 = GroupNorm(groups: groups, channels: inChannels)
        conv1 = Conv3d(causal: inChannels, outChannels, kernel: (kernel, kernel, kernel), rng: &rng)
        norm2 = GroupNorm(groups: groups, channels: outChannels)
        conv2 = Conv3d(causal: outChannels, outChannels, kernel: (kernel, kernel, kernel), rng: &rng)
        skip = inChannels == outChannels ? nil
            : Conv3d(inChannels, outChannels, kernel: (1, 1, 1), padding: .same(0), rng: &rng)
    }

    func callAsFunction(_ x: Tensor) -> Tensor {
        var h = conv1(silu(norm1(x)))  // (B,Co,T,H,W)
        h = conv2(silu(norm2(h)))
        return (skip.map { $0(x) } ?? x) + h
    }

    func namedParameters() -> [(name: String, tensor: Tensor)] {
        prefixed("norm1", norm1.namedParameters()) + prefixed("conv1", conv1.namedParameters()) +
            prefixed("norm2", norm2.namedParameters()) + prefixed("conv2", conv2.namedParameters()) +
            (skip.map { prefixed("skip", $0.namedParameters()) } ?? [])
    }
}
