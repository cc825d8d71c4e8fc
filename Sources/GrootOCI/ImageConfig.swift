import Foundation

/// The parts of an image configuration that groot uses; the raw bytes are kept
/// beside it for the runtime spec's annotation.
public struct ImageConfig: Codable, Sendable {
  public struct Execution: Codable, Sendable {
    public var env: [String]?
    public var user: String?
    public var workingDir: String?

    enum CodingKeys: String, CodingKey {
      case env = "Env"
      case user = "User"
      case workingDir = "WorkingDir"
    }
  }

  public struct RootFS: Codable, Sendable {
    public var type: String
    public var diffIDs: [Digest]

    enum CodingKeys: String, CodingKey {
      case type
      case diffIDs = "diff_ids"
    }
  }

  public var config: Execution?
  public var rootfs: RootFS

  public var env: [String] { config?.env ?? [] }

  public static func decode(_ bytes: [UInt8]) throws(OCIError) -> ImageConfig {
    do {
      return try JSONDecoder().decode(ImageConfig.self, from: Data(bytes))
    } catch {
      throw .invalidDocument(what: "image config", reason: JSONErrorText.describe(error))
    }
  }
}
