import ArgumentParser
import Foundation
import GrootIO

/// Process start-up: what Garden pays on every create, delete and stats before
/// groot does any work, beside Go binaries that start with nothing to load.
struct Startup: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "startup",
    abstract: "`groot --version` and `groot list` beside `runc --version` and `umoci --version`.")

  @Option(help: "Timed runs of each.")
  var runs = 300

  @Option(help: "The groot binary (default: beside this one).")
  var groot = BenchOptions.defaultGroot

  func run() throws {
    let base = Paths.absolute(try FileSystem.makeUniqueDirectory(in: "/tmp", prefix: "groot-bench-startup"))
    defer { try? FileSystem.removeTree(base) }
    let store = base + "/store"
    try spawn(groot, ["--store", store, "init-store"])
    defer { try? spawn(groot, ["--store", store, "delete-store"]) }

    let cases: [(name: String, path: String, arguments: [String])] = [
      ("runc --version", "/usr/sbin/runc", ["--version"]),
      ("umoci --version", "/usr/bin/umoci", ["--version"]),
      ("groot --version", groot, ["--version"]),
      ("groot list", groot, ["--store", store, "list"]),
    ].filter { FileManager.default.isExecutableFile(atPath: $0.1) }
    var samples = Array(repeating: [Double](), count: cases.count)
    for _ in 0..<10 { for item in cases { try spawn(item.path, item.arguments) } }  // warm the page cache
    for _ in 0..<runs {
      // Round-robin, so drift in machine load falls on every case alike.
      for (index, item) in cases.enumerated() {
        samples[index].append(try timed { try spawn(item.path, item.arguments) })
      }
    }
    let figures = samples.map(Figures.init)
    print("process start-up, \(runs) runs each, milliseconds (empty store for list)")
    print(Figures.header)
    for (item, figure) in zip(cases, figures) { print(figure.row(item.name)) }
    let runc = figures[0]
    for (item, figure) in zip(cases, figures) where item.path == groot {
      print(
        "\(item.name) / runc --version: "
          + String(format: "median %.2fx, p99 %.2fx", figure.median / runc.median, figure.p99 / runc.p99))
    }
  }
}
