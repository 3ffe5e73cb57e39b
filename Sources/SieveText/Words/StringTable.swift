/// A read-only map from strings (code points) to integers, built once: keys live in one
/// flat buffer and are found by hash with open addressing and compared by content, so
/// that loading hundreds of thousands of entries costs no allocation per key.
public struct StringTable: Sendable {
    private var characters: [UInt32] = []
    private var bounds: [Int] = [0]
    private var values: [Int] = []
    private var slots: [Int32] = []
    private var mask = 0

    public init() {}

    /// Entries `(key, value)`; a repeated key keeps its last value, as a Python dict does.
    public init(_ entries: [([UInt32], Int)]) {
        var buffer: [UInt32] = []
        var ranges: [(Range<Int>, Int)] = []
        for (key, value) in entries {
            ranges.append((buffer.count..<(buffer.count + key.count), value))
            buffer += key
        }
        self.init(buffer: buffer, ranges)
    }

    /// Entries whose keys are ranges of `buffer`.
    public init(buffer: [UInt32], _ entries: [(Range<Int>, Int)]) {
        var size = 16
        while size < entries.count * 2 { size <<= 1 }
        slots = [Int32](repeating: -1, count: size)
        mask = size - 1
        characters.reserveCapacity(buffer.count)
        for (range, value) in entries {
            let key = buffer[range]
            let h = Self.hash(key)
            var slot = h & mask
            while true {
                let k = Int(slots[slot])
                if k < 0 {
                    slots[slot] = Int32(values.count)
                    characters += key
                    bounds.append(characters.count)
                    values.append(value)
                    break
                }
                if self.key(k).elementsEqual(key) { values[k] = value; break }
                slot = (slot + 1) & mask
            }
        }
    }

    private func key(_ k: Int) -> ArraySlice<UInt32> { characters[bounds[k]..<bounds[k + 1]] }

    static func hash<C: Collection>(_ key: C) -> Int where C.Element == UInt32 {
        var h: UInt64 = 0xCBF29CE484222325
        for c in key { h = (h ^ UInt64(c)) &* 0x100000001B3 }
        h ^= h >> 31
        h = h &* 0x9E3779B97F4A7C15
        return Int(truncatingIfNeeded: h >> 1)
    }

    public var count: Int { values.count }

    /// The value of `key`, or nil.
    public subscript<C: Collection>(key: C) -> Int? where C.Element == UInt32 {
        guard !slots.isEmpty else { return nil }
        var slot = Self.hash(key) & mask
        while true {
            let k = Int(slots[slot])
            if k < 0 { return nil }
            if self.key(k).elementsEqual(key) { return values[k] }
            slot = (slot + 1) & mask
        }
    }

    public func contains<C: Collection>(_ key: C) -> Bool where C.Element == UInt32 { self[key] != nil }
}
