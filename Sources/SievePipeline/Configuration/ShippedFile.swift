import Foundation

/// Files that come with Sieve (the language-ID model, the default filter set): found in
/// the current folder's checkout, or beside the program in its build folder.
public enum ShippedFile {
    public struct Missing: Error, CustomStringConvertible {
        public var description: String
    }

    /// `folder/name` of this checkout.
    public static func path(_ folder: String, _ name: String) throws -> String {
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        let candidates = [
            "\(folder)/\(name)",
            executable.deletingLastPathComponent().appendingPathComponent("../../../\(folder)/\(name)").standardized.path,
            executable.deletingLastPathComponent().appendingPathComponent("../../\(folder)/\(name)").standardized.path,
        ]
        guard let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
            throw Missing(description: "no \(folder)/\(name) here; pass its path")
        }
        return found
    }
}
