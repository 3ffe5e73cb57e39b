#if canImport(Glibc)
import Glibc
#endif
import SieveCore
import SieveFiles

/// An input file found by discovery.
public struct InputFile: Sendable, Equatable, Codable {
    /// Path to open.
    public var path: String
    /// Path relative to the corpus root it was found under (the file name for a file
    /// given directly): the document source and the prefix of derived ids.
    public var relativePath: String
    public var size: Int

    public init(path: String, relativePath: String, size: Int) {
        self.path = path
        self.relativePath = relativePath
        self.size = size
    }

    /// What the records in the file are, from its name without the compression extension.
    public var recordFormat: RecordFormat { RecordFormat(path: Compression.strip(path)) }
    public var compression: Compression { Compression(path: path) }
}

/// How a file holds documents.
public enum RecordFormat: String, Sendable, Codable {
    /// One JSON object per line (`.jsonl`, `.ndjson`, `.json`).
    case jsonl
    /// The whole file is one document (`.txt`).
    case text
    /// The whole file is one HTML page, whose main text is the document (`.html`, `.htm`).
    case html
    /// The whole file is one PDF, whose text layer is the document (`.pdf`).
    case pdf
    /// WARC records (`.warc`, usually `.warc.gz` with one gzip member per record); the main
    /// text of each HTML response is a document.
    case warc
    /// Parquet (`.parquet`): a row is a document (`docs/formats.md`).
    case parquet

    init(path: String) {
        if path.hasSuffix(".txt") {
            self = .text
        } else if path.hasSuffix(".html") || path.hasSuffix(".htm") {
            self = .html
        } else if path.lowercased().hasSuffix(".pdf") {
            self = .pdf
        } else if path.hasSuffix(".warc") {
            self = .warc
        } else if path.hasSuffix(".parquet") {
            self = .parquet
        } else {
            self = .jsonl
        }
    }

    /// Whether the whole file is one record.
    var isWholeFile: Bool { self == .text || self == .html || self == .pdf }
}

/// Finds the input files under corpus paths: recursively, sorted by relative path
/// (byte order, so every machine sees the same order), filtered by include and
/// exclude globs, following symbolic links but never around a loop.
public struct CorpusDiscovery: Sendable {
    /// Globs a file's relative path must match (any of them). A glob without `/` is
    /// matched against the file name, one with `/` against the whole relative path.
    public var include: [String]
    /// Globs that remove files that `include` matched.
    public var exclude: [String]

    public static let defaultInclude = ["*.jsonl", "*.jsonl.zst", "*.jsonl.gz", "*.ndjson", "*.ndjson.zst",
                                        "*.ndjson.gz", "*.json", "*.json.zst", "*.json.gz", "*.txt",
                                        "*.txt.zst", "*.txt.gz", "*.html", "*.html.zst", "*.html.gz", "*.htm",
                                        "*.htm.zst", "*.htm.gz", "*.warc", "*.warc.gz", "*.warc.zst", "*.pdf", "*.PDF", "*.parquet"]

    public init(include: [String] = CorpusDiscovery.defaultInclude, exclude: [String] = []) {
        self.include = include
        self.exclude = exclude
    }

    /// The files under `paths`, and what could not be read (recorded as `read:unreadable`
    /// and `read:symlink_loop` errors).
    public func discover(_ paths: [String]) -> (files: [InputFile], stats: RunStats) {
        var files: [InputFile] = []
        var stats = RunStats()
        for root in paths {
            var st = stat()
            guard stat(root, &st) == 0 else {
                stats.recordError(stage: "read", rule: "unreadable", location: root, message: Self.errnoText())
                continue
            }
            if (st.st_mode & S_IFMT) == S_IFDIR {
                var ancestors: Set<FileID> = [FileID(st)]
                walk(directory: root, relative: "", ancestors: &ancestors, files: &files, stats: &stats)
            } else {
                // A file named explicitly is read whatever its name.
                let name = root.split(separator: "/").last.map(String.init) ?? root
                files.append(InputFile(path: root, relativePath: name, size: Int(st.st_size)))
            }
        }
        return (files, stats)
    }

    private struct FileID: Hashable {
        var device: UInt64
        var inode: UInt64
        init(_ st: stat) {
            device = UInt64(st.st_dev)
            inode = UInt64(st.st_ino)
        }
    }

    private func walk(directory: String, relative: String, ancestors: inout Set<FileID>,
                      files: inout [InputFile], stats: inout RunStats) {
        guard let dir = opendir(directory) else {
            stats.recordError(stage: "read", rule: "unreadable", location: directory, message: Self.errnoText())
            return
        }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.baseAddress!.assumingMemoryBound(to: CChar.self))
            }
            if name != "." && name != ".." { names.append(name) }
        }
        closedir(dir)
        names.sort { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        for name in names {
            let path = directory.hasSuffix("/") ? directory + name : directory + "/" + name
            let rel = relative.isEmpty ? name : relative + "/" + name
            var st = stat()
            guard stat(path, &st) == 0 else {
                stats.recordError(stage: "read", rule: "unreadable", location: path, message: Self.errnoText())
                continue
            }
            if (st.st_mode & S_IFMT) == S_IFDIR {
                let id = FileID(st)
                if ancestors.contains(id) {
                    stats.recordError(stage: "read", rule: "symlink_loop", location: path,
                                        message: "directory links back to one of its parents; not followed")
                    continue
                }
                ancestors.insert(id)
                walk(directory: path, relative: rel, ancestors: &ancestors, files: &files, stats: &stats)
                ancestors.remove(id)
            } else if (st.st_mode & S_IFMT) == S_IFREG, matches(rel) {
                files.append(InputFile(path: path, relativePath: rel, size: Int(st.st_size)))
            }
        }
    }

    func matches(_ relativePath: String) -> Bool {
        func hit(_ glob: String) -> Bool {
            let subject = glob.contains("/") ? relativePath : String(relativePath.split(separator: "/").last ?? "")
            return fnmatch(glob, subject, 0) == 0
        }
        return include.contains(where: hit) && !exclude.contains(where: hit)
    }

    static func errnoText() -> String { String(cString: strerror(errno)) }
}
