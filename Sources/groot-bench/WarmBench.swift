import ArgumentParser
import Foundation
import GrootIO

/// Warm create + delete (layers cached, the common case on a busy host) beside the
/// floor: a shell that makes a temporary directory, mounts the same layers with
/// `mount -t overlay`, unmounts and removes it. Then creates from 8 workers at once.
struct Warm: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "warm",
    abstract: "Warm create + delete cycles vs a bare overlay mount cycle; then 8-way concurrent creates.",
    aliases: ["warm-create"])

  @Option(help: "Timed cycles of each, one at a time.")
  var runs = 200

  @Option(help: "Creates timed at once from --workers workers.")
  var concurrentCreates = 200

  @Option(help: "Workers creating at once.")
  var workers = 8

  @OptionGroup var options: BenchOptions

  func run() throws {
    let (groot, image) = (options.groot, try options.image)
    let base = Paths.absolute(try FileSystem.makeUniqueDirectory(in: "/tmp", prefix: "groot-bench"))
    defer { try? FileSystem.removeTree(base) }
    let store = base + "/store"
    try spawn(groot, ["--store", store, "init-store"])
    defer { try? spawn(groot, ["--store", store, "delete-store"]) }
    // Warm-up: the layers are unpacked once, outside the measurement.
    try spawn(groot, ["--store", store, "create", image, "warmup"])
    let lowerdir = try lowerDirectory(store: store, image: "warmup")
    try spawn(groot, ["--store", store, "delete", "warmup"])
    let bareCycle = """
      d=$(mktemp -d \(base)/bare.XXXXXX) && mkdir $d/upper $d/work $d/merged && \
      mount -t overlay overlay -o lowerdir=\(lowerdir),upperdir=$d/upper,workdir=$d/work $d/merged && \
      umount $d/merged && rm -rf $d
      """

    var cycles: [Double] = []
    var creates: [Double] = []
    var deletes: [Double] = []
    var bare: [Double] = []
    for index in 0..<runs {
      // Alternate the two so drift in machine load falls on both alike.
      let create = try timed { try spawn(groot, ["--store", store, "create", image, "w\(index)"]) }
      let delete = try timed { try spawn(groot, ["--store", store, "delete", "w\(index)"]) }
      (creates, deletes, cycles) = (creates + [create], deletes + [delete], cycles + [create + delete])
      bare.append(try timed { try spawn("/bin/sh", ["-c", bareCycle]) })
    }
    let concurrent = try concurrentCreateTimes(groot: groot, store: store, image: image)

    let (cycle, floor) = (Figures(cycles), Figures(bare))
    print("warm create of \(image), \(runs) cycles each, milliseconds")
    print(Figures.header)
    print(cycle.row("groot create+delete"))
    print(Figures(creates).row("  groot create"))
    print(Figures(deletes).row("  groot delete"))
    print(floor.row("bare mount cycle"))
    print(
      String(
        format: "ratio groot cycle/bare cycle: median %.2fx, p99 %.2fx", cycle.median / floor.median,
        cycle.p99 / floor.p99))
    let together = Figures(concurrent)
    print("\(concurrentCreates) creates from \(workers) workers at once, milliseconds")
    print(Figures.header)
    print(together.row("groot create"))
    print(
      String(
        format: "p99 / bare cycle median %.2fx, max / bare cycle median %.2fx", together.p99 / floor.median,
        together.max / floor.median))
  }

  /// Each worker creates and deletes until `concurrentCreates` creates are done;
  /// only the creates are timed.
  private func concurrentCreateTimes(groot: String, store: String, image: String) throws -> [Double] {
    let progress = Progress(total: concurrentCreates)
    // Threads of our own: concurrentPerform would run no more at once than there are cores.
    let group = DispatchGroup()
    for _ in 0..<workers {
      group.enter()
      Thread.detachNewThread {
        defer { group.leave() }
        while let index = progress.next() {
          do {
            let time = try timed { try spawn(groot, ["--store", store, "create", image, "c\(index)"]) }
            try spawn(groot, ["--store", store, "delete", "c\(index)"])
            progress.record(time)
          } catch {
            progress.fail(error)
          }
        }
      }
    }
    group.wait()
    return try progress.times()
  }

  /// The workers' shared count, samples and first failure.
  private final class Progress: @unchecked Sendable {
    private let lock = NSLock()
    private let total: Int
    private var issued = 0
    private var samples: [Double] = []
    private var failure: Error?

    init(total: Int) { self.total = total }

    func next() -> Int? {
      lock.withLock {
        guard issued < total, failure == nil else { return nil }
        defer { issued += 1 }
        return issued
      }
    }
    func record(_ time: Double) { lock.withLock { samples.append(time) } }
    func fail(_ error: Error) { lock.withLock { failure = failure ?? error } }
    func times() throws -> [Double] {
      try lock.withLock {
        if let failure { throw failure }
        return samples
      }
    }
  }

  /// The lower dirs of a created image as absolute paths, for the bare mount. The
  /// overlay's lowerdir names links relative to the directory groot mounts from.
  private func lowerDirectory(store: String, image: String) throws -> String {
    let mounts = try MountTable.current()
    guard let mount = mounts.first(where: { $0.mountPoint == "\(store)/images/\(image)/rootfs" }),
      let lower = mount.superOptions.split(separator: ",").first(where: { $0.hasPrefix("lowerdir=") })
    else { throw BenchError("no overlay mount for \(image)") }
    return try lower.dropFirst("lowerdir=".count).split(separator: ":").map { link in
      guard let path = ["\(store)/overlay/\(link)", "\(store)/\(link)"].first(where: FileSystem.exists) else {
        throw BenchError("cannot find the lower dir \(link)")
      }
      return path
    }.joined(separator: ":")
  }
}
