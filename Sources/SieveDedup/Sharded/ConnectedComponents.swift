import Foundation
import SieveCore
import SieveFiles

/// The connected components of a graph kept in files, found by rounds of N tasks of
/// which none holds more than its share of the graph (docs/dedup.md, "Pass 3"). Each
/// component's representative is its smallest node.
///
/// A round's files hold records (fmix64(u), v), "v is a neighbour of u", sorted. Task t
/// of a round owns the nodes whose mixed key falls in its t-th of the 64-bit range: it
/// reads their records from every file of the round before, so it sees every neighbour
/// of every node it owns, joins them with union-find, and writes for every node x it saw
/// an edge between x and the smallest node of x's set, in both directions. Edges of one
/// component only ever join nodes of that component, so components are kept; a node next
/// to its component's smallest node stays next to it, and its neighbours are next to it
/// after the round, so rounds end; on real graphs their number grows with the logarithm
/// of the largest component (docs/dedup.md has the counts).
///
/// A node is settled when it is smaller than all its neighbours or has exactly one, a
/// smaller one. When every node of a round's input is settled, the graph is a star around
/// each component's smallest node: the next round writes `converged.json` and, instead of
/// edges, the answer: (member, root, marked) for every node but the roots, and (root, size).
/// A round may be the last only if the one before it counted no unsettled node; a round
/// that reaches `maxRounds` otherwise stops the run.
public struct ConnectedComponents {
    public let directory: String

    public init(directory: String) {
        self.directory = directory
    }

    /// What a task did in a round; also its completion marker.
    public struct RoundSummary: Codable, Equatable, Sendable {
        public var round: Int
        public var taskIndex: Int
        public var taskCount: Int
        /// Records read (round 0: edges given, each once).
        public var records: Int
        /// Nodes this task owns in the round's input, and those not settled (nil in round 0,
        /// which does not group by node).
        public var nodes: Int
        public var unsettled: Int?
        /// Records written.
        public var written: Int
        /// The last round's answer for this task's nodes.
        public var result: Result?
    }

    /// The components found: those of two or more nodes, their members (every node but the
    /// root), the members that were marked (dedup: exact duplicates), and the sizes as
    /// `DedupStage.clusterSizeHistogram`.
    public struct Result: Codable, Equatable, Sendable {
        public var components = 0
        public var members = 0
        public var marked = 0
        public var sizes: [Int] = []

        static func + (a: Result, b: Result) -> Result {
            var sizes = [Int](repeating: 0, count: max(a.sizes.count, b.sizes.count))
            for (i, n) in a.sizes.enumerated() { sizes[i] += n }
            for (i, n) in b.sizes.enumerated() { sizes[i] += n }
            return Result(components: a.components + b.components, members: a.members + b.members,
                          marked: a.marked + b.marked, sizes: sizes)
        }
    }

    /// Written by the last round when it starts: later rounds have nothing to do.
    public struct Converged: Codable, Equatable, Sendable {
        public var round: Int
        public var taskCount: Int
    }

    public var convergedPath: String { "\(directory)/converged.json" }
    /// Exists once round `round` has nothing to do.
    public func skipPath(_ round: Int) -> String { "\(directory)/skip/round-\(round)" }
    func roundDirectory(_ round: Int) -> String { "\(directory)/round-" + ShardedDedup.number(round, width: 4) }
    func path(_ round: Int, _ kind: String, task: Int) -> String {
        let file = "\(kind)-\(ShardedDedup.number(task)).\(kind == "done" ? "json" : "bin")"
        return "\(roundDirectory(round))/" + (kind == "edges" ? "edges/" : "") + file
    }

    // MARK: Round 0

    /// Round 0 for task `task` of `count`: its edges as flat (a, b) pairs, and the nodes it
    /// marks. The marker comes last.
    public func start(edges: [UInt64], marked: [UInt64], task: Int, of count: Int) throws {
        precondition(edges.count % 2 == 0)
        var records: [UInt64] = []
        records.reserveCapacity(2 * edges.count)
        for i in stride(from: 0, to: edges.count, by: 2) where edges[i] != edges[i + 1] {
            records.append(fmix64(edges[i]))
            records.append(edges[i + 1])
            records.append(fmix64(edges[i + 1]))
            records.append(edges[i])
        }
        ShardedDedup.sort(&records, fields: 2)
        Self.unique(&records, fields: 2)
        try makeDirectories(roundDirectory(0) + "/edges")
        try RecordFile.write(records, fields: 2, to: path(0, "edges", task: task))
        try RecordFile.write(marked.map(fmix64).sorted(), fields: 1, to: path(0, "marks", task: task))
        let summary = RoundSummary(round: 0, taskIndex: task, taskCount: count, records: edges.count / 2, nodes: 0,
                                   unsettled: nil, written: records.count / 2, result: nil)
        try ShardedDedup.writeJSON(summary, path(0, "done", task: task))
    }

    // MARK: Rounds

    public func roundSummary(_ round: Int, task: Int) -> RoundSummary? {
        try? ShardedDedup.readJSON(RoundSummary.self, path(round, "done", task: task))
    }

    public func converged() -> Converged? {
        try? ShardedDedup.readJSON(Converged.self, convergedPath)
    }

    /// Round `round` (from 1) for task `task` of `count`; nil when an earlier round was the
    /// last. A task that finished this round before returns its summary.
    public func run(round: Int, task: Int, of count: Int, maxRounds: Int) throws -> RoundSummary? {
        precondition(round >= 1 && task >= 0 && task < count)
        if let converged = converged(), converged.round < round { return nil }
        if let done = roundSummary(round, task: task), done.taskCount == count { return done }
        let previous = try finished(round - 1)
        let last = round > 1 && previous.allSatisfy { $0.unsettled == 0 }
        if !last && round >= maxRounds {
            let unsettled = previous.reduce(0) { $0 + ($1.unsettled ?? $1.written) }
            throw FileError(path: directory, message: """
                the clusters did not converge in \(maxRounds) rounds (\(unsettled) nodes still unsettled after round \
                \(round - 1)); run again with a higher --max-rounds (docs/dedup.md)
                """)
        }
        // Task 0 says so for all: no later round starts before every task of this one is done.
        if last && task == 0 {
            try ShardedDedup.writeJSON(Converged(round: round, taskCount: count), convergedPath)
            // Executors skip the rounds after this one (PassPlan's `skipWhen`) without starting them.
            try makeDirectories("\(directory)/skip")
            for later in (round + 1)..<max(round + 1, maxRounds + 1) { try AtomicFile.write([], to: skipPath(later)) }
        }
        // Only the round before is read from here on: the edges of the one before that go
        // (round 0, the buckets pass's output, stays, so that the rounds can start over).
        if round >= 3 { try? FileManager.default.removeItem(atPath: roundDirectory(round - 2) + "/edges") }
        let (low, high) = ShardedDedup.keyRange(task, of: count)
        var records: [UInt64] = []
        for summary in previous {
            records += try slice(path(round - 1, "edges", task: summary.taskIndex), fields: 2, low, high,
                                 round: round - 1, task: summary.taskIndex)
        }
        ShardedDedup.sort(&records, fields: 2)
        try makeDirectories(roundDirectory(round) + "/edges")
        var summary = RoundSummary(round: round, taskIndex: task, taskCount: count, records: records.count / 2, nodes: 0,
                                   unsettled: 0, written: 0, result: nil)
        if last {
            var marked = Set<UInt64>()
            for task in try finished(0) {
                marked.formUnion(try slice(path(0, "marks", task: task.taskIndex), fields: 1, low, high, round: 0, task: task.taskIndex))
            }
            summary.result = try answer(records, marked: marked, round: round, task: task, summary: &summary)
        } else {
            let edges = step(records, summary: &summary)
            try RecordFile.write(edges, fields: 2, to: path(round, "edges", task: task))
            summary.written = edges.count / 2
        }
        try ShardedDedup.writeJSON(summary, path(round, "done", task: task))
        return summary
    }

    /// One round's work on a task's records: union-find over every (u, v), then an edge
    /// from each node to its set's smallest node, both ways, sorted and without repeats.
    private func step(_ records: [UInt64], summary: inout RoundSummary) -> [UInt64] {
        var sets = SparseUnionFind()
        Self.forEachNode(records) { node, neighbours in
            summary.nodes += 1
            if !Self.settled(node, neighbours) { summary.unsettled! += 1 }
            for v in neighbours { sets.union(node, v) }
        }
        var edges: [UInt64] = []
        let members = sets.members(sorted: false)
        edges.reserveCapacity(4 * members.count)
        for (member, root) in members {
            edges.append(fmix64(member))
            edges.append(root)
            edges.append(fmix64(root))
            edges.append(member)
        }
        ShardedDedup.sort(&edges, fields: 2)
        Self.unique(&edges, fields: 2)
        return edges
    }

    /// The last round: every node is a star's root or one of its leaves.
    private func answer(_ records: [UInt64], marked: Set<UInt64>, round: Int, task: Int,
                        summary: inout RoundSummary) throws -> Result {
        var members: [UInt64] = []
        var roots: [UInt64] = []
        var sizes: [Int] = []
        var result = Result()
        var bad: UInt64?
        Self.forEachNode(records) { node, neighbours in
            summary.nodes += 1
            if neighbours.count == 1 && neighbours[0] < node {
                let isMarked = marked.contains(fmix64(node))
                members.append(node)
                members.append(neighbours[0])
                members.append(isMarked ? 1 : 0)
                result.members += 1
                if isMarked { result.marked += 1 }
            } else if neighbours[0] > node {
                roots.append(node)
                roots.append(UInt64(neighbours.count + 1))
                sizes.append(neighbours.count + 1)
            } else if bad == nil {
                bad = node
            }
        }
        if let bad {
            throw FileError(path: roundDirectory(round - 1), message: "round \(round - 1) counted no unsettled node, but node \(bad) is not settled (damaged files?)")
        }
        result.components = sizes.count
        result.sizes = DedupStage.clusterSizeHistogram(sizes)
        try RecordFile.write(ShardedDedup.sorted(members, fields: 3), fields: 3, to: path(round, "members", task: task))
        try RecordFile.write(ShardedDedup.sorted(roots, fields: 2), fields: 2, to: path(round, "roots", task: task))
        summary.written = members.count / 3 + roots.count / 2
        return result
    }

    /// Runs every round for every task in this process, until the last.
    public func runAll(taskCount: Int, maxRounds: Int) throws -> (converged: Converged, result: Result) {
        for round in 1...max(1, maxRounds) {
            for task in 0..<taskCount { _ = try run(round: round, task: task, of: taskCount, maxRounds: maxRounds) }
            if let converged = converged(), converged.round <= round { break }
        }
        return try result()
    }

    // MARK: The answer

    /// The last round and its answer, summed over its tasks; throws until every task of the
    /// last round has finished.
    public func result() throws -> (converged: Converged, result: Result) {
        guard let converged = converged() else {
            throw FileError(path: convergedPath, message: "clusters pass not finished: no round has found the components yet")
        }
        let summaries = try finished(converged.round)
        return (converged, summaries.reduce(Result()) { $0 + ($1.result ?? Result()) })
    }

    /// The answer for the documents whose keys lie in `keys`, in key order: (member, root,
    /// marked) records of the members, and (root, size) records of the roots.
    public func answer(in keys: [ClosedRange<UInt64>]) throws -> (members: [UInt64], roots: [UInt64]) {
        let (converged, _) = try result()
        return (try answerRecords("members", fields: 3, keys, converged), try answerRecords("roots", fields: 2, keys, converged))
    }

    private func answerRecords(_ kind: String, fields: Int, _ keys: [ClosedRange<UInt64>], _ converged: Converged) throws -> [UInt64] {
        var records: [UInt64] = []
        for task in 0..<converged.taskCount {
            let file = path(converged.round, kind, task: task)
            let reader = try open(file, fields: fields, round: converged.round, task: task)
            for range in keys {
                let start = try reader.lowerBound(range.lowerBound)
                let end = range.upperBound == .max ? reader.count : try reader.lowerBound(range.upperBound + 1)
                records += try reader.read(start..<max(start, end))
            }
        }
        return ShardedDedup.sorted(records, fields: fields)
    }

    // MARK: Helpers

    /// Every task's marker of a finished round; throws naming the tasks that lack one.
    func finished(_ round: Int) throws -> [RoundSummary] {
        let folder = roundDirectory(round)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        guard let any = names.sorted().lazy.filter({ $0.hasPrefix("done-") })
            .compactMap({ try? ShardedDedup.readJSON(RoundSummary.self, "\(folder)/\($0)") }).first else {
            throw FileError(path: folder, message: round == 0
                ? "buckets pass not finished: no task has written its edges"
                : "clusters round \(round) not finished: no task has written done-TTTTT.json")
        }
        var all: [RoundSummary] = []
        var missing: [Int] = []
        for task in 0..<any.taskCount {
            guard let summary = roundSummary(round, task: task), summary.taskCount == any.taskCount else {
                missing.append(task)
                continue
            }
            all.append(summary)
        }
        guard missing.isEmpty else {
            let pass = round == 0 ? "buckets pass" : "clusters round \(round)"
            throw FileError(path: folder, message: "\(pass) not finished: \(ShardedDedup.describe(missing, of: any.taskCount)) missing (no done-TTTTT.json)")
        }
        return all
    }

    /// A file of an earlier round, opened; a missing or damaged one names its round and task.
    private func open(_ file: String, fields: Int, round: Int, task: Int) throws -> RecordFile.Reader {
        do {
            return try RecordFile.Reader(path: file, fields: fields)
        } catch {
            throw FileError(path: file, message: "round \(round), task \(task): \(error); run that task again (remove \(path(round, "done", task: task)))")
        }
    }

    /// The records of `file` whose first field lies in [low, high), checked: a damaged file
    /// whose size still matches its header shows as records out of order or out of range.
    private func slice(_ file: String, fields: Int, _ low: UInt64, _ high: UInt64?, round: Int, task: Int) throws -> [UInt64] {
        let reader = try open(file, fields: fields, round: round, task: task)
        let start = try reader.lowerBound(low)
        let end = try high.map { try reader.lowerBound($0) } ?? reader.count
        let records = try reader.read(start..<max(start, end))
        var previous = low
        for i in stride(from: 0, to: records.count, by: fields) {
            guard records[i] >= previous, high.map({ records[i] < $0 }) ?? true else {
                throw FileError(path: file, message: "round \(round), task \(task): records out of order (damaged file); run that task again (remove \(path(round, "done", task: task)))")
            }
            previous = records[i]
        }
        return records
    }

    /// Calls `body` for each node of sorted (mixed node, neighbour) records with its
    /// distinct neighbours, smallest first.
    static func forEachNode(_ records: [UInt64], _ body: (UInt64, [UInt64]) -> Void) {
        var neighbours: [UInt64] = []
        var i = 0
        while i < records.count {
            let mixed = records[i]
            let node = fmix64Inverse(mixed)
            neighbours.removeAll(keepingCapacity: true)
            while i < records.count && records[i] == mixed {
                let v = records[i + 1]
                if v != node && neighbours.last != v { neighbours.append(v) }
                i += 2
            }
            if !neighbours.isEmpty { body(node, neighbours) }
        }
    }

    /// Smaller than all its neighbours, or one neighbour, smaller.
    static func settled(_ node: UInt64, _ neighbours: [UInt64]) -> Bool {
        neighbours[0] > node || (neighbours.count == 1 && neighbours[0] < node)
    }

    /// Drops repeats from sorted records, in place.
    static func unique(_ records: inout [UInt64], fields: Int) {
        var kept = 0
        for i in stride(from: 0, to: records.count, by: fields) {
            if kept > 0 && (0..<fields).allSatisfy({ records[kept - fields + $0] == records[i + $0] }) { continue }
            for f in 0..<fields { records[kept + f] = records[i + f] }
            kept += fields
        }
        records.removeLast(records.count - kept)
    }
}
