import Foundation
import GrootIO

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
      let fields = try JSONFields(JSONValue.parse(bytes))
      let rootfs = try fields.fields("rootfs")
      return ImageConfig(
        config: try fields.optionalFields("config").map { execution in
          Execution(
            env: try execution.optionalStrings("Env"), user: try execution.optionalString("User"),
            workingDir: try execution.optionalString("WorkingDir"))
        },
        rootfs: RootFS(
          type: try rootfs.string("type"),
          diffIDs: try rootfs.array("diff_ids") { try Digest(parsing: JSONFields.string($0, at: $1)) }))
    } catch {
      throw OCIError(documentError: error, what: "image config")
    }
  }
}
