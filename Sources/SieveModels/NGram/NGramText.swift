import Foundation

/// Words of a line, split at ASCII separator bytes only: splitting at Characters would
/// glue a combining mark to the space before it.
public enum NGramText {
    /// The lines of a text: split at LF bytes (a final LF ends the last line).
    public static func lines(_ text: Substring) -> [Substring] {
        var lines = split(text, at: 0x0A)
        if lines.last?.isEmpty == true { lines.removeLast() }
        return lines
    }

    /// Pieces between occurrences of one ASCII byte, empty ones kept.
    static func split(_ text: Substring, at byte: UInt8) -> [Substring] {
        var pieces: [Substring] = []
        let utf8 = text.utf8
        var start = utf8.startIndex, i = start
        while i != utf8.endIndex {
            if utf8[i] == byte {
                pieces.append(text[start..<i])
                start = utf8.index(after: i)
            }
            i = utf8.index(after: i)
        }
        pieces.append(text[start..<utf8.endIndex])
        return pieces
    }

    /// lmplz's word delimiters.
    static let lmplzSeparators: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D || $0 == 0 }
    /// Python's bytes.split(), which the kenlm module splits sentences with.
    static let kenlmSeparators: (UInt8) -> Bool = { $0 == 0x20 || ($0 >= 0x09 && $0 <= 0x0D) }

    static func tokens(_ line: Substring, separators: (UInt8) -> Bool) -> [Substring] {
        var tokens: [Substring] = []
        let utf8 = line.utf8
        var i = utf8.startIndex
        while i != utf8.endIndex {
            while i != utf8.endIndex && separators(utf8[i]) { i = utf8.index(after: i) }
            let start = i
            while i != utf8.endIndex && !separators(utf8[i]) { i = utf8.index(after: i) }
            if start != i { tokens.append(line[start..<i]) }
        }
        return tokens
    }
}
