import Foundation
import SieveCore

/// The `perplexity` stage (docs/lm.md): scores each tokenized document with a trained
/// decoder and writes `mean_logprob` (natural log, per predicted token), `perplexity` and
/// `scored_tokens` into its metadata. With per-language cutoffs it also writes
/// `perplexity_bucket` — `head` up to the language's first cutoff, `middle` up to the
/// second, `tail` above it, as CCNet splits by its 33rd and 67th percentiles — and keeps only the
/// buckets in `keep` (drop rule `bucket_BUCKET`). Documents of a language without cutoffs
/// are scored and kept, as are documents too short to score (under two tokens) or with a
/// token outside the model's vocabulary (counted as `too_short`, `outside_vocabulary`). It
/// runs after `tokenize`, whose token ids it reads.
///
/// With n-gram models (ARPA files, one for every language or one per language) it scores
/// as CCNet does with KenLM instead: each line of the text a sentence (`<s>` … `</s>`),
/// perplexity = 10^(−Σ log10 p / Σ (words + 1)) over the lines; `scored_tokens` is that
/// Σ (words + 1), `mean_logprob` the natural log per token. No tokenize stage is needed;
/// a document in a language without a model is kept and counted as `no_model`.
public struct PerplexityStage: Stage {
    public let name = "perplexity"
    /// The transformer or the n-gram models.
    public let scorer: any PerplexityScorer
    /// Per language, the perplexities between the head and the middle, and the middle
    /// and the tail.
    public let cutoffs: [String: (Double, Double)]
    public let keep: Set<String>
    /// Collects every scored document's (language, perplexity) when set, for cutoffs.
    public let collector: PerplexityCollector?

    public static let buckets = ["head", "middle", "tail"]

    public init(scorer: any PerplexityScorer, cutoffs: [String: (Double, Double)] = [:], keep: Set<String> = Set(buckets),
                collector: PerplexityCollector? = nil) {
        self.scorer = scorer
        self.cutoffs = cutoffs
        self.keep = keep
        self.collector = collector
    }

    public init(model: Transformer, cutoffs: [String: (Double, Double)] = [:], keep: Set<String> = Set(buckets),
                collector: PerplexityCollector? = nil) {
        self.init(scorer: TransformerPerplexity(model), cutoffs: cutoffs, keep: keep, collector: collector)
    }

    /// N-gram models: `ngrams[language]`, or `ngrams[""]` for the other languages.
    public init(ngrams: [String: NGramModel], cutoffs: [String: (Double, Double)] = [:], keep: Set<String> = Set(buckets),
                collector: PerplexityCollector? = nil) {
        self.init(scorer: NGramPerplexity(ngrams), cutoffs: cutoffs, keep: keep, collector: collector)
    }

    public func process(_ documents: [Document], context: inout StageContext) -> [Document] {
        let scores = scorer.score(documents)
        var kept: [Document] = []
        var collected: [(String, Double)] = []
        for (var document, (sum, count)) in zip(documents, scores) {
            let language = document.language ?? "und"
            guard count > 0 else {
                context.count(scorer.unscoredReason(document), language: language)
                kept.append(document)
                continue
            }
            let mean = sum / Double(count), perplexity = exp(-mean)
            document.setMetadata(.meanLogprob, .number(String(format: "%.4f", mean)))
            document.setMetadata(.perplexity, .number(String(format: "%.2f", perplexity)))
            document.setMetadata(.scoredTokens, .number(String(count)))
            collected.append((language, perplexity))
            if let (low, high) = cutoffs[language] {
                let bucket = perplexity <= low ? "head" : perplexity <= high ? "middle" : "tail"
                document.setMetadata(.perplexityBucket, .string(bucket))
                context.count("bucket:" + bucket, language: language)
                if !keep.contains(bucket) {
                    context.drop(document, rule: "bucket_" + bucket)
                    continue
                }
            }
            kept.append(document)
        }
        collector?.add(collected)
        return kept
    }
}

/// What the perplexity stage scores with: per document, the natural-log probability of
/// the tokens it scored and how many (0 when it could not score the document).
public protocol PerplexityScorer: Sendable {
    func score(_ documents: [Document]) -> [(Double, Int)]
    /// The report counter for a document it could not score.
    func unscoredReason(_ document: Document) -> String
}

/// The trained decoder, over the token ids of `tokenize`: documents under two tokens or
/// with an id outside the vocabulary are not scored.
public struct TransformerPerplexity: PerplexityScorer, @unchecked Sendable {
    public let model: Transformer

    public init(_ model: Transformer) { self.model = model }

    public func score(_ documents: [Document]) -> [(Double, Int)] { score(documents.map { $0.tokens ?? [] }) }

    public func unscoredReason(_ document: Document) -> String { (document.tokens ?? []).count < 2 ? "too_short" : "outside_vocabulary" }

    /// Per document, the summed log-probability of its tokens after the first, and how
    /// many were predicted. Documents are cut into pieces of at most seq_len tokens (each
    /// attends only to itself), packed into rows of seq_len, and run together.
    public func score(_ documents: [[UInt32]]) -> [(Double, Int)] {
        let length = model.config.seqLen, vocab = model.config.vocabSize
        var result = [(Double, Int)](repeating: (0, 0), count: documents.count)
        // Pieces: (document, start, count); the last token of a piece predicts the next
        // piece's first, so every token after the document's first is predicted once.
        var rows: [[(document: Int, start: Int, count: Int)]] = [[]]
        var used = 0
        for (index, tokens) in documents.enumerated() where tokens.count >= 2 && tokens.allSatisfy({ Int($0) < vocab }) {
            var start = 0
            while start < tokens.count - 1 {
                let count = min(length, tokens.count - 1 - start)
                if used + count > length {
                    rows.append([])
                    used = 0
                }
                rows[rows.count - 1].append((index, start, count))
                used += count
                start += count
            }
        }
        let filled = rows.filter { !$0.isEmpty }
        guard !filled.isEmpty else { return result }
        var tokens = [Int32](repeating: 0, count: filled.count * length), targets = [Int32](repeating: -1, count: filled.count * length)
        var positions = [Int32](repeating: 0, count: filled.count * length), segments = [Int32](repeating: -1, count: filled.count * length)
        for (r, pieces) in filled.enumerated() {
            var at = r * length
            for (s, piece) in pieces.enumerated() {
                let source = documents[piece.document]
                for i in 0..<piece.count {
                    tokens[at] = Int32(source[piece.start + i])
                    targets[at] = Int32(source[piece.start + i + 1])
                    positions[at] = Int32(i)
                    segments[at] = Int32(s)
                    at += 1
                }
            }
        }
        let batch = LMBatch(batch: filled.count, length: length, tokens: tokens, targets: targets, positions: positions, segments: segments)
        let logProbabilities = model.targetLogProbabilities(batch)
        for (r, pieces) in filled.enumerated() {
            var at = r * length
            for piece in pieces {
                for _ in 0..<piece.count {
                    result[piece.document].0 += Double(logProbabilities[at])
                    at += 1
                }
                result[piece.document].1 += piece.count
            }
        }
        return result
    }
}

/// N-gram models, by the document's language (`""`: every other language), scoring as
/// CCNet does with KenLM: each line a sentence; a language without a model is not scored.
public struct NGramPerplexity: PerplexityScorer {
    public let models: [String: NGramModel]

    public init(_ models: [String: NGramModel]) { self.models = models }

    public func score(_ documents: [Document]) -> [(Double, Int)] {
        documents.map { document in
            guard let lm = models[document.language ?? "und"] ?? models[""] else { return (0, 0) }
            var total = 0.0, tokens = 0
            for line in NGramText.split(document.text[...], at: 0x0A) {
                let (logProb, count) = lm.score(line)
                total += logProb
                tokens += count
            }
            return (total * M_LN10, tokens)
        }
    }

    public func unscoredReason(_ document: Document) -> String { "no_model" }
}

/// Gathers (language, perplexity) pairs from concurrent batches; `cutoffs` gives each
/// language's 33⅓ and 66⅔ percentiles.
public final class PerplexityCollector: @unchecked Sendable {
    private var values: [String: [Double]] = [:]
    private let lock = NSLock()

    public init() {}

    func add(_ pairs: [(String, Double)]) {
        lock.lock()
        defer { lock.unlock() }
        for (language, perplexity) in pairs { values[language, default: []].append(perplexity) }
    }

    /// Per language with at least `minDocuments` scores: the perplexities at a third and
    /// two thirds (nearest rank), so that `head` holds the lowest third.
    public func cutoffs(minDocuments: Int = 3) -> [String: (Double, Double)] {
        lock.lock()
        defer { lock.unlock() }
        var result: [String: (Double, Double)] = [:]
        for (language, list) in values where list.count >= minDocuments {
            let sorted = list.sorted()
            func rank(_ q: Double) -> Double { sorted[min(sorted.count - 1, max(0, Int((q * Double(sorted.count)).rounded(.up)) - 1))] }
            result[language] = (rank(1.0 / 3), rank(2.0 / 3))
        }
        return result
    }
}
