// swift-tools-version:6.0
import PackageDescription

let package = Package(
  name: "groot",
  platforms: [.macOS(.v13)],
  products: [
    .executable(name: "groot", targets: ["groot"]),
    .executable(name: "groot-bench", targets: ["groot-bench"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
    .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
  ],
  targets: [
    // C libraries, through system-library targets.
    .systemLibrary(name: "CArchive", pkgConfig: "libarchive", providers: [.apt(["libarchive-dev"])]),
    .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
    .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
    // Linux syscalls Swift cannot call directly (variadic syscall(2), macros).
    .target(name: "CGrootSys"),

    // The way of the data: reference → source → fetch → unpack → store → driver → output.
    .target(name: "GrootIO", dependencies: ["CGrootSys"]),
    .target(
      name: "GrootOCI",
      dependencies: ["GrootIO", .product(name: "Crypto", package: "swift-crypto")]),
    .target(name: "GrootReference", dependencies: ["GrootOCI"]),
    .target(name: "GrootFetch", dependencies: ["GrootIO", "GrootOCI", "CZlib", "CZstd"]),
    .target(name: "GrootSource", dependencies: ["GrootIO", "GrootOCI", "GrootReference", "GrootFetch"]),
    .target(name: "GrootUnpack", dependencies: ["GrootIO", "CArchive", "CGrootSys"]),
    .target(name: "GrootStore", dependencies: ["GrootIO", "GrootOCI", "CGrootSys"]),
    .target(name: "GrootDriver", dependencies: ["GrootIO", "GrootStore", "GrootUnpack", "GrootOCI", "CGrootSys"]),
    .target(name: "GrootOutput", dependencies: ["GrootDriver"]),
    .target(
      name: "GrootCore",
      dependencies: [
        "GrootIO", "GrootOCI", "GrootReference", "GrootSource", "GrootFetch", "GrootUnpack",
        "GrootStore", "GrootDriver", "GrootOutput",
        .product(name: "Logging", package: "swift-log"),
        .product(name: "Yams", package: "Yams"),
      ]),

    // Generated images (tar layers, OCI layouts) for tests and benchmarks.
    .target(name: "GrootFixtures", dependencies: ["GrootOCI"]),

    // Thin executables.
    .executableTarget(
      name: "groot",
      dependencies: ["GrootCore", "GrootIO", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
    .executableTarget(
      name: "groot-bench",
      dependencies: [
        "GrootIO", "GrootFixtures", .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),

    .testTarget(
      name: "GrootUnitTests",
      dependencies: ["GrootOCI", "GrootReference", "GrootFetch", "GrootUnpack", "GrootCore", "GrootIO"]),
    .testTarget(name: "GrootIntegrationTests", dependencies: ["GrootIO", "GrootOCI", "GrootFixtures"]),
  ]
)
