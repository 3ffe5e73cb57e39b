/// A key a `FirstSeenTable` can hold: already a good hash, so its bits pick the slot.
public protocol FirstSeenKey: Equatable {
    var slotBits: UInt64 { get }
}

extension UInt64: FirstSeenKey {
    public var slotBits: UInt64 { self }
}

extension Hash128: FirstSeenKey {
    public var slotBits: UInt64 { lo }
}

/// Maps hash keys to the first document that had them: open addressing with linear
/// probing, keys and values in flat arrays (12 bytes a slot for 64-bit keys, at most
/// 3/4 full), because a band table holds one entry per document per band and a
/// dictionary of boxed entries would cost several times that.
public struct FirstSeenTable<Key: FirstSeenKey> {
    private static var empty: UInt32 { .max }
    private var keys: [Key]
    private var values: [UInt32]
    private var mask: Int
    public private(set) var count = 0

    public init(placeholder: Key, capacity: Int = 1024) {
        var size = 16
        while size < capacity * 4 / 3 { size <<= 1 }
        keys = [Key](repeating: placeholder, count: size)
        values = [UInt32](repeating: Self.empty, count: size)
        mask = size - 1
    }

    /// The document recorded for `key`, or nil after recording `document` for it.
    public mutating func firstOrInsert(_ key: Key, document: UInt32) -> UInt32? {
        precondition(document != Self.empty)
        if (count + 1) * 4 > keys.count * 3 { grow() }
        var slot = Int(truncatingIfNeeded: key.slotBits) & mask
        while values[slot] != Self.empty {
            if keys[slot] == key { return values[slot] }
            slot = (slot + 1) & mask
        }
        keys[slot] = key
        values[slot] = document
        count += 1
        return nil
    }

    /// Bytes held by the table's arrays.
    public var byteCount: Int { keys.count * (MemoryLayout<Key>.stride + 4) }

    private mutating func grow() {
        let oldKeys = keys
        let oldValues = values
        keys = [Key](repeating: oldKeys[0], count: oldKeys.count * 2)
        values = [UInt32](repeating: Self.empty, count: oldKeys.count * 2)
        mask = keys.count - 1
        for i in oldKeys.indices where oldValues[i] != Self.empty {
            var slot = Int(truncatingIfNeeded: oldKeys[i].slotBits) & mask
            while values[slot] != Self.empty { slot = (slot + 1) & mask }
            keys[slot] = oldKeys[i]
            values[slot] = oldValues[i]
        }
    }
}
