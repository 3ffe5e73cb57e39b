/// Parquet's footer and page headers (parquet-format's `parquet.thrift`), the fields
/// Sieve reads and writes. Field ids are the Thrift ids of that file.

public enum PhysicalType: Int, Sendable {
    case boolean = 0, int32, int64, int96, float, double, byteArray, fixedLenByteArray
}

public enum Repetition: Int, Sendable {
    case required = 0, optional, repeated
}

/// Codecs by their Thrift numbers.
public enum Codec: Int, Sendable, CustomStringConvertible {
    case uncompressed = 0, snappy, gzip, lzo, brotli, lz4, zstd, lz4Raw

    public var description: String {
        ["uncompressed", "snappy", "gzip", "lzo", "brotli", "lz4", "zstd", "lz4_raw"][rawValue]
    }
}

/// Encodings by their Thrift numbers (1 is unused).
enum Encoding: Int {
    case plain = 0, plainDictionary = 2, rle, bitPacked, deltaBinaryPacked, deltaLengthByteArray, deltaByteArray,
         rleDictionary, byteStreamSplit
}

/// What a column's values mean beyond their physical type: the logical type, or the
/// older converted type it stands for.
enum LogicalKind: Equatable {
    case none
    case string
    case json
    case enumeration
    case uuid
    case float16
    case map
    case list
    case date
    /// Timestamps and times: the unit as a power of ten below a second (3, 6, 9).
    case timestamp(digits: Int, utc: Bool)
    case time(digits: Int)
    case decimal(scale: Int, precision: Int)
    case integer(bits: Int, signed: Bool)
    case bson
    case unknown
}

struct SchemaElement {
    var type: PhysicalType?
    var typeLength: Int
    var repetition: Repetition
    var name: String
    var numChildren: Int
    var logical: LogicalKind

    init(_ v: ThriftValue) throws {
        guard let f = v.fields, let name = f[4]?.string else { throw ParquetError.metadata("a schema element without a name") }
        self.name = name
        if let t = f[1]?.int {
            guard let type = PhysicalType(rawValue: Int(t)) else { throw ParquetError.metadata("column \(name): unknown physical type \(t)") }
            self.type = type
        }
        typeLength = Int(f[2]?.int ?? 0)
        repetition = Repetition(rawValue: Int(f[3]?.int ?? 0)) ?? .required
        numChildren = Int(f[5]?.int ?? 0)
        logical = .none
        if let converted = f[6]?.int {
            logical = Self.converted(Int(converted), scale: Int(f[7]?.int ?? 0), precision: Int(f[8]?.int ?? 0))
        }
        if let union = f[10]?.fields, let (id, value) = union.first {
            logical = Self.logical(id, value.fields ?? [:]) ?? logical
        }
    }

    init(name: String, type: PhysicalType?, repetition: Repetition, numChildren: Int = 0, logical: LogicalKind = .none) {
        self.name = name
        self.type = type
        self.typeLength = 0
        self.repetition = repetition
        self.numChildren = numChildren
        self.logical = logical
    }

    private static func converted(_ c: Int, scale: Int, precision: Int) -> LogicalKind {
        switch c {
        case 0: return .string
        case 1, 2: return .map
        case 3: return .list
        case 4: return .enumeration
        case 5: return .decimal(scale: scale, precision: precision)
        case 6: return .date
        case 7: return .time(digits: 3)
        case 8: return .time(digits: 6)
        case 9: return .timestamp(digits: 3, utc: true)
        case 10: return .timestamp(digits: 6, utc: true)
        case 11: return .integer(bits: 8, signed: false)
        case 12: return .integer(bits: 16, signed: false)
        case 13: return .integer(bits: 32, signed: false)
        case 14: return .integer(bits: 64, signed: false)
        case 15: return .integer(bits: 8, signed: true)
        case 16: return .integer(bits: 16, signed: true)
        case 17: return .integer(bits: 32, signed: true)
        case 18: return .integer(bits: 64, signed: true)
        case 19: return .json
        case 20: return .bson
        default: return .none
        }
    }

    private static func unitDigits(_ unit: [Int16: ThriftValue]?) -> Int {
        guard let unit, let id = unit.keys.first else { return 3 }
        return [1: 3, 2: 6, 3: 9][id] ?? 3
    }

    private static func logical(_ id: Int16, _ f: [Int16: ThriftValue]) -> LogicalKind? {
        switch id {
        case 1: return .string
        case 2: return .map
        case 3: return .list
        case 4: return .enumeration
        case 5: return .decimal(scale: Int(f[1]?.int ?? 0), precision: Int(f[2]?.int ?? 0))
        case 6: return .date
        case 7: return .time(digits: unitDigits(f[2]?.fields))
        case 8: return .timestamp(digits: unitDigits(f[2]?.fields), utc: f[1]?.bool ?? true)
        case 10: return .integer(bits: Int(f[1]?.int ?? 64), signed: f[2]?.bool ?? true)
        case 11: return .unknown
        case 12: return .json
        case 13: return .bson
        case 14: return .uuid
        case 15: return .float16
        default: return nil
        }
    }
}

struct ColumnMetaData {
    var type: PhysicalType
    var path: [String]
    var codec: Codec
    var numValues: Int
    var totalCompressedSize: Int
    var totalUncompressedSize: Int
    var dataPageOffset: Int
    var dictionaryPageOffset: Int?

    init(_ v: ThriftValue) throws {
        guard let f = v.fields, let t = f[1]?.int, let type = PhysicalType(rawValue: Int(t)),
              let path = f[3]?.list?.compactMap(\.string), let codec = f[4]?.int,
              let numValues = f[5]?.int, let compressed = f[7]?.int, let dataPage = f[9]?.int else {
            throw ParquetError.metadata("a column chunk's metadata lacks a required field")
        }
        guard let c = Codec(rawValue: Int(codec)) else { throw ParquetError.metadata("column \(path.joined(separator: ".")): unknown codec \(codec)") }
        self.type = type
        self.path = path
        self.codec = c
        self.numValues = Int(numValues)
        totalCompressedSize = Int(compressed)
        // A hint for allocation only: bounded, since a damaged footer may claim anything.
        totalUncompressedSize = Int(min(max(0, f[6]?.int ?? 0), 1 << 31))
        dataPageOffset = Int(dataPage)
        dictionaryPageOffset = f[11]?.int.map(Int.init)
        guard numValues >= 0, compressed >= 0, dataPage >= 0 else {
            throw ParquetError.metadata("column \(path.joined(separator: ".")): negative sizes or offsets")
        }
    }

    /// Where the chunk's pages start: the dictionary page when there is one. Some
    /// writers record a dictionary offset of 0 for none.
    var start: Int {
        if let d = dictionaryPageOffset, d > 0, d < dataPageOffset { return d }
        return dataPageOffset
    }
}

struct RowGroupMetaData {
    var columns: [ColumnMetaData]
    var numRows: Int
    var totalByteSize: Int

    init(_ v: ThriftValue) throws {
        guard let f = v.fields, let chunks = f[1]?.list, let rows = f[3]?.int else {
            throw ParquetError.metadata("a row group lacks its columns or row count")
        }
        columns = try chunks.map { chunk in
            guard let meta = chunk.fields?[3] else { throw ParquetError.metadata("a column chunk without metadata (columns in other files are not supported)") }
            if let path = chunk.fields?[1]?.string, !path.isEmpty {
                throw ParquetError.metadata("a column chunk in another file (\(path)) is not supported")
            }
            return try ColumnMetaData(meta)
        }
        // A damaged footer can claim any count; nothing writes 2^31 rows in one group, and
        // the readers size their work by it.
        guard rows >= 0, rows <= Int64(Int32.max) else { throw ParquetError.metadata("a row group with \(rows) rows") }
        numRows = Int(rows)
        totalByteSize = Int(f[2]?.int ?? 0)
    }
}

struct FileMetaData {
    var schema: [SchemaElement]
    var numRows: Int
    var rowGroups: [RowGroupMetaData]
    var keyValues: [(String, String)]
    var createdBy: String?

    init(_ v: ThriftValue) throws {
        guard let f = v.fields, let schema = f[2]?.list, let rows = f[3]?.int, let groups = f[4]?.list else {
            throw ParquetError.metadata("the footer lacks the schema, row count or row groups")
        }
        self.schema = try schema.map(SchemaElement.init)
        numRows = Int(rows)
        rowGroups = try groups.map(RowGroupMetaData.init)
        keyValues = (f[5]?.list ?? []).compactMap { kv in
            guard let k = kv.fields?[1]?.string else { return nil }
            return (k, kv.fields?[2]?.string ?? "")
        }
        createdBy = f[6]?.string
    }
}

enum PageType: Int {
    case data = 0, index, dictionary, dataV2
}

struct PageHeader {
    var type: PageType
    var uncompressedSize: Int
    var compressedSize: Int
    var crc: UInt32?
    var numValues: Int
    var encoding: Encoding
    /// v1: the levels' encodings.
    var definitionEncoding: Encoding = .rle
    var repetitionEncoding: Encoding = .rle
    /// v2: the levels' lengths (uncompressed, before the values), nulls, rows.
    var definitionBytes = 0
    var repetitionBytes = 0
    var numNulls = 0
    var numRows = 0
    var isCompressed = true

    init(_ v: ThriftValue) throws {
        guard let f = v.fields, let t = f[1]?.int, let uncompressed = f[2]?.int, let compressed = f[3]?.int else {
            throw ParquetError.page("a page header lacks its type or sizes")
        }
        guard let type = PageType(rawValue: Int(t)) else { throw ParquetError.page("unknown page type \(t)") }
        guard uncompressed >= 0, compressed >= 0, uncompressed < 1 << 31, compressed < 1 << 31 else {
            throw ParquetError.page("page sizes out of range (\(compressed) compressed, \(uncompressed) uncompressed)")
        }
        self.type = type
        uncompressedSize = Int(uncompressed)
        compressedSize = Int(compressed)
        crc = f[4]?.int.map { UInt32(truncatingIfNeeded: $0) }
        func encoding(_ value: ThriftValue?) throws -> Encoding {
            let raw = Int(value?.int ?? 0)
            guard let e = Encoding(rawValue: raw) else { throw ParquetError.unsupported("encoding \(raw)") }
            return e
        }
        switch type {
        case .data:
            guard let h = f[5]?.fields, let n = h[1]?.int else { throw ParquetError.page("a data page without its header") }
            numValues = Int(n)
            self.encoding = try encoding(h[2])
            definitionEncoding = try encoding(h[3])
            repetitionEncoding = try encoding(h[4])
        case .dataV2:
            guard let h = f[8]?.fields, let n = h[1]?.int, let d = h[5]?.int, let r = h[6]?.int else {
                throw ParquetError.page("a v2 data page without its header")
            }
            numValues = Int(n)
            numNulls = Int(h[2]?.int ?? 0)
            numRows = Int(h[3]?.int ?? 0)
            self.encoding = try encoding(h[4])
            definitionBytes = Int(d)
            repetitionBytes = Int(r)
            isCompressed = h[7]?.bool ?? true
            guard d >= 0, r >= 0, d + r <= compressed else { throw ParquetError.page("v2 level lengths beyond the page") }
        case .dictionary:
            guard let h = f[7]?.fields, let n = h[1]?.int else { throw ParquetError.page("a dictionary page without its header") }
            numValues = Int(n)
            self.encoding = try encoding(h[2])
        case .index:
            numValues = 0
            self.encoding = .plain
        }
        guard numValues >= 0 else { throw ParquetError.page("a page with \(numValues) values") }
    }
}

/// What is wrong with a Parquet file, for the recorded reason.
public enum ParquetError: Error, CustomStringConvertible, Equatable {
    case notParquet(String)
    case metadata(String)
    case page(String)
    case unsupported(String)
    case decompression(String)
    case checksum(String)

    /// The rule a skipped file or row group is recorded under (`read:parquet_…`).
    public var rule: String {
        switch self {
        case .notParquet: return "parquet_not_parquet"
        case .metadata: return "parquet_bad_footer"
        case .page: return "parquet_bad_page"
        case .unsupported: return "parquet_unsupported"
        case .decompression: return "parquet_decompression"
        case .checksum: return "parquet_crc"
        }
    }

    public var description: String {
        switch self {
        case .notParquet(let m): return "not a Parquet file: \(m)"
        case .metadata(let m): return "bad footer: \(m)"
        case .page(let m): return "bad page: \(m)"
        case .unsupported(let m): return "unsupported: \(m)"
        case .decompression(let m): return "decompression failed: \(m)"
        case .checksum(let m): return "page checksum mismatch: \(m)"
        }
    }
}
