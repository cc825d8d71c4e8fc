import ArgumentParser
import Foundation
import GrootFixtures
import GrootIO

/// Warm create with and without a disk limit, for the overlay and btrfs drivers,
/// each on its own btrfs backing store, beside a bare overlay mount.
struct Limits: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "limits", abstract: "Warm create with a limit, btrfs vs overlay driver, beside the no-limit case.")

  @Option(help: "Timed runs of each case.")
  var runs = 100

  @OptionGroup var options: BenchOptions

  func run() throws {
    let (groot, image) = (options.groot, try options.image)
    let base = Paths.absolute(try FileSystem.makeUniqueDirectory(in: "/tmp", prefix: "groot-bench-limits"))
    defer { try? FileSystem.removeTree(base) }
    var rows: [(String, Figures)] = []
    for driver in ["overlay", "btrfs"] {
      let store = "\(base)/\(driver)"
      try spawn(groot, ["--store", store, "--driver", driver, "init-store", "--store-size-bytes", "2000000000"])
      defer { try? spawn(groot, ["--store", store, "delete-store", "--force"]) }
      try spawn(groot, ["--store", store, "create", image, "warmup"])
      try spawn(groot, ["--store", store, "delete", "warmup"])
      var unlimited: [Double] = []
      var limited: [Double] = []
      for index in 0..<runs {
        // Alternate the two cases so drift falls on both alike.
        for limit in [false, true] {
          let id = "\(limit ? "l" : "u")\(index)"
          let extra = limit ? ["--disk-limit-size-bytes", "100000000"] : []
          let time = try timed { try spawn(groot, ["--store", store, "create"] + extra + [image, id]) }
          if limit { limited.append(time) } else { unlimited.append(time) }
          try spawn(groot, ["--store", store, "delete", id])
        }
      }
      rows.append(("\(driver)", Figures(unlimited)))
      rows.append(("\(driver) + limit", Figures(limited)))
    }
    print("warm create of \(image) on a btrfs backing store, \(runs) runs each, milliseconds")
    print(Figures.header)
    for (name, figures) in rows { print(figures.row(name)) }
    let overlay = rows[0].1.median
    print(
      String(
        format: "limit cost (median): overlay %+.2f ms, btrfs %+.2f ms; btrfs/overlay with limit %.2fx",
        rows[1].1.median - overlay, rows[3].1.median - rows[2].1.median, rows[3].1.median / rows[1].1.median))
  }
}
