import GrootDriver
import GrootIO
import GrootReference
import GrootSource

/// What the commands reach outside themselves through: snapshotters, image
/// sources, and the launcher of background groot commands. The executable takes
/// the real ones; unit tests give fakes (no root, no mounts, no network).
public struct Dependencies: Sendable {
  /// The snapshotter a store's driver names.
  public var snapshotter: @Sendable (String) throws -> Snapshotter = Snapshotters.named
  /// Where an image reference is read from.
  public var source: @Sendable (ImageReference, SourceOptions) throws -> ImageSource = {
    try ImageSources.source(for: $0, registry: $1)
  }
  /// Starts `groot ARGUMENTS…` detached, logging to a file if given.
  public var startInBackground: @Sendable ([String], String?) throws -> Void = { arguments, log in
    try Subprocess.startDetached("/proc/self/exe", arguments, log: log)
  }

  public init() {}
}
