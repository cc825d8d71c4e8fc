import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// One line of /proc/self/mountinfo.
public struct MountInfo: Equatable {
  public var mountPoint: String
  public var fileSystemType: String
  public var source: String
  public var superOptions: String
}

public enum MountTable {
  /// Mounts of this process's namespace, from /proc/self/mountinfo.
  public static func current() throws -> [MountInfo] {
    // Read to EOF (read(2) == 0): a proc file returns about a page per call, so a
    // short read is not the end.
    let text = String(decoding: try FileSystem.readFile("/proc/self/mountinfo", limit: 64 << 20), as: UTF8.self)
    return text.split(separator: "\n").compactMap(parse)
  }

  public static func isMountPoint(_ path: String) throws -> Bool {
    try current().contains { $0.mountPoint == path }
  }

  /// Mount points at or below `directory`.
  public static func mounts(under directory: String) throws -> [MountInfo] {
    try current().filter { $0.mountPoint == directory || $0.mountPoint.hasPrefix(directory + "/") }
  }

  static func parse(_ line: Substring) -> MountInfo? {
    let fields = line.split(separator: " ", omittingEmptySubsequences: false)
    guard let separator = fields.firstIndex(of: "-"), separator >= 6, fields.count >= separator + 4 else {
      return nil
    }
    return MountInfo(
      mountPoint: unescape(fields[4]), fileSystemType: String(fields[separator + 1]),
      source: unescape(fields[separator + 2]), superOptions: String(fields[separator + 3]))
  }

  /// mountinfo escapes space, tab, newline and backslash as \ooo.
  static func unescape(_ field: Substring) -> String {
    guard field.contains("\\") else { return String(field) }
    var bytes: [UInt8] = []
    var iterator = Array(field.utf8)[...]
    while let byte = iterator.popFirst() {
      if byte == UInt8(ascii: "\\"), iterator.count >= 3,
        let value = UInt8(String(decoding: iterator.prefix(3), as: UTF8.self), radix: 8)
      {
        bytes.append(value)
        iterator = iterator.dropFirst(3)
      } else {
        bytes.append(byte)
      }
    }
    return String(decoding: bytes, as: UTF8.self)
  }
}
