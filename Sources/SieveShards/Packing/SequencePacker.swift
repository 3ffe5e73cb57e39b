/// Packs documents' token streams into fixed-length training sequences (`concat`).
///
/// Documents are laid end to end (each already ends with the end-of-text id); every
/// `seqLen` tokens make one sequence, so a document longer than what is left of a
/// sequence continues at the start of the next one. For each sequence the packer keeps
/// its document boundaries as `cu_seqlens`: `0`, the end offset of every document piece
/// in it, and `seqLen` last, so a trainer can mask attention across documents
/// (FlashAttention's variable-length convention). The tokens of a last, incomplete
/// sequence are not emitted, as Megatron's GPT dataset drops an incomplete last sample.
struct SequencePacker: SequencePacking {
    let seqLen: Int
    private var tokens: [Int32] = []
    private var boundaries: [Int32] = [0]
    private var started = StartedDocuments()

    init(seqLen: Int) {
        precondition(seqLen > 0)
        self.seqLen = seqLen
        tokens.reserveCapacity(seqLen)
    }

    /// Tokens held for a sequence not yet complete.
    var pendingTokens: Int { tokens.count }

    mutating func add(_ document: UnsafeRawBufferPointer, emit: (PackedSequence) throws -> Void) throws -> Bool {
        let count = document.count / 4
        var at = 0, cut = false
        started.add(count)
        while at < count {
            let take = min(count - at, seqLen - tokens.count)
            for i in at..<at + take {
                tokens.append(Int32(littleEndian: document.loadUnaligned(fromByteOffset: i * 4, as: Int32.self)))
            }
            at += take
            boundaries.append(Int32(tokens.count))
            if tokens.count == seqLen {
                try tokens.withUnsafeBytes { t in try boundaries.withUnsafeBytes { b in try emit(started.sequence(t, b)) } }
                tokens.removeAll(keepingCapacity: true)
                boundaries = [0]
                started = StartedDocuments()
                if at < count { cut = true }
            }
        }
        return cut
    }

    mutating func finish(emit: (PackedSequence) throws -> Void) throws -> Int {
        defer {
            tokens.removeAll(keepingCapacity: true)
            boundaries = [0]
            started = StartedDocuments()
        }
        return tokens.count
    }
}
