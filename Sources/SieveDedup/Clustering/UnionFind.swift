import SieveCore

/// Disjoint sets over documents 0..<n, where every set's root is its smallest member:
/// the first document of a cluster in input order is the one kept.
public struct UnionFind {
    private var parent: [UInt32] = []

    public init() {}

    public var count: Int { parent.count }

    /// Adds the next document as a set of its own; returns its index.
    @discardableResult
    public mutating func add() -> UInt32 {
        parent.append(UInt32(parent.count))
        return UInt32(parent.count - 1)
    }

    public mutating func find(_ x: UInt32) -> UInt32 {
        var x = x
        while parent[Int(x)] != x {
            // Path halving: every other node on the way points to its grandparent.
            let grandparent = parent[Int(parent[Int(x)])]
            parent[Int(x)] = grandparent
            x = grandparent
        }
        return x
    }

    public mutating func union(_ a: UInt32, _ b: UInt32) {
        let ra = find(a), rb = find(b)
        if ra < rb { parent[Int(rb)] = ra } else if rb < ra { parent[Int(ra)] = rb }
    }

    public var byteCount: Int { parent.capacity * 4 }
}

/// Disjoint sets over sparse 64-bit document keys, for the sharded passes, which see
/// only the documents that collide; roots are the smallest keys.
public struct SparseUnionFind {
    // 12 bytes a slot where a dictionary costs several times that: pass 3 holds every
    // duplicate document of a run.
    private var index = FirstSeenTable<DocumentKeySlot>(placeholder: DocumentKeySlot(key: 0))
    public private(set) var keys: [UInt64] = []
    private var sets = UnionFind()

    public init() {}

    private mutating func node(_ key: UInt64) -> UInt32 {
        if let i = index.firstOrInsert(DocumentKeySlot(key: key), document: UInt32(keys.count)) { return i }
        keys.append(key)
        return sets.add()
    }

    public mutating func union(_ a: UInt64, _ b: UInt64) {
        let i = node(a), j = node(b)
        // UnionFind roots at the smallest index; here the smallest key must win.
        let ri = sets.find(i), rj = sets.find(j)
        guard ri != rj else { return }
        if keys[Int(ri)] < keys[Int(rj)] { link(rj, to: ri) } else { link(ri, to: rj) }
    }

    /// Every key that is not its set's root, with its root's key, in key order (in the
    /// order keys were first seen with `sorted` false).
    public mutating func members(sorted: Bool = true) -> [(member: UInt64, root: UInt64)] {
        var result: [(UInt64, UInt64)] = []
        for i in 0..<UInt32(keys.count) {
            let root = rootKey(i)
            if root != keys[Int(i)] { result.append((keys[Int(i)], root)) }
        }
        if sorted { result.sort { $0.0 < $1.0 } }
        return result
    }

    private mutating func rootKey(_ i: UInt32) -> UInt64 { keys[Int(sets.find(i))] }

    private mutating func link(_ child: UInt32, to root: UInt32) { sets.setParent(child, root) }
}

extension UnionFind {
    /// Points root `child` at `root` directly (for callers that choose roots themselves).
    mutating func setParent(_ child: UInt32, _ root: UInt32) { parent[Int(child)] = root }
}

/// A document key in a `FirstSeenTable`: keys are structured (unit, batch, index), not
/// random, so their bits are mixed before they pick a slot.
struct DocumentKeySlot: FirstSeenKey {
    var key: UInt64
    var slotBits: UInt64 { fmix64(key) }
}
