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
    var (grootUsage, bareUsage) = (ChildCPU.Total(), ChildCPU.Total())
    for index in 0..<runs {
      // Alternate the two so drift in machine load falls on both alike.
      let create = try timed { try spawn(groot, ["--store", store, "create", image, "w\(index)"]) }
      let delete = try timed { try spawn(groot, ["--store", store, "delete", "w\(index)"]) }
      (creates, deletes, cycles) = (creates + [create], deletes + [delete], cycles + [create + delete])
      bare.append(try timed { try spawn("/bin/sh", ["-c", bareCycle]) })
    }
    // The same 8-way load twice over, groot's and the bare mount's in turn: a
    // create beside the bare cycle's mount half (a directory and the overlay
    // mount), each worker deleting (or unmounting) what it made before its next.
    var (together, bareTogether) = ([Double](), [Double]())
    var usage = ChildCPU()
    for round in 0..<2 {
      let count = concurrentCreates / 2 + (round == 0 ? concurrentCreates % 2 : 0)
      together += try concurrentTimes(count) { index in
        try spawn(groot, ["--store", store, "create", image, "c\(index)"])
      } then: { index in
        try spawn(groot, ["--store", store, "delete", "c\(index)"])
      }
      usage.lap(into: &grootUsage)
      bareTogether += try concurrentTimes(count) { index in
        let directory = "\(base)/together\(index)"
        try spawn(
          "/bin/sh",
          [
            "-c",
            "mkdir \(directory) && mkdir \(directory)/upper \(directory)/work \(directory)/merged && "
              + "mount -t overlay overlay -o lowerdir=\(lowerdir),upperdir=\(directory)/upper,"
              + "workdir=\(directory)/work \(directory)/merged",
          ])
      } then: { index in
        try spawn("/bin/sh", ["-c", "umount \(base)/together\(index)/merged && rm -rf \(base)/together\(index)"])
      }
      usage.lap(into: &bareUsage)
    }

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
    let (grootAtOnce, bareAtOnce) = (Figures(together), Figures(bareTogether))
    print("\(concurrentCreates) creates from \(workers) workers at once, milliseconds")
    print(Figures.header)
    print(grootAtOnce.row("groot create"))
    print(bareAtOnce.row("bare mount"))
    print(
      String(
        format: "groot create p99 / bare cycle median %.2fx, max / bare cycle median %.2fx",
        grootAtOnce.p99 / floor.median, grootAtOnce.max / floor.median))
    print(
      String(
        format: "bare mount p99 / bare cycle median %.2fx, max / bare cycle median %.2fx",
        bareAtOnce.p99 / floor.median, bareAtOnce.max / floor.median))
    print(
      String(
        format: "groot create / bare mount, both 8-way: median %.2fx, p99 %.2fx",
        grootAtOnce.median / bareAtOnce.median,
        grootAtOnce.p99 / bareAtOnce.p99))
    print("CPU of the 8-way phases (children's user + system time / wall time / cores):")
    print(grootUsage.line("groot", cores: cores))
    print(bareUsage.line("bare mount", cores: cores))
  }

  private var cores: Int { Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))) }

  /// `workers` threads take indexes until `count` are done, each running `body`
  /// then `after` for its index; returns the times of `body`.
  private func concurrentTimes(
    _ count: Int, timing body: @escaping @Sendable (Int) throws -> Void,
    then after: @escaping @Sendable (Int) throws -> Void
  ) throws -> [Double] {
    let progress = Progress(total: count)
    // Threads of our own: concurrentPerform would run no more at once than there are cores.
    let group = DispatchGroup()
    for _ in 0..<workers {
      group.enter()
      Thread.detachNewThread {
        defer { group.leave() }
        while let index = progress.next() {
          do {
            let time = try timed { try body(index) }
            try after(index)
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

/// The CPU time of the benchmark's children (getrusage) against wall time, phase by
/// phase: how busy the machine was while the workers ran.
struct ChildCPU {
  struct Total {
    var cpu = 0.0
    var wall = 0.0

    func line(_ name: String, cores: Int) -> String {
      name.padding(toLength: 20, withPad: " ", startingAt: 0)
        + String(format: "%.2f s in %.2f s, %.0f%% of %d cores", cpu, wall, 100 * cpu / wall / Double(cores), cores)
    }
  }

  private var cpu = childrenCPUSeconds()
  private var wall = monotonicSeconds()

  /// Adds the time since the last lap (or since this was made) to `total`.
  mutating func lap(into total: inout Total) {
    let (cpuNow, wallNow) = (childrenCPUSeconds(), monotonicSeconds())
    total.cpu += cpuNow - cpu
    total.wall += wallNow - wall
    (cpu, wall) = (cpuNow, wallNow)
  }
}
