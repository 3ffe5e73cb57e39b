// Without libFuzzer (a plain build): `sieve-fuzz TARGET FILE...` runs the target on each
// file, to replay a crash input (Tests/FuzzTests, scripts/fuzz.sh). Built with -DFUZZING
// and -sanitize=fuzzer (scripts/fuzz.sh), libFuzzer's main drives FuzzTargets.swift's
// hooks instead.
#if !FUZZING
import Foundation

@main
struct Replay {
    static func main() {
        let arguments = CommandLine.arguments.dropFirst()
        guard let name = arguments.first, let target = FuzzTarget(rawValue: name) else {
            FileHandle.standardError.write(Data("usage: sieve-fuzz TARGET FILE... (targets: \(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")))\n".utf8))
            exit(2)
        }
        for file in arguments.dropFirst() {
            guard let data = FileManager.default.contents(atPath: file) else {
                FileHandle.standardError.write(Data("\(file): cannot read\n".utf8))
                exit(1)
            }
            target.run(Array(data))
        }
        print("ok: \(arguments.count - 1) inputs")
    }
}
#endif

#if FUZZING
/// libFuzzer's driver, from its runtime.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

/// The entry point SwiftPM links an executable target to (`main` is defined as
/// `sieve_fuzz_main`): it hands the process to libFuzzer's driver.
@_cdecl("sieve_fuzz_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments) { data, size in fuzzerTestOneInput(data, size) }
}
#endif
