/// Tokens of one (language, domain) a training stage planned and `sieve mix materialize`
/// delivered, with the distinct documents and the copies of them that make those tokens.
public struct Delivery: Sendable, Equatable {
    public var language: String
    public var domain: String
    public var planned: Int64
    public var delivered: Int64
    public var documents: Int
    public var copies: Int

    public init(language: String, domain: String, planned: Int64, delivered: Int64, documents: Int, copies: Int) {
        self.language = language
        self.domain = domain
        self.planned = planned
        self.delivered = delivered
        self.documents = documents
        self.copies = copies
    }
}
