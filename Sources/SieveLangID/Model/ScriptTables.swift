import CICUShim

/// Per code point facts from ICU, built once per process (about 3.3 MB): the script of
/// every code point, whether it is a letter, and the simple lowercase of the BMP.
final class ScriptTables: @unchecked Sendable {
    static let shared = ScriptTables()

    /// ICU script code per code point.
    let scripts: [UInt8]
    /// 1 letter or mark, 2 decimal digit, 3 control/private use/unassigned, 0 other.
    let classes: [UInt8]
    /// Simple lowercase of every BMP code point.
    let lower: [UInt16]
    /// ISO 15924 code of every ICU script code.
    let names: [String]

    static let letter: UInt8 = 1
    static let invalid: UInt8 = 3

    private init() {
        var scripts = [UInt8](repeating: 0, count: 0x110000)
        var classes = [UInt8](repeating: 0, count: 0x110000)
        var lower = [UInt16](repeating: 0, count: 0x10000)
        scripts.withUnsafeMutableBufferPointer { s in
            classes.withUnsafeMutableBufferPointer { c in
                lower.withUnsafeMutableBufferPointer { l in
                    sieve_script_tables(s.baseAddress, c.baseAddress, l.baseAddress)
                }
            }
        }
        self.scripts = scripts
        self.classes = classes
        self.lower = lower
        var names: [String] = []
        var buffer = [CChar](repeating: 0, count: 16)
        for code in 0..<256 {
            let n = sieve_script_name(Int32(code), &buffer, 16)
            names.append(n > 0 ? String(cString: buffer) : "Zzzz")
        }
        self.names = names
    }

    /// By ICU script code: whether its letters belong to group `name`. Common and
    /// Inherited letters (combining marks, some signs) belong to every group.
    func members(ofGroup name: String) -> [Bool] {
        (0..<256).map { $0 == 0 || $0 == 1 || groupName(ofScript: $0) == name }
    }

    /// The model group a script's letters count for: kana count with Han (one group
    /// tells Chinese, Cantonese and Japanese apart), every other script for itself.
    func groupName(ofScript code: Int) -> String {
        switch names[code] {
        case "Hira", "Kana", "Hrkt", "Hani": return "Hani"
        case let name: return name
        }
    }
}

/// The group of languages a registry script belongs to (see `ScriptTables.groupName`).
func groupName(ofLanguageScript script: String) -> String {
    switch script {
    case "Hans", "Hant", "Jpan", "Hani": return "Hani"
    case "Kore": return "Hang"
    default: return script
    }
}
