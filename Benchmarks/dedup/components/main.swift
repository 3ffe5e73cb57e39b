// The clusters pass on a synthetic edge set, for Benchmarks/dedup/bench_components.py,
// which times the rounds (`sieve dedup clusters --round`) against one task merging
// every edge, as the clusters pass did before it ran in rounds.
//
//     sieve-bench-components generate WORK --edges E --tasks M [--seed S]
//     sieve-bench-components merge WORK       (one task, union-find over every edge)
//     sieve-bench-components answer WORK      (the rounds' answer, summed)
//
// `generate` writes round 0 of WORK/components as M buckets tasks would: clusters whose
// sizes follow a power law (P(s) ∝ s^-2.2 from 2 to 10^5) plus one cluster of 2·10^5,
// each a random tree with 1.6 more random edges per member (2.6 edges per duplicate, as
// the buckets pass gives on real text, docs/dedup.md), nodes shaped like document keys,
// edges dealt out to the M tasks in turn. `merge` and `answer` print the same line for
// the same clusters: members, clusters, and an order-free checksum of (member, root).
import Foundation
import SieveCore
import SieveDedup

let arguments = CommandLine.arguments
func option(_ name: String) -> String? { arguments.firstIndex(of: name).map { arguments[$0 + 1] } }
guard arguments.count >= 3 else {
    FileHandle.standardError.write(Data("usage: sieve-bench-components generate|merge|answer WORK [--edges E --tasks M --seed S]\n".utf8))
    exit(2)
}
let work = arguments[2]
let components = ConnectedComponents(directory: work + "/components")

struct Rng {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return fmix64(state)
    }
    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}

func line(members: Int, clusters: Int, checksum: UInt64) -> String {
    "members \(members) clusters \(clusters) checksum \(String(checksum, radix: 16))"
}

switch arguments[1] {
case "generate":
    let target = Int(Double(option("--edges") ?? "1e6")!)
    let tasks = Int(option("--tasks") ?? "8")!
    var rng = Rng(state: UInt64(option("--seed") ?? "1")!)
    var perTask = [[UInt64]](repeating: [], count: tasks)
    for i in 0..<tasks { perTask[i].reserveCapacity(2 * target / tasks + 16) }
    var nodes: UInt64 = 0
    var edges = 0
    var clusters = 0
    var largest = 0
    // Inverse transform of the power law's tail, cut at 10^5.
    func size() -> Int {
        let alpha = 2.2
        let u = rng.unit()
        let s = 2.0 * pow(1 - u, -1 / (alpha - 1))
        return min(100_000, Int(s))
    }
    var first = true
    while edges < target {
        let s = first ? 200_000 : size()
        first = false
        let base = nodes
        nodes += UInt64(s)
        clusters += 1
        largest = max(largest, s)
        // A node's key: unit, batch and index from a bijection of its number, so that keys
        // are unique and the smallest of a cluster is any of its nodes.
        func key(_ j: Int) -> UInt64 { fmix64(base + UInt64(j)) }
        func add(_ a: UInt64, _ b: UInt64) {
            perTask[edges % tasks].append(a)
            perTask[edges % tasks].append(b)
            edges += 1
        }
        for j in 1..<s {
            add(key(j), key(Int(rng.next() % UInt64(j))))
            // 1.6 more on average: one, and a second six times in ten.
            add(key(j), key(Int(rng.next() % UInt64(s))))
            if rng.next() % 10 < 6 { add(key(j), key(Int(rng.next() % UInt64(s)))) }
        }
    }
    for task in 0..<tasks {
        try components.start(edges: perTask[task], marked: [], task: task, of: tasks)
        perTask[task] = []
    }
    print("edges \(edges) nodes \(nodes) clusters \(clusters) largest \(largest)")

case "merge":
    // Every round-0 file, whole, into one union-find: the single-task merge.
    var sets = SparseUnionFind()
    let folder = work + "/components/round-0000/edges"
    let names = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasPrefix("edges-") }.sorted()
    for name in names {
        let data = try Data(contentsOf: URL(fileURLWithPath: "\(folder)/\(name)"))
        data.withUnsafeBytes { raw in
            let count = Int(raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self))
            for i in 0..<count {
                let offset = 24 + 16 * i
                let u = fmix64Inverse(raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
                let v = raw.loadUnaligned(fromByteOffset: offset + 8, as: UInt64.self)
                if u < v { sets.union(u, v) }  // each edge is there both ways
            }
        }
    }
    var checksum: UInt64 = 0
    var roots = Set<UInt64>()
    let members = sets.members()
    for (member, root) in members {
        checksum &+= fmix64(member ^ fmix64(root))
        roots.insert(root)
    }
    print(line(members: members.count, clusters: roots.count, checksum: checksum))

case "answer":
    let records = try components.answer(in: [0...UInt64.max]).members
    var checksum: UInt64 = 0
    for i in stride(from: 0, to: records.count, by: 3) { checksum &+= fmix64(records[i] ^ fmix64(records[i + 1])) }
    let (converged, result) = try components.result()
    print(line(members: records.count / 3, clusters: result.components, checksum: checksum) + " rounds \(converged.round)")

default:
    FileHandle.standardError.write(Data("unknown command \(arguments[1])\n".utf8))
    exit(2)
}
