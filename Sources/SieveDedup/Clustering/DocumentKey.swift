/// A document's place in a run's input order, as one integer: its work unit (24 bits),
/// the batch within the unit (16 bits) and its index in the batch (24 bits). Keys
/// compare in input order, so "the first document of a cluster" is the smallest key;
/// both passes of a run read the same batches, so they compute the same keys.
public enum DocumentKey {
    public struct Overflow: Error, CustomStringConvertible {
        public var unit: Int, batch: Int, index: Int
        public var description: String {
            "document key out of range (unit \(unit) < 2^24, batch \(batch) < 2^16, index \(index) < 2^24 required): use fewer, larger work units"
        }
    }

    public static func make(unit: Int, batch: Int, index: Int) throws -> UInt64 {
        guard unit >= 0, unit < 1 << 24, batch >= 0, batch < 1 << 16, index >= 0, index < 1 << 24 else {
            throw Overflow(unit: unit, batch: batch, index: index)
        }
        return UInt64(unit) << 40 | UInt64(batch) << 24 | UInt64(index)
    }

    public static func unit(_ key: UInt64) -> Int { Int(key >> 40) }
}

/// Numbers the batches of each work unit as they arrive in input order, the middle part
/// of a document key.
struct BatchCounter {
    private var seen: [Int: Int] = [:]

    mutating func next(unit: Int) -> Int {
        let batch = seen[unit, default: 0]
        seen[unit] = batch + 1
        return batch
    }
}
