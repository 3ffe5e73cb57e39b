import ArgumentParser
import Foundation
import SieveCore
import SieveFilters
import SieveIO
import SievePipeline

struct PIICommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pii",
        abstract: "`sieve pii INPUT... -o OUT`: replace e-mail and IP addresses, phone, card and IBAN numbers with placeholders.",
        discussion: """
            E-mail and IPv4 addresses are found as datatrove's PIIFormatter finds them (only \
            global IPs unless --all-ips); IPv6 addresses, phone numbers, payment card \
            numbers (Luhn-checked) and IBANs (mod-97) too. Placeholders: <EMAIL_ADDRESS>, \
            <IP_ADDRESS>, <PHONE_NUMBER>, <CARD_NUMBER>, <IBAN>. Each changed document gets \
            pii (count per kind) in its metadata. See docs/pii.md.
            """)

    @Argument(help: "Input files or directories, or - for standard input.")
    var inputs: [String]

    @Option(name: .shortAndLong, help: "Output file; the extension picks compression (.zst, .gz). - for stdout.")
    var output: String

    @Option(help: "A kind to replace (repeatable; default all): email, ip, phone, card, iban.")
    var kind: [String] = []

    @Flag(name: .customLong("all-ips"), help: "Replace private and reserved IP addresses too.")
    var allIPs = false

    @OptionGroup var selection: SelectionOptions

    @OptionGroup var processing: ProcessingOptions

    func validate() throws {
        if let bad = kind.first(where: { PIIKind(rawValue: $0) == nil }) {
            throw ValidationError("--kind \(bad): expected one of \(PIIKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    func run() throws {
        var settings = PIIStage.Settings()
        if !kind.isEmpty { settings.kinds = kind.compactMap(PIIKind.init(rawValue:)) }
        settings.publicIPsOnly = !allIPs
        try processing.printSummary(try CatCommand.copy(
            inputs, to: output, include: selection.include, exclude: selection.exclude, fields: FieldNames(),
            maxDocumentBytes: 64 << 20, stages: [PIIStage(settings: settings)], rejected: nil, processing: processing))
    }
}
