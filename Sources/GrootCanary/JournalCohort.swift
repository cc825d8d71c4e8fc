import Foundation
import GrootTelemetry

extension Cohort {
  /// A cohort from its stores' journals, read offline: every operation that
  /// started in [since, until) (Unix seconds). An agent removes journal segments it
  /// has folded, so this sees what is still there; for longer ranges, read Prometheus.
  public static func fromJournals(stores: [String], since: Double, until: Double) -> Cohort {
    var cohort = Cohort()
    for store in stores {
      let reader = JournalReader(journal: Journal(store: store))
      var cursor = JournalCursor()
      while true {
        let batch = reader.read(from: cursor)
        for event in batch.events {
          let start = Double(event.startNanoseconds) / 1e9
          guard start >= since, start < until else { continue }
          var operation = cohort.operations[event.operation] ?? Operation()
          operation.latencies.append(event.durationSeconds)
          operation.starts.append(start)
          if event.outcome != .success {
            operation.failures += 1
            operation.failureStarts.append(start)
          }
          cohort.operations[event.operation] = operation
        }
        guard batch.cursor != cursor else { break }
        cursor = batch.cursor
      }
    }
    return cohort
  }
}
