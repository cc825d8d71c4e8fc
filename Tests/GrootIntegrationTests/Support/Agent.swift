import Foundation

/// A groot-agent process started by a test, on a port it picks itself.
final class AgentProcess: @unchecked Sendable {
  static var binary: String { Project.root + "/.build/debug/groot-agent" }

  let process = Process()
  let log: String
  private(set) var port = 0

  init(store: TestStore, arguments: [String] = []) throws {
    log = store.base + "/agent-\(UUID().uuidString.prefix(6)).log"
    FileManager.default.createFile(atPath: log, contents: nil)
    process.executableURL = URL(fileURLWithPath: Self.binary)
    process.arguments = ["--store", store.path, "--listen", "127.0.0.1:0", "--poll-interval", "0.05"] + arguments
    process.standardOutput = FileHandle.nullDevice
    process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
    try process.run()
    let deadline = Date().addingTimeInterval(20)
    while port == 0 && Date() < deadline {
      let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
      if let range = text.range(of: #""port":"[0-9]+""#, options: .regularExpression) {
        port = Int(text[range].filter(\.isNumber))!
      } else {
        usleep(50_000)
      }
    }
    guard port != 0 else {
      throw TestFailure("groot-agent did not start: \(try String(contentsOfFile: log, encoding: .utf8))")
    }
  }

  deinit {
    if process.isRunning {
      process.terminate()
      process.waitUntilExit()
    }
  }

  func get(_ path: String) throws -> Outcome {
    try run("/usr/bin/curl", ["-s", "-w", "\n%{http_code}", "http://127.0.0.1:\(port)\(path)"])
  }

  /// Samples of `/metrics` whose line starts with `prefix` (name and labels).
  func metric(_ name: String, _ labels: [String: String] = [:]) throws -> Double? {
    let text = try get("/metrics").stdout
    for line in text.split(separator: "\n") where line.hasPrefix(name + "{") || line.hasPrefix(name + " ") {
      let matches = labels.allSatisfy { line.contains("\($0.key)=\"\($0.value)\"") }
      if matches { return Double(line.split(separator: " ").last!) }
    }
    return nil
  }

  /// Polls until `condition` holds (the agent folds events asynchronously).
  func waitFor(_ what: String, timeout: Double = 20, _ condition: () throws -> Bool) throws {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
      if try condition() { return }
      usleep(100_000)
    }
    throw TestFailure("timed out waiting for \(what)")
  }

  func kill(_ signal: Int32) {
    Glibc.kill(process.processIdentifier, signal)
    process.waitUntilExit()
  }
}
