import Foundation

/// Debian's Prometheus, scraping the given agents every second, on a port of its own.
final class PrometheusServer: @unchecked Sendable {
  let port = Int.random(in: 20000...60000)
  private let process = Process()

  init(scraping agents: [AgentProcess], in directory: String) throws {
    let config = directory + "/prometheus.yml"
    let targets = agents.map { "\"127.0.0.1:\($0.port)\"" }.joined(separator: ", ")
    try """
    global:
      scrape_interval: 1s
    scrape_configs:
      - job_name: groot-agent
        static_configs:
          - targets: [\(targets)]
    """.write(toFile: config, atomically: true, encoding: .utf8)
    process.executableURL = URL(fileURLWithPath: "/usr/bin/prometheus")
    process.arguments = [
      "--config.file=\(config)", "--storage.tsdb.path=\(directory)/tsdb", "--web.listen-address=127.0.0.1:\(port)",
    ]
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
  }

  deinit {
    process.terminate()
    process.waitUntilExit()
  }

  var url: String { "http://127.0.0.1:\(port)" }

  /// The first value of an instant query, or nil.
  func query(_ expression: String) throws -> Double? {
    let outcome = try run("/usr/bin/curl", ["-s", "--data-urlencode", "query=\(expression)", url + "/api/v1/query"])
    guard let json = try? JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any],
      let data = json["data"] as? [String: Any], let result = data["result"] as? [[String: Any]],
      let value = result.first?["value"] as? [Any], let text = value.last as? String
    else { return nil }
    return Double(text)
  }
}
