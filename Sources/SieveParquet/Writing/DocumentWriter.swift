import CZstd
import SieveCore

/// Writes documents as a Parquet file: columns `id`, `text` and `source` (strings), then
/// one optional column per metadata key, typed from the first row group's documents
/// (boolean, int64, double, string, or JSON text for objects, arrays and keys whose
/// values disagree), and `metadata`, JSON text of the members that fit no column (keys
/// first seen later, values of another type). Row groups of about `rowGroupBytes` of
/// text; data pages v1 of about 1 MiB, compressed with zstd; dictionary pages for string
/// columns where they pay; statistics per column chunk. Reading the file back (Sieve's
/// reader) gives the same documents, metadata members in column order.
public final class DocumentWriter {
    public static let defaultRowGroupBytes = 128 << 20
    static let pageBytes = 1 << 20

    private let output: ([UInt8]) throws -> Void
    private let rowGroupBytes: Int
    private let level: Int32
    private var buffered: [Document] = []
    private var bufferedBytes = 0
    private var columns: [WriterColumn]?
    private var rowGroups: [ThriftValue] = []
    private var offset = 0
    private var rows = 0

    /// - Parameter output: called with the file's bytes in order.
    public init(rowGroupBytes: Int = DocumentWriter.defaultRowGroupBytes, zstdLevel: Int32 = 3,
                output: @escaping ([UInt8]) throws -> Void) {
        self.output = output
        self.rowGroupBytes = rowGroupBytes
        self.level = zstdLevel
    }

    public func append(_ documents: [Document]) throws {
        for document in documents {
            buffered.append(document)
            bufferedBytes += document.text.utf8.count + 64
            if bufferedBytes >= rowGroupBytes { try flush() }
        }
    }

    /// Writes the last row group and the footer.
    public func finish() throws {
        try flush()
        if columns == nil { columns = WriterColumn.schema(for: []) }
        try start()
        let leaves = columns!
        var schema: [ThriftValue] = [.structure([4: .binary(Array("schema".utf8)), 5: .i32(Int32(leaves.count))])]
        schema += leaves.map(\.schemaElement)
        let footer: [Int16: ThriftValue] = [
            1: .i32(1),
            2: .list(schema),
            3: .int(Int64(rows)),
            4: .list(rowGroups),
            6: .binary(Array("Sieve \(Sieve.version)".utf8)),
            7: .list(leaves.map { _ in .structure([1: .structure([:])]) }),
        ]
        var writer = CompactWriter()
        writer.write(.structure(footer))
        var tail = writer.bytes
        withUnsafeBytes(of: UInt32(writer.bytes.count).littleEndian) { tail.append(contentsOf: $0) }
        tail.append(contentsOf: Array("PAR1".utf8))
        try emit(tail)
    }

    private func emit(_ bytes: [UInt8]) throws {
        try output(bytes)
        offset += bytes.count
    }

    private func start() throws {
        if offset == 0 { try emit(Array("PAR1".utf8)) }
    }

    private func flush() throws {
        guard !buffered.isEmpty else { return }
        try start()
        if columns == nil { columns = WriterColumn.schema(for: buffered) }
        let documents = buffered
        buffered.removeAll(keepingCapacity: true)
        bufferedBytes = 0
        var chunks: [ThriftValue] = []
        var total = 0
        let groupStart = offset
        let values = WriterColumn.values(of: documents, columns: columns!)
        for (column, columnValues) in zip(columns!, values) {
            let chunk = column.encode(columnValues, at: offset, level: level)
            try emit(chunk.bytes)
            total += chunk.bytes.count
            chunks.append(chunk.metadata)
        }
        rowGroups.append(.structure([
            1: .list(chunks),
            2: .int(Int64(total)),
            3: .int(Int64(documents.count)),
            5: .int(Int64(groupStart)),
            6: .int(Int64(total)),
            7: .i16(Int16(truncatingIfNeeded: rowGroups.count)),
        ]))
        rows += documents.count
    }
}

/// One column of the writer's schema, and how its values are written.
struct WriterColumn {
    enum Kind: Hashable {
        case boolean, int64, double, string, json
    }

    var name: String
    var kind: Kind
    var required: Bool

    static let reserved: Set<String> = ["id", "text", "source", "metadata"]

    /// id, text and source, the metadata keys of `documents` in first-seen order with the
    /// type all their values share, and the overflow column.
    static func schema(for documents: [Document]) -> [WriterColumn] {
        var order: [String] = []
        var seen: Set<String> = []
        var kinds: [String: Kind] = [:]
        for document in documents {
            for member in document.metadata where !reserved.contains(member.key) {
                if seen.insert(member.key).inserted { order.append(member.key) }
                guard let kind = Self.kind(of: member.value) else { continue }  // null fits any column
                guard let earlier = kinds[member.key] else {
                    kinds[member.key] = kind
                    continue
                }
                // Integers and floats together are doubles; anything else mixed is JSON.
                if earlier != kind {
                    kinds[member.key] = Set([earlier, kind]) == [.int64, .double] ? .double : .json
                }
            }
        }
        return [WriterColumn(name: "id", kind: .string, required: true), WriterColumn(name: "text", kind: .string, required: true),
                WriterColumn(name: "source", kind: .string, required: true)]
            + order.map { WriterColumn(name: $0, kind: kinds[$0] ?? .string, required: false) }
            + [WriterColumn(name: "metadata", kind: .json, required: false)]
    }

    /// nil for JSON null (any column takes it).
    static func kind(of value: JSONValue) -> Kind? {
        switch value {
        case .null: return nil
        case .bool: return .boolean
        case .number(let text):
            // An integer beyond int64 keeps its digits as JSON text.
            guard !text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) else { return .double }
            return Int64(text) != nil ? .int64 : .json
        case .string: return .string
        case .array, .object: return .json
        }
    }

    /// Per column, the value of each document (nil: null); members that fit no column go
    /// to the overflow column as one JSON object.
    static func values(of documents: [Document], columns: [WriterColumn]) -> [[JSONValue?]] {
        var index: [String: Int] = [:]
        for (i, c) in columns.enumerated() where i >= 3 && c.name != "metadata" { index[c.name] = i }
        let overflow = columns.count - 1
        var out = columns.map { _ in [JSONValue?](repeating: nil, count: documents.count) }
        for (row, document) in documents.enumerated() {
            out[0][row] = .string(document.id)
            out[1][row] = .string(document.text)
            out[2][row] = .string(document.source)
            var rest: [JSONMember] = []
            for member in document.metadata {
                if member.value == .null, let i = index[member.key], out[i][row] == nil {
                    continue  // a null of its column
                }
                if let i = index[member.key], out[i][row] == nil, columns[i].accepts(member.value) {
                    out[i][row] = member.value
                } else {
                    rest.append(member)
                }
            }
            if !rest.isEmpty { out[overflow][row] = .object(rest) }
        }
        return out
    }

    func accepts(_ value: JSONValue) -> Bool {
        guard let k = Self.kind(of: value) else { return false }
        return k == kind || kind == .json || (kind == .double && k == .int64)
    }

    var physical: PhysicalType {
        switch kind {
        case .boolean: return .boolean
        case .int64: return .int64
        case .double: return .double
        case .string, .json: return .byteArray
        }
    }

    var schemaElement: ThriftValue {
        var f: [Int16: ThriftValue] = [1: .i32(Int32(physical.rawValue)), 3: .i32(required ? 0 : 1), 4: .binary(Array(name.utf8))]
        switch kind {
        case .string:
            f[6] = .i32(0)
            f[10] = .structure([1: .structure([:])])
        case .json:
            f[6] = .i32(19)
            f[10] = .structure([12: .structure([:])])
        default: break
        }
        return .structure(f)
    }

    /// A column chunk's bytes (optional dictionary page, data pages) and its ColumnChunk.
    func encode(_ values: [JSONValue?], at offset: Int, level: Int32) -> (bytes: [UInt8], metadata: ThriftValue) {
        let present = values.compactMap { $0 }
        let nulls = values.count - present.count
        var plainValues: [[UInt8]] = []
        plainValues.reserveCapacity(present.count)
        for v in present { plainValues.append(Self.plain(v, kind: kind)) }

        // Dictionary for strings when it is at most half the plain size and under a page.
        var dictionary: [[UInt8]]? = nil
        var indices: [UInt32] = []
        if kind == .string || kind == .json {
            var ids: [[UInt8]: UInt32] = [:]
            var entries: [[UInt8]] = []
            var dictionaryBytes = 0
            let plainBytes = plainValues.reduce(0) { $0 + $1.count }
            indices.reserveCapacity(plainValues.count)
            for v in plainValues {
                if let id = ids[v] {
                    indices.append(id)
                } else {
                    let id = UInt32(entries.count)
                    ids[v] = id
                    entries.append(v)
                    dictionaryBytes += v.count
                    indices.append(id)
                    if dictionaryBytes > DocumentWriter.pageBytes || dictionaryBytes * 2 > plainBytes { break }
                }
            }
            if !entries.isEmpty, indices.count == plainValues.count, dictionaryBytes * 2 <= plainBytes, dictionaryBytes <= DocumentWriter.pageBytes {
                dictionary = entries
            }
        }

        var bytes: [UInt8] = []
        var dictionaryOffset: Int? = nil
        var uncompressedTotal = 0
        if let dictionary {
            dictionaryOffset = offset
            let body = dictionary.flatMap { $0 }
            let page = Self.page(type: 2, header: [7: .structure([1: .i32(Int32(dictionary.count)), 2: .i32(0)])], body: body, level: level)
            bytes += page.bytes
            uncompressedTotal += page.uncompressed
        }
        let dataOffset = offset + bytes.count
        // Pages of about pageBytes of values each.
        var row = 0, valueIndex = 0
        while row < values.count || (values.isEmpty && row == 0) {
            var levels: [UInt32] = []
            var pageValues: [UInt8] = []
            var pageIndices: [UInt32] = []
            var pageRows = 0
            let pageStart = valueIndex
            while row < values.count && (pageValues.count + pageIndices.count * 4 < DocumentWriter.pageBytes || pageRows == 0) {
                if values[row] != nil {
                    levels.append(1)
                    if dictionary != nil { pageIndices.append(indices[valueIndex]) } else { pageValues += plainValues[valueIndex] }
                    valueIndex += 1
                } else {
                    levels.append(0)
                }
                row += 1
                pageRows += 1
            }
            var body: [UInt8] = []
            if !required {
                let encoded = Self.rle(levels, bitWidth: 1)
                withUnsafeBytes(of: UInt32(encoded.count).littleEndian) { body.append(contentsOf: $0) }
                body += encoded
            }
            if kind == .boolean {
                body += Self.packBooleans(present[pageStart..<valueIndex].map { $0 == .bool(true) })
            } else if let dictionary {
                let width = max(1, Int.bitWidth - (dictionary.count - 1).leadingZeroBitCount)
                body.append(UInt8(width))
                body += Self.bitPacked(pageIndices, bitWidth: width)
            } else {
                body += pageValues
            }
            let encoding: Int32 = dictionary != nil ? 8 : 0
            let page = Self.page(type: 0, header: [5: .structure([1: .i32(Int32(pageRows)), 2: .i32(encoding), 3: .i32(3), 4: .i32(3)])],
                                 body: body, level: level)
            bytes += page.bytes
            uncompressedTotal += page.uncompressed
            if values.isEmpty { break }
        }

        var statistics: [Int16: ThriftValue] = [3: .int(Int64(nulls))]
        if let (low, high) = Self.bounds(present, kind: kind) {
            statistics[5] = .binary(high)
            statistics[6] = .binary(low)
        }
        var encodings: [ThriftValue] = [.i32(3), .i32(0)]
        if dictionary != nil { encodings.append(.i32(8)) }
        var meta: [Int16: ThriftValue] = [
            1: .i32(Int32(physical.rawValue)),
            2: .list(encodings),
            3: .list([.binary(Array(name.utf8))]),
            4: .i32(6),
            5: .int(Int64(values.count)),
            6: .int(Int64(uncompressedTotal)),
            7: .int(Int64(bytes.count)),
            9: .int(Int64(dataOffset)),
            12: .structure(statistics),
        ]
        if let dictionaryOffset { meta[11] = .int(Int64(dictionaryOffset)) }
        return (bytes, .structure([2: .int(Int64(offset)), 3: .structure(meta)]))
    }

    /// A page: its header, then its body compressed with zstd.
    static func page(type: Int32, header: [Int16: ThriftValue], body: [UInt8], level: Int32) -> (bytes: [UInt8], uncompressed: Int) {
        let compressed = body.isEmpty ? [] : body.withUnsafeBytes { b -> [UInt8] in
            var out = [UInt8](repeating: 0, count: ZSTD_compressBound(b.count))
            let n = out.withUnsafeMutableBytes { ZSTD_compress($0.baseAddress, $0.count, b.baseAddress, b.count, level) }
            precondition(ZSTD_isError(n) == 0, "zstd compression of an in-memory page cannot fail")
            out.removeSubrange(n...)
            return out
        }
        var fields = header
        fields[1] = .i32(type)
        fields[2] = .i32(Int32(body.count))
        fields[3] = .i32(Int32(compressed.count))
        var writer = CompactWriter()
        writer.write(.structure(fields))
        return (writer.bytes + compressed, writer.bytes.count + body.count)
    }

    static func plain(_ value: JSONValue, kind: Kind) -> [UInt8] {
        var out: [UInt8] = []
        func bytes(_ text: [UInt8]) {
            withUnsafeBytes(of: UInt32(text.count).littleEndian) { out.append(contentsOf: $0) }
            out += text
        }
        switch (kind, value) {
        case (.int64, .number(let t)): withUnsafeBytes(of: (Int64(t) ?? 0).littleEndian) { out.append(contentsOf: $0) }
        case (.double, .number(let t)): withUnsafeBytes(of: (Double(t) ?? 0).bitPattern.littleEndian) { out.append(contentsOf: $0) }
        case (.boolean, _): break
        case (.string, .string(let s)): bytes(Array(s.utf8))
        default:
            var writer = JSONWriter(capacity: 64)
            writer.value(value)
            bytes(writer.bytes)
        }
        return out
    }

    /// Smallest and largest value for the statistics (byte order for strings, as
    /// Parquet's unsigned comparison); nil when none or a string bound is long.
    static func bounds(_ values: [JSONValue], kind: Kind) -> ([UInt8], [UInt8])? {
        switch kind {
        case .int64:
            let ints = values.compactMap { if case .number(let t) = $0 { return Int64(t) } else { return nil } }
            guard let lo = ints.min(), let hi = ints.max() else { return nil }
            return (withUnsafeBytes(of: lo.littleEndian, Array.init), withUnsafeBytes(of: hi.littleEndian, Array.init))
        case .double:
            let ds = values.compactMap { if case .number(let t) = $0 { return Double(t) } else { return nil } }.filter { !$0.isNaN }
            guard let lo = ds.min(), let hi = ds.max() else { return nil }
            return (withUnsafeBytes(of: lo.bitPattern.littleEndian, Array.init), withUnsafeBytes(of: hi.bitPattern.littleEndian, Array.init))
        case .boolean:
            let bs = values.compactMap { if case .bool(let b) = $0 { return b } else { return nil } }
            guard !bs.isEmpty else { return nil }
            return ([bs.contains(false) ? 0 : 1], [bs.contains(true) ? 1 : 0])
        case .string:
            var lo: [UInt8]?, hi: [UInt8]?
            for case .string(let s) in values {
                let b = Array(s.utf8)
                guard b.count <= 64 else { return nil }
                if lo == nil || b.lexicographicallyPrecedes(lo!) { lo = b }
                if hi == nil || hi!.lexicographicallyPrecedes(b) { hi = b }
            }
            return lo.map { ($0, hi!) }
        case .json:
            return nil
        }
    }

    /// RLE runs only: a valid hybrid encoding for levels.
    static func rle(_ values: [UInt32], bitWidth: Int) -> [UInt8] {
        var out: [UInt8] = []
        var i = 0
        while i < values.count {
            var j = i
            while j < values.count && values[j] == values[i] { j += 1 }
            var header = UInt64(j - i) << 1
            while header >= 0x80 {
                out.append(UInt8(header & 0x7F) | 0x80)
                header >>= 7
            }
            out.append(UInt8(header))
            for k in 0..<(bitWidth + 7) / 8 { out.append(UInt8(truncatingIfNeeded: values[i] >> (8 * UInt32(k)))) }
            i = j
        }
        return out
    }

    /// One bit-packed run of all values, padded to a multiple of eight.
    static func bitPacked(_ values: [UInt32], bitWidth: Int) -> [UInt8] {
        guard !values.isEmpty else { return [] }
        let groups = (values.count + 7) / 8
        var out: [UInt8] = []
        var header = UInt64(groups) << 1 | 1
        while header >= 0x80 {
            out.append(UInt8(header & 0x7F) | 0x80)
            header >>= 7
        }
        out.append(UInt8(header))
        var packed = [UInt8](repeating: 0, count: groups * bitWidth)
        var bit = 0
        for v in values {
            for b in 0..<bitWidth where v >> UInt32(b) & 1 == 1 {
                packed[(bit + b) >> 3] |= 1 << UInt8((bit + b) & 7)
            }
            bit += bitWidth
        }
        return out + packed
    }

    static func packBooleans(_ values: [Bool]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: (values.count + 7) / 8)
        for (i, v) in values.enumerated() where v { out[i >> 3] |= 1 << UInt8(i & 7) }
        return out
    }
}
