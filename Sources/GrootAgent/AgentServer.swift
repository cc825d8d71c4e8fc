import Foundation
import GrootCanary
import Hummingbird
import Logging
import ServiceLifecycle

/// Polls the journals until a graceful shutdown.
struct JournalTailer: Service {
  let folder: Folder
  let interval: Double

  func run() async throws {
    // A graceful shutdown cancels the sleep; that is the normal way out.
    try? await cancelWhenGracefulShutdown {
      while !Task.isCancelled {
        folder.poll()
        try await Task.sleep(nanoseconds: UInt64(interval * 1e9))
      }
    }
    folder.poll()  // what arrived meanwhile is folded and saved before exit
  }
}

/// What /snapshot serves: the folded journals, with the watchdog's figures beside them.
struct AgentSnapshot: Encodable {
  let agent: Folder.Snapshot
  let watchdog: Watchdog.Snapshot

  func encode(to encoder: Encoder) throws {
    try agent.encode(to: encoder)
    var container = encoder.container(keyedBy: Key.self)
    try container.encode(watchdog, forKey: Key(stringValue: "watchdog")!)
  }

  struct Key: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
  }
}

/// groot-agent: the HTTP endpoints and the tailer, shut down cleanly on SIGTERM.
public enum AgentServer {
  public static func run(config: AgentConfig, logger: Logger) async throws {
    if let problem = config.watchdog.problem() { throw AgentError.config(path: "watchdog", reason: problem) }
    let folder = Folder(config: config, logger: logger)
    folder.poll()
    let watchdog = Watchdog(
      config: config.watchdog, stores: config.stores,
      dogstatsd: config.dogstatsd.flatMap { DogStatsD(address: $0, labels: config.labels) }, logger: logger)
    watchdog.start()
    let router = Router()
    for path in ["/", "dashboard"] {
      router.get(RouterPath(path)) { _, _ -> Response in
        Response(
          status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
          body: .init(byteBuffer: ByteBuffer(string: Dashboard.html)))
      }
    }
    // The cohort view: the canary judgement from Prometheus, for the dashboard.
    router.get("cohorts") { _, _ -> Response in
      guard let view = config.cohorts else {
        return Response(status: .notFound, body: .init(byteBuffer: ByteBuffer(string: "no cohorts configured\n")))
      }
      let source = PrometheusCohorts(url: view.prometheus, label: view.label, rangeSeconds: view.rangeSeconds)
      do {
        let judgement = GrootCanary.Judge.judge(
          baseline: try await source.cohort(view.baseline), canary: try await source.cohort(view.canary))
        return Response(
          status: .ok, headers: [.contentType: "application/json"],
          body: .init(byteBuffer: ByteBuffer(string: try judgement.json())))
      } catch {
        return Response(status: .badGateway, body: .init(byteBuffer: ByteBuffer(string: "\(error)\n")))
      }
    }
    router.get("metrics") { _, _ -> Response in
      let text = PrometheusText.render(folder.snapshot(), watchdog: watchdog.snapshot())
      return Response(
        status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
        body: .init(byteBuffer: ByteBuffer(string: text)))
    }
    router.get("healthz") { _, _ -> Response in
      let problems = [folder.problem(), watchdog.problem()].compactMap { $0 }
      let problem = problems.isEmpty ? nil : problems.joined(separator: "\n")
      return Response(
        status: problem == nil ? .ok : .serviceUnavailable, headers: [.contentType: "text/plain"],
        body: .init(byteBuffer: ByteBuffer(string: (problem ?? "ok") + "\n")))
    }
    router.get("snapshot") { _, _ -> Response in
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.sortedKeys]
      let data =
        (try? encoder.encode(AgentSnapshot(agent: folder.snapshot(), watchdog: watchdog.snapshot()))) ?? Data("{}".utf8)
      return Response(
        status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
    let (host, port) = try config.listenAddress()
    let app = Application(
      router: router,
      configuration: .init(address: .hostname(host, port: port), serverName: "groot-agent"),
      services: [JournalTailer(folder: folder, interval: config.pollIntervalSeconds)],
      onServerRunning: { channel in
        logger.info("listening", metadata: ["port": "\(channel.localAddress?.port ?? 0)"])
      },
      logger: logger)
    try await app.runService()
    logger.info("stopped")
  }
}
