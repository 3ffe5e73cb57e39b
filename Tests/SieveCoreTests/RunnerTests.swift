import Foundation
import XCTest
@testable import SieveCore

/// Drops documents whose number is divisible by 3, and burns CPU so batches finish out of order.
private struct DropEveryThird: Stage {
    let name = "third"
    func process(_ documents: [Document], context: inout StageContext) -> [Document] {
        documents.filter { doc in
            var h: UInt64 = 0
            for _ in 0..<(Int(doc.id)! % 7) * 2000 { h = h &* 31 &+ 7 }
            if Int(doc.id)! % 3 == 0 || h == 1 {
                context.drop(doc, rule: "divisible")
                return false
            }
            return true
        }
    }
}

/// Numbers 0..<count in batches of `batchSize`, one unit per `unitBatches` batches; counts
/// how many items are out at once.
private struct NumberSource: BatchSource {
    var items: [SourceItem] = []
    var cursor = 0
    let tracker: Tracker

    init(count: Int, batchSize: Int, unitBatches: Int, tracker: Tracker) {
        self.tracker = tracker
        let batches = stride(from: 0, to: count, by: batchSize).map { $0..<min(count, $0 + batchSize) }
        for (i, range) in batches.enumerated() {
            items.append(.batch(SourceBatch(unit: i / unitBatches, inputBytes: range.count) { stats in
                stats[stage: "read"].documentsIn += range.count
                return range.map { Document(id: String($0), text: "document \($0)", source: "numbers") }
            }))
            if (i + 1) % unitBatches == 0 || i == batches.count - 1 {
                items.append(.unitEnd(unit: i / unitBatches, stats: RunStats()))
            }
        }
    }

    mutating func next() throws -> SourceItem? {
        guard cursor < items.count else { return nil }
        cursor += 1
        tracker.produced()
        return items[cursor - 1]
    }
}

final class Tracker: @unchecked Sendable {
    private let lock = NSLock()
    private var out = 0
    private(set) var maxOut = 0
    func produced() { lock.withLock { out += 1; maxOut = max(maxOut, out) } }
    func consumed() { lock.withLock { out -= 1 } }
}

private final class TextSink: BatchSink {
    var text = ""
    var units: [Int] = []
    let tracker: Tracker
    init(_ tracker: Tracker) { self.tracker = tracker }
    func encode(_ documents: [Document], unit: Int) -> [UInt8] { Array(documents.map(\.id).joined(separator: ",").utf8) }
    func write(_ encoded: [UInt8], unit: Int) throws {
        text += String(decoding: encoded, as: UTF8.self) + ";"
        tracker.consumed()
    }
    func endUnit(_ unit: Int, stats: RunStats) throws {
        units.append(unit)
        tracker.consumed()
    }
}

final class RunnerTests: XCTestCase {
    func run(threads: Int, maxInFlight: Int? = nil) throws -> (String, [Int], RunStats, Int) {
        let tracker = Tracker()
        let sink = TextSink(tracker)
        let runner = Runner(stages: [DropEveryThird()], threads: threads, maxInFlight: maxInFlight)
        let stats = try runner.run(source: NumberSource(count: 5000, batchSize: 37, unitBatches: 10, tracker: tracker),
                                   sink: sink)
        return (sink.text, sink.units, stats, tracker.maxOut)
    }

    func testOutputIsIdenticalForAnyThreadCount() throws {
        let (one, units, stats, _) = try run(threads: 1)
        for threads in [2, 3, 8] {
            let (many, manyUnits, manyStats, _) = try run(threads: threads)
            XCTAssertEqual(many, one, "\(threads) threads")
            XCTAssertEqual(manyUnits, units)
            XCTAssertEqual(manyStats.drops, stats.drops)
        }
        let kept = (0..<5000).filter { $0 % 3 != 0 }.map(String.init)
        XCTAssertEqual(one.split(separator: ";").flatMap { $0.split(separator: ",") }.map(String.init), kept)
        XCTAssertEqual(units, Array(0..<14))
        XCTAssertEqual(stats.drops, ["third:divisible": 1667])
        XCTAssertEqual(stats[stage: "third"].documentsIn, 5000)
        XCTAssertEqual(stats[stage: "third"].documentsOut, 3333)
        XCTAssertEqual(stats[stage: "write"].documentsOut, 3333)
        XCTAssertEqual(stats.stages.map(\.name), ["read", "third", "write"])
    }

    func testItemsInFlightAreBounded() throws {
        let (_, _, _, maxOut) = try run(threads: 4, maxInFlight: 5)
        XCTAssertLessThanOrEqual(maxOut, 5)
    }

    func testSinkFailureStopsTheRun() {
        final class FailingSink: BatchSink {
            func encode(_ documents: [Document], unit: Int) -> [UInt8] { [] }
            func write(_ encoded: [UInt8], unit: Int) throws { throw CocoaError(.fileWriteOutOfSpace) }
            func endUnit(_ unit: Int, stats: RunStats) throws {}
        }
        let source = NumberSource(count: 100_000, batchSize: 10, unitBatches: 1000, tracker: Tracker())
        XCTAssertThrowsError(try Runner(stages: [], threads: 2).run(source: source, sink: FailingSink()))
    }
}
