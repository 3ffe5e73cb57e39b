#if canImport(Glibc)
import Glibc
#endif
import SieveCore

/// Writes `{"ids":[…]}` lines, one per document, to a file descriptor (standard output by
/// default), in input order; tokenizes on the worker threads. What `sieve encode` writes.
public final class TokenIDsSink: BatchSink {
    let tokenizer: Tokenizer
    let matching: AddedTokenMatching
    let fileDescriptor: Int32
    let sessions = EncodeSessionPool()

    public init(tokenizer: Tokenizer, matching: AddedTokenMatching, fileDescriptor: Int32 = STDOUT_FILENO) {
        self.tokenizer = tokenizer
        self.matching = matching
        self.fileDescriptor = fileDescriptor
    }

    public func encode(_ documents: [Document], unit: Int) -> [UInt8] {
        sessions.withSession { session in
            var out: [UInt8] = []
            var ids: [UInt32] = []
            for document in documents {
                ids.removeAll(keepingCapacity: true)
                var text = document.text
                text.withUTF8 { tokenizer.encode(utf8: $0, into: &ids, addedTokens: matching, session: session) }
                appendLine(ids, to: &out)
            }
            return out
        }
    }

    /// Appends `{"ids":[…]}` and a newline: at most 11 bytes per id, written in place.
    private func appendLine(_ ids: [UInt32], to out: inout [UInt8]) {
        let prefix: StaticString = #"{"ids":["#
        let old = out.count
        let capacity = prefix.utf8CodeUnitCount + 11 * ids.count + 3
        out.append(contentsOf: repeatElement(0, count: capacity))
        let written = out.withUnsafeMutableBufferPointer { buffer -> Int in
            var p = buffer.baseAddress! + old
            p.update(from: prefix.utf8Start, count: prefix.utf8CodeUnitCount)
            p += prefix.utf8CodeUnitCount
            for (i, id) in ids.enumerated() {
                if i > 0 {
                    p.pointee = UInt8(ascii: ",")
                    p += 1
                }
                p += writeDecimal(id, at: p)
            }
            p[0] = UInt8(ascii: "]")
            p[1] = UInt8(ascii: "}")
            p[2] = UInt8(ascii: "\n")
            return p + 3 - (buffer.baseAddress! + old)
        }
        out.removeLast(capacity - written)
    }

    public func write(_ encoded: [UInt8], unit: Int) throws {
        var done = 0
        try encoded.withUnsafeBytes { bytes in
            while done < bytes.count {
                let n = Glibc.write(fileDescriptor, bytes.baseAddress! + done, bytes.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw TokenizerError("writing token ids: \(String(cString: strerror(errno)))")
                }
                done += n
            }
        }
    }

    public func endUnit(_ unit: Int, stats: RunStats) throws {}
}

/// Writes `value` in decimal at `p`; returns the number of digits.
@inline(__always)
private func writeDecimal(_ value: UInt32, at p: UnsafeMutablePointer<UInt8>) -> Int {
    var digits = 1
    var v = value
    while v >= 10 {
        v /= 10
        digits += 1
    }
    v = value
    for k in stride(from: digits - 1, through: 0, by: -1) {
        p[k] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: v % 10)
        v /= 10
    }
    return digits
}
