/// Tells threads stuck in uninterruptible sleep from threads passing through it,
/// as the kernel's hung-task detector does: a thread is stuck once it has stayed in
/// D with its context-switch count unchanged for longer than the threshold. A
/// thread that switched, even once, starts over; busy I/O never adds up.
struct StuckDetector: Sendable {
  struct Tracked: Sendable {
    var sample: ThreadSample
    var switches: UInt64
    /// When it was first seen in D with these switches.
    var since: Double
    var reported = false
  }

  struct Update: Sendable {
    /// Threads in D now (stuck or not).
    var inD: [ThreadSample] = []
    /// Stuck threads now, with their seconds in D.
    var stuck: [(ThreadSample, Double)] = []
    /// Threads that became stuck in this sample: one report each.
    var newlyStuck: [(ThreadSample, Double)] = []
    /// Ages in D of every thread in D now, for the histogram.
    var ages: [Double] = []
  }

  let threshold: Double
  private(set) var tracked: [ThreadSample.Key: Tracked] = [:]

  init(threshold: Double) { self.threshold = threshold }

  /// Folds one scan taken at `now`; `switches` gives a D thread's context switches.
  mutating func update(_ threads: [ThreadSample], at now: Double, switches: (ThreadSample) -> UInt64?) -> Update {
    var update = Update()
    var seen: [ThreadSample.Key: Tracked] = [:]
    for thread in threads where thread.state == "D" {
      guard let count = switches(thread) else { continue }
      var entry = tracked[thread.key] ?? Tracked(sample: thread, switches: count, since: now)
      if entry.switches != count {
        entry = Tracked(sample: thread, switches: count, since: now)
      }
      entry.sample = thread
      let age = now - entry.since
      update.inD.append(thread)
      update.ages.append(age)
      if age >= threshold {
        update.stuck.append((thread, age))
        if !entry.reported {
          update.newlyStuck.append((thread, age))
          entry.reported = true
        }
      }
      seen[thread.key] = entry
    }
    tracked = seen
    return update
  }
}
