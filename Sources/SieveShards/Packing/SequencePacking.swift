/// What a packer hands on with each training sequence it completes: its tokens (int32),
/// its `cu_seqlens` (int32: 0, the end of every document piece in it, its length last),
/// and the documents whose first token is in it, with their smallest and largest lengths
/// (for the shard's manifest row).
struct PackedSequence {
    var tokens: UnsafeRawBufferPointer
    var cuSeqlens: UnsafeRawBufferPointer
    var documentsStarted: Int
    var minDocumentTokens: Int
    var maxDocumentTokens: Int
}

/// A way to lay documents into training sequences (`PackJob.Strategy`).
protocol SequencePacking {
    /// Adds one document (int32 little-endian tokens, ending with the end-of-text id) and
    /// hands on every sequence it completes; returns whether the document was cut.
    mutating func add(_ document: UnsafeRawBufferPointer, emit: (PackedSequence) throws -> Void) throws -> Bool
    /// The end of a group: hands on what is held, or drops it; returns the tokens dropped.
    mutating func finish(emit: (PackedSequence) throws -> Void) throws -> Int
}

/// Documents started in a sequence being filled, for `PackedSequence`.
struct StartedDocuments {
    var count = 0
    var minTokens = Int.max
    var maxTokens = 0

    mutating func add(_ tokens: Int) {
        count += 1
        minTokens = min(minTokens, tokens)
        maxTokens = max(maxTokens, tokens)
    }

    func sequence(_ tokens: UnsafeRawBufferPointer, _ cuSeqlens: UnsafeRawBufferPointer) -> PackedSequence {
        PackedSequence(tokens: tokens, cuSeqlens: cuSeqlens, documentsStarted: count,
                       minDocumentTokens: count == 0 ? 0 : minTokens, maxDocumentTokens: maxTokens)
    }
}
