/// One entry of a layer, as read from a tar stream or a directory on disk.
public struct LayerEntry {
  public enum Kind: Equatable {
    case regular
    case directory
    case symlink(target: String)
    case hardlink(target: String)
    case characterDevice(major: UInt32, minor: UInt32)
    case blockDevice(major: UInt32, minor: UInt32)
    case fifo
  }

  public var path: String
  public var kind: Kind
  /// Permission bits, including setuid, setgid and sticky.
  public var permissions: UInt32
  public var uid: UInt32
  public var gid: UInt32
  public var modificationTime: (seconds: Int, nanoseconds: Int)
  public var size: Int64
  public var xattrs: [(name: String, value: [UInt8])]
}

/// A source of layer entries whose regular files' data follows each header.
public protocol LayerEntryReader: AnyObject {
  func next() throws -> LayerEntry?
  /// Reads the current entry's data; 0 at its end.
  func readData(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
  /// Reads what follows the archive's end (tar padding), so digest checks see it.
  func finish() throws
}
