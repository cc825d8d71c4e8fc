import ArgumentParser
import Foundation
import GrootFixtures
import GrootIO

/// `groot clean` of many unused layers, beside `rm -rf` of the same trees, and
/// the latency of warm creates while a clean runs.
struct Clean: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "clean", abstract: "Clean of 1,000 unused layers; create latency while a clean runs.")

  @Option(help: "Images of 100 layers each; 10 makes 1,000 layers.")
  var images = 10

  @Option(help: "Rounds of populate-then-clean while creates are timed.")
  var rounds = 3

  @OptionGroup var options: BenchOptions

  func run() throws {
    let (binary, image) = (options.groot, try options.image)
    let base = Paths.absolute(try FileSystem.makeUniqueDirectory(in: "/tmp", prefix: "groot-bench-clean"))
    defer { try? FileSystem.removeTree(base) }
    let store = base + "/store"
    let layouts = try (0..<images).map { try makeLayout(base: base, index: $0) }
    func groot(_ arguments: String...) throws { try spawn(binary, ["--store", store] + arguments) }
    func populate() throws {
      for (index, layout) in layouts.enumerated() {
        try groot("create", "--without-mount", "oci://\(layout)", "fill-\(index)")
        try groot("delete", "fill-\(index)")
      }
    }
    try groot("init-store")
    try groot("create", image, "keep")

    // 1. Clean alone, beside rm -rf of a copy of the same layer trees.
    try populate()
    let layerCount = try FileManager.default.contentsOfDirectory(atPath: store + "/layers").count - 1
    try spawn("/bin/cp", ["-a", store + "/layers", base + "/layers-copy"])
    try spawn("/bin/rm", ["-rf", base + "/layers-copy/" + keepLayer(store)])
    let rmTime = try timed { try spawn("/bin/rm", ["-rf", base + "/layers-copy"]) }
    let cleanTime = try timed { try groot("clean") }

    // 2. Warm creates alone, then while a clean of the same size runs.
    var alone: [Double] = []
    var during: [Double] = []
    var counter = 0
    func timedCreate() throws -> Double {
      counter += 1
      let time = try timed { try groot("create", image, "c\(counter)") }
      try groot("delete", "c\(counter)")
      return time
    }
    for _ in 0..<(rounds * 30) { alone.append(try timedCreate()) }
    for _ in 0..<rounds {
      try populate()
      let cleaner = try start(binary, ["--store", store, "clean"])
      while try wait(cleaner, blocking: false) == nil { during.append(try timedCreate()) }
    }
    try groot("delete-store", "--force")

    print("clean of \(layerCount) unused layers (\(images) images x 100 layers), milliseconds")
    print(String(format: "groot clean       %10.1f", cleanTime))
    print(String(format: "rm -rf (peer)     %10.1f", rmTime))
    print(String(format: "ratio clean/rm: %.2fx", cleanTime / rmTime))
    print("")
    print("warm create of \(image), milliseconds")
    print(Figures.header)
    print(Figures(alone).row("alone (\(alone.count))"))
    print(Figures(during).row("during clean (\(during.count))"))
  }

  /// An OCI layout of 100 one-file layers, distinct from every other image's.
  private func makeLayout(base: String, index: Int) throws -> String {
    var builder = try LayoutBuilder(path: "\(base)/layout-\(index)")
    for layer in 0..<100 {
      var tar = TarWriter()
      tar.file("image-\(index)/layer-\(layer)", String(repeating: "x", count: 1000 + layer))
      try builder.addLayer(tar: tar.archive())
    }
    try builder.finish()
    return builder.path
  }

  /// The layer of the image kept in use (the only one referenced).
  private func keepLayer(_ store: String) throws -> String {
    let metadata = try Data(contentsOf: URL(fileURLWithPath: store + "/images/keep/image.json"))
    let object = try JSONSerialization.jsonObject(with: metadata) as! [String: Any]
    return String((object["layers"] as! [String]).last!.dropFirst("sha256:".count))
  }
}
