/// A range of user or group ids as in /proc/PID/uid_map: container ids
/// [containerID, containerID+size) become host ids [hostID, hostID+size).
public struct IDMapping: Codable, Equatable, Sendable {
  public var containerID: UInt32
  public var hostID: UInt32
  public var size: UInt32

  public init(containerID: UInt32, hostID: UInt32, size: UInt32) {
    self.containerID = containerID
    self.hostID = hostID
    self.size = size
  }

  /// Parses GrootFS's `CONTAINER:HOST:SIZE`.
  public init?(parsing text: String) {
    let parts = text.split(separator: ":").map { UInt32($0) }
    guard parts.count == 3, let c = parts[0], let h = parts[1], let s = parts[2], s > 0 else { return nil }
    self.init(containerID: c, hostID: h, size: s)
  }

  /// The host id container root maps to, if a mapping covers it.
  public static func hostID(ofRoot mappings: [IDMapping]) -> UInt32? {
    mappings.first { $0.containerID == 0 }?.hostID
  }

  /// Mappings as GrootFS compares them: `C:H:S` strings, sorted.
  public static func normalized(_ mappings: [IDMapping]) -> [String] {
    mappings.map { "\($0.containerID):\($0.hostID):\($0.size)" }.sorted()
  }

  /// Maps `id` through `mappings`; with no mappings ids are kept. Ids outside
  /// every range map to the overflow id 65534 (nobody), as the kernel shows them.
  public static func map(_ id: UInt32, through mappings: [IDMapping]) -> UInt32 {
    guard !mappings.isEmpty else { return id }
    for mapping in mappings where id >= mapping.containerID && id - mapping.containerID < mapping.size {
      return mapping.hostID + (id - mapping.containerID)
    }
    return 65534
  }
}
