import Foundation
import SieveCore
import SieveDedup
import SieveTestSupport
import XCTest

/// The clusters pass's rounds against union-find over every edge in one place, on the
/// graphs that are hard for label propagation, as 1, 2, 4 and 7 tasks.
final class ConnectedComponentsTests: XCTestCase {
    /// Keys shaped like document keys (unit, batch, index), in a shuffled order, so that
    /// "smallest" is not the order the edges are given in.
    static func keys(_ count: Int, seed: UInt64) -> [UInt64] {
        var rng = SplitMix64(seed: seed)
        var keys: [UInt64] = (0..<count).map { (i: Int) -> UInt64 in
            let unit = UInt64(i / 1000), batch = UInt64(i / 100 % 10), index = UInt64(i % 100)
            return unit << 40 | batch << 24 | index
        }
        rng.shuffle(&keys)
        return keys
    }

    /// Union-find over every edge: member → the smallest key of its component, and the
    /// component sizes by root.
    static func reference(_ edges: [(UInt64, UInt64)]) -> (members: [UInt64: UInt64], sizes: [UInt64: Int]) {
        var parent: [UInt64: UInt64] = [:]
        func find(_ x: UInt64) -> UInt64 {
            var x = x
            while let p = parent[x], p != x { parent[x] = parent[p]; x = p }
            return x
        }
        for (a, b) in edges {
            if parent[a] == nil { parent[a] = a }
            if parent[b] == nil { parent[b] = b }
            let ra = find(a), rb = find(b)
            if ra != rb { parent[max(ra, rb)] = min(ra, rb) }
        }
        var members: [UInt64: UInt64] = [:]
        var sizes: [UInt64: Int] = [:]
        for node in parent.keys {
            let root = find(node)
            sizes[root, default: 1] += root == node ? 0 : 1
            if root != node { members[node] = root }
        }
        return (members, sizes)
    }

    /// Runs the rounds as `tasks` tasks (round 0's edges dealt out among them) and checks
    /// every member, root and size against `reference`; returns the rounds taken.
    @discardableResult
    func check(_ edges: [(UInt64, UInt64)], marked: Set<UInt64> = [], tasks: Int, maxRounds: Int = 40,
               file: StaticString = #filePath, line: UInt = #line) throws -> Int {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let components = ConnectedComponents(directory: dir.file("components"))
        for task in 0..<tasks {
            var flat: [UInt64] = []
            for (i, edge) in edges.enumerated() where i % tasks == task { flat += [edge.0, edge.1] }
            try components.start(edges: flat, marked: marked.filter { Int($0 % UInt64(tasks)) == task }.sorted(), task: task, of: tasks)
        }
        let (converged, result) = try components.runAll(taskCount: tasks, maxRounds: maxRounds)
        let expected = Self.reference(edges)
        let (records, roots) = try components.answer(in: [0...UInt64.max])
        var members: [UInt64: UInt64] = [:]
        var marks = 0
        for i in stride(from: 0, to: records.count, by: 3) {
            XCTAssertNil(members[records[i]], "one record per member", file: file, line: line)
            members[records[i]] = records[i + 1]
            XCTAssertEqual(records[i + 2] == 1, marked.contains(records[i]), file: file, line: line)
            if records[i + 2] == 1 { marks += 1 }
        }
        XCTAssertEqual(members, expected.members, "\(tasks) tasks", file: file, line: line)
        var sizes: [UInt64: Int] = [:]
        for i in stride(from: 0, to: roots.count, by: 2) { sizes[roots[i]] = Int(roots[i + 1]) }
        XCTAssertEqual(sizes, expected.sizes, "\(tasks) tasks", file: file, line: line)
        XCTAssertEqual(result.components, expected.sizes.count, file: file, line: line)
        XCTAssertEqual(result.members, expected.members.count, file: file, line: line)
        XCTAssertEqual(result.marked, marks, file: file, line: line)
        XCTAssertEqual(result.sizes, DedupStage.clusterSizeHistogram(expected.sizes.values), file: file, line: line)
        // Records come back in key order, for the documents pass's binary searches.
        XCTAssertEqual(stride(from: 0, to: records.count, by: 3).map { records[$0] },
                       stride(from: 0, to: records.count, by: 3).map { records[$0] }.sorted(), file: file, line: line)
        return converged.round
    }

    func testChainOfAHundredThousand() throws {
        let keys = Self.keys(100_000, seed: 1)
        let chain = (1..<keys.count).map { (keys[$0 - 1], keys[$0]) }
        var rounds: [Int] = []
        for tasks in [1, 2, 4, 7] { rounds.append(try check(chain, marked: Set(keys.prefix(500)), tasks: tasks)) }
        // Rounds grow with the logarithm of the component (docs/dedup.md), not its length.
        XCTAssertLessThanOrEqual(rounds.max()!, 20, "\(rounds)")
    }

    func testChainInKeyOrderAndReversed() throws {
        let keys = (0..<20_000).map { UInt64($0) << 24 }
        for tasks in [1, 2, 4, 7] {
            try check((1..<keys.count).map { (keys[$0 - 1], keys[$0]) }, tasks: tasks)
            try check((1..<keys.count).reversed().map { (keys[$0], keys[$0 - 1]) }, tasks: tasks)
        }
    }

    func testStarsCliquesAndManySmallComponents() throws {
        let keys = Self.keys(40_000, seed: 2)
        var edges: [(UInt64, UInt64)] = []
        // A star around its smallest key, one around its largest, one around a middle one.
        let star = keys[0..<5000].sorted()
        edges += star.dropFirst().map { (star[0], $0) }
        let high = keys[5000..<10000].sorted()
        edges += high.dropLast().map { ($0, high.last!) }
        let middle = Array(keys[10000..<15000])
        edges += middle.dropFirst().map { (middle[0], $0) }
        // Cliques of 60 and of 3.
        let clique = Array(keys[15000..<15060])
        for i in 0..<clique.count { for j in (i + 1)..<clique.count { edges.append((clique[i], clique[j])) } }
        for t in stride(from: 15060, to: 16_000, by: 3) { edges += [(keys[t], keys[t + 1]), (keys[t + 1], keys[t + 2]), (keys[t + 2], keys[t])] }
        // Thousands of pairs; a repeated edge and both directions of one.
        for p in stride(from: 16_000, to: 40_000, by: 2) { edges.append((keys[p], keys[p + 1])) }
        edges += [(keys[16_000], keys[16_001]), (keys[16_001], keys[16_000])]
        // Two stars joined by one edge between leaves.
        edges.append((star[4999], high[0]))
        for tasks in [1, 2, 4, 7] { try check(edges, marked: Set(keys[20_000..<20_100]), tasks: tasks) }
    }

    func testNoEdges() throws {
        for tasks in [1, 3] { XCTAssertEqual(try check([], tasks: tasks), 2) }
    }

    /// A graph that needs more rounds than allowed stops the run and says so.
    func testRoundCapStopsWithAClearError() throws {
        let keys = (0..<5000).map { UInt64($0) }
        let chain = (1..<keys.count).map { (keys[$0 - 1], keys[$0]) }
        XCTAssertThrowsError(try check(chain, tasks: 7, maxRounds: 3)) { error in
            XCTAssertTrue("\(error)".contains("did not converge in 3 rounds"), "\(error)")
            XCTAssertTrue("\(error)".contains("--max-rounds"), "\(error)")
        }
    }

    /// A missing or damaged file of an earlier round: the round refuses and names the task;
    /// after that task runs again, the rounds go on to the right answer.
    func testDamagedOrMissingRoundFileNamesTheTask() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let keys = Self.keys(3000, seed: 3)
        let edges = (1..<keys.count).map { (keys[$0 - 1], keys[$0]) }
        let components = ConnectedComponents(directory: dir.file("c"))
        var flat: [UInt64] = []
        for (a, b) in edges { flat += [a, b] }
        try components.start(edges: Array(flat.prefix(3000)), marked: [], task: 0, of: 2)
        // Round 1 refuses while round 0 lacks a task.
        XCTAssertThrowsError(try components.run(round: 1, task: 0, of: 3, maxRounds: 40)) {
            XCTAssertTrue("\($0)".contains("buckets pass not finished: task 1 of 2 missing"), "\($0)")
        }
        try components.start(edges: Array(flat.dropFirst(3000)), marked: [], task: 1, of: 2)
        for task in 0..<3 { _ = try components.run(round: 1, task: task, of: 3, maxRounds: 40) }
        let file = dir.file("c/round-0001/edges/edges-00001.bin")
        let original = try Fixtures.contents(file)

        try FileManager.default.removeItem(atPath: file)
        XCTAssertThrowsError(try components.run(round: 2, task: 0, of: 3, maxRounds: 40)) {
            XCTAssertTrue("\($0)".contains("round 1, task 1"), "\($0)")
            XCTAssertTrue("\($0)".contains("done-00001.json"), "\($0)")
        }
        // Truncated.
        try Data(original.dropLast(8)).write(to: URL(fileURLWithPath: file))
        XCTAssertThrowsError(try components.run(round: 2, task: 2, of: 3, maxRounds: 40)) {
            XCTAssertTrue("\($0)".contains("round 1, task 1"), "\($0)")
        }
        // The same size, records overwritten: out of order.
        var scrambled = original
        for i in 24..<scrambled.count { scrambled[i] = UInt8(truncatingIfNeeded: 255 &- i) }
        try Data(scrambled).write(to: URL(fileURLWithPath: file))
        XCTAssertThrowsError(try components.run(round: 2, task: 1, of: 3, maxRounds: 40)) {
            XCTAssertTrue("\($0)".contains("round 1, task 1: records out of order"), "\($0)")
        }
        XCTAssertNil(components.roundSummary(2, task: 1), "no marker for a round that failed")

        // The task runs again, as the message says; the rounds finish with the right answer.
        try FileManager.default.removeItem(atPath: dir.file("c/round-0001/done-00001.json"))
        _ = try components.run(round: 1, task: 1, of: 3, maxRounds: 40)
        let (_, result) = try components.runAll(taskCount: 3, maxRounds: 40)
        XCTAssertEqual(result.members, keys.count - 1)
        XCTAssertEqual(try components.answer(in: [0...UInt64.max]).members.count, 3 * (keys.count - 1))
    }

    /// Round markers edited to say that nothing is left unsettled when it is: the round
    /// that takes them at their word finds a node that is not settled and refuses, and no
    /// answer is given.
    func testMarkersThatLieAboutConvergenceAreCaught() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let keys = (0..<5000).map { UInt64($0) << 24 }
        let tasks = 7
        let components = ConnectedComponents(directory: dir.file("c"))
        for task in 0..<tasks {
            var flat: [UInt64] = []
            for i in stride(from: 1 + task, to: keys.count, by: tasks) { flat += [keys[i - 1], keys[i]] }
            try components.start(edges: flat, marked: [], task: task, of: tasks)
        }
        for round in 1...2 { for task in 0..<tasks { _ = try components.run(round: round, task: task, of: tasks, maxRounds: 40) } }
        XCTAssertGreaterThan((0..<tasks).reduce(0) { $0 + (components.roundSummary(2, task: $1)?.unsettled ?? 0) }, 0,
                             "a chain is not settled after two rounds as 7 tasks")
        for task in 0..<tasks {
            let marker = dir.file("c/round-0002/done-0000\(task).json")
            let text = String(decoding: try Fixtures.contents(marker), as: UTF8.self)
            let edited = text.replacingOccurrences(of: #""unsettled" : [0-9]+"#, with: "\"unsettled\" : 0", options: .regularExpression)
            try Data(edited.utf8).write(to: URL(fileURLWithPath: marker))
        }
        var refused = 0
        for task in 0..<tasks {
            do { _ = try components.run(round: 3, task: task, of: tasks, maxRounds: 40) } catch {
                XCTAssertTrue("\(error)".contains("round 2 counted no unsettled node, but node"), "\(error)")
                refused += 1
            }
        }
        XCTAssertGreaterThan(refused, 0)
        XCTAssertThrowsError(try components.result(), "no answer while a task of the last round refused")
    }

    func testMixInverse() {
        var rng = SplitMix64(seed: 4)
        for value in [0, 1, UInt64.max] + (0..<1000).map({ _ in rng.next() }) {
            XCTAssertEqual(fmix64Inverse(fmix64(value)), value)
        }
    }
}
