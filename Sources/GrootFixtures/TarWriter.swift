import Foundation

/// Writes ustar archives byte by byte, so tests and benchmarks can make layers no
/// well-behaved tool would: `..` names, absolute paths, links that point out,
/// owners and mode bits of any kind, PAX and GNU extension headers.
public struct TarWriter {
  public private(set) var bytes: [UInt8] = []
  /// Modification time of every entry (fixed, so layers hash the same every run).
  public var modificationTime = 1_500_000_000

  public init() {}

  public enum TypeFlag: UInt8 {
    case file = 0x30
    case hardlink = 0x31
    case symlink = 0x32
    case character = 0x33
    case block = 0x34
    case directory = 0x35
    case fifo = 0x36
    case paxExtended = 0x78  // 'x': PAX records for the next entry
    case gnuLongName = 0x4c  // 'L': the next entry's name
  }

  public mutating func file(_ name: String, _ content: String = "", mode: Int = 0o644, uid: Int = 0, gid: Int = 0) {
    file(name, bytes: Array(content.utf8), mode: mode, uid: uid, gid: gid)
  }

  public mutating func file(_ name: String, bytes data: [UInt8], mode: Int = 0o644, uid: Int = 0, gid: Int = 0) {
    header(name, type: .file, size: data.count, mode: mode, uid: uid, gid: gid)
    append(data)
  }

  public mutating func directory(_ name: String, mode: Int = 0o755, uid: Int = 0, gid: Int = 0) {
    header(name, type: .directory, mode: mode, uid: uid, gid: gid)
  }

  public mutating func symlink(_ name: String, to target: String) {
    header(name, type: .symlink, mode: 0o777, link: target)
  }

  public mutating func hardlink(_ name: String, to target: String) {
    header(name, type: .hardlink, link: target)
  }

  public mutating func characterDevice(_ name: String, major: Int, minor: Int, mode: Int = 0o666) {
    header(name, type: .character, mode: mode, device: (major, minor))
  }

  public mutating func fifo(_ name: String, mode: Int = 0o644) {
    header(name, type: .fifo, mode: mode)
  }

  /// A PAX extended header (`x`) whose records apply to the entry that follows.
  public mutating func pax(_ records: [(String, String)]) {
    var data: [UInt8] = []
    for (key, value) in records {
      // "LEN key=value\n", where LEN counts its own digits too.
      let body = " \(key)=\(value)\n"
      var length = body.utf8.count + 1
      while "\(length)".utf8.count + body.utf8.count > length { length += 1 }
      data += Array("\(length)\(body)".utf8)
    }
    header("././@PaxHeader", type: .paxExtended, size: data.count)
    append(data)
  }

  /// A GNU long-name header (`L`): the next entry's name, of any length.
  public mutating func gnuLongName(_ name: String) {
    let data = Array(name.utf8) + [0]
    header("././@LongLink", type: .gnuLongName, size: data.count)
    append(data)
  }

  /// Raw bytes, for data that follows a header written by hand (sparse maps).
  public mutating func append(_ data: [UInt8]) {
    bytes += data
    bytes += [UInt8](repeating: 0, count: (512 - data.count % 512) % 512)
  }

  /// The end-of-archive marker.
  public func archive() -> [UInt8] { bytes + [UInt8](repeating: 0, count: 1024) }

  /// A header block. Names longer than 100 bytes need `gnuLongName` first.
  public mutating func header(
    _ name: String, type: TypeFlag, size: Int = 0, mode: Int = 0o644, uid: Int = 0, gid: Int = 0,
    link: String = "", device: (major: Int, minor: Int) = (0, 0)
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
    octal(gid, at: 116, length: 8)
    octal(size, at: 124, length: 12)
    octal(modificationTime, at: 136, length: 12)
    put("        ", at: 148, length: 8)
    block[156] = type.rawValue
    put(link, at: 157, length: 100)
    put("ustar", at: 257, length: 6)
    put("00", at: 263, length: 2)
    octal(device.major, at: 329, length: 8)
    octal(device.minor, at: 337, length: 8)
    let checksum = block.reduce(0) { $0 + Int($1) }
    put(String(format: "%06o", checksum) + "\0 ", at: 148, length: 8)
    bytes += block
  }
}

/// Reproducible bytes that do not compress: a xorshift stream from `seed`.
public func pseudoRandomBytes(count: Int, seed: UInt64) -> [UInt8] {
  var state = seed | 1
  var result = [UInt8](repeating: 0, count: count)
  var index = 0
  while index < count {
    state ^= state << 13
    state ^= state >> 7
    state ^= state << 17
    var word = state
    for _ in 0..<8 where index < count {
      result[index] = UInt8(truncatingIfNeeded: word)
      word >>= 8
      index += 1
    }
  }
  return result
}
