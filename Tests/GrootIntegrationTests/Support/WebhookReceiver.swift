import Foundation

/// A webhook endpoint on 127.0.0.1 that keeps every POSTed body.
final class WebhookReceiver: @unchecked Sendable {
  private let lock = NSLock()
  private var received: [String] = []
  private var server: LoopbackServer!

  init() throws {
    server = try LoopbackServer { [unowned self] client in handle(client) }
  }

  deinit { server.stop() }

  var url: String { "http://\(server.host)/hook" }
  var bodies: [String] { lock.withLock { received } }

  private func handle(_ client: Int32) {
    guard let head = LoopbackServer.readHead(client) else { return }
    let length =
      head.components(separatedBy: "\r\n").first { $0.lowercased().hasPrefix("content-length:") }
      .flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) } ?? 0
    var body = [UInt8](repeating: 0, count: length)
    var read = 0
    while read < length {
      let count = body[read...].withUnsafeMutableBytes { recv(client, $0.baseAddress, $0.count, 0) }
      if count <= 0 { break }
      read += count
    }
    lock.withLock { received.append(String(decoding: body[..<read], as: UTF8.self)) }
    LoopbackServer.respond(client, status: "200 OK")
  }
}
