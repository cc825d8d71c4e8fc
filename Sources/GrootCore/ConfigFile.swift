import Foundation
import GrootIO
import Yams

/// GrootFS's YAML config file. Unknown keys are ignored, so a GrootFS config
/// works as it is.
public struct ConfigFile: Decodable, Equatable {
  public struct Create: Decodable, Equatable {
    public var withClean: Bool?
    public var withoutMount: Bool?
    public var diskLimitSizeBytes: Int64?
    public var excludeImageFromQuota: Bool?
    public var insecureRegistries: [String]?
    public var skipLayerValidation: Bool?
    public var registryCAFile: String?

    enum CodingKeys: String, CodingKey {
      case registryCAFile = "registry_ca_file"
      case withClean = "with_clean"
      case withoutMount = "without_mount"
      case diskLimitSizeBytes = "disk_limit_size_bytes"
      case excludeImageFromQuota = "exclude_image_from_quota"
      case insecureRegistries = "insecure_registries"
      case skipLayerValidation = "skip_layer_validation"
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

    enum CodingKeys: String, CodingKey {
      case storeSizeBytes = "store_size_bytes"
      case storeFileSystem = "store_filesystem"
    }
  }

  public var store: String?
  public var driver: String?
  public var logLevel: String?
  public var logFile: String?
  public var lockTimeoutSeconds: Double?
  public var journal: Bool?
  public var create: Create?
  public var clean: Clean?
  public var `init`: Init?

  enum CodingKeys: String, CodingKey {
    case store, driver, create, clean, `init`
    case logLevel = "log_level"
    case logFile = "log_file"
    case lockTimeoutSeconds = "lock_timeout_seconds"
    case journal
  }

  public init() {}

  public static func load(path: String) throws -> ConfigFile {
    let bytes: [UInt8]
    do {
      bytes = try FileSystem.readFile(path, limit: 1 << 20)
    } catch {
      throw CoreError.config(path: path, reason: "\(error)")
    }
    let text = String(decoding: bytes, as: UTF8.self)
    if text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return ConfigFile() }
    do {
      return try YAMLDecoder().decode(ConfigFile.self, from: text)
    } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
      let key = context.codingPath.map(\.stringValue).joined(separator: ".")
      throw CoreError.config(path: path, reason: "wrong type for '\(key)'")
    } catch {
      throw CoreError.config(path: path, reason: "not valid YAML")
    }
  }
}
