/// Finds record boundaries in a WARC byte stream (WARC/1.0, 1.1 and the older 0.x
/// layouts): a header block ending in an empty line, then `Content-Length` bytes.
enum WARCScanner {
    struct Header {
        /// Index just past the empty line that ends the header block.
        var end: Int
        /// The block's length; nil when missing or not a number.
        var contentLength: Int?
    }

    /// The header block starting at `start`, once it is complete in `bytes`.
    static func headerEnd(in bytes: [UInt8], from start: Int) -> Header? {
        var contentLength: Int?
        guard let end = headerLines(bytes, from: start, { line in
            if let value = field(line, named: "content-length") {
                contentLength = Int(String(decoding: value, as: UTF8.self).trimmingSpaces())
                if let n = contentLength, n < 0 { contentLength = nil }
            }
        }) else { return nil }
        return Header(end: end, contentLength: contentLength)
    }

    /// Calls `body` with each line (without its CRLF or LF) from `start` to the first empty
    /// line, and returns the index just past that empty line; nil when it is not in `bytes`.
    static func headerLines(_ bytes: [UInt8], from start: Int, _ body: (ArraySlice<UInt8>) -> Void) -> Int? {
        var i = start, lineStart = start
        while i < bytes.count {
            guard bytes[i] == 0x0A else {
                i += 1
                continue
            }
            var lineEnd = i
            if lineEnd > lineStart && bytes[lineEnd - 1] == 0x0D { lineEnd -= 1 }
            if lineEnd == lineStart { return i + 1 }
            body(bytes[lineStart..<lineEnd])
            i += 1
            lineStart = i
        }
        return nil
    }

    /// The start of the next line beginning with `WARC/` at or after `from`.
    static func nextRecordStart(in bytes: [UInt8], from: Int) -> Int? {
        var i = max(from, 1)
        while i + 5 <= bytes.count {
            if bytes[i - 1] == 0x0A && bytes[i] == 0x57 && bytes[i..<i + 5].elementsEqual("WARC/".utf8) { return i }
            i += 1
        }
        return nil
    }

    /// The value of a `Name: value` line when its name is `name` (lowercase), else nil.
    static func field(_ line: ArraySlice<UInt8>, named name: String) -> ArraySlice<UInt8>? {
        let n = name.utf8.count
        guard line.count > n, line[line.startIndex + n] == 0x3A else { return nil }
        for (a, b) in zip(line.prefix(n), name.utf8) where a | 0x20 != b { return nil }
        return line[(line.startIndex + n + 1)...]
    }
}

extension String {
    /// Without leading and trailing spaces and tabs.
    func trimmingSpaces() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { $0 != " " && $0 != "\t" }) else { return "" }
        let last = scalars.lastIndex(where: { $0 != " " && $0 != "\t" })!
        return String(scalars[first...last])
    }
}
