import Foundation
import GrootIO

/// One groot command, as it appears in the store's journal: one JSON line.
public struct Event: Codable, Sendable, Equatable {
  public enum Outcome: String, Codable, Sendable {
    case success, failure
  }

  public var version = 1
  public var operation: String
  /// When the command started, nanoseconds since the Unix epoch.
  public var startNanoseconds: Int64
  public var durationSeconds: Double
  public var outcome: Outcome
  public var errorKind: String?
  public var error: String?
  public var image: String?
  public var imageID: String?
  public var store: String
  public var bytesFetched: Int64 = 0
  public var bytesUnpacked: Int64 = 0
  public var layersReused = 0
  public var layersUnpacked = 0
  public var pid: Int32

  enum CodingKeys: String, CodingKey {
    case version = "v"
    case operation = "op"
    case startNanoseconds = "start_ns"
    case durationSeconds = "duration_s"
    case outcome
    case errorKind = "error_kind"
    case error
    case image
    case imageID = "id"
    case store
    case bytesFetched = "bytes_fetched"
    case bytesUnpacked = "bytes_unpacked"
    case layersReused = "layers_reused"
    case layersUnpacked = "layers_unpacked"
    case pid
  }

  public init(operation: String, startNanoseconds: Int64, durationSeconds: Double, outcome: Outcome, store: String) {
    self.operation = operation
    self.startNanoseconds = startNanoseconds
    self.durationSeconds = durationSeconds
    self.outcome = outcome
    self.store = store
    self.pid = getpid()
  }
}

extension Event {
  /// The journal line: the bytes `JSONEncoder` writes (sorted keys, slashes as
  /// they are), without Codable (JSONText).
  public var jsonText: JSONText {
    .object([
      "v": .integer(Int64(version)), "op": .string(operation), "start_ns": .integer(startNanoseconds),
      "duration_s": .number(durationSeconds), "outcome": .string(outcome.rawValue),
      "error_kind": errorKind.map { .string($0) }, "error": error.map { .string($0) },
      "image": image.map { .string($0) }, "id": imageID.map { .string($0) }, "store": .string(store),
      "bytes_fetched": .integer(bytesFetched), "bytes_unpacked": .integer(bytesUnpacked),
      "layers_reused": .integer(Int64(layersReused)), "layers_unpacked": .integer(Int64(layersUnpacked)),
      "pid": .integer(Int64(pid)),
    ])
  }
}
