import Foundation
import GrootIO
import GrootTelemetry

/// Collects what one groot command did and appends it to the store's journal
/// when the command ends (success or failure), in one write. Made by the
/// executable for its one command and handed to the components that fill it.
public final class EventRecorder: @unchecked Sendable {
  private let clock: Clock
  private let startNanoseconds: Int64
  private let startMonotonic: Double
  public var operation = "unknown"
  var store: String?
  var journalEnabled = true
  var image: String?
  var imageID: String?
  var pull = PullSummary()

  /// The command's clock starts now.
  public init(clock: Clock = SystemClock()) {
    self.clock = clock
    startNanoseconds = clock.wallNanoseconds()
    startMonotonic = clock.monotonic()
  }

  /// Writes the event. A store that does not exist (yet, or any more) has no
  /// journal to write to; a failed write is ignored: telemetry never fails a command.
  public func finish(error: Error?) {
    guard journalEnabled, let store, FileSystem.exists(store.appending(path: "store.json")) else { return }
    var event = Event(
      operation: operation, startNanoseconds: startNanoseconds, durationSeconds: clock.monotonic() - startMonotonic,
      outcome: error == nil ? .success : .failure, store: store)
    if let error {
      event.errorKind = ErrorKind.of(error).rawValue
      event.error = "\(error)".split(separator: "\n").first.map(String.init)
    }
    event.image = image
    event.imageID = imageID
    event.bytesFetched = pull.bytesFetched
    event.bytesUnpacked = pull.bytesUnpacked
    event.layersReused = pull.layersReused
    event.layersUnpacked = pull.layersUnpacked
    Journal(store: store).append(event)
  }
}
