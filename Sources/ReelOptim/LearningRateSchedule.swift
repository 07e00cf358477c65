#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Linear warm-up then cosine decay to a floor. For the step with index `s`
/// (the number of optimizer steps already taken):
///
///     s < warmup:  peak * (s + 1) / warmup
///     otherwise:   floor + (peak - floor) * (1 + cos(pi * min(1, (s - warmup) / (total - warmup)))) / 2
///
/// so the rate reaches `peak` on the last warm-up step, decays to
/// `minimumLearningRate` at `totalSteps` and stays there. This is PyTorch's
/// SequentialLR(LinearLR(start_factor: 1/warmup, total_iters: warmup - 1),
/// CosineAnnealingLR(T_max: total - warmup, eta_min: floor), milestones: [warmup])
/// up to `totalSteps`. The schedule is a pure function of the step, so its
/// state is its configuration plus the optimizer's step count.
public struct WarmupCosineSchedule: Equatable, Sendable {
    public var peakLearningRate: Double
    public var warmupSteps: Int
    public var totalSteps: Int
    public var minimumLearningRate: Double

    public init(peakLearningRate: Double, warmupSteps: Int, totalSteps: Int, minimumLearningRate: Double = 0) throws {
        guard peakLearningRate >= 0, peakLearningRate.isFinite else {
            throw OptimizerError.invalidConfiguration("peak learning rate \(peakLearningRate), expected a finite value >= 0")
        }
        guard minimumLearningRate >= 0, minimumLearningRate <= peakLearningRate else {
            throw OptimizerError.invalidConfiguration("minimum learning rate \(minimumLearningRate), expected between 0 and the peak \(peakLearningRate)")
        }
        guard warmupSteps >= 0, totalSteps >= warmupSteps else {
            throw OptimizerError.invalidConfiguration("warm-up \(warmupSteps) and total \(totalSteps) steps, expected 0 <= warm-up <= total")
        }
        self.peakLearningRate = peakLearningRate
        self.warmupSteps = warmupSteps
        self.totalSteps = totalSteps
        self.minimumLearningRate = minimumLearningRate
    }

    /// The learning rate for the step with index `step` (0 for the first step).
    public func learningRate(atStep step: Int) -> Double {
        if step < warmupSteps {
            return peakLearningRate * Double(max(step, 0) + 1) / Double(warmupSteps)
        }
        if step >= totalSteps { return minimumLearningRate }
        let progress = min(1, Double(step - warmupSteps) / Double(max(1, totalSteps - warmupSteps)))
        return minimumLearningRate + (peakLearningRate - minimumLearningRate) * 0.5 * (1 + cos(Double.pi * progress))
    }
}
