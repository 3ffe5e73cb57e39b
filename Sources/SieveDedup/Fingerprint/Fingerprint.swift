import SieveText

/// What dedup computes of one document: the hash of its text for exact matching and
/// the keys of its MinHash bands for near matching.
public struct Fingerprint: Sendable, Equatable {
    /// MurmurHash3 x64 128 of the text with white space normalized (see `Fingerprinter`).
    public var exact: Hash128
    /// One key per band; empty when the text has no shingles.
    public var bands: [UInt64]
}

/// Which duplicates to look for and how: the parameters every pass of a run must share.
public struct DedupSettings: Sendable, Codable, Equatable {
    /// Drop documents whose normalized text equals an earlier one's.
    public var exact = true
    /// Drop documents whose MinHash bands collide with an earlier one's.
    public var minhash = true
    public var shingleUnit = ShingleUnit.word
    public var shingleSize = 5
    public var bands = 14
    public var rows = 8
    public var seed: UInt64 = 1

    public init() {}
}

/// Computes fingerprints; a value shared by all worker threads.
public struct Fingerprinter: Sendable {
    public let settings: DedupSettings
    public let shingler: Shingler
    public let minHasher: MinHasher

    public init(settings: DedupSettings) {
        self.settings = settings
        shingler = Shingler(unit: settings.shingleUnit, size: settings.shingleSize)
        minHasher = MinHasher(bands: settings.bands, rows: settings.rows, seed: settings.seed)
    }

    public func fingerprint(_ text: String) -> Fingerprint {
        let exact = settings.exact ? Self.exactHash(text) : Hash128(lo: 0, hi: 0)
        guard settings.minhash, let signature = minHasher.signature(shingler.shingles(text)) else {
            return Fingerprint(exact: exact, bands: [])
        }
        return Fingerprint(exact: exact, bands: minHasher.bandKeys(signature))
    }

    /// MurmurHash3 x64 128 (seed 0) of the UTF-8 text with leading and trailing white
    /// space removed and every inner run of white space (`\s`) replaced by one space:
    /// copies that differ only in spacing or line endings are exact duplicates.
    public static func exactHash(_ text: String) -> Hash128 {
        var text = text
        return text.withUTF8 { utf8 in
            var normalized: [UInt8] = []
            normalized.reserveCapacity(utf8.count)
            var pendingSpace = false
            var i = 0
            while i < utf8.count {
                let (c, length) = UTF8Scalars.decode(utf8, at: i)
                if CharacterClasses.isRegexSpace(c) {
                    pendingSpace = !normalized.isEmpty
                } else {
                    if pendingSpace { normalized.append(0x20) }
                    pendingSpace = false
                    normalized.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[i..<(i + length)]))
                }
                i += length
            }
            return MurmurHash3.hash(normalized)
        }
    }
}
