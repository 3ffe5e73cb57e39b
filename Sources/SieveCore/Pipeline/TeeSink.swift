/// Hands every batch to two sinks: `first` sees them as if alone; `second` also gets the
/// rejected documents when it wants them (a first pass that feeds the dedup index and
/// writes the documents for the second pass at once).
public final class TeeSink: BatchSink {
    private let first: any BatchSink
    private let second: any BatchSink

    public init(_ first: any BatchSink, _ second: any BatchSink) {
        self.first = first
        self.second = second
    }

    public func encode(_ documents: [Document], unit: Int) -> [UInt8] {
        let a = first.encode(documents, unit: unit)
        var out: [UInt8] = []
        out.reserveCapacity(8 + a.count)
        out.appendLittleEndian(UInt64(a.count))
        out += a
        out += second.encode(documents, unit: unit)
        return out
    }

    public func write(_ encoded: [UInt8], unit: Int) throws {
        let split = 8 + Int(encoded.withUnsafeBytes { $0.loadLittleEndian(as: UInt64.self) })
        try first.write(Array(encoded[8..<split]), unit: unit)
        try second.write(Array(encoded[split...]), unit: unit)
    }

    public func endUnit(_ unit: Int, stats: RunStats) throws {
        try first.endUnit(unit, stats: stats)
        try second.endUnit(unit, stats: stats)
    }

    public var wantsRejected: Bool { second.wantsRejected }
    public func encodeRejected(_ documents: [Document], unit: Int) -> [UInt8] { second.encodeRejected(documents, unit: unit) }
    public func writeRejected(_ encoded: [UInt8], unit: Int) throws { try second.writeRejected(encoded, unit: unit) }
}
