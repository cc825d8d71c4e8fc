import Foundation
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

/// groot-agent: the HTTP endpoints and the tailer, shut down cleanly on SIGTERM.
public enum AgentServer {
  public static func run(config: AgentConfig, logger: Logger) async throws {
    let folder = Folder(config: config, logger: logger)
    folder.poll()
    let router = Router()
    router.get("metrics") { _, _ -> Response in
      let text = PrometheusText.render(folder.snapshot())
      return Response(
        status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
        body: .init(byteBuffer: ByteBuffer(string: text)))
    }
    router.get("healthz") { _, _ -> Response in
      let problem = folder.problem()
      return Response(
        status: problem == nil ? .ok : .serviceUnavailable, headers: [.contentType: "text/plain"],
        body: .init(byteBuffer: ByteBuffer(string: (problem ?? "ok") + "\n")))
    }
    router.get("snapshot") { _, _ -> Response in
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.sortedKeys]
      let data = (try? encoder.encode(folder.snapshot())) ?? Data("{}".utf8)
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
