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
  /// The file's size; for a sparse file its real size, holes included.
  public var size: Int64
  public var xattrs: [(name: String, value: [UInt8])]
  /// Whether the file is sparse: its data is less than its size, the rest holes.
  public var isSparse = false
}

/// One piece of an entry's data and where it goes in the file; between pieces of
/// a sparse file lie holes, which are never written.
public struct DataBlock {
  public var offset: Int64
  public var bytes: UnsafeRawBufferPointer
}

/// A source of layer entries whose regular files' data follows each header.
public protocol LayerEntryReader: AnyObject {
  func next() throws -> LayerEntry?
  /// The next block of the current entry's data; nil at its end. The bytes are
  /// valid until the next call.
  func readBlock() throws -> DataBlock?
  /// Reads what follows the archive's end (tar padding), so digest checks see it.
  func finish() throws
}
