/// Writes packed sequences into numbered shards of at most `maxShardBytes` each:
/// `PREFIX-KKKKK`, an `IndexedDataset` pair of the sequences, beside the pair
/// `PREFIX-KKKKK.cu_seqlens` of their document boundaries; and the manifest rows for them.
struct PackedShardWriter {
    let prefix: String
    let language: String
    let domain: String
    let seqLen: Int
    let maxShardBytes: Int
    private(set) var shards: [ShardRecord] = []
    private var k = 0
    private var tokens: IndexedDatasetWriter?
    private var bounds: IndexedDatasetWriter?
    private var documents = StartedDocuments()

    init(prefix: String, language: String, domain: String, seqLen: Int, maxShardBytes: Int) {
        self.prefix = prefix
        self.language = language
        self.domain = domain
        self.seqLen = seqLen
        self.maxShardBytes = maxShardBytes
    }

    mutating func append(_ sequence: PackedSequence) throws {
        if tokens == nil {
            let path = "\(prefix)-\(pad(k))"
            k += 1
            tokens = try IndexedDatasetWriter(prefix: path)
            bounds = try IndexedDatasetWriter(prefix: path + ".cu_seqlens")
        }
        try tokens!.append(sequence.tokens)
        try bounds!.append(sequence.cuSeqlens)
        if sequence.documentsStarted > 0 {
            documents.count += sequence.documentsStarted
            documents.minTokens = min(documents.minTokens, sequence.minDocumentTokens)
            documents.maxTokens = max(documents.maxTokens, sequence.maxDocumentTokens)
        }
        if tokens!.binBytes + seqLen * 4 > maxShardBytes { try close() }
    }

    /// Finishes the shard being written, if any.
    mutating func close() throws {
        guard let t = tokens, let b = bounds else { return }
        let files = try t.finish() + b.finish().map { ShardFile(suffix: ".cu_seqlens" + $0.suffix, bytes: $0.bytes, xxh64: $0.xxh64) }
        shards.append(ShardRecord(prefix: t.prefix, language: language, domain: domain, documents: documents.count,
                                  tokens: t.binBytes / 4, textBytes: 0, minDocumentTokens: documents.count == 0 ? 0 : documents.minTokens,
                                  maxDocumentTokens: documents.maxTokens, meanLanguageScore: nil, meanQuality: nil, files: files,
                                  sequences: t.lengths.count))
        tokens = nil
        bounds = nil
        documents = StartedDocuments()
    }
}
