import Foundation

/// An HTTP proxy on 127.0.0.1 in front of a test registry that breaks blob
/// responses on purpose: 500s, connection resets, stalls, truncated, corrupted
/// and oversized bodies, and an oversized manifest. Each connection carries one
/// request and is closed after it.
final class FaultProxy: @unchecked Sendable {
  enum Fault: Equatable {
    case none
    case serverError(times: Int)
    case reset(times: Int)
    case stall, truncate, corrupt, oversize, hugeManifest
    /// Every blob answered after a delay: overlapping requests become visible,
    /// and a pull long.
    case slow(milliseconds: Int)
    /// Every Nth manifest GET answered after a delay: a create in N is that much slower.
    case slowManifests(every: Int, milliseconds: Int)
  }

  private let upstream: Int
  private let lock = NSLock()
  private var fault: Fault = .none
  private var blobRequests = 0
  private var manifestGets = 0
  private var blobsInFlight = 0
  private var mostBlobsInFlight = 0
  private var server: LoopbackServer!

  init(upstream: Int) throws {
    self.upstream = upstream
    server = try LoopbackServer { [unowned self] client in handle(client) }
  }

  deinit { server.stop() }

  var host: String { server.host }

  func set(_ fault: Fault) { lock.withLock { self.fault = fault } }
  var blobRequestCount: Int { lock.withLock { blobRequests } }
  /// The most blob requests open at one time.
  var mostConcurrentBlobs: Int { lock.withLock { mostBlobsInFlight } }

  private func handle(_ client: Int32) {
    guard let request = LoopbackServer.readHead(client) else { return }
    let path = request.split(separator: " ").dropFirst().first.map(String.init) ?? ""
    let isBlob = path.contains("/blobs/sha256:")
    var action = Fault.none
    lock.withLock {
      if isBlob {
        blobRequests += 1
        blobsInFlight += 1
        mostBlobsInFlight = max(mostBlobsInFlight, blobsInFlight)
      }
      switch fault {
      case .serverError(let times) where isBlob && times > 0:
        fault = .serverError(times: times - 1)
        action = .serverError(times: 1)
      case .reset(let times) where isBlob && times > 0:
        fault = .reset(times: times - 1)
        action = .reset(times: 1)
      case .stall, .truncate, .corrupt, .oversize, .slow:
        if isBlob { action = fault }
      case .hugeManifest where path.contains("/manifests/"):
        action = .hugeManifest
      case .slowManifests(let every, _) where path.contains("/manifests/") && request.hasPrefix("GET "):
        manifestGets += 1
        if manifestGets % every == 0 { action = fault }
      default: break
      }
    }
    switch action {
    case .serverError:
      LoopbackServer.respond(client, status: "500 Internal Server Error")
      return
    case .reset:
      var linger = Glibc.linger(l_onoff: 1, l_linger: 0)  // close with RST
      setsockopt(client, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
      return
    case .hugeManifest:
      LoopbackServer.respond(
        client, status: "200 OK", headers: ["Content-Type: application/vnd.oci.image.manifest.v1+json"],
        body: [UInt8](repeating: 0x20, count: 5 << 20))
      return
    default: break
    }
    defer { if isBlob { lock.withLock { blobsInFlight -= 1 } } }
    if case .slow(let milliseconds) = action { usleep(useconds_t(milliseconds) * 1000) }
    if case .slowManifests(_, let milliseconds) = action { usleep(useconds_t(milliseconds) * 1000) }
    guard let (head, body) = forward(request) else { return }
    switch action {
    case .stall:
      LoopbackServer.send(client, head + Array(body.prefix(body.count / 2)))
      for _ in 0..<600 where !server.isStopped { usleep(100_000) }
    case .truncate:
      LoopbackServer.send(client, head + Array(body.prefix(body.count / 2)))
    case .corrupt:
      var corrupted = body
      corrupted[corrupted.count / 2] ^= 0xff
      LoopbackServer.send(client, head + corrupted)
    case .oversize:
      let extra = [UInt8](repeating: 0, count: 4096)
      let text = String(decoding: head, as: UTF8.self).replacingOccurrences(
        of: "Content-Length: \(body.count)", with: "Content-Length: \(body.count + extra.count)")
      LoopbackServer.send(client, Array(text.utf8) + body + extra)
    default:
      LoopbackServer.send(client, head + body)
    }
  }

  /// Sends the request upstream; returns the response head (with Connection:
  /// close added) and body.
  private func forward(_ request: String) -> ([UInt8], [UInt8])? {
    guard let upstreamFD = LoopbackServer.connect(port: upstream) else { return nil }
    defer { close(upstreamFD) }
    let lines = request.components(separatedBy: "\r\n").filter {
      !$0.lowercased().hasPrefix("connection:") && !$0.isEmpty
    }
    LoopbackServer.send(upstreamFD, Array((lines.joined(separator: "\r\n") + "\r\nConnection: close\r\n\r\n").utf8))
    var response: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
      let count = recv(upstreamFD, &buffer, buffer.count, 0)
      if count <= 0 { break }
      response += buffer[0..<count]
    }
    guard let end = response.firstRange(of: Array("\r\n\r\n".utf8)) else { return nil }
    var head = String(decoding: response[..<end.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
      .filter { !$0.lowercased().hasPrefix("connection:") }
    head.append("Connection: close")
    return (Array((head.joined(separator: "\r\n") + "\r\n\r\n").utf8), Array(response[end.upperBound...]))
  }
}
