/// How records are read and batched.
public struct ReadOptions: Sendable {
    public var fields = FieldNames()
    /// A record larger than this is skipped with `read:document_too_large`, without
    /// being held in memory.
    public var maxDocumentBytes = 64 << 20
    /// A batch is handed to the workers once it holds this many record bytes...
    public var batchBytes = 4 << 20
    /// ...or this many records.
    public var batchDocuments = 20_000
    /// How HTML pages, WARC responses and PDFs become text; without one, such records are
    /// skipped as `read:no_page_decoder`.
    public var pages: (any PageDecoder)?

    public init() {}
}
