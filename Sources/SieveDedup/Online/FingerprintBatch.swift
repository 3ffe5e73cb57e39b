import SieveCore

/// The fingerprints of one batch, encoded on a worker thread for the in-order writer:
/// per document the exact hash (16 bytes), the number of band keys (UInt16) and the
/// keys, the number of shingles kept for verification (UInt32) and the shingles, and
/// the document id (UInt32 length + UTF-8), all little-endian.
enum FingerprintBatch {
    static func encode(_ documents: [Document], with fingerprinter: Fingerprinter) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(documents.count * (26 + 8 * fingerprinter.settings.bands))
        for document in documents {
            let print = fingerprinter.fingerprint(document.text)
            out.appendLittleEndian(print.exact.lo)
            out.appendLittleEndian(print.exact.hi)
            out.appendLittleEndian(UInt16(print.bands.count))
            for key in print.bands { out.appendLittleEndian(key) }
            out.appendLittleEndian(UInt32(print.shingles.count))
            for shingle in print.shingles { out.appendLittleEndian(shingle) }
            let id = Array(document.id.utf8)
            out.appendLittleEndian(UInt32(id.count))
            out += id
        }
        return out
    }

    /// Calls `body` with each document's key, fingerprint and id bytes, in order: the
    /// documents of batch `batch` of work unit `unit`.
    static func decode(_ bytes: [UInt8], unit: Int, batch: Int,
                       _ body: (UInt64, Fingerprint, UnsafeRawBufferPointer) throws -> Void) throws {
        var index = 0
        try bytes.withUnsafeBytes { raw in
            var at = 0
            func read<T: FixedWidthInteger>(_: T.Type) -> T {
                defer { at += MemoryLayout<T>.size }
                return raw.loadLittleEndian(fromByteOffset: at, as: T.self)
            }
            while at < raw.count {
                let exact = Hash128(lo: read(UInt64.self), hi: read(UInt64.self))
                let bandCount = Int(read(UInt16.self))
                let bands = (0..<bandCount).map { _ in read(UInt64.self) }
                let shingleCount = Int(read(UInt32.self))
                let shingles = (0..<shingleCount).map { _ in read(UInt64.self) }
                let idLength = Int(read(UInt32.self))
                let id = UnsafeRawBufferPointer(rebasing: raw[at..<(at + idLength)])
                at += idLength
                try body(try DocumentKey.make(unit: unit, batch: batch, index: index),
                         Fingerprint(exact: exact, bands: bands, shingles: shingles), id)
                index += 1
            }
        }
    }
}
