import Foundation
import GrootIO
import Yams

/// GrootFS's YAML config file (its commands/config/builder.go), every key of it,
/// plus groot's own (driver, lock_timeout_seconds, journal, registry_ca_file,
/// max_layer_bytes, max_layer_entries, store_filesystem, clean.ignore_images). Unknown keys are ignored, so any
/// GrootFS config works as it is. Keys for tools groot does not run (tardis,
/// newuidmap, metron) are read and have no effect: docs/grootfs-compat.md.
public struct ConfigFile: Decodable, Equatable {
  public struct Create: Decodable, Equatable {
    public var withClean: Bool?
    public var withoutMount: Bool?
    public var diskLimitSizeBytes: Int64?
    public var excludeImageFromQuota: Bool?
    public var insecureRegistries: [String]?
    public var skipLayerValidation: Bool?
    public var registryCAFile: String?
    public var cleanLogFile: String?
    public var remoteLayerClientCertificatesPath: String?
    public var maxLayerBytes: Int64?
    public var maxLayerEntries: Int?

    enum CodingKeys: String, CodingKey {
      case registryCAFile = "registry_ca_file"
      case withClean = "with_clean"
      case withoutMount = "without_mount"
      case diskLimitSizeBytes = "disk_limit_size_bytes"
      case excludeImageFromQuota = "exclude_image_from_quota"
      case insecureRegistries = "insecure_registries"
      case skipLayerValidation = "skip_layer_validation"
      case cleanLogFile = "clean_log_file"
      case remoteLayerClientCertificatesPath = "remote_layer_client_certificates_path"
      case maxLayerBytes = "max_layer_bytes"
      case maxLayerEntries = "max_layer_entries"
    }
  }

  public struct Clean: Decodable, Equatable {
    public var thresholdBytes: Int64?
    public var ignoreImages: [String]?

    enum CodingKeys: String, CodingKey {
      case thresholdBytes = "threshold_bytes"
      case ignoreImages = "ignore_images"
    }
  }

  public struct Init: Decodable, Equatable {
    public var storeSizeBytes: Int64?
    public var storeFileSystem: String?
    public var withDirectIO: Bool?
    /// GrootFS reads these (left from its --rootless) and does nothing with them.
    public var ownerUser: String?
    public var ownerGroup: String?

    enum CodingKeys: String, CodingKey {
      case storeSizeBytes = "store_size_bytes"
      case storeFileSystem = "store_filesystem"
      case withDirectIO = "with_direct_io"
      case ownerUser = "owneruser"
      case ownerGroup = "ownergroup"
    }
  }

  public var store: String?
  public var driver: String?
  public var logLevel: String?
  public var logFile: String?
  public var logTimestampFormat: String?
  public var tardisBin: String?
  public var newuidmapBin: String?
  public var newgidmapBin: String?
  public var metronEndpoint: String?
  public var lockTimeoutSeconds: Double?
  public var journal: Bool?
  public var create: Create?
  public var clean: Clean?
  public var `init`: Init?

  enum CodingKeys: String, CodingKey {
    case store, driver, create, clean, `init`
    case logLevel = "log_level"
    case logFile = "log_file"
    case logTimestampFormat = "log_timestamp_format"
    case tardisBin = "tardis_bin"
    case newuidmapBin = "newuidmap_bin"
    case newgidmapBin = "newgidmap_bin"
    case metronEndpoint = "metron_endpoint"
    case lockTimeoutSeconds = "lock_timeout_seconds"
    case journal
  }

  public init() {}

  public static func load(path: String) throws -> ConfigFile {
    let bytes: [UInt8]
    do {
      bytes = try FileSystem.readFile(path, limit: 1 << 20)
    } catch {
      // GrootFS's words ("invalid config path: open …: no such file or directory").
      throw CoreError.config(path: path, reason: "invalid config path: \(error)")
    }
    let text = String(decoding: bytes, as: UTF8.self)
    if text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return ConfigFile() }
    if let node = try? Yams.compose(yaml: text), node.mapping == nil {
      throw CoreError.config(
        path: path, reason: "invalid config file \(path): expected keys such as 'store:' at the top level")
    }
    do {
      return try YAMLDecoder().decode(ConfigFile.self, from: text)
    } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
      let key = context.codingPath.map(\.stringValue).joined(separator: ".")
      throw CoreError.config(path: path, reason: "invalid config file \(path): wrong type for '\(key)'")
    } catch {
      throw CoreError.config(path: path, reason: "invalid config file \(path): not valid YAML")
    }
  }
}
