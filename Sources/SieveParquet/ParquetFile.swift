#if canImport(Glibc)
import Glibc
#endif
import SieveCore

/// A Parquet file, mapped: its footer read once, its row groups decoded on demand, each
/// on its own (so tasks and threads can share a file by row group), only the columns
/// asked for.
public final class ParquetFile: @unchecked Sendable {
    public let path: String
    public let root: SchemaNode
    let metadata: FileMetaData
    private let base: UnsafeMutableRawPointer?
    private let size: Int

    public var rowGroupCount: Int { metadata.rowGroups.count }
    public var rowCount: Int { metadata.numRows }
    /// The top-level columns (fields), in schema order.
    public var columnNames: [String] { root.children.map(\.name) }

    public init(path: String) throws {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ParquetError.notParquet("cannot open: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw ParquetError.notParquet("cannot stat") }
        size = Int(st.st_size)
        guard size >= 12 else { throw ParquetError.notParquet("\(size) bytes, too short for magic and footer") }
        guard let map = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), map != MAP_FAILED else {
            throw ParquetError.notParquet("cannot map: \(String(cString: strerror(errno)))")
        }
        base = map
        let bytes = UnsafeRawBufferPointer(start: map, count: size)
        do {
            let magic = Array("PAR1".utf8)
            guard Array(bytes[0..<4]) == magic, Array(bytes[size - 4..<size]) == magic else {
                throw ParquetError.notParquet(Array(bytes[size - 4..<size]) == Array("PARE".utf8)
                                                ? "encrypted footers are not supported" : "no PAR1 magic at both ends")
            }
            let footerLength = Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: size - 8, as: UInt32.self)))
            guard footerLength <= size - 12 else { throw ParquetError.metadata("a footer of \(footerLength) bytes in a file of \(size)") }
            var reader = CompactReader(UnsafeRawBufferPointer(rebasing: bytes[size - 8 - footerLength..<size - 8]))
            do {
                metadata = try FileMetaData(reader.readStruct())
            } catch let error as ThriftError {
                throw ParquetError.metadata("\(error)")
            }
            let tree = try SchemaNode.tree(metadata.schema)
            let leaves = tree.leafNodes
            for (g, group) in metadata.rowGroups.enumerated() {
                guard group.columns.count == leaves.count else {
                    throw ParquetError.metadata("row group \(g) has \(group.columns.count) columns, the schema \(leaves.count)")
                }
                for (leaf, column) in zip(leaves, group.columns) where leaf.element.type != column.type {
                    throw ParquetError.metadata("row group \(g): column \(column.path.joined(separator: ".")) has another type than the schema's")
                }
            }
            // Assigned last: nothing may throw once every property is set, or deinit
            // would unmap the file a second time after the catch below.
            root = tree
        } catch {
            munmap(map, size)
            throw error
        }
    }

    deinit {
        if let base { munmap(base, size) }
    }

    public func rows(inRowGroup index: Int) -> Int { metadata.rowGroups[index].numRows }
    /// The index of a row group's first row in the file.
    public func firstRow(ofRowGroup index: Int) -> Int { metadata.rowGroups[..<index].reduce(0) { $0 + $1.numRows } }
    /// Compressed bytes of a row group's column chunks: what a work unit weighs.
    public func compressedBytes(ofRowGroup index: Int) -> Int {
        metadata.rowGroups[index].columns.reduce(0) { $0 + $1.totalCompressedSize }
    }

    /// Decodes the named top-level columns of one row group (all when nil): one value per
    /// row and column, as JSON. Flat byte-array columns named in `text` are read as
    /// UTF-8 strings even without a string annotation (older writers leave it out).
    public func read(rowGroup index: Int, columns names: Set<String>? = nil, text: Set<String> = []) throws -> RowGroupValues {
        let group = metadata.rowGroups[index]
        let fields = root.children.filter { names?.contains($0.name) ?? true }
        let bytes = UnsafeRawBufferPointer(start: base, count: size)
        var data: [Int: ColumnData] = [:]
        for field in fields {
            for leaf in field.leafNodes {
                let column = ColumnChunkReader(leaf: leaf, meta: group.columns[leaf.column!])
                let decoded = try column.read(bytes)
                guard decoded.values.count <= decoded.entries else { throw ParquetError.page("more values than entries") }
                data[leaf.column!] = decoded
            }
        }
        var assembler = Assembler(data: data)
        var columns: [String: [JSONValue]] = [:]
        var repairedUTF8: [String: [Int]] = [:]
        for field in fields {
            var values: [JSONValue] = []
            values.reserveCapacity(min(group.numRows, 1 << 16))  // the count is the file's word
            if field.isLeaf && field.repetitionLevel == 0, let column = data[field.column!] {
                // A flat column: one entry per row, a value where it is defined.
                guard column.entries == group.numRows else {
                    throw ParquetError.page("column \(field.name) has \(column.entries) entries for \(group.numRows) rows")
                }
                var next = 0
                let strings: ByteArrays?
                if case .bytes(let b) = column.values, field.element.type == .byteArray,
                   [.string, .enumeration].contains(field.element.logical) || text.contains(field.name) {
                    strings = b
                } else {
                    strings = nil
                }
                var repaired: [Int] = []
                for row in 0..<group.numRows {
                    if column.definitions.isEmpty || column.definitions[row] == field.definitionLevel {
                        guard next < column.values.count else { throw ParquetError.page("column \(field.name): fewer values than defined entries") }
                        if let strings {
                            let (text, wasRepaired) = strings.withBytes(next) { UTF8Text.string($0) }
                            if wasRepaired { repaired.append(row) }
                            values.append(.string(text))
                        } else {
                            values.append(ValueText.json(column.values, next, field.element))
                        }
                        next += 1
                    } else {
                        values.append(.null)
                    }
                }
                columns[field.name] = values
                if !repaired.isEmpty { repairedUTF8[field.name] = repaired }
                continue
            }
            for _ in 0..<group.numRows { values.append(try assembler.value(field)) }
            for leaf in field.leafNodes where assembler.cursor[leaf.column!]!.entry != data[leaf.column!]!.entries {
                throw ParquetError.page("column \(leaf.name) has entries beyond the row group's \(group.numRows) rows")
            }
            columns[field.name] = values
        }
        return RowGroupValues(rows: group.numRows, columns: columns, repairedUTF8: repairedUTF8)
    }
}

/// The values of one row group: per top-level column, one JSON value per row.
public struct RowGroupValues: Sendable {
    public var rows: Int
    public var columns: [String: [JSONValue]]
    /// Rows of each flat string column whose invalid UTF-8 was replaced with U+FFFD.
    public var repairedUTF8: [String: [Int]] = [:]
}

/// Rebuilds nested values from each leaf's levels (Dremel's record assembly): a node's
/// presence is read from the definition level of its first leaf, a repeated node's next
/// element from that leaf's repetition level; a node that is null or empty takes one
/// entry from each of its leaves.
struct Assembler {
    struct Cursor {
        var entry = 0
        var value = 0
    }

    let data: [Int: ColumnData]
    var cursor: [Int: Cursor]

    init(data: [Int: ColumnData]) {
        self.data = data
        cursor = data.mapValues { _ in Cursor() }
    }

    private func definition(_ column: Int) throws -> Int {
        let d = data[column]!, c = cursor[column]!
        guard c.entry < d.entries else { throw ParquetError.page("column levels end before the row group's rows") }
        return d.definitions.isEmpty ? Int.max : Int(d.definitions[c.entry])
    }

    private func repetition(_ column: Int) -> Int? {
        let d = data[column]!, c = cursor[column]!
        guard c.entry < d.entries else { return nil }
        return d.repetitions.isEmpty ? 0 : Int(d.repetitions[c.entry])
    }

    private mutating func skip(_ node: SchemaNode) {
        for leaf in node.leaves { cursor[leaf]!.entry += 1 }
    }

    mutating func value(_ node: SchemaNode) throws -> JSONValue {
        let first = node.leaves[0]
        let d = try definition(first)
        let present = d == Int.max || d >= node.definitionLevel
        if node.element.repetition == .repeated {
            guard present else {
                skip(node)
                return .array([])
            }
            var items: [JSONValue] = []
            repeat {
                items.append(try element(node))
            } while repetition(first) == node.repetitionLevel
            return .array(items)
        }
        guard present else {
            skip(node)
            return .null
        }
        return try element(node)
    }

    private mutating func element(_ node: SchemaNode) throws -> JSONValue {
        if let column = node.column {
            let d = try definition(column)
            guard d == Int.max || d == node.definitionLevel else { throw ParquetError.page("column \(node.name): inconsistent levels") }
            let c = cursor[column]!
            guard c.value < data[column]!.values.count else { throw ParquetError.page("column \(node.name): fewer values than defined entries") }
            cursor[column] = Cursor(entry: c.entry + 1, value: c.value + 1)
            return ValueText.json(data[column]!.values, c.value, node.element)
        }
        var members: [JSONMember] = []
        for child in node.children { members.append(JSONMember(child.name, try value(child))) }
        switch node.element.logical {
        case .list where members.count == 1:
            // LIST: the repeated child holds the elements; a one-field element group
            // (the standard `list.element`) stands for its field.
            guard case .array(let items) = members[0].value else { return members[0].value }
            let repeated = node.children[0]
            if !repeated.isLeaf, repeated.children.count == 1, repeated.name != "array", !repeated.name.hasSuffix("_tuple") {
                return .array(items.map { if case .object(let m) = $0, m.count == 1 { return m[0].value } else { return $0 } })
            }
            return .array(items)
        case .map where members.count == 1:
            guard case .array(let pairs) = members[0].value else { return members[0].value }
            return .object(pairs.map { pair in
                guard case .object(let kv) = pair, kv.count == 2 else { return JSONMember("", pair) }
                let key: String
                switch kv[0].value {
                case .string(let s): key = s
                case .number(let n): key = n
                default: key = "\(kv[0].value)"
                }
                return JSONMember(key, kv[1].value)
            })
        default:
            return .object(members)
        }
    }
}
