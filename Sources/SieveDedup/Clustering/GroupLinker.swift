/// Clusters the documents that share a key: every run of equal keys in records sorted
/// by (key..., document key) is a group, in document order.
///
/// Without verification every member joins the group's first document. With a
/// threshold, members are compared by the exact Jaccard similarity of their shingle
/// sets: each member joins the first earlier "representative" of the group it is
/// similar enough to, or becomes a representative itself. A group of near copies thus
/// costs one comparison per member, and a member unlike the first is still compared
/// with the others. Both dedup modes run this same function on the same groups, so they
/// form the same clusters.
struct GroupLinker {
    var threshold: Double?
    /// The sorted shingle set of a document, by key.
    var shingleSet: (UInt64) throws -> [UInt64]
    /// Candidate pairs compared, and those below the threshold.
    private(set) var compared = 0
    private(set) var rejected = 0

    init(threshold: Double?, shingleSet: @escaping (UInt64) throws -> [UInt64]) {
        self.threshold = threshold
        self.shingleSet = shingleSet
    }

    /// Links the groups of `records` (`fields` UInt64s each, the last the document key)
    /// into `sets`; exact groups are never verified, and their non-first members are
    /// added to `exactMembers`.
    mutating func link(_ records: [UInt64], fields: Int, exact: Bool, into sets: inout SparseUnionFind,
                       exactMembers: inout [UInt64]) throws {
        let n = records.count / fields
        var start = 0
        while start < n {
            var end = start + 1
            while end < n && (0..<(fields - 1)).allSatisfy({ records[end * fields + $0] == records[start * fields + $0] }) {
                end += 1
            }
            let members = (start..<end).map { records[$0 * fields + fields - 1] }
            if exact || threshold == nil {
                for member in members.dropFirst() {
                    sets.union(members[0], member)
                    if exact { exactMembers.append(member) }
                }
            } else if members.count > 1 {
                try verify(members, into: &sets)
            }
            start = end
        }
    }

    private mutating func verify(_ members: [UInt64], into sets: inout SparseUnionFind) throws {
        var representatives: [(key: UInt64, shingles: [UInt64])] = [(members[0], try shingleSet(members[0]))]
        for member in members.dropFirst() {
            let shingles = try shingleSet(member)
            var joined = false
            for representative in representatives {
                compared += 1
                if Self.jaccard(representative.shingles, shingles) >= threshold! {
                    sets.union(representative.key, member)
                    joined = true
                    break
                }
                rejected += 1
            }
            if !joined { representatives.append((member, shingles)) }
        }
    }

    /// |a ∩ b| / |a ∪ b| of two sorted sets without repeats.
    static func jaccard(_ a: [UInt64], _ b: [UInt64]) -> Double {
        var i = 0, j = 0, common = 0
        while i < a.count && j < b.count {
            if a[i] == b[j] {
                common += 1
                i += 1
                j += 1
            } else if a[i] < b[j] {
                i += 1
            } else {
                j += 1
            }
        }
        let union = a.count + b.count - common
        return union == 0 ? 1 : Double(common) / Double(union)
    }
}
