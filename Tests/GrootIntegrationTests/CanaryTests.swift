import Foundation
import Testing

/// groot-canary on two real stores' journals.
@Suite("groot-canary")
struct CanaryCommandTests {
  static var binary: String { Project.root + "/.build/debug/groot-canary" }
  static let image = "oci://\(Project.image(.busybox))"

  /// Create+delete cycles on every store in turn, so that load on the machine
  /// falls on all alike; a store in `failing` creates a corrupted image instead
  /// for its last `failures` cycles.
  static func traffic(_ stores: [TestStore], cycles: Int, failing: TestStore, failures: Int) throws {
    for index in 0..<cycles {
      for store in stores {
        if store === failing && index >= cycles - failures {
          _ = try store.groot("create", "oci://\(Project.image(.corrupted))", "c\(index)")
        } else {
          _ = try store.create(image, "c\(index)")
          _ = try store.groot("delete", "c\(index)")
        }
      }
    }
  }

  @Test("like for like: promote, exit 0; a canary whose creates fail: rollback, exit 1, naming the errors")
  func judgeFromJournals() throws {
    let baseline = try TestStore()
    let canary = try TestStore()
    let broken = try TestStore()
    try Self.traffic([baseline, canary, broken], cycles: 120, failing: broken, failures: 12)

    let same = try run(Self.binary, ["judge", "--baseline-store", baseline.path, "--canary-store", canary.path])
    #expect(same.status == 0, "\(same.stdout)")
    #expect(same.stdout.contains("verdict: promote"))

    let worse = try run(
      Self.binary, ["judge", "--baseline-store", baseline.path, "--canary-store", broken.path, "--format", "json"])
    #expect(worse.status == 1, "\(worse.stdout)")
    let judgement = try JSONSerialization.jsonObject(with: Data(worse.stdout.utf8)) as? [String: Any]
    #expect(judgement?["verdict"] as? String == "rollback")
    #expect((judgement?["reasons"] as? [String])?.contains { $0.hasPrefix("errors: create") } == true)

    // The HTML report, loaded in headless Chromium: verdict, cohorts, checks and charts in its DOM.
    let report = broken.base + "/report.html"
    let html = try run(
      Self.binary,
      [
        "judge", "--baseline-store", baseline.path, "--canary-store", broken.path, "--format", "html", "--output",
        report,
      ])
    #expect(html.status == 1 && html.stdout == "rollback\n")
    let dom = try DashboardTests.render("file://" + report, screenshot: broken.base + "/report.png")
    #expect(dom.contains("<span id=\"verdict\" class=\"rollback\">rollback</span>"))
    #expect(
      dom.contains("id=\"baseline-name\">\(baseline.path)<") && dom.contains("id=\"canary-name\">\(broken.path)<"))
    #expect(
      dom.contains("<tr data-signal=\"errors\" data-operation=\"create\">") && dom.contains("class=\"fail\">fail</td>"))
    for mark in [
      "data-cohort=\"baseline\"", "data-cohort=\"canary\"", "data-mark=\"baseline-p99\"", "data-mark=\"canary-max\"",
      "id=\"latency-create\"", "id=\"timeline-create\"", "data-failures=\"canary\"",
    ] {
      #expect(dom.contains(mark), "\(mark) missing from the report")
    }

    let none = try run(Self.binary, ["judge", "--baseline-store", baseline.path, "--canary-store", "/nonexistent"])
    #expect(none.status == 2, "a canary with no traffic is a hold: \(none.stdout)")
  }

  @Test("from Prometheus: two agents labelled by cohort; like for like promotes, a failing canary rolls back")
  func judgeFromPrometheus() throws {
    let baseline = try TestStore()
    let canary = try TestStore()
    let agents = try [("baseline", baseline), ("canary", canary)].map { cohort, store in
      try AgentProcess(store: store, arguments: ["--label", "cohort=\(cohort)", "--probe-interval", "3600"])
    }
    let prometheus = try PrometheusServer(scraping: agents, in: baseline.base)
    try Self.traffic([baseline, canary], cycles: 120, failing: canary, failures: 0)
    func scraped(_ creates: Double, _ cohort: String) throws -> Bool {
      try prometheus.query(#"sum(groot_operations_total{operation="create",cohort="\#(cohort)"})"#) == creates
    }
    try agents[0].waitFor("Prometheus to scrape both", timeout: 60) {
      try scraped(120, "baseline") && scraped(120, "canary")
    }
    let judge = ["judge", "--prometheus", prometheus.url, "--label", "cohort", "--last", "600"]
    let same = try run(Self.binary, judge)
    #expect(same.status == 0, "\(same.stdout)")

    for index in 0..<12 { _ = try canary.groot("create", "oci://\(Project.image(.corrupted))", "bad\(index)") }
    try agents[1].waitFor("Prometheus to scrape the failures", timeout: 60) { try scraped(132, "canary") }
    let worse = try run(Self.binary, judge)
    #expect(worse.status == 1, "\(worse.stdout)")
    #expect(worse.stdout.contains("errors: create failed"))

    // The dashboard's cohort view says the same, in a browser.
    let viewer = try TestStore()
    let dashboard = try AgentProcess(
      store: viewer, arguments: ["--cohort-prometheus", prometheus.url, "--probe-interval", "3600"])
    let dom = try DashboardTests.render("http://127.0.0.1:\(dashboard.port)/", screenshot: viewer.base + "/cohorts.png")
    #expect(dom.contains("<span id=\"cohort-verdict\" class=\"bad\">rollback</span>"), "no cohort verdict")
    #expect(DashboardTests.row(dom, table: "cohorts", key: "errors create")?.last == "fail")
  }

  @Test(
    "end to end: a proxy slows 1% of the canary's pulls by 700 ms; from Prometheus, rollback on the tail; promote once it is gone"
  )
  func slowTail() throws {
    let baseline = try TestStore()
    let canary = try TestStore()
    let registry = try TestRegistry(in: baseline.base)
    try registry.push(Project.image(.busybox), as: "busybox:1")
    // Each cohort pulls through a proxy of its own, so the hop costs both alike.
    let proxies = try [FaultProxy(upstream: registry.port), FaultProxy(upstream: registry.port)]
    let agents = try [("baseline", baseline), ("canary", canary)].map { cohort, store in
      try AgentProcess(store: store, arguments: ["--label", "cohort=\(cohort)", "--probe-interval", "3600"])
    }
    let prometheus = try PrometheusServer(scraping: agents, in: baseline.base)
    var created = 0
    func creates(_ count: Int) throws {
      for _ in 0..<count {
        for (store, proxy) in zip([baseline, canary], proxies) {
          let outcome = try store.groot([
            "create", "--without-mount", "--insecure-registry", proxy.host, "docker://\(proxy.host)/busybox:1",
            "c\(created)",
          ])
          try #require(outcome.status == 0, "\(outcome.stdout)")
        }
        created += 1
      }
      try agents[0].waitFor("Prometheus to scrape \(created) creates a cohort", timeout: 60) {
        try ["baseline", "canary"].allSatisfy { cohort in
          try prometheus.query(#"sum(groot_operations_total{operation="create",cohort="\#(cohort)"})"#)
            == Double(created)
        }
      }
    }
    func judge(last seconds: Int) throws -> Outcome {
      try run(
        Self.binary,
        ["judge", "--prometheus", prometheus.url, "--label", "cohort", "--last", "\(seconds)", "--format", "text"])
    }

    // Like for like: promote.
    try creates(300)
    let same = try judge(last: 600)
    #expect(same.status == 0, "\(same.stdout)")

    // Every 100th manifest the canary fetches comes 700 ms late: about 1% of its creates.
    usleep(4_000_000)  // a gap, so that the next range starts after these creates
    proxies[1].set(.slowManifests(every: 100, milliseconds: 700))
    let started = Date()
    try creates(2000)
    let slowed = try judge(last: Int(Date().timeIntervalSince(started)) + 2)
    #expect(slowed.status == 1, "\(slowed.stdout)")
    #expect(slowed.stdout.contains("latency tail: ") && slowed.stdout.contains("canary creates took longer"))
    #expect(!slowed.stdout.contains("errors: "), "\(slowed.stdout)")
    print(slowed.stdout)
    let report = baseline.base + "/slow.html"
    _ = try run(
      Self.binary,
      [
        "judge", "--prometheus", prometheus.url, "--last", "\(Int(Date().timeIntervalSince(started)) + 2)",
        "--format", "html", "--output", report,
      ])
    let html = try String(contentsOfFile: report, encoding: .utf8)
    #expect(html.contains("id=\"latency-create\"") && html.contains("id=\"timeline-create\""))

    // The slowdown removed: promote again.
    proxies[1].set(.none)
    usleep(4_000_000)
    let healed = Date()
    try creates(300)
    let after = try judge(last: Int(Date().timeIntervalSince(healed)) + 2)
    #expect(after.status == 0, "\(after.stdout)")
  }
}
