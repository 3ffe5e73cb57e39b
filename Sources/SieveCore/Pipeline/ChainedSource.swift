/// The items of several sources, one source after the other: a run that reads some work
/// units from their inputs and others from what an earlier pass wrote.
public struct ChainedSource: BatchSource {
    private var sources: [any BatchSource]
    private var current = 0

    public init(_ sources: [any BatchSource]) { self.sources = sources }

    public mutating func next() throws -> SourceItem? {
        while current < sources.count {
            if let item = try sources[current].next() { return item }
            current += 1
        }
        return nil
    }
}
