import CMemory

/// For each regular token, whether BPE turns its bytes into the token itself, so that a
/// piece found in the vocabulary can be emitted without merging. In vocabularies written
/// by BPE trainers (Qwen's, GPT-2's) nearly every token does, but not every one, and
/// Hugging Face emits a vocabulary hit directly only with `ignore_merges`.
///
/// Checking every token when a tokenizer loaded took about a third of the load, and a run
/// meets a fraction of a large vocabulary. So a mark starts unknown and is set the
/// first time encoding meets the token, by BPE of that piece, which is also its answer.
/// Threads share the marks without a lock: a mark only goes from unknown to its one
/// true value, whichever thread writes it (`sieve_store_relaxed_u8`).
final class SelfEncodingMarks: @unchecked Sendable {
    static let unknown: UInt8 = 0
    static let yes: UInt8 = 1
    static let no: UInt8 = 2

    private let marks: UnsafeMutablePointer<UInt8>
    let count: Int

    /// `count` marks, all `initial`.
    init(count: Int, initial: UInt8) {
        self.count = count
        marks = .allocate(capacity: max(count, 1))
        marks.initialize(repeating: initial, count: max(count, 1))
    }

    deinit { marks.deallocate() }

    /// A view for a hot loop, valid while the marks live.
    var reader: Reader { Reader(marks: marks) }

    struct Reader {
        let marks: UnsafeMutablePointer<UInt8>

        @inline(__always)
        subscript(id: UInt32) -> UInt8 {
            get { sieve_load_relaxed_u8(marks + Int(id)) }
            nonmutating set { sieve_store_relaxed_u8(marks + Int(id), newValue) }
        }
    }
}
