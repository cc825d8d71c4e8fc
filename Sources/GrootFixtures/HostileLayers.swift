/// Layers made to hurt the unpacker: what tests and the fuzzers' seed corpus use.
public enum HostileLayers {
  /// PAX sparse format 1.0: a `GNUSparseFile.0/` header whose 512-byte body is the
  /// map (one byte of data at the very end) and that byte, declaring a real size
  /// of about 90 TB. Written out, the holes would fill any disk.
  public static func sparse10Bomb(realSize: Int = 99_999_999_999_999) -> TarWriter {
    var tar = TarWriter()
    tar.pax([
      ("GNU.sparse.major", "1"), ("GNU.sparse.minor", "0"), ("GNU.sparse.name", "bomb"),
      ("GNU.sparse.realsize", "\(realSize)"),
    ])
    var body = Array("1\n\(realSize - 1)\n1\n".utf8)
    body += [UInt8](repeating: 0, count: 512 - body.count)
    body.append(0x78)  // the one data byte
    tar.header("GNUSparseFile.0/bomb", type: .file, size: body.count)
    tar.append(body)
    return tar
  }

  /// PAX sparse format 0.0 (numblocks with offset/numbytes pairs) or 0.1 (one
  /// `GNU.sparse.map`): a huge declared size, an absurd block count, one 1-byte block.
  public static func sparse0Bomb(minor: Int, size: Int = 999_999_999_999) -> TarWriter {
    var tar = TarWriter()
    var records: [(String, String)] = [("GNU.sparse.size", "\(size)"), ("GNU.sparse.numblocks", "999999999")]
    if minor == 0 {
      records += [("GNU.sparse.offset", "\(size - 1)"), ("GNU.sparse.numbytes", "1")]
    } else {
      records += [("GNU.sparse.map", "\(size - 1),1")]
    }
    records.append(("GNU.sparse.name", "bomb"))
    tar.pax(records)
    tar.header("bomb", type: .file, size: 1)
    tar.append([0x78])
    return tar
  }

  /// A real sparse file, as GNU tar --sparse writes it (format 1.0): `size` bytes
  /// with `data` at `offset` and holes elsewhere.
  public static func sparseFile(name: String, size: Int, offset: Int, data: [UInt8]) -> TarWriter {
    var tar = TarWriter()
    tar.pax([
      ("GNU.sparse.major", "1"), ("GNU.sparse.minor", "0"), ("GNU.sparse.name", name),
      ("GNU.sparse.realsize", "\(size)"),
    ])
    var body = Array("1\n\(offset)\n\(data.count)\n".utf8)
    body += [UInt8](repeating: 0, count: 512 - body.count)
    body += data
    tar.header("GNUSparseFile.0/\(name)", type: .file, size: body.count)
    tar.append(body)
    return tar
  }

  /// A chain of GNU long-name headers, each naming the next entry with `length` bytes of "L".
  public static func longNameChain(length: Int = 4096, links: Int = 3) -> TarWriter {
    var tar = TarWriter()
    for _ in 0..<links { tar.gnuLongName(String(repeating: "L", count: length)) }
    tar.header("short", type: .file, size: 0)
    return tar
  }
}
