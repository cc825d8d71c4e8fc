import Foundation
import GrootIO
import GrootOCI

/// What `create` prints: the parts of an OCI runtime spec (config.json) that the
/// image decides, for Garden or a hand-made runc bundle to merge.
public struct RuntimeSpecFragment: Encodable {
  public struct Root: Encodable {
    public var path: String
  }

  public struct Process: Encodable {
    public var env: [String]
  }

  public var root: Root
  public var process: Process
  public var mounts: [MountSpec]?
  public var annotations: Annotations?

  public init(rootPath: String, env: [String], mounts: [MountSpec]?, imageConfig: [UInt8]?) {
    self.root = Root(path: rootPath)
    self.process = Process(env: env)
    self.mounts = mounts
    self.annotations = imageConfig.map { ["image.config": String(decoding: $0, as: UTF8.self)] }
  }

  /// What create prints: the bytes `JSONEncoder` writes (sorted keys, slashes as
  /// they are), without Codable (JSONText).
  public func json() throws -> String {
    JSONText.object([
      "root": .object(["path": .string(root.path)]),
      "process": .object(["env": .strings(process.env)]),
      "mounts": mounts.map { mounts in
        .array(
          mounts.map { mount in
            .object([
              "destination": .string(mount.destination), "type": .string(mount.type),
              "source": .string(mount.source), "options": .strings(mount.options),
            ])
          })
      },
      "annotations": annotations.map { annotations in
        .object(annotations.pairs.map { JSONText.Member($0.key, .string($0.value)) })
      },
    ]).text
  }
}

/// What `stats` prints, in GrootFS's shape.
public struct ImageStatsOutput: Encodable {
  public struct DiskUsage: Encodable {
    public var totalBytesUsed: Int64
    public var exclusiveBytesUsed: Int64
    public var quotaSizeBytes: Int64
    public var committedSpaceBytes: Int64

    enum CodingKeys: String, CodingKey {
      case totalBytesUsed = "total_bytes_used"
      case exclusiveBytesUsed = "exclusive_bytes_used"
      case quotaSizeBytes = "quota_size_bytes"
      case committedSpaceBytes = "committed_space_bytes"
    }
  }

  public var diskUsage: DiskUsage

  enum CodingKeys: String, CodingKey {
    case diskUsage = "disk_usage"
  }

  public init(total: Int64, exclusive: Int64, quota: Int64, committed: Int64) {
    diskUsage = DiskUsage(
      totalBytesUsed: total, exclusiveBytesUsed: exclusive, quotaSizeBytes: quota, committedSpaceBytes: committed)
  }

  public func json() throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    return String(decoding: try encoder.encode(self), as: UTF8.self)
  }
}
