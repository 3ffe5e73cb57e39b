// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Sieve",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "sieve", targets: ["sieve"]),
        .library(name: "SieveCore", targets: ["SieveCore"]),
        .library(name: "SieveFiles", targets: ["SieveFiles"]),
        .library(name: "SieveIO", targets: ["SieveIO"]),
        .library(name: "SieveTokenizer", targets: ["SieveTokenizer"]),
        .library(name: "SieveShards", targets: ["SieveShards"]),
        .library(name: "SieveExtract", targets: ["SieveExtract"]),
        .library(name: "SieveLangID", targets: ["SieveLangID"]),
        .library(name: "SieveFilters", targets: ["SieveFilters"]),
        .library(name: "SieveDedup", targets: ["SieveDedup"]),
        .library(name: "SieveMixture", targets: ["SieveMixture"]),
        .library(name: "SievePipeline", targets: ["SievePipeline"]),
        .library(name: "SieveKernels", targets: ["SieveKernels"]),
        .library(name: "SieveModels", targets: ["SieveModels"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // System libraries. zstd and zlib headers import into Swift directly.
        .systemLibrary(name: "CZstd", path: "Sources/CZstd", pkgConfig: "libzstd",
                       providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib",
                       providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CSnappy", path: "Sources/CSnappy", pkgConfig: "snappy",
                       providers: [.apt(["libsnappy-dev"])]),
        .systemLibrary(name: "CLZ4", path: "Sources/CLZ4", pkgConfig: "liblz4",
                       providers: [.apt(["liblz4-dev"])]),
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite", pkgConfig: "sqlite3",
                       providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CLibXML2", path: "Sources/CLibXML2", pkgConfig: "libxml-2.0",
                       providers: [.apt(["libxml2-dev"])]),
        // libxml2's headers include ICU's: only this C target sees them (see CICUShim).
        .target(name: "CHTMLShim", dependencies: ["CLibXML2"]),
        // poppler-glib is opened with dlopen when a PDF is first read (pdf.c), not linked.
        .target(name: "CPDFShim", linkerSettings: [.linkedLibrary("dl")]),
        // ICU behind a C shim whose header exposes only plain C types (Foundation on
        // Linux carries its own ICU headers, which clash with the system's).
        .target(name: "CICUShim", linkerSettings: [.linkedLibrary("icui18n"), .linkedLibrary("icuuc"), .linkedLibrary("icudata")]),
        // The MinHash kernel, in C so that it can be compiled for AVX2 with a baseline fallback.
        .target(name: "CMinHash", cSettings: [.unsafeFlags(["-O3"])]),
        // The matrix-multiply micro-kernel, for AVX2 + FMA and baseline x86-64 (see sgemm.c),
        // the language-ID model's int8 row sums, for AVX2 and baseline (rows.c), and UTF-8
        // validation, for AVX2 and baseline (utf8.c).
        .target(name: "CKernels", cSettings: [.unsafeFlags(["-O3"])]),
        // glibc's malloc tuning (mallopt) and cache prefetch hints, which Swift does not export.
        .systemLibrary(name: "CMemory", path: "Sources/CMemory"),

        // Stages, from the bottom up.
        .target(name: "SieveCore", dependencies: ["CKernels"]),
        // Files and compression: atomic writes, zstd and gzip streams, the output folder's
        // layout. What every module that writes files needs, without the record readers.
        .target(name: "SieveFiles", dependencies: ["CZstd", "CZlib", "CMemory"]),
        // Frames records (JSONL, text, WARC, HTML and PDF files); HTML and PDF text comes from a
        // PageDecoder handed in (SieveExtract's), so SieveIO does not link the extractors.
        // Parquet: the footer's Thrift, page codecs (snappy, zstd, gzip), encodings and
        // record assembly, reading documents' columns by row group; and the writer.
        .target(name: "SieveParquet", dependencies: ["SieveCore", "CSnappy", "CLZ4", "CZstd", "CZlib"],
                swiftSettings: [.unsafeFlags(["-O"], .when(configuration: .debug))]),
        .target(name: "SieveIO", dependencies: ["SieveCore", "SieveFiles", "SieveParquet"]),
        // The word splitter, the filters and language ID are hot loops over code points:
        // optimized in debug builds too, so that the tests that compare them with NLTK and
        // datatrove on thousands of documents, or run the example pipeline as several
        // tasks, take seconds, not minutes.
        .target(name: "SieveText", dependencies: ["SieveCore", "CICUShim"],
                swiftSettings: [.unsafeFlags(["-O"], .when(configuration: .debug))]),
        .target(name: "SieveLangID", dependencies: ["SieveCore", "SieveFiles", "SieveText", "CICUShim", "CMemory", "CKernels"],
                swiftSettings: [.unsafeFlags(["-O"], .when(configuration: .debug))]),
        .target(name: "SieveFilters", dependencies: ["SieveCore", "SieveText"],
                swiftSettings: [.unsafeFlags(["-O"], .when(configuration: .debug))]),
        // Shingling and MinHash are hot loops too.
        .target(name: "SieveDedup", dependencies: ["SieveCore", "SieveFiles", "SieveIO", "SieveText", "CICUShim", "CMinHash"],
                swiftSettings: [.unsafeFlags(["-O"], .when(configuration: .debug))]),
        // Encoding is a hot loop over per-thread state in classes: dynamic exclusivity
        // checks on it cost 8% of the time.
        .target(name: "SieveTokenizer", dependencies: ["SieveCore", "SieveText", "CMemory"],
                swiftSettings: [.unsafeFlags(["-enforce-exclusivity=unchecked"])]),
        .target(name: "SieveExtract", dependencies: ["SieveCore", "SieveIO", "CHTMLShim", "CPDFShim", "CICUShim"]),
        .target(name: "SieveShards", dependencies: ["SieveCore", "SieveFiles", "SieveIO", "CSQLite"]),
        .target(name: "SieveMixture", dependencies: ["SieveCore", "SieveFiles", "SieveShards"]),
        // Runs a pipeline task end to end: plan, resume from the manifest, run, write outputs.
        // The one place where configurations become stages (the stage registry).
        .target(name: "SievePipeline", dependencies: ["SieveCore", "SieveFiles", "SieveIO", "SieveShards", "SieveDedup", "SieveReport", "SieveText",
                                                      "SieveLangID", "SieveFilters", "SieveTokenizer", "SieveModels"]),
        // The run report: an HTML page with inline SVG charts, from a manifest.
        .target(name: "SieveReport", dependencies: ["SieveCore", "SieveFiles", "SieveIO", "SieveShards", "SieveMixture"]),
        // Numeric kernels for the models Sieve trains and runs: matrix multiply (with the
        // C micro-kernel), row kernels, embedding bags, optimizer updates.
        .target(name: "SieveKernels", dependencies: ["CKernels", "CMemory"],
                swiftSettings: [.unsafeFlags(["-O"], .when(configuration: .debug))]),
        // Models Sieve trains and runs: the fastText-style text classifier.
        .target(name: "SieveModels", dependencies: ["SieveKernels", "SieveCore", "SieveFiles", "SieveIO", "SieveShards", "SieveMixture"],
                swiftSettings: [.unsafeFlags(["-O"], .when(configuration: .debug))]),
        // Runs a pipeline's passes as N tasks: child processes here, or job arrays on Slurm.
        .target(name: "SieveExecutor", dependencies: ["SieveFiles"]),

        // The command-line program: parses, wires, prints.
        .executableTarget(name: "sieve", dependencies: [
            "SieveCore", "SieveFiles", "SieveIO", "SieveExtract", "SieveText", "SieveTokenizer", "SieveLangID", "SieveFilters", "SieveDedup", "SieveShards", "SieveMixture", "SievePipeline", "SieveExecutor", "SieveReport", "SieveModels", "CMemory",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // Parsers fed arbitrary bytes: libFuzzer targets (scripts/fuzz.sh), or a replay of
        // inputs in a plain build (docs/fuzzing.md).
        .executableTarget(name: "sieve-fuzz", dependencies: [
            "SieveCore", "SieveFiles", "SieveIO", "SieveExtract", "SieveTokenizer", "SieveLangID", "SieveShards", "SievePipeline", "SieveModels",
        ]),

        // Benchmarks that need our code in-process (the rest are scripts under Benchmarks/).
        .executableTarget(name: "sieve-bench-runner", dependencies: ["SieveCore", "SieveIO"],
                          path: "Benchmarks/runner"),
        .executableTarget(name: "sieve-bench-kernels", dependencies: ["SieveKernels"], path: "Benchmarks/kernels/matmul"),
        .executableTarget(name: "sieve-bench-lm", dependencies: ["SieveModels", "SieveKernels", "SieveCore", "CMemory"], path: "Benchmarks/lm/step"),
        .executableTarget(name: "sieve-bench-encode", dependencies: ["SieveCore", "SieveTokenizer", "CMemory"],
                          path: "Benchmarks/tokenizer/encode"),
        .executableTarget(name: "sieve-bench-html", dependencies: ["SieveExtract", "CMemory"], path: "Benchmarks/extract/html"),
        .executableTarget(name: "sieve-bench-minhash", dependencies: ["SieveCore", "SieveDedup"], path: "Benchmarks/dedup/kernel"),
        .executableTarget(name: "sieve-bench-components", dependencies: ["SieveCore", "SieveDedup"], path: "Benchmarks/dedup/components"),

        .target(name: "SieveTestSupport", dependencies: ["SieveCore", "SieveFiles", "SieveIO", "SieveExtract", "CZstd"],
                path: "Tests/SieveTestSupport"),
        .testTarget(name: "SieveCoreTests", dependencies: ["SieveCore", "SieveTestSupport"]),
        .testTarget(name: "SieveParquetTests", dependencies: ["SieveParquet", "SieveCore", "SieveTestSupport"]),
        .testTarget(name: "SieveIOTests", dependencies: ["SieveIO", "SieveFiles", "SieveExtract", "SieveTestSupport", "CZstd", "CZlib"]),
        .testTarget(name: "SieveTokenizerTests", dependencies: ["SieveTokenizer", "SieveTestSupport"],
                    exclude: ["Fixtures"]),
        .testTarget(name: "SieveExtractTests", dependencies: ["SieveExtract", "SieveTestSupport"]),
        .testTarget(name: "SieveTextTests", dependencies: ["SieveText", "SieveCore", "SieveTestSupport", "CICUShim"],
                    exclude: ["Fixtures"]),
        .testTarget(name: "SieveFiltersTests", dependencies: ["SieveFilters", "SieveText", "SieveCore", "SieveTestSupport"],
                    exclude: ["Fixtures"]),
        .testTarget(name: "SieveDedupTests", dependencies: ["SieveDedup", "SieveCore", "SieveIO", "SieveTestSupport"],
                    exclude: ["Fixtures"]),
        .testTarget(name: "SieveMixtureTests", dependencies: ["SieveMixture", "SieveFiles", "SieveShards", "SieveIO", "SieveTestSupport"]),
        .testTarget(name: "SieveLangIDTests", dependencies: ["SieveLangID", "SieveTestSupport", "CZstd"]),
        .testTarget(name: "SieveKernelsTests", dependencies: ["SieveKernels", "SieveTestSupport"]),
        .testTarget(name: "SieveModelsTests", dependencies: ["SieveModels", "SieveCore", "SieveTestSupport"],
                    exclude: ["Fixtures"]),
        .testTarget(name: "SieveShardsTests", dependencies: ["SieveShards", "SieveFiles", "SieveIO", "SieveTestSupport"]),
        .testTarget(name: "SievePipelineTests", dependencies: ["SievePipeline", "SieveCore", "SieveTestSupport"]),
        .testTarget(name: "SieveExecutorTests", dependencies: ["SieveExecutor", "SieveTestSupport"]),
        .testTarget(name: "SieveReportTests", dependencies: ["SieveReport", "SievePipeline", "SieveShards", "SieveCore", "SieveTestSupport"]),
        .testTarget(name: "sieveTests", dependencies: ["SieveIO", "SieveShards", "SieveLangID", "SieveMixture", "SieveParquet", "SieveExecutor", "SieveTestSupport"]),
    ],
    swiftLanguageModes: [.v5]
)
