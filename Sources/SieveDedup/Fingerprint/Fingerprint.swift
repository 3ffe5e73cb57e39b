import CICUShim
import SieveText

/// What dedup computes of one document: the hash of its text for exact matching and
/// the keys of its MinHash bands for near matching.
public struct Fingerprint: Sendable, Equatable {
    /// MurmurHash3 x64 128 of the text with white space normalized (see `Fingerprinter`).
    public var exact: Hash128
    /// One key per band; empty when the text has no shingles.
    public var bands: [UInt64]
    /// The shingle set, sorted, for verifying candidates; empty unless verifying.
    public var shingles: [UInt64] = []
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
    /// When set, documents whose bands collide are clustered only if the exact Jaccard
    /// similarity of their shingle sets reaches this value (see `GroupLinker`).
    public var verifyThreshold: Double?

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
        let shingles = settings.minhash ? shingler.shingles(text) : []
        guard let signature = minHasher.signature(shingles) else { return Fingerprint(exact: exact, bands: []) }
        var print = Fingerprint(exact: exact, bands: minHasher.bandKeys(signature))
        if settings.verifyThreshold != nil { print.shingles = Array(Set(shingles)).sorted() }
        return print
    }

    /// MurmurHash3 x64 128 (seed 0) of the UTF-8 text with leading and trailing white
    /// space removed and every inner run of white space (`\s`) replaced by one space:
    /// copies that differ only in spacing or line endings are exact duplicates.
    public static func exactHash(_ text: String) -> Hash128 {
        var text = text
        return text.withUTF8 { utf8 in
            let classes = CharacterClasses.bitTable
            let spaceBit = UInt16(SIEVE_CC_REGEX_SPACE)
            let normalized = [UInt8](unsafeUninitializedCapacity: utf8.count) { out, written in
                var pendingSpace = false
                var i = 0
                var runStart = 0
                // Copies runs of non-space bytes whole; only non-ASCII bytes are decoded.
                func copyRun(to end: Int) {
                    guard runStart < end else { return }
                    if pendingSpace {
                        out[written] = 0x20
                        written += 1
                    }
                    (out.baseAddress! + written).update(from: utf8.baseAddress! + runStart, count: end - runStart)
                    written += end - runStart
                }
                while i < utf8.count {
                    let length: Int
                    let isSpace: Bool
                    if utf8[i] < 0x80 {
                        length = 1
                        isSpace = classes[Int(utf8[i])] & spaceBit != 0
                    } else {
                        let (c, n) = UTF8Scalars.decode(utf8, at: i)
                        length = n
                        isSpace = classes[Int(c)] & spaceBit != 0
                    }
                    if isSpace {
                        copyRun(to: i)
                        pendingSpace = written > 0
                        runStart = i + length
                    }
                    i += length
                }
                copyRun(to: utf8.count)
            }
            return MurmurHash3.hash(normalized)
        }
    }
}
