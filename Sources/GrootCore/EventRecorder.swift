import Foundation
import GrootIO
import GrootTelemetry

/// Collects what one groot command did and appends it to the store's journal
/// when the command ends (success or failure), in one write.
public final class EventRecorder: @unchecked Sendable {
  /// groot runs one command per process; its recorder.
  public static let shared = EventRecorder()

  private let startNanoseconds: Int64
  private let startMonotonic: Double
  public var operation = "unknown"
  var store: String?
  var journalEnabled = true
  var image: String?
  var imageID: String?
  var pull = PullSummary()

  init() {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    startNanoseconds = Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
    startMonotonic = monotonicSeconds()
  }

  /// Writes the event. A store that does not exist (yet, or any more) has no
  /// journal to write to; a failed write is ignored: telemetry never fails a command.
  public func finish(error: Error?) {
    guard journalEnabled, let store, FileSystem.exists(store.appending(path: "store.json")) else { return }
    var event = Event(
      operation: operation, startNanoseconds: startNanoseconds, durationSeconds: monotonicSeconds() - startMonotonic,
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
