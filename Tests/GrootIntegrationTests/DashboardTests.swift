import Foundation
import Testing

/// The agent's dashboard, loaded in headless Chromium (Debian's), checked in the DOM
/// the page built from the agent's live figures.
@Suite("Dashboard")
struct DashboardTests {
  /// The DOM after the page's scripts ran, and a screenshot of it.
  static func render(_ url: String, screenshot: String) throws -> String {
    let common = [
      "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=5000", "--window-size=1280,900",
    ]
    let shot = try run("/usr/bin/chromium", common + ["--screenshot=\(screenshot)", url])
    guard shot.status == 0 else { throw TestFailure("chromium: \(shot.stderr)") }
    return try run("/usr/bin/chromium", common + ["--dump-dom", url]).stdout
  }

  /// The text of the cells of the row `key` in table `table`.
  static func row(_ dom: String, table: String, key: String) -> [String]? {
    guard let start = dom.range(of: "<table id=\"\(table)\"") else { return nil }
    let rest = dom[start.upperBound...]
    guard let end = rest.range(of: "</table>"), let tr = rest[..<end.lowerBound].range(of: "<tr data-key=\"\(key)\">")
    else { return nil }
    let cells = rest[tr.upperBound...].prefix { _ in true }
    let close = cells.range(of: "</tr>")!
    return cells[..<close.lowerBound].components(separatedBy: "<td").dropFirst().map { part in
      let text = part.drop { $0 != ">" }.dropFirst()
      return String(text.prefix { $0 != "<" })
    }
  }

  @Test("the four golden signals, max and p99 beside p50, the watchdog and the probe, live in a browser")
  func dashboard() throws {
    let store = try TestStore()
    let agent = try AgentProcess(store: store, arguments: ["--label", "cohort=canary", "--probe-interval", "1"])
    for index in 0..<5 { _ = try store.create("oci://\(Project.image(.empty)):v0.1.1", "d\(index)") }
    #expect(try store.groot("create", "oci:///no/such/image", "x").status == 1)
    try agent.waitFor("6 creates folded") {
      try (agent.metric("groot_image_creation_time_seconds_count") ?? 0) == 6
    }
    try agent.waitFor("the store's sample (every 5 s)") { try agent.metric("groot_store_images") == 5 }
    let max = try #require(try agent.metric("groot_image_creation_time_seconds_max", ["window": "current"]))
    let screenshot = store.base + "/dashboard.png"
    let dom = try Self.render("http://127.0.0.1:\(agent.port)/", screenshot: screenshot)
    #expect(dom.contains("data-loaded=\"true\""), "the page's script did not finish")
    #expect(dom.contains("cohort=canary"))
    #expect(dom.contains(">healthy<"))
    let latency = try #require(Self.row(dom, table: "latency", key: "create"), "no create row")
    #expect(latency[0] == "create" && latency[1] == "6")
    #expect(latency[4] == String(format: "%.1f ms", max * 1000) || latency[4] == String(format: "%.2f ms", max * 1000))
    let traffic = try #require(Self.row(dom, table: "traffic", key: "\(store.path) create"))
    #expect(traffic[1] == "5" && traffic[2] == "1" && traffic[3].contains("image_not_found 1"))
    let saturation = try #require(Self.row(dom, table: "saturation", key: store.path))
    #expect(saturation[4] == "5" && saturation[7] == "ok", "\(saturation)")
    #expect(Self.row(dom, table: "watchdog", key: "stuck-now")?[1] == "0")
    let png = try #require(FileManager.default.contents(atPath: screenshot))
    #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]) && png.count > 10_000)
  }
}
