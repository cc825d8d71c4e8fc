// swift-tools-version:6.0
import Foundation
import PackageDescription

/// groot is one static executable (docs/design-notes.md, start-up): no dynamic loader
/// at start, no symbol bound at first call, in debug builds (the tests') as in release.
/// libarchive comes from libarchive.a, with the static archives it needs (zlib and
/// zstd come through their own targets); Foundation's own archives are named because
/// only a `--static-swift-stdlib` build's objects name them. lld (the toolchain's)
/// resolves archives in any order.
let staticGroot = [
  "-static-executable", "-use-ld=lld", "-llzma", "-lbz2",
  "-lCoreFoundation", "-l_FoundationICU", "-l_FoundationCShims", "-l_FoundationCollections",
]

/// Release groot has the functions and data its warm commands touch placed side by
/// side (scripts/link-order writes the list): a create faults in fewer pages of a
/// 26 MB text section and of its data (docs/benchmarks.md, warm create). With
/// GROOT_LINK_MAP set, the link also writes lld's map there, which the script reads.
let symbolOrder = Context.packageDirectory + "/Linker/groot-symbol-order.txt"
let hotSymbolsOrder: [String] =
  FileManager.default.fileExists(atPath: symbolOrder)
  ? ["-Xlinker", "--symbol-ordering-file=" + symbolOrder, "-Xlinker", "--no-warn-symbol-ordering"]
  : []
let linkMap = ProcessInfo.processInfo.environment["GROOT_LINK_MAP"].map { ["-Xlinker", "-Map=" + $0] } ?? []

/// scripts/fuzz builds with GROOT_FUZZ=1 (in its own .build-fuzz): the stages
/// that read outside input get libFuzzer's coverage, and groot-fuzz its engine.
let fuzzing = ProcessInfo.processInfo.environment["GROOT_FUZZ"] == "1"
let fuzzCoverage: [SwiftSetting] = fuzzing ? [.unsafeFlags(["-sanitize=fuzzer"])] : []

let package = Package(
  name: "groot",
  products: [
    .executable(name: "groot", targets: ["groot"]),
    .executable(name: "groot-bench", targets: ["groot-bench"]),
    .executable(name: "groot-agent", targets: ["groot-agent"]),
    .executable(name: "groot-canary", targets: ["groot-canary"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
    .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
    .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
    .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
    .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
  ],
  targets: [
    // C libraries through system-library targets; CArchiveStatic supplies what
    // libarchive.a needs and Debian has no static archive of (groot's link only).
    .systemLibrary(name: "CArchive", pkgConfig: "libarchive", providers: [.apt(["libarchive-dev"])]),
    .target(name: "CArchiveStatic"),
    .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
    .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
    // Linux syscalls Swift cannot call directly (variadic syscall(2), macros).
    .target(name: "CGrootSys"),

    // The way of the data: reference → source → fetch → unpack → store → driver → output.
    .target(name: "GrootIO", dependencies: ["CGrootSys"], swiftSettings: fuzzCoverage),
    .target(
      name: "GrootOCI",
      dependencies: ["GrootIO", .product(name: "Crypto", package: "swift-crypto")], swiftSettings: fuzzCoverage),
    .target(name: "GrootReference", dependencies: ["GrootIO", "GrootOCI"], swiftSettings: fuzzCoverage),
    .target(name: "GrootFetch", dependencies: ["GrootIO", "GrootOCI", "CZlib", "CZstd"], swiftSettings: fuzzCoverage),
    .target(
      name: "GrootSource",
      dependencies: [
        "GrootIO", "GrootOCI", "GrootReference", "GrootFetch",
        .product(name: "AsyncHTTPClient", package: "async-http-client"),
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOHTTP1", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
        .product(name: "NIOSSL", package: "swift-nio-ssl"),
      ]),
    .target(
      name: "GrootUnpack", dependencies: ["GrootIO", "GrootOCI", "CArchive", "CGrootSys"], swiftSettings: fuzzCoverage),
    .target(name: "GrootStore", dependencies: ["GrootIO", "GrootOCI", "CGrootSys"]),
    .target(name: "GrootDriver", dependencies: ["GrootIO", "GrootStore", "GrootUnpack", "GrootOCI", "CGrootSys"]),
    .target(name: "GrootOutput", dependencies: ["GrootIO", "GrootOCI"]),
    // Telemetry: events every command appends to the store's journal.
    .target(name: "GrootTelemetry", dependencies: ["GrootIO", .product(name: "Logging", package: "swift-log")]),
    // The agent: tails journals, folds events into histograms, serves metrics.
    .target(
      name: "GrootAgent",
      dependencies: [
        "GrootTelemetry", "GrootIO", "GrootStore", "CGrootSys", "GrootCanary",
        .product(name: "Hummingbird", package: "hummingbird"),
        .product(name: "AsyncHTTPClient", package: "async-http-client"),
        .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        .product(name: "Histogram", package: "hdrhistogram-swift"),
        .product(name: "Logging", package: "swift-log"),
        .product(name: "Yams", package: "Yams"),
      ]),
    // groot-canary's judgement: cohorts, tests, verdicts, simulation.
    .target(
      name: "GrootCanary",
      dependencies: [
        "GrootTelemetry", .product(name: "AsyncHTTPClient", package: "async-http-client"),
        .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOFoundationCompat", package: "swift-nio"),
      ]),
    .target(
      name: "GrootCore",
      dependencies: [
        "GrootIO", "GrootOCI", "GrootReference", "GrootSource", "GrootFetch", "GrootUnpack",
        "GrootStore", "GrootDriver", "GrootOutput", "GrootTelemetry",
        .product(name: "Logging", package: "swift-log"),
        .product(name: "Yams", package: "Yams"),
      ]),

    // Generated images (tar layers, OCI layouts) for tests and benchmarks.
    .target(name: "GrootFixtures", dependencies: ["GrootOCI"]),

    // The command line: GrootFS's commands and flags, read by ArgumentParser or, for
    // the commands Garden calls on every container, by a fast path.
    .target(
      name: "GrootCLI",
      dependencies: [
        "GrootCore", "GrootIO", "GrootTelemetry", .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),

    // Thin executables.
    // Start-up is paid on every container (docs/design-notes.md, start-up): groot is
    // one static executable (`staticGroot`), position-dependent as a static binary
    // is, and release builds have the warm commands' code and data side by side
    // (`hotSymbolsOrder`).
    .executableTarget(
      name: "groot", dependencies: ["GrootCLI", "CArchiveStatic"],
      linkerSettings: [
        .unsafeFlags(staticGroot),
        .unsafeFlags(hotSymbolsOrder + linkMap, .when(configuration: .release)),
      ]),
    .executableTarget(
      name: "groot-agent",
      dependencies: ["GrootAgent", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
    .executableTarget(
      name: "groot-canary",
      dependencies: ["GrootCanary", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
    // Fuzz targets: a replay tool in a normal build, libFuzzer with GROOT_FUZZ=1 (scripts/fuzz).
    .executableTarget(
      name: "groot-fuzz",
      dependencies: ["GrootIO", "GrootOCI", "GrootReference", "GrootFetch", "GrootUnpack", "GrootFixtures"],
      swiftSettings: fuzzing ? [.define("GROOT_FUZZ"), .unsafeFlags(["-sanitize=fuzzer", "-parse-as-library"])] : [],
      linkerSettings: fuzzing ? [.unsafeFlags(["-sanitize=fuzzer", "-use-ld=lld"])] : []),
    .executableTarget(
      name: "groot-bench",
      dependencies: [
        "GrootIO", "GrootFixtures", "GrootTelemetry",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),

    .testTarget(
      name: "GrootUnitTests",
      dependencies: [
        "GrootOCI", "GrootReference", "GrootFetch", "GrootUnpack", "GrootCore", "GrootIO", "GrootStore", "GrootDriver",
        "GrootSource", "GrootFixtures", "GrootTelemetry", "GrootCLI", "GrootAgent", "GrootCanary",
        .product(name: "Logging", package: "swift-log"),
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),
    .testTarget(
      name: "GrootIntegrationTests",
      dependencies: [
        "GrootIO", "GrootOCI", "GrootFixtures", "GrootTelemetry", "GrootStore", "GrootDriver", "GrootUnpack",
        .product(name: "Crypto", package: "swift-crypto"),
      ]),
  ]
)
