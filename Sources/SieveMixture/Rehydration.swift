/// Upsampling by duplicate count ("rehydration", FineWeb-2): a kept document whose dedup
/// cluster had N documents counts `weight(N)` times. Weights are steps: each threshold T
/// gives its weight to every cluster size from T up to the next threshold.
public struct Rehydration: Sendable, Equatable, CustomStringConvertible {
    /// (smallest cluster size, weight), ascending by size; the first size is 1.
    public private(set) var steps: [(size: Int, weight: Double)]

    /// FineWeb-2's published weights: 1 without duplicates, N for clusters of 2 and 3,
    /// 3 for 4, 5 from 5, 8 from 100, and 1 again from 1,000 (very large clusters are
    /// taken to be boilerplate).
    public static let fineWeb2 = try! Rehydration("1:1,2:2,3:3,5:5,100:8,1000:1")

    /// Reads `SIZE:WEIGHT,SIZE:WEIGHT,…`, for example `1:1,2:2,3:3,5:5,100:8,1000:1`.
    public init(_ text: String) throws {
        var steps: [(size: Int, weight: Double)] = []
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let parts = item.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2, let size = Int(parts[0].trimmingCharacters(in: .whitespaces)),
                  let weight = Double(parts[1].trimmingCharacters(in: .whitespaces)) else {
                throw MixtureError.invalid("rehydration weights: \(item) is not SIZE:WEIGHT (in \(text))")
            }
            guard weight >= 0, weight.isFinite else { throw MixtureError.invalid("rehydration weights: weight \(parts[1]) below 0") }
            guard size > (steps.last?.size ?? 0) else {
                throw MixtureError.invalid("rehydration weights: cluster sizes must rise from 1 (\(text))")
            }
            steps.append((size, weight))
        }
        guard steps.first?.size == 1 else { throw MixtureError.invalid("rehydration weights: the first cluster size must be 1 (\(text))") }
        self.steps = steps
    }

    /// The weight of a document whose cluster had `clusterSize` documents.
    public func weight(clusterSize: Int) -> Double {
        var weight = steps[0].weight
        for step in steps where step.size <= clusterSize { weight = step.weight }
        return weight
    }

    /// The same text `init` reads.
    public var description: String {
        steps.map { "\($0.size):\($0.weight == $0.weight.rounded() && abs($0.weight) < 1e15 ? String(Int($0.weight)) : String($0.weight))" }
            .joined(separator: ",")
    }

    public static func == (a: Rehydration, b: Rehydration) -> Bool { a.description == b.description }
}
