import Foundation

/// Writes ustar archives byte by byte, so tests and benchmarks can make layers no
/// well-behaved tool would: `..` names, absolute paths, links that point out.
public struct TarWriter {
  public private(set) var bytes: [UInt8] = []

  public init() {}

  public enum TypeFlag: UInt8 {
    case file = 0x30
    case hardlink = 0x31
    case symlink = 0x32
    case character = 0x33
    case directory = 0x35
    case fifo = 0x36
  }

  public mutating func file(_ name: String, _ content: String = "", mode: Int = 0o644, uid: Int = 0) {
    let data = Array(content.utf8)
    header(name, type: .file, size: data.count, mode: mode, uid: uid)
    bytes += data
    bytes += [UInt8](repeating: 0, count: (512 - data.count % 512) % 512)
  }

  public mutating func directory(_ name: String, mode: Int = 0o755) {
    header(name, type: .directory, mode: mode)
  }

  public mutating func symlink(_ name: String, to target: String) {
    header(name, type: .symlink, mode: 0o777, link: target)
  }

  public mutating func hardlink(_ name: String, to target: String) {
    header(name, type: .hardlink, link: target)
  }

  /// The end-of-archive marker.
  public func archive() -> [UInt8] { bytes + [UInt8](repeating: 0, count: 1024) }

  private mutating func header(
    _ name: String, type: TypeFlag, size: Int = 0, mode: Int = 0o644, uid: Int = 0, link: String = ""
  ) {
    var block = [UInt8](repeating: 0, count: 512)
    func put(_ string: String, at offset: Int, length: Int) {
      for (index, byte) in string.utf8.prefix(length).enumerated() { block[offset + index] = byte }
    }
    func octal(_ value: Int, at offset: Int, length: Int) {
      put(String(format: "%0\(length - 1)o", value), at: offset, length: length - 1)
    }
    precondition(name.utf8.count <= 100 && link.utf8.count <= 100, "ustar names are at most 100 bytes")
    put(name, at: 0, length: 100)
    octal(mode, at: 100, length: 8)
    octal(uid, at: 108, length: 8)
    octal(0, at: 116, length: 8)
    octal(size, at: 124, length: 12)
    octal(1_500_000_000, at: 136, length: 12)
    put("        ", at: 148, length: 8)
    block[156] = type.rawValue
    put(link, at: 157, length: 100)
    put("ustar", at: 257, length: 6)
    put("00", at: 263, length: 2)
    let checksum = block.reduce(0) { $0 + Int($1) }
    put(String(format: "%06o", checksum) + "\0 ", at: 148, length: 8)
    bytes += block
  }
}
