import SieveCore
import SieveFiles

/// Turns one WARC record into a document: `response` records whose HTTP status is 2xx and
/// whose payload is HTML become the page's main text; everything else is skipped with a
/// reason (`read:warc_request`, `read:warc_not_html`, `read:warc_http_status`, …), or,
/// for an HTML page without main text, `extract:no_main_text` (as a PDF without text is
/// `extract:no_text_layer`).
enum WARCRecord {
    enum Outcome {
        case document(Document)
        case skipped(rule: String, message: String)
        case noMainText
    }

    /// Largest payload after undoing chunking and compression.
    static let maxPayload = 64 << 20

    static func decode(_ record: UnsafeBufferPointer<UInt8>, source: String, pages: any PageDecoder) -> Outcome {
        let bytes = Array(record)
        guard let (headers, blockStart) = parseHeaders(bytes, from: 0, firstLine: true) else {
            return .skipped(rule: "warc_malformed_record", message: "unreadable WARC header block")
        }
        let type = (headers["warc-type"] ?? "").lowercased()
        guard type == "response" else {
            let rule = type.isEmpty ? "warc_untyped" : "warc_" + String(type.prefix(32).map { $0.isLetter ? $0 : "_" })
            return .skipped(rule: rule, message: "\(type.isEmpty ? "untyped" : type) record")
        }
        let contentType = (headers["content-type"] ?? "").lowercased()
        guard contentType.hasPrefix("application/http") else {
            return .skipped(rule: "warc_not_http", message: "response record of type \(contentType)")
        }
        guard let (http, bodyStart) = parseHeaders(bytes, from: blockStart, firstLine: true),
              let statusLine = http["\u{0}status"] else {
            return .skipped(rule: "warc_malformed_http", message: "unreadable HTTP response header")
        }
        let status = statusLine.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
        guard (200..<300).contains(status) else {
            return .skipped(rule: "warc_http_status", message: "HTTP status \(status)")
        }
        let (mime, charset) = mediaType(http["content-type"] ?? "")
        guard mime.isEmpty || mime == "text/html" || mime == "application/xhtml+xml" else {
            return .skipped(rule: "warc_not_html", message: "payload of type \(mime)")
        }
        var body = Array(bytes[bodyStart...])
        if (http["transfer-encoding"] ?? "").lowercased().contains("chunked") { body = dechunk(body) }
        switch (http["content-encoding"] ?? "").lowercased().trimmingSpaces() {
        case "", "identity": break
        case "gzip", "x-gzip", "deflate":
            // Some crawlers (ClueWeb09's) store the decoded payload but keep the header: only
            // bytes that start like gzip (1F 8B) or zlib (78) data are decompressed.
            guard body.first == 0x1F || body.first == 0x78 else { break }
            guard let inflated = inflate(body) else {
                return .skipped(rule: "warc_bad_encoding", message: "payload does not decompress")
            }
            body = inflated
        case let other:
            return .skipped(rule: "warc_unsupported_encoding", message: "Content-Encoding \(other)")
        }
        guard let page = pages.html(body, httpCharset: charset) else { return .noMainText }
        var url = headers["warc-target-uri"] ?? ""
        if url.hasPrefix("<") && url.hasSuffix(">") { url = String(url.dropFirst().dropLast()) }  // wget 1.19's brackets
        var id = headers["warc-record-id"] ?? ""
        if id.hasPrefix("<") && id.hasSuffix(">") { id = String(id.dropFirst().dropLast()) }
        var metadata = [
            JSONMember("url", .string(url)),
            JSONMember("date", .string(headers["warc-date"] ?? "")),
            JSONMember("warc_record_id", .string(id)),
            JSONMember("title", .string(page.title)),
            JSONMember("charset", .string(page.charset)),
            JSONMember("charset_source", .string(page.charsetSource)),
        ]
        if headers["warc-truncated"] != nil { metadata.append(JSONMember("truncated", .bool(true))) }
        return .document(Document(id: id.isEmpty ? source : id, text: page.text, source: source, metadata: metadata))
    }

    /// `Name: value` lines from `start` to the first empty line; names lowercased. The
    /// first line (a WARC version or an HTTP status line) is kept under "\0status".
    static func parseHeaders(_ bytes: [UInt8], from start: Int, firstLine: Bool) -> ([String: String], Int)? {
        var headers: [String: String] = [:]
        var first = firstLine
        guard let end = WARCScanner.headerLines(bytes, from: start, { raw in
            let line = String(decoding: raw, as: UTF8.self)
            if first {
                headers["\u{0}status"] = line
                first = false
            } else if let colon = line.firstIndex(of: ":") {
                let name = line[..<colon].lowercased().trimmingSpaces()
                if headers[name] == nil { headers[name] = String(line[line.index(after: colon)...]).trimmingSpaces() }
            }
        }) else { return nil }
        return (headers, end)
    }

    /// `text/html; charset=UTF-8` → ("text/html", "UTF-8").
    static func mediaType(_ value: String) -> (String, String?) {
        let parts = value.split(separator: ";")
        let mime = parts.first.map { String($0).lowercased().trimmingSpaces() } ?? ""
        for part in parts.dropFirst() {
            let pair = part.split(separator: "=", maxSplits: 1)
            if pair.count == 2, String(pair[0]).lowercased().trimmingSpaces() == "charset" {
                return (mime, String(pair[1]).trimmingSpaces().filter { $0 != "\"" && $0 != "'" })
            }
        }
        return (mime, nil)
    }

    /// Undoes HTTP chunked transfer encoding; a damaged stream keeps what was decoded.
    static func dechunk(_ body: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var i = 0
        while i < body.count {
            guard let newline = body[i...].firstIndex(of: 0x0A) else { break }
            let sizeText = String(decoding: body[i..<newline], as: UTF8.self).split(separator: ";").first ?? ""
            guard let size = Int(String(sizeText).trimmingSpaces().filter { $0 != "\r" }, radix: 16), size >= 0 else { break }
            if size == 0 { break }
            let start = newline + 1, end = min(body.count, start + size)
            out.append(contentsOf: body[start..<end])
            i = end
            while i < body.count && (body[i] == 0x0D || body[i] == 0x0A) { i += 1 }
        }
        return out
    }

    /// gzip or zlib data, decompressed; nil when it is damaged or too large.
    static func inflate(_ body: [UInt8]) -> [UInt8]? {
        let decoder = GzipDecoder()
        var out: [UInt8] = []
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 16)
        defer { chunk.deallocate() }
        return body.withUnsafeBytes { input -> [UInt8]? in
            var position = 0
            while true {
                let n = decoder.decode(input, position: &position, into: chunk)
                if decoder.failure != nil { return nil }
                if n == 0 { break }
                out.append(contentsOf: chunk[0..<n])
                if out.count > maxPayload { return nil }
            }
            return out
        }
    }
}
