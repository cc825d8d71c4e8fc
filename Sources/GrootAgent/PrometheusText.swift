import Foundation

/// The Prometheus text exposition format (version 0.0.4) of a snapshot.
struct PrometheusText {
  private var lines: [String] = []
  private var declared = Set<String>()
  private let common: [(String, String)]

  init(labels: [String: String]) {
    common = labels.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
  }

  static func render(_ snapshot: Folder.Snapshot, watchdog: Watchdog.Snapshot? = nil) -> String {
    var text = PrometheusText(labels: snapshot.labels)
    text.sample("groot_agent_up", "gauge", "1 while the agent runs.", [], 1)
    for (store, totals) in snapshot.stores.sorted(by: { $0.key < $1.key }) {
      let storeLabel = [("store", store)]
      for (key, count) in totals.operations.sorted(by: { $0.key < $1.key }) {
        let parts = key.split(separator: " ").map(String.init)
        text.sample(
          "groot_operations_total", "counter", "groot commands run, by operation and outcome (traffic).",
          storeLabel + [("operation", parts[0]), ("outcome", parts[1])], Double(count))
      }
      for (key, count) in totals.errors.sorted(by: { $0.key < $1.key }) {
        let parts = key.split(separator: " ").map(String.init)
        text.sample(
          "groot_errors_total", "counter", "Failed groot commands, by operation and error kind.",
          storeLabel + [("operation", parts[0]), ("kind", parts[1])], Double(count))
      }
      text.sample(
        "groot_bytes_fetched_total", "counter", "Layer blob bytes read.", storeLabel, Double(totals.bytesFetched))
      text.sample(
        "groot_bytes_unpacked_total", "counter", "File bytes unpacked.", storeLabel, Double(totals.bytesUnpacked))
      text.sample(
        "groot_layers_reused_total", "counter", "Layers found in the store.", storeLabel, Double(totals.layersReused))
      text.sample(
        "groot_layers_unpacked_total", "counter", "Layers unpacked.", storeLabel, Double(totals.layersUnpacked))
      text.sample(
        "groot_journal_malformed_lines_total", "counter", "Journal lines that could not be read.", storeLabel,
        Double(totals.malformedLines))
      for (operation, histogram) in totals.durations.sorted(by: { $0.key < $1.key }) {
        let family = MetricFamily.duration(of: operation)
        let labels = storeLabel + family.labels
        text.declare(family.name, "histogram", "Duration of groot \(operation), seconds.")
        for (index, bound) in MetricFamily.bounds.enumerated() {
          text.line(family.name + "_bucket", labels + [("le", Self.number(bound))], Double(histogram.buckets[index]))
        }
        text.line(family.name + "_bucket", labels + [("le", "+Inf")], Double(histogram.count))
        text.line(family.name + "_sum", labels, histogram.sum)
        text.line(family.name + "_count", labels, Double(histogram.count))
      }
    }
    for (window, summaries) in [("current", snapshot.currentWindow), ("last", snapshot.lastWindow)] {
      for (operation, summary) in summaries.sorted(by: { $0.key < $1.key }) {
        let family = MetricFamily.duration(of: operation)
        let labels = family.labels + [("window", window)]
        text.sample(
          family.name + "_max", "gauge", "Exact maximum duration in the window, seconds.", labels, summary.max)
        for (quantile, value) in [
          ("0.5", summary.p50), ("0.9", summary.p90), ("0.99", summary.p99), ("0.999", summary.p999),
        ] {
          text.sample(
            family.name + "_window_quantile", "gauge", "Duration quantiles in the window (HDR, 3 digits), seconds.",
            labels + [("quantile", quantile)], value)
        }
        text.sample(family.name + "_window_count", "gauge", "Operations in the window.", labels, Double(summary.count))
      }
    }
    for (store, saturation) in snapshot.saturation.sorted(by: { $0.key < $1.key }) {
      let labels = [("store", store)]
      text.sample(
        "groot_store_capacity_bytes", "gauge", "Size of the store's file system.", labels,
        Double(saturation.capacityBytes))
      text.sample(
        "groot_store_used_bytes", "gauge", "Bytes used on the store's file system.", labels,
        Double(saturation.usedBytes))
      text.sample(
        "groot_store_free_inodes", "gauge", "Free inodes on the store's file system.", labels,
        Double(saturation.freeInodes))
      text.sample("groot_store_layers", "gauge", "Layers in the store.", labels, Double(saturation.layers))
      text.sample("groot_store_images", "gauge", "Images in the store.", labels, Double(saturation.images))
      text.sample(
        "groot_disk_cache_percentage", "gauge", "Layer cache as a percentage of capacity (DiskCachePercentage).",
        labels, saturation.cachePercentage)
      text.sample(
        "groot_disk_committed_percentage", "gauge",
        "Images' disk limits as a percentage of capacity (DiskCommittedPercentage).", labels,
        saturation.committedPercentage)
    }
    if let watchdog { text.watchdog(watchdog) }
    return text.lines.joined(separator: "\n") + "\n"
  }

  /// The watchdog's figures: D-state threads, stuck threads, detections, the sampler's own health, probes.
  private mutating func watchdog(_ w: Watchdog.Snapshot) {
    sample(
      "groot_dstate_threads", "gauge", "Watched threads in uninterruptible sleep (D) now.", [], Double(w.threadsInD))
    sample(
      "groot_stuck_threads", "gauge", "Threads stuck in D now (context switches unchanged past the threshold).", [],
      Double(w.stuck.count))
    for (command, count) in Dictionary(grouping: w.stuck, by: \.command).mapValues(\.count).sorted(by: {
      $0.key < $1.key
    }) {
      sample(
        "groot_stuck_threads_by_command", "gauge", "Threads stuck in D now, by command name.", [("command", command)],
        Double(count))
    }
    declare("groot_dstate_age_seconds", "histogram", "How long each thread in D now has been there, seconds.")
    for (index, bound) in Watchdog.ageBounds.enumerated() {
      line("groot_dstate_age_seconds_bucket", [("le", Self.number(bound))], Double(w.ageBuckets[index]))
    }
    line("groot_dstate_age_seconds_bucket", [("le", "+Inf")], Double(w.threadsInD))
    line("groot_dstate_age_seconds_count", [], Double(w.threadsInD))
    sample(
      "groot_stuck_detections_total", "counter", "Threads found stuck in D (each once).", [], Double(w.detectionsTotal))
    sample("groot_watchdog_samples_total", "counter", "Samples of every thread taken.", [], Double(w.samplesTotal))
    sample(
      "groot_watchdog_overruns_total", "counter", "Samples that took longer than the interval.", [],
      Double(w.overrunsTotal))
    sample("groot_watchdog_sample_seconds", "gauge", "Duration of the last sample, seconds.", [], w.lastSampleSeconds)
    sample("groot_watchdog_sample_seconds_max", "gauge", "Longest sample since start, seconds.", [], w.maxSampleSeconds)
    sample(
      "groot_watchdog_blocked_workers", "gauge", "Reads of /proc given up on and still blocked.", [],
      Double(w.blockedWorkers))
    sample(
      "groot_watchdog_abandoned_reads_total", "counter", "Reads of /proc that timed out.", [],
      Double(w.abandonedReadsTotal))
    sample("groot_watchdog_bundles_total", "counter", "Evidence bundles written.", [], Double(w.bundlesTotal))
    for outcome in Alerter.Outcome.allCases {
      sample(
        "groot_watchdog_alerts_total", "counter", "Alerts, by outcome.", [("outcome", outcome.rawValue)],
        Double(w.alerts[outcome.rawValue] ?? 0))
    }
    for (store, probe) in w.probes.sorted(by: { $0.key < $1.key }) {
      let labels = [("store", store)]
      sample(
        "groot_store_probe_healthy", "gauge",
        "1 if the store's last liveness probe wrote, synced and removed its file in time.", labels,
        probe.healthy ? 1 : 0)
      sample(
        "groot_store_probe_failures_total", "counter", "Store liveness probes that failed or timed out.", labels,
        Double(probe.failuresTotal))
      sample("groot_store_probes_total", "counter", "Store liveness probes run.", labels, Double(probe.probesTotal))
    }
  }

  private mutating func declare(_ name: String, _ type: String, _ help: String) {
    guard declared.insert(name).inserted else { return }
    lines.append("# HELP \(name) \(help)")
    lines.append("# TYPE \(name) \(type)")
  }

  private mutating func sample(
    _ name: String, _ type: String, _ help: String, _ labels: [(String, String)], _ value: Double
  ) {
    declare(name, type, help)
    line(name, labels, value)
  }

  private mutating func line(_ name: String, _ labels: [(String, String)], _ value: Double) {
    let all = common + labels
    let rendered = all.isEmpty ? "" : "{" + all.map { "\($0.0)=\"\(Self.escape($0.1))\"" }.joined(separator: ",") + "}"
    lines.append("\(name)\(rendered) \(Self.number(value))")
  }

  static func number(_ value: Double) -> String {
    if value == value.rounded() && abs(value) < 1e15 { return String(Int64(value)) }
    return String(value)
  }

  static func escape(_ value: String) -> String {
    value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
      .replacingOccurrences(of: "\n", with: "\\n")
  }
}
