import Foundation

/// A distribution rootfs copied from this Debian host: chosen binaries with every
/// shared library `ldd` names, laid out as Debian lays them out (merged /usr:
/// `bin`, `lib`, `lib64` and `sbin` are symlinks into `usr/`), so a process run in
/// it goes through the dynamic loader and the directory symlinks for real.
public enum HostRootfs {
  /// dash and coreutils to run, su for a setuid binary.
  public static let binaries = [
    "/usr/bin/dash", "/usr/bin/cat", "/usr/bin/ls", "/usr/bin/id", "/usr/bin/touch", "/usr/bin/su",
  ]

  public static func debian() throws -> TarWriter {
    var entries = Entries()
    for directory in ["usr", "usr/bin", "usr/sbin", "usr/lib", "usr/lib64", "etc", "dev", "proc", "sys", "home", "var"]
    {
      entries.directory(directory)
    }
    entries.directory("root", mode: 0o700)
    entries.directory("tmp", mode: 0o1777)
    for (link, target) in [("bin", "usr/bin"), ("lib", "usr/lib"), ("lib64", "usr/lib64"), ("sbin", "usr/sbin")] {
      entries.symlink(link, to: target)
    }
    for binary in binaries {
      try entries.copy(binary)
      for library in try sharedLibraries(of: binary) { try entries.copy(library) }
    }
    entries.symlink("usr/bin/sh", to: "dash")
    for file in ["/etc/debian_version", "/etc/os-release"] { try entries.copy(file) }
    entries.file("etc/passwd", Array("root:x:0:0:root:/root:/bin/sh\nvcap:x:2000:2000::/home/vcap:/bin/sh\n".utf8))
    entries.file("etc/group", Array("root:x:0:\nvcap:x:2000:\n".utf8))
    return entries.tar()
  }

  /// The libraries `ldd` says `binary` loads, the loader included.
  static func sharedLibraries(of binary: String) throws -> [String] {
    let process = Process()
    let output = Pipe()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/ldd")
    process.arguments = [binary]
    process.standardOutput = output
    try process.run()
    let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    // "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x…)" or "/lib64/ld-linux-x86-64.so.2 (0x…)".
    return text.split(separator: "\n").compactMap { line in
      line.split(whereSeparator: \.isWhitespace).map(String.init).first { $0.hasPrefix("/") }
    }
  }

  /// Tar entries by path, written parents first.
  struct Entries {
    enum Kind {
      case directory(mode: Int)
      case file(bytes: [UInt8], mode: Int)
      case symlink(String)
    }
    var byPath: [String: Kind] = [:]

    mutating func directory(_ path: String, mode: Int = 0o755) { byPath[path] = .directory(mode: mode) }
    mutating func file(_ path: String, _ bytes: [UInt8], mode: Int = 0o644) {
      byPath[path] = .file(bytes: bytes, mode: mode)
    }
    mutating func symlink(_ path: String, to target: String) { byPath[path] = .symlink(target) }

    /// Copies a host path (symlinks kept as symlinks, then followed) to where the
    /// merged-/usr layout puts it.
    mutating func copy(_ hostPath: String) throws {
      var path = hostPath
      for _ in 0..<16 {
        let inImage = Self.merged(path)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        if attributes[.type] as? FileAttributeType == .typeSymbolicLink {
          let target = try FileManager.default.destinationOfSymbolicLink(atPath: path)
          symlink(inImage, to: target)
          path = target.hasPrefix("/") ? target : (path as NSString).deletingLastPathComponent + "/" + target
          continue
        }
        let mode = (attributes[.posixPermissions] as? Int ?? 0o644) & 0o7777
        file(inImage, Array(try Data(contentsOf: URL(fileURLWithPath: path))), mode: mode)
        return
      }
    }

    /// `/lib/x/y` → `usr/lib/x/y`: the path inside the image, relative.
    static func merged(_ path: String) -> String {
      // Lexically, without resolving symlinks: the host's own /lib is one.
      var parts: [Substring] = []
      for part in path.split(separator: "/") where part != "." {
        if part == ".." { _ = parts.popLast() } else { parts.append(part) }
      }
      let standard = "/" + parts.joined(separator: "/")
      for top in ["/bin/", "/lib/", "/lib64/", "/sbin/"] where standard.hasPrefix(top) {
        return "usr" + standard
      }
      return String(standard.dropFirst())
    }

    func tar() -> TarWriter {
      var tar = TarWriter()
      tar.directory(".")
      var written = Set<String>()
      for path in byPath.keys.sorted() {
        // Parents the copies needed but nobody listed.
        var parent = ""
        for component in path.split(separator: "/").dropLast() {
          parent += (parent.isEmpty ? "" : "/") + component
          if byPath[parent] == nil, written.insert(parent).inserted { tar.directory(parent) }
        }
        written.insert(path)
        switch byPath[path]! {
        case .directory(let mode): tar.directory(path, mode: mode)
        case .file(let bytes, let mode): tar.file(path, bytes: bytes, mode: mode)
        case .symlink(let target): tar.symlink(path, to: target)
        }
      }
      return tar
    }
  }
}
