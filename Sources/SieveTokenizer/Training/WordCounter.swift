import Foundation
import SieveCore
import SieveText

/// Counts the pieces ("words") of documents as the tokenizer would see them (NFC, then
/// the pre-tokenizer), for training. A stage that keeps every document: batches are
/// counted on the worker threads into their own tables and added to the total under a
/// lock, so the counts do not depend on the thread count.
public final class WordCounter: Stage, @unchecked Sendable {
    public let name = "count_words"
    public let preTokenizer: PreTokenizer
    public let normalizesNFC: Bool
    private let lock = NSLock()
    private var total = ByteStringTable(capacity: 1 << 16)

    public init(preTokenizer: PreTokenizer, normalizesNFC: Bool = true) {
        self.preTokenizer = preTokenizer
        self.normalizesNFC = normalizesNFC
    }

    public func process(_ documents: [Document], context: inout StageContext) -> [Document] {
        var counts = ByteStringTable(capacity: 1 << 12)
        for document in documents {
            var text = document.text
            text.withUTF8 { utf8 in
                if normalizesNFC, let normalized = Normalization.nfc(utf8) {
                    normalized.withUnsafeBufferPointer { count($0, into: &counts) }
                } else {
                    count(utf8, into: &counts)
                }
            }
        }
        lock.withLock {
            counts.forEach { total.add($0, $1) }
        }
        return documents
    }

    private func count(_ text: UnsafeBufferPointer<UInt8>, into counts: inout ByteStringTable) {
        preTokenizer.split(text) { counts.add(UnsafeBufferPointer(rebasing: text[$0]), 1) }
    }

    /// The words and their counts, sorted by bytes.
    public func words() -> [(bytes: [UInt8], count: Int)] {
        var words: [(bytes: [UInt8], count: Int)] = []
        lock.withLock {
            words.reserveCapacity(total.count)
            total.forEach { words.append((Array($0), Int($1))) }
        }
        words.sort { $0.bytes.lexicographicallyPrecedes($1.bytes) }
        return words
    }
}
