@testable import SieveShards
import XCTest

/// Best-fit packing: the segment-tree bin search against a plain scan over every bin, and
/// the packer's sequences against the documents they came from.
final class BestFitPackingTests: XCTestCase {
    /// Best-fit decreasing the plain way: every bin scanned for the least room that holds
    /// the item. Returns the rooms left.
    func plainBestFitDecreasing(_ sizes: [Int], capacity: Int) -> [Int] {
        var rooms: [Int] = []
        for size in sizes.sorted(by: >) {
            var best: Int? = nil
            for (i, room) in rooms.enumerated() where room >= size && (best == nil || room < rooms[best!]) { best = i }
            if let best { rooms[best] -= size } else { rooms.append(capacity - size) }
        }
        return rooms
    }

    func testSegmentTreeSearchEqualsThePlainScan() {
        var random = SystemRandomNumberGenerator()
        for trial in 0..<200 {
            let capacity = [1, 2, 7, 64, 100, 4096][trial % 6]
            let count = Int.random(in: 0...300, using: &random)
            // Mostly short items and a few near the capacity, as document lengths are.
            let sizes = (0..<count).map { _ in
                Bool.random(using: &random) ? Int.random(in: 1...max(1, capacity / 8), using: &random) : Int.random(in: 1...capacity, using: &random)
            }
            let bins = BestFitDecreasing.assign(sizes, capacity: capacity)
            let plain = plainBestFitDecreasing(sizes, capacity: capacity)
            XCTAssertEqual(bins.count, plain.count, "trial \(trial)")
            XCTAssertEqual(bins.room.sorted(), plain.sorted(), "trial \(trial)")
            // The assignment matches the rooms, and no bin overflows.
            var load = [Int](repeating: 0, count: bins.count)
            for (item, bin) in bins.assignment.enumerated() { load[bin] += sizes[item] }
            XCTAssertEqual(load.map { capacity - $0 }, bins.room, "trial \(trial)")
        }
    }

    func testRoomIndexFindsTheSmallestRoomAtLeastAsked() {
        var index = RoomIndex(capacity: 10)
        XCTAssertNil(index.first(atLeast: 0))
        index.add(3, 1)
        index.add(7, 2)
        XCTAssertEqual(index.first(atLeast: 0), 3)
        XCTAssertEqual(index.first(atLeast: 3), 3)
        XCTAssertEqual(index.first(atLeast: 4), 7)
        XCTAssertNil(index.first(atLeast: 8))
        index.add(10, 1)
        XCTAssertEqual(index.first(atLeast: 8), 10)
        index.add(7, -2)
        XCTAssertEqual(index.first(atLeast: 4), 10)
    }

    /// Documents of every length around the sequence length: each one that fits comes out
    /// whole in exactly one sequence; a longer one as full pieces, each a sequence of its
    /// own, then its remainder; nothing is lost; the same input gives the same sequences.
    func testPackerKeepsDocumentsWholeAndCutsOnlyLongOnes() throws {
        let seqLen = 16
        var random = SystemRandomNumberGenerator()
        let lengths = (0..<400).map { i in i % 50 == 0 ? Int.random(in: 17...60, using: &random) : Int.random(in: 1...16, using: &random) } + [16, 32]
        let documents: [[Int32]] = lengths.enumerated().map { d, n in (0..<n).map { Int32(d * 1000 + $0) } }
        func pack(chunk: Int) throws -> (sequences: [[Int32]], bounds: [[Int32]], started: Int, cut: Int) {
            var packer = BestFitPacker(seqLen: seqLen, chunkTokens: chunk)
            var sequences: [[Int32]] = [], bounds: [[Int32]] = [], started = 0, cut = 0
            let emit: (PackedSequence) throws -> Void = { s in
                sequences.append(Array(s.tokens.bindMemory(to: Int32.self)))
                bounds.append(Array(s.cuSeqlens.bindMemory(to: Int32.self)))
                started += s.documentsStarted
            }
            for document in documents {
                if try document.withUnsafeBytes({ try packer.add($0, emit: emit) }) { cut += 1 }
            }
            XCTAssertEqual(try packer.finish(emit: emit), 0, "best-fit drops nothing")
            return (sequences, bounds, started, cut)
        }
        for chunk in [1, 100, 1_000_000] {
            let (sequences, bounds, started, cut) = try pack(chunk: chunk)
            XCTAssertEqual(started, documents.count, "chunk \(chunk)")
            XCTAssertEqual(cut, lengths.filter { $0 > seqLen }.count, "chunk \(chunk): 32 tokens are two full pieces, 16 fit")
            var segments: [[Int32]] = []
            for (sequence, cu) in zip(sequences, bounds) {
                XCTAssertLessThanOrEqual(sequence.count, seqLen)
                XCTAssertEqual(cu.first, 0)
                XCTAssertEqual(Int(cu.last!), sequence.count)
                for j in 0..<(cu.count - 1) { segments.append(Array(sequence[Int(cu[j])..<Int(cu[j + 1])])) }
            }
            // Each document: whole, or its pieces in order, nothing else anywhere.
            var expected: [[Int32]] = []
            for document in documents {
                var at = 0
                while document.count - at > seqLen {
                    expected.append(Array(document[at..<at + seqLen]))
                    at += seqLen
                }
                expected.append(Array(document[at...]))
            }
            XCTAssertEqual(segments.sorted { $0.lexicographicallyPrecedes($1) }, expected.sorted { $0.lexicographicallyPrecedes($1) }, "chunk \(chunk)")
            for document in documents where document.count > seqLen {
                let positions = segments.indices.filter { segments[$0].first.map { $0 / 1000 } == document[0] / 1000 }
                XCTAssertEqual(positions.map { segments[$0] }.joined().map { $0 }, document, "chunk \(chunk): pieces in order")
            }
            XCTAssertEqual(try pack(chunk: chunk).sequences, sequences, "deterministic")
        }
        // A chunk of everything pads no more than chunks of one document each.
        let whole = try pack(chunk: 1_000_000).sequences.count, single = try pack(chunk: 1).sequences.count
        XCTAssertLessThan(whole, single)
    }
}
