import CZlib

/// One column chunk, decoded: a definition and repetition level per entry (empty when
/// the column's maximum is 0) and the values of the entries that are defined.
struct ColumnData {
    var definitions: [UInt32] = []
    var repetitions: [UInt32] = []
    var values: ColumnValues
    var entries = 0
}

/// Decodes the pages of one column chunk: the dictionary page, then data pages v1 and
/// v2 with any encoding Parquet defines for values except the deprecated BIT_PACKED
/// levels. Every length is checked against the chunk before it is used, and a page CRC,
/// when the writer stored one, is checked.
struct ColumnChunkReader {
    let leaf: SchemaNode
    let meta: ColumnMetaData

    func read(_ file: UnsafeRawBufferPointer) throws -> ColumnData {
        let start = meta.start
        guard start >= 4, meta.totalCompressedSize <= file.count - start else {
            throw ParquetError.metadata("column \(meta.path.joined(separator: ".")): chunk at \(start)+\(meta.totalCompressedSize) outside the file")
        }
        let element = leaf.element
        let type = element.type!
        let decoder = ValueDecoder(type: type, typeLength: element.typeLength)
        let maxDefinition = leaf.definitionLevel, maxRepetition = leaf.repetitionLevel
        var data = ColumnData(values: .empty(type))
        var dictionary: ColumnValues?
        var dictionaryBase: Int32?
        var at = start
        let end = start + meta.totalCompressedSize
        var read = 0
        while read < meta.numValues {
            guard at < end else { throw ParquetError.page("the chunk ends after \(read) of \(meta.numValues) values") }
            var reader = CompactReader(UnsafeRawBufferPointer(rebasing: file[at..<end]))
            let header: PageHeader
            do {
                header = try PageHeader(reader.readStruct())
            } catch let error as ThriftError {
                throw ParquetError.page("column \(meta.path.joined(separator: ".")): page header at \(at): \(error)")
            }
            at += reader.position
            guard header.compressedSize <= end - at else { throw ParquetError.page("a page of \(header.compressedSize) bytes past the chunk's end") }
            let body = UnsafeRawBufferPointer(rebasing: file[at..<at + header.compressedSize])
            at += header.compressedSize
            if let crc = header.crc {
                let actual = UInt32(truncatingIfNeeded: crc32(0, body.baseAddress?.assumingMemoryBound(to: UInt8.self), UInt32(body.count)))
                guard actual == crc else { throw ParquetError.checksum("column \(meta.path.joined(separator: ".")) page at \(at - header.compressedSize)") }
            }
            switch header.type {
            case .index:
                continue
            case .dictionary:
                guard dictionary == nil else { throw ParquetError.page("a second dictionary page") }
                guard header.encoding == .plain || header.encoding == .plainDictionary else {
                    throw ParquetError.unsupported("dictionary encoding \(header.encoding)")
                }
                let page = try Decompress.page(meta.codec, body, size: header.uncompressedSize)
                var values = ColumnValues.empty(type)
                if case .bytes(var v) = values, type == .byteArray {
                    try ValueDecoder.plainByteArrays(page, from: 0, count: header.numValues, into: &v)
                    values = .bytes(v)
                } else {
                    try page.withUnsafeBytes { try decoder.decode(.plain, $0, count: header.numValues, into: &values) }
                }
                dictionary = values
                dictionaryBase = data.values.adoptDictionary(values)
            case .data, .dataV2:
                let n = header.numValues
                guard n <= meta.numValues - read else { throw ParquetError.page("pages hold more values than the chunk's \(meta.numValues)") }
                var definitions: [UInt32] = [], repetitions: [UInt32] = []
                let page: [UInt8]
                var valuesStart = 0
                if header.type == .data {
                    page = try Decompress.page(meta.codec, body, size: header.uncompressedSize)
                    try page.withUnsafeBytes { p in
                        if maxRepetition > 0 {
                            try levels(p, at: &valuesStart, encoding: header.repetitionEncoding, max: maxRepetition, count: n, into: &repetitions)
                        }
                        if maxDefinition > 0 {
                            try levels(p, at: &valuesStart, encoding: header.definitionEncoding, max: maxDefinition, count: n, into: &definitions)
                        }
                    }
                } else {
                    let levelBytes = header.repetitionBytes + header.definitionBytes
                    if maxRepetition > 0 {
                        var r = HybridDecoder(body, from: 0, to: header.repetitionBytes, bitWidth: Self.bitWidth(maxRepetition))
                        try r.decode(count: n, into: &repetitions)
                    }
                    if maxDefinition > 0 {
                        var d = HybridDecoder(body, from: header.repetitionBytes, to: levelBytes, bitWidth: Self.bitWidth(maxDefinition))
                        try d.decode(count: n, into: &definitions)
                    }
                    let rest = UnsafeRawBufferPointer(rebasing: body[levelBytes...])
                    page = header.isCompressed
                        ? try Decompress.page(meta.codec, rest, size: header.uncompressedSize - levelBytes)
                        : Array(rest)
                }
                let defined = maxDefinition > 0 ? definitions.reduce(0) { $0 + ($1 == maxDefinition ? 1 : 0) } : n
                for level in definitions where level > maxDefinition { throw ParquetError.page("definition level \(level) above \(maxDefinition)") }
                for level in repetitions where level > maxRepetition { throw ParquetError.page("repetition level \(level) above \(maxRepetition)") }
                if header.encoding == .plain, type == .byteArray, case .bytes(var v) = data.values {
                    data.values = .boolean([])
                    try ValueDecoder.plainByteArrays(page, from: valuesStart, count: defined, into: &v)
                    data.values = .bytes(v)
                } else {
                    try page.withUnsafeBytes { p in
                        let values = UnsafeRawBufferPointer(rebasing: p[valuesStart...])
                        switch header.encoding {
                        case .plainDictionary, .rleDictionary:
                            guard let dictionary else { throw ParquetError.page("dictionary indices without a dictionary page") }
                            var indices: [UInt32] = []
                            if defined > 0 {
                                guard values.count >= 1 else { throw ParquetError.page("dictionary indices without their bit width") }
                                var hybrid = HybridDecoder(values, from: 1, bitWidth: Int(values[0]))
                                try hybrid.decode(count: defined, into: &indices)
                            }
                            try data.values.append(from: dictionary, indices: indices, dictionaryBase: dictionaryBase)
                        default:
                            try decoder.decode(header.encoding, values, count: defined, into: &data.values)
                        }
                    }
                }
                data.definitions.append(contentsOf: definitions)
                data.repetitions.append(contentsOf: repetitions)
                data.entries += n
                read += n
            }
        }
        return data
    }

    static func bitWidth(_ max: Int) -> Int { max == 0 ? 0 : Int.bitWidth - max.leadingZeroBitCount }

    /// v1 levels: RLE with a 4-byte length before them.
    private func levels(_ p: UnsafeRawBufferPointer, at: inout Int, encoding: Encoding, max: Int, count: Int,
                        into out: inout [UInt32]) throws {
        guard encoding == .rle else { throw ParquetError.unsupported("levels encoded with \(encoding)") }
        guard at + 4 <= p.count else { throw ParquetError.page("levels without their length") }
        let length = Int(UInt32(littleEndian: p.loadUnaligned(fromByteOffset: at, as: UInt32.self)))
        guard length <= p.count - at - 4 else { throw ParquetError.page("levels of \(length) bytes past the page's end") }
        var decoder = HybridDecoder(p, from: at + 4, to: at + 4 + length, bitWidth: Self.bitWidth(max))
        try decoder.decode(count: count, into: &out)
        at += 4 + length
    }
}
