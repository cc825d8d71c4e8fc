import Foundation
import GrootFixtures
import GrootTelemetry
import Testing

/// groot's journal and groot-agent's metrics, checked against what was done.
@Suite("Telemetry")
struct AgentTests {
  static let empty = "oci://\(Project.image(.empty)):v0.1.1"

  /// Events in the store's journal.
  static func journal(_ store: TestStore) throws -> [Event] {
    let journal = Journal(store: store.path)
    return try journal.segments().flatMap { segment in
      try String(contentsOfFile: journal.segmentPath(segment), encoding: .utf8).split(separator: "\n").map {
        try JSONDecoder().decode(Event.self, from: Data($0.utf8))
      }
    }
  }

  @Test("counts, error kinds and the exact max match what was done")
  func metricsMatchCommands() throws {
    let store = try TestStore()
    let agent = try AgentProcess(store: store, arguments: ["--label", "cohort=new", "--window-seconds", "600"])
    for index in 0..<5 { _ = try store.create(Self.empty, "ok-\(index)") }
    for index in 0..<2 { #expect(try store.groot("delete", "ok-\(index)").status == 0) }
    #expect(try store.groot("create", Self.empty, "ok-2").status == 1)  // duplicate
    #expect(try store.groot("create", "oci://\(Project.image(.corrupted))", "bad").status == 1)
    #expect(try store.groot("create", "oci:///no/such/image", "gone").status == 1)

    let create = ["operation": "create", "cohort": "new"]
    try agent.waitFor("8 creates") {
      try (agent.metric("groot_image_creation_time_seconds_count") ?? 0) == 8
    }
    #expect(try agent.metric("groot_operations_total", create.merging(["outcome": "success"]) { $1 }) == 5)
    #expect(try agent.metric("groot_operations_total", create.merging(["outcome": "failure"]) { $1 }) == 3)
    #expect(try agent.metric("groot_operations_total", ["operation": "delete", "outcome": "success"]) == 2)
    for kind in ["image_exists", "digest_mismatch", "image_not_found"] {
      #expect(try agent.metric("groot_errors_total", ["operation": "create", "kind": kind]) == 1, "\(kind)")
    }
    // The max is the slowest create in the journal, to the last digit.
    let slowest = try Self.journal(store).filter { $0.operation == "create" }.map(\.durationSeconds).max()!
    #expect(try agent.metric("groot_image_creation_time_seconds_max", ["window": "current"]) == slowest)
    // Saturation is sampled every 5 s.
    try agent.waitFor("3 images in the store's sample") { try agent.metric("groot_store_images") == 3 }
    #expect(try agent.metric("groot_store_layers") == 2)
    #expect(try agent.get("/healthz").stdout == "ok\n\n200")
  }

  @Test("concurrent groot processes write whole journal lines")
  func concurrentWriters() throws {
    let store = try TestStore()
    DispatchQueue.concurrentPerform(iterations: 8) { _ in
      for _ in 0..<25 { _ = try? store.groot("list") }
    }
    let events = try Self.journal(store)  // every line decodes, or this throws
    #expect(events.filter { $0.operation == "list" }.count == 200)
    #expect(Set(events.map(\.pid)).count >= 200)
  }

  @Test("segments rotate by size; the agent reads them all and removes what it read")
  func rotation() throws {
    let store = try TestStore()
    let journal = Journal(store: store.path, maxSegmentBytes: 4096)
    DispatchQueue.concurrentPerform(iterations: 4) { writer in
      for index in 0..<125 {
        var event = Event(
          operation: "stats", startNanoseconds: 0, durationSeconds: Double(writer * 1000 + index) / 1e6,
          outcome: .success, store: store.path)
        event.imageID = "w\(writer)"
        journal.append(event)
      }
    }
    #expect(journal.segments().count > 5)
    let agent = try AgentProcess(store: store)
    try agent.waitFor("500 events") { try (agent.metric("groot_image_stats_time_seconds_count") ?? 0) == 500 }
    // Read segments go once they have been quiet for the grace period.
    try agent.waitFor("read segments removed") { journal.segments().count == 1 }
    #expect(try agent.metric("groot_image_stats_time_seconds_max", ["window": "current"]) == 3124 / 1e6)
  }

  @Test("an agent killed mid-file resumes without dropping or double-counting")
  func restart() throws {
    let store = try TestStore()
    var agent: AgentProcess? = try AgentProcess(store: store)
    for _ in 0..<20 { #expect(try store.groot("list").status == 0) }
    try agent!.waitFor("20 lists") {
      try (agent!.metric("groot_operations_total", ["operation": "list"]) ?? 0) == 20
    }
    agent!.kill(SIGKILL)
    agent = nil
    for _ in 0..<15 { #expect(try store.groot("list").status == 0) }
    let restarted = try AgentProcess(store: store)
    try restarted.waitFor("35 lists") {
      try (restarted.metric("groot_operations_total", ["operation": "list"]) ?? 0) >= 35
    }
    usleep(500_000)  // had anything been read twice, it would show by now
    #expect(try restarted.metric("groot_operations_total", ["operation": "list"]) == 35)
    restarted.kill(SIGTERM)
    #expect(restarted.process.terminationStatus == 0)
  }

  @Test("Prometheus scrapes the agent; max and p99 come back through its query API")
  func prometheus() throws {
    let store = try TestStore()
    let agent = try AgentProcess(store: store, arguments: ["--window-seconds", "600"])
    for index in 0..<6 { _ = try store.create(Self.empty, "p\(index)") }
    try agent.waitFor("6 creates") { try (agent.metric("groot_image_creation_time_seconds_count") ?? 0) == 6 }
    let max = try #require(try agent.metric("groot_image_creation_time_seconds_max", ["window": "current"]))
    let p99 = try #require(
      try agent.metric("groot_image_creation_time_seconds_window_quantile", ["window": "current", "quantile": "0.99"]))

    let server = try PrometheusServer(scraping: [agent], in: store.base)
    let query = server.query
    try agent.waitFor("Prometheus to scrape", timeout: 60) {
      try query(#"groot_image_creation_time_seconds_max{window="current"}"#) != nil
    }
    #expect(try query(#"max_over_time(groot_image_creation_time_seconds_max{window="current"}[5m])"#) == max)
    #expect(
      try query(#"groot_image_creation_time_seconds_window_quantile{window="current",quantile="0.99"}"#) == p99)
    #expect(try query(#"sum(groot_operations_total{operation="create"})"#) == 6)
  }
}

/// The agent's config file and its DogStatsD output, received on a real UDP socket.
@Suite("Telemetry: DogStatsD")
struct DogStatsDTests {
  @Test("events arrive as distributions tagged with operation, outcome and the config's labels")
  func dogstatsd() throws {
    let store = try TestStore()
    let (socket, port) = try LoopbackServer.bind(SOCK_DGRAM)
    defer { close(socket) }
    var timeout = timeval(tv_sec: 10, tv_usec: 0)
    setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))

    let config = store.base + "/agent.yml"
    try """
    stores: [\(store.path)]
    window_seconds: 30
    labels: {cohort: old, host: test-host}
    dogstatsd: 127.0.0.1:\(port)
    """.write(toFile: config, atomically: true, encoding: .utf8)
    let agent = try AgentProcess(store: store, arguments: ["--config", config])
    #expect(try store.groot("create", "oci:///no/such/image", "x").status == 1)

    var buffer = [UInt8](repeating: 0, count: 65536)
    var received = ""
    while !received.contains("operation:create") {
      let count = recv(socket, &buffer, buffer.count, 0)
      try #require(count > 0, "no DogStatsD packet")
      received += String(decoding: buffer[0..<count], as: UTF8.self) + "\n"
    }
    let line = try #require(
      received.split(separator: "\n").first { $0.contains("operation:create") && $0.contains("|d|") })
    #expect(line.hasPrefix("groot.operation.duration:"))
    for tag in ["outcome:failure", "error_kind:image_not_found", "cohort:old", "host:test-host"] {
      #expect(line.contains(tag), "\(line)")
    }
    // The config's labels are on the Prometheus series too.
    #expect(
      try agent.metric("groot_operations_total", ["cohort": "old", "host": "test-host", "operation": "create"]) == 1)
  }
}
