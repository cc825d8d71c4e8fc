import AsyncHTTPClient
import Foundation
import GrootIO
import NIOCore
import NIOHTTP1
import NIOSSL

/// An HTTP response body as a ByteStream: async-http-client delivers parts on
/// its event loop, the unpacker pulls them on groot's thread. Backpressure: the
/// next part is not read from the socket until the previous one has been taken,
/// so at most two parts are held, whatever the blob's size.
final class HTTPBodyStream: ByteStream, @unchecked Sendable {
  private let condition = NSCondition()
  private var head: HTTPResponseHead?
  private var parts: [(ByteBuffer, EventLoopPromise<Void>)] = []
  private var current: ByteBuffer?
  private var finished = false
  private var failure: Error?
  private let stallTimeout: Double
  private let what: String
  private let hints: TransportFailure.Hints
  var task: HTTPClient.Task<Void>?

  init(what: String, stallTimeout: Double, hints: TransportFailure.Hints = .registry) {
    self.what = what
    self.stallTimeout = stallTimeout
    self.hints = hints
  }

  // MARK: event-loop side

  func received(head: HTTPResponseHead) {
    condition.withLock {
      self.head = head
      condition.broadcast()
    }
  }

  func received(part: ByteBuffer, on eventLoop: EventLoop) -> EventLoopFuture<Void> {
    let promise = eventLoop.makePromise(of: Void.self)
    condition.withLock {
      parts.append((part, promise))
      condition.broadcast()
    }
    return promise.futureResult
  }

  func finish(error: Error?) {
    condition.withLock {
      if let error, failure == nil { failure = error }
      finished = true
      condition.broadcast()
    }
  }

  // MARK: groot side

  /// Waits for the status line and headers.
  func waitForHead() throws -> HTTPResponseHead {
    try condition.withLock {
      let deadline = Date().addingTimeInterval(stallTimeout)
      while head == nil {
        if let failure { throw error(from: failure) }
        if finished { throw RegistryError.transport(what: what, reason: "connection closed before a response") }
        guard condition.wait(until: deadline) else { throw RegistryError.stalled(what: what, seconds: stallTimeout) }
      }
      return head!
    }
  }

  func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
    var taken: EventLoopPromise<Void>?
    defer { taken?.succeed(()) }  // lets the next part in, outside the lock
    return try condition.withLock {
      let deadline = Date().addingTimeInterval(stallTimeout)
      while (current?.readableBytes ?? 0) == 0 {
        if !parts.isEmpty {
          let (part, promise) = parts.removeFirst()
          current = part
          taken = promise
          break
        }
        if let failure { throw error(from: failure) }
        if finished { return 0 }
        guard condition.wait(until: deadline) else {
          task?.cancel()
          throw RegistryError.stalled(what: what, seconds: stallTimeout)
        }
      }
      let count = min(buffer.count, current!.readableBytes)
      current!.withUnsafeReadableBytes { bytes in
        buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[0..<count]))
      }
      current!.moveReaderIndex(forwardBy: count)
      return count
    }
  }

  private func error(from failure: Error) -> RegistryError {
    if let failure = failure as? HTTPClientError, failure == .readTimeout {
      return .stalled(what: what, seconds: stallTimeout)
    }
    return .transport(what: what, failure: TransportFailure(failure, hints: hints))
  }

  /// Stops the transfer (a response not wanted after all).
  func cancel() {
    task?.cancel()
    condition.withLock {
      for (_, promise) in parts { promise.succeed(()) }
      parts = []
    }
  }
}

/// Feeds async-http-client's callbacks into an HTTPBodyStream.
final class StreamingDelegate: HTTPClientResponseDelegate, @unchecked Sendable {
  typealias Response = Void
  let stream: HTTPBodyStream

  init(stream: HTTPBodyStream) { self.stream = stream }

  func didReceiveHead(task: HTTPClient.Task<Void>, _ head: HTTPResponseHead) -> EventLoopFuture<Void> {
    stream.received(head: head)
    return task.eventLoop.makeSucceededFuture(())
  }

  func didReceiveBodyPart(task: HTTPClient.Task<Void>, _ buffer: ByteBuffer) -> EventLoopFuture<Void> {
    stream.received(part: buffer, on: task.eventLoop)
  }

  func didReceiveError(task: HTTPClient.Task<Void>, _ error: Error) {
    stream.finish(error: error)
  }

  func didFinishRequest(task: HTTPClient.Task<Void>) throws {
    stream.finish(error: nil)
  }
}

extension HTTPClient {
  /// A client for one command's fetches: groot's own retries only (none inside
  /// the client), no transparent decompression (digests are of the bytes as
  /// sent), a read timeout of `stallTimeout`.
  static func streaming(tls: TLSConfiguration, stallTimeout: Double) -> HTTPClient {
    var configuration = HTTPClient.Configuration(
      tlsConfiguration: tls, redirectConfiguration: .follow(max: 5, allowCycles: false),
      timeout: .init(connect: .seconds(10), read: .milliseconds(Int64(stallTimeout * 1000))))
    configuration.decompression = .disabled
    configuration.connectionPool.retryConnectionEstablishment = false
    return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
  }

  /// Sends a GET and waits for the response head; the body streams as it is read.
  /// A transport failure throws a RegistryError, the status is the caller's to judge.
  func get(
    _ url: String, headers: [(String, String)] = [], what: String, stallTimeout: Double,
    hints: TransportFailure.Hints = .registry
  ) throws -> (HTTPResponseHead, HTTPBodyStream) {
    let body = HTTPBodyStream(what: what, stallTimeout: stallTimeout, hints: hints)
    var request = try HTTPClient.Request(url: url, method: .GET)
    for (name, value) in headers { request.headers.add(name: name, value: value) }
    body.task = execute(request: request, delegate: StreamingDelegate(stream: body))
    return (try body.waitForHead(), body)
  }
}
