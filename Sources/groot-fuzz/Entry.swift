import Foundation
import GrootIO

#if GROOT_FUZZ
  // Built by scripts/fuzz with libFuzzer (-sanitize=fuzzer): GROOT_FUZZ_TARGET picks the target.
  let target: FuzzTarget = {
    let name = ProcessInfo.processInfo.environment["GROOT_FUZZ_TARGET"] ?? ""
    guard let target = FuzzTarget(rawValue: name) else {
      fatalError("set GROOT_FUZZ_TARGET to one of \(FuzzTarget.allCases.map(\.rawValue))")
    }
    return target
  }()

  typealias Arguments = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>

  @_silgen_name("LLVMFuzzerRunDriver")
  func runLibFuzzer(
    _ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<Arguments?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
  ) -> Int32

  /// SwiftPM links an executable's entry point under this name: libFuzzer's
  /// driver runs from here.
  @_cdecl("groot_fuzz_main")
  func fuzzMain(_ argc: Int32, _ argv: Arguments) -> Int32 {
    if argc == 3, String(cString: argv[1]!) == "seeds" {
      do {
        try SeedCorpus.write(to: String(cString: argv[2]!))
        return 0
      } catch {
        print("cannot write seeds: \(error)")
        return 1
      }
    }
    var count = argc
    var arguments: Arguments? = argv
    return runLibFuzzer(&count, &arguments) { data, size in
      target.run(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
      return 0
    }
  }
#else
  /// Without libFuzzer: `groot-fuzz TARGET FILE…` replays inputs (the
  /// regression corpus in scripts/test), `groot-fuzz seeds DIR` writes the seed corpus.
  @main
  struct Replay {
    static func main() throws {
      let arguments = Array(CommandLine.arguments.dropFirst())
      if arguments.first == "seeds", arguments.count == 2 {
        return try SeedCorpus.write(to: arguments[1])
      }
      guard let name = arguments.first, let target = FuzzTarget(rawValue: name) else {
        print("usage: groot-fuzz TARGET FILE… | groot-fuzz seeds DIR (targets: \(FuzzTarget.allCases.map(\.rawValue)))")
        exit(2)
      }
      for file in arguments.dropFirst() {
        target.run(try FileSystem.readFile(file, limit: 64 << 20))
      }
      print("\(target.rawValue): \(arguments.count - 1) inputs replayed")
    }
  }
#endif
