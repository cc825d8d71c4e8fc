import CGrootSys
import Foundation
import GrootIO

#if canImport(Glibc)
  import Glibc
#endif

/// What groot-agent saves about a stuck thread or a failed store probe, in a
/// directory of its own written whole (a temporary name, then one rename), with
/// `index.json` naming every file and how its read went. Bundles are bounded in
/// count and bytes; the oldest go first.
struct EvidenceBundles: Sendable {
  let directory: String
  let maxCount: Int
  let maxBytes: Int64
  let sysrq: Bool
  /// Where /proc is (tests give a tree of their own).
  var proc = "/proc"

  struct Index: Codable {
    var reason: String
    var host: String
    var time: String
    var pid: Int32?
    var tid: Int32?
    var command: String?
    var container: String?
    var stuckSeconds: Double?
    var store: String?
    /// File name → "ok", "timed out", "unreadable" or "refused".
    var files: [String: String] = [:]
  }

  /// Writes a bundle about `thread` (stuck for `age` seconds); returns its path.
  func write(stuck thread: ThreadSample, age: Double, tree: [ThreadSample], stores: [String], workers: BoundedWorkers)
    -> String?
  {
    let task = "\(proc)/\(thread.pid)/task/\(thread.tid)"
    var files: [(String, String)] = [
      ("stack", task + "/stack"), ("wchan", task + "/wchan"), ("syscall", task + "/syscall"),
      ("status", task + "/status"), ("sched", task + "/sched"), ("io", "\(proc)/\(thread.pid)/io"),
      ("cmdline", "\(proc)/\(thread.pid)/cmdline"), ("cgroup", "\(proc)/\(thread.pid)/cgroup"),
      ("mountinfo", "\(proc)/\(thread.pid)/mountinfo"),
    ]
    files += ["io", "memory", "cpu"].map { ("pressure-\($0)", "/proc/pressure/\($0)") }
    var index = Index(
      reason: "thread stuck in D", host: Host.name, time: Host.now(), pid: thread.pid, tid: thread.tid,
      command: thread.command, stuckSeconds: age)
    var extra: [String: [UInt8]] = [:]
    extra["process-tree"] = Array(tree.map { "\($0.pid) \($0.command)" }.joined(separator: "\n").utf8)
    if case .done(let size) = workers.run({ [proc] in readPrefix("\(proc)/\(thread.pid)/environ", limit: 1 << 20)?.count
    }) {
      extra["environ-size"] = Array("\(size ?? 0) bytes\n".utf8)  // the size only: environments hold secrets
    }
    extra["store-mounts"] = storeMounts(stores)
    extra["store-images"] = Array(
      stores.map { "\($0): " + listing($0 + "/images").joined(separator: " ") }
        .joined(separator: "\n").utf8)
    return write(&index, files: files, extra: extra, workers: workers) { index, contents in
      index.container = containerID(fromCgroup: contents["cgroup"])
    }
  }

  /// Writes a bundle about a store whose probe failed.
  func write(probeFailure store: String, reason: String, stores: [String], workers: BoundedWorkers) -> String? {
    var index = Index(reason: "store probe: \(reason)", host: Host.name, time: Host.now(), store: store)
    let files = ["io", "memory", "cpu"].map { ("pressure-\($0)", "/proc/pressure/\($0)") }
    return write(&index, files: files, extra: ["store-mounts": storeMounts(stores)], workers: workers) { _, _ in }
  }

  private func write(
    _ index: inout Index, files: [(String, String)], extra: [String: [UInt8]], workers: BoundedWorkers,
    finish: (inout Index, [String: [UInt8]]) -> Void
  ) -> String? {
    let name = Host.stamp() + "-" + (index.tid.map { "tid\($0)" } ?? "probe")
    let temporary = directory.appending(path: ".tmp-" + name)
    guard (try? FileManager.default.createDirectory(atPath: temporary, withIntermediateDirectories: true)) != nil
    else { return nil }
    var contents = extra
    for (file, path) in files {
      switch workers.read(path) {
      case .done(let bytes?): contents[file] = bytes
      case .done(nil): index.files[file] = "unreadable"
      case .timedOut: index.files[file] = "timed out"
      case .refused: index.files[file] = "refused: readers blocked"
      }
    }
    if sysrq, writeExisting("/proc/sysrq-trigger", "w") {
      index.files["sysrq-w"] = "ok: the blocked-task dump is in kernel-log"
    }
    contents["kernel-log"] = kernelLogTail()
    finish(&index, contents)
    for (file, bytes) in contents {
      guard writeNew(temporary.appending(path: file), bytes) else { continue }
      index.files[file] = index.files[file] ?? "ok"
    }
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    encoder.keyEncodingStrategy = .convertToSnakeCase
    guard let json = try? encoder.encode(index),
      writeNew(temporary.appending(path: "index.json"), Array(json))
    else { return nil }
    let final = directory.appending(path: name)
    guard rename(temporary, final) == 0 else { return nil }
    prune()
    return final
  }

  /// Removes the oldest bundles (names start with a timestamp) past the bounds.
  func prune() {
    var bundles = listing(directory).filter { !$0.hasPrefix(".") }.sorted().map { directory.appending(path: $0) }
    var sizes = bundles.map { bundle in
      listing(bundle).reduce(Int64(0)) {
        $0 + Int64((try? FileSystem.lstatIfPresent(bundle + "/" + $1))??.st_size ?? 0)
      }
    }
    while bundles.count > maxCount || (sizes.reduce(0, +) > maxBytes && bundles.count > 1) {
      try? FileSystem.removeTree(bundles.removeFirst())
      sizes.removeFirst()
    }
  }

  private func storeMounts(_ stores: [String]) -> [UInt8] {
    let lines = (readPrefix("/proc/self/mountinfo", limit: 4 << 20).map { String(decoding: $0, as: UTF8.self) } ?? "")
      .split(separator: "\n").filter { line in
        // The mount holding a store, and mounts inside it (images' rootfs).
        let point = line.split(separator: " ").dropFirst(4).first.map(String.init) ?? ""
        return stores.contains { $0.hasPrefix(point == "/" ? "/" : point + "/") || point.hasPrefix($0) }
      }
    return Array(lines.joined(separator: "\n").utf8)
  }

  /// The last 64 KiB of the kernel log (klogctl), or nothing where it is not allowed.
  private func kernelLogTail() -> [UInt8] {
    let size = Int(groot_klogctl(10, nil, 0))  // SYSLOG_ACTION_SIZE_BUFFER
    guard size > 0 else { return [] }
    var buffer = [CChar](repeating: 0, count: size)
    let count = Int(groot_klogctl(3, &buffer, Int32(size)))  // SYSLOG_ACTION_READ_ALL
    guard count > 0 else { return [] }
    return buffer[max(0, count - (64 << 10))..<count].map { UInt8(bitPattern: $0) }
  }
}

private func listing(_ directory: String) -> [String] { (try? FileSystem.listDirectory(directory)) ?? [] }

/// Creates `path` with `bytes` (a bundle's file: no fsync, the rename publishes).
private func writeNew(_ path: String, _ bytes: [UInt8]) -> Bool {
  let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
  guard fd >= 0 else { return false }
  defer { close(fd) }
  return bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) } == bytes.count
}

/// Writes `text` to a file that must exist (a /proc switch).
private func writeExisting(_ path: String, _ text: String) -> Bool {
  let fd = open(path, O_WRONLY | O_CLOEXEC)
  guard fd >= 0 else { return false }
  defer { close(fd) }
  return write(fd, text, text.utf8.count) == text.utf8.count
}

/// The container a cgroup path names (Garden's handles and runc's ids are its last part).
func containerID(fromCgroup contents: [UInt8]?) -> String? {
  guard let contents else { return nil }
  let line = String(decoding: contents, as: UTF8.self).split(separator: "\n").first ?? ""
  let path = line.split(separator: ":", maxSplits: 2).last ?? ""
  let last = path.split(separator: "/").last.map(String.init)
  return last.flatMap { $0.isEmpty || $0.hasSuffix(".slice") || $0 == "init.scope" ? nil : $0 }
}

enum Host {
  static let name: String = {
    var buffer = [UInt8](repeating: 0, count: 256)
    gethostname(&buffer, buffer.count)
    return String(decoding: buffer.prefix { $0 != 0 }, as: UTF8.self)
  }()

  static func now() -> String { ISO8601DateFormatter().string(from: Date()) }

  /// A name part that sorts by time.
  static func stamp() -> String {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    return "\(now.tv_sec)-" + String(now.tv_nsec, zeroPaddedTo: 9)
  }
}
