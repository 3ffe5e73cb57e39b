/// Splits a budget among items by weight within bounds ("water-filling"): item i gets
/// clamp(λ·w_i, lower_i, upper_i), with the one λ that makes the parts sum to the
/// budget. Every strategy is this with its own weights: proportional (w = available
/// tokens), temperature (w = available^τ), UniMax (w = 1, upper = epochs cap × available:
/// uniform, capped, the rest spread over the uncapped). Pinned shares are lower = upper.
public enum Allocation {
    public enum Failure: Error, Equatable {
        /// The upper bounds sum to less than the budget.
        case budgetTooLarge(maximum: Double)
        /// The lower bounds sum to more than the budget.
        case lowerBoundsTooLarge(minimum: Double)
    }

    public static func split(_ budget: Double, weights: [Double], lower: [Double], upper: [Double]) throws -> [Double] {
        precondition(weights.count == lower.count && lower.count == upper.count)
        let maximum = upper.reduce(0, +), minimum = lower.reduce(0, +)
        guard maximum >= budget * (1 - 1e-12) else { throw Failure.budgetTooLarge(maximum: maximum) }
        guard minimum <= budget * (1 + 1e-12) else { throw Failure.lowerBoundsTooLarge(minimum: minimum) }
        func parts(_ lambda: Double) -> [Double] {
            weights.indices.map { min(upper[$0], max(lower[$0], lambda * weights[$0])) }
        }
        // Items without weight sit at their lower bound; if that leaves budget over, the
        // only way to place it is to fill them up to their upper bounds in order.
        guard weights.contains(where: { $0 > 0 }) else {
            var rest = budget - minimum
            return weights.indices.map { i in
                let extra = min(rest, upper[i] - lower[i])
                rest -= extra
                return lower[i] + extra
            }
        }
        // The sum is continuous and non-decreasing in λ: bisect to double precision. At
        // the upper end every weighted item has reached its bound or the whole budget
        // (finite even when bounds are not: no epoch cap).
        var low = 0.0
        var high = weights.indices.filter { weights[$0] > 0 }.map { min(upper[$0], budget) / weights[$0] }.max()!
        let reachable = parts(high).reduce(0, +)
        guard reachable >= budget * (1 - 1e-12) else { throw Failure.budgetTooLarge(maximum: reachable) }
        for _ in 0..<200 {
            let middle = (low + high) / 2
            if parts(middle).reduce(0, +) < budget { low = middle } else { high = middle }
        }
        return parts(high)
    }

    /// Whole tokens summing exactly to `total` (the rounded sum of `parts`): floors, then
    /// one more token to the largest remainders (ties to the earlier item), never above
    /// `upper`.
    public static func rounded(_ parts: [Double], upper: [Double]) -> [Int64] {
        var whole = parts.map { Int64($0.rounded(.down)) }
        let total = Int64(parts.reduce(0, +).rounded())
        var missing = total - whole.reduce(0, +)
        let order = parts.indices.sorted { (parts[$0] - Double(whole[$0]), $1) > (parts[$1] - Double(whole[$1]), $0) }
        for i in order where missing > 0 && Double(whole[i] + 1) <= upper[i] + 1e-9 {
            whole[i] += 1
            missing -= 1
        }
        return whole
    }
}
