import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// One thread as `/proc/PID/task/TID/stat` shows it.
struct ThreadSample: Equatable, Sendable {
  /// A thread's identity: a tid the kernel reuses is a new thread, told apart by its start time.
  struct Key: Hashable, Sendable {
    let tid: Int32
    let startTime: UInt64
  }

  let pid: Int32
  let tid: Int32
  let command: String
  let state: Character
  let parent: Int32
  /// Clock ticks after boot (field 22).
  let startTime: UInt64

  var key: Key { Key(tid: tid, startTime: startTime) }

  /// Parses a stat line. The command is between the first "(" and the last ")",
  /// and may hold spaces and parentheses itself.
  init?(pid: Int32, stat: String) {
    guard let open = stat.firstIndex(of: "("), let close = stat.lastIndex(of: ")"), open < close,
      let tid = Int32(stat[..<open].trimmingCharacters(in: .whitespaces))
    else { return nil }
    let fields = stat[stat.index(after: close)...].split(separator: " ")
    guard fields.count > 19, let state = fields[0].first, let parent = Int32(fields[1]),
      let start = UInt64(fields[19])
    else { return nil }
    self.pid = pid
    self.tid = tid
    self.command = String(stat[stat.index(after: open)..<close])
    self.state = state
    self.parent = parent
    self.startTime = start
  }
}

/// Reads every thread's stat under a /proc root. Reading `stat` never waits on
/// a stuck thread's locks (unlike `cmdline` or `environ`), so the scan itself
/// cannot hang; what can is read through `BoundedReader`.
struct ThreadScan {
  let proc: String

  init(proc: String = "/proc") { self.proc = proc }

  func threads() -> [ThreadSample] {
    var samples: [ThreadSample] = []
    for pid in numericEntries(proc) {
      for tid in numericEntries("\(proc)/\(pid)/task") {
        guard let text = readSmall("\(proc)/\(pid)/task/\(tid)/stat"), let sample = ThreadSample(pid: pid, stat: text)
        else { continue }
        samples.append(sample)
      }
    }
    return samples
  }

  /// Voluntary plus involuntary context switches of a thread, from its status.
  func contextSwitches(pid: Int32, tid: Int32) -> UInt64? {
    guard let text = readSmall("\(proc)/\(pid)/task/\(tid)/status", limit: 8192) else { return nil }
    var total: UInt64 = 0
    var found = 0
    for line in text.split(separator: "\n")
    where line.hasPrefix("voluntary_ctxt_switches:") || line.hasPrefix("nonvoluntary_ctxt_switches:") {
      guard let value = UInt64(line.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) else { return nil }
      total += value
      found += 1
    }
    return found == 2 ? total : nil
  }

  private func numericEntries(_ directory: String) -> [Int32] {
    guard let dir = opendir(directory) else { return [] }
    defer { closedir(dir) }
    var result: [Int32] = []
    while let entry = readdir(dir) {
      let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
      if let number = Int32(name) { result.append(number) }
    }
    return result
  }
}

/// A small /proc file read whole with one read(2); nil if it is gone.
func readSmall(_ path: String, limit: Int = 4096) -> String? {
  let fd = open(path, O_RDONLY | O_CLOEXEC)
  guard fd >= 0 else { return nil }
  defer { close(fd) }
  var buffer = [UInt8](repeating: 0, count: limit)
  let count = read(fd, &buffer, limit)
  guard count > 0 else { return nil }
  return String(decoding: buffer[..<count], as: UTF8.self)
}
