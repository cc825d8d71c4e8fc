import Foundation

/// A TCP server on 127.0.0.1 (a free port) that hands each connection to a
/// handler on its own thread and closes it afterwards: one request per
/// connection. The test proxies and token service are built on it.
final class LoopbackServer: @unchecked Sendable {
  let port: Int
  private let listener: Int32
  private let lock = NSLock()
  private var stopped = false

  init(handler: @escaping @Sendable (Int32) -> Void) throws {
    let (fd, port) = try Self.bind(SOCK_STREAM)
    guard listen(fd, 64) == 0 else { throw TestFailure("cannot listen on 127.0.0.1") }
    listener = fd
    self.port = port
    Thread {
      while true {
        let client = accept(fd, nil, nil)
        if client < 0 { return }
        Thread {
          handler(client)
          close(client)
        }.start()
      }
    }.start()
  }

  deinit { stop() }

  var host: String { "127.0.0.1:\(port)" }
  var isStopped: Bool { lock.withLock { stopped } }

  func stop() {
    let first = lock.withLock {
      defer { stopped = true }
      return !stopped
    }
    guard first else { return }
    shutdown(listener, Int32(SHUT_RDWR))
    close(listener)
  }

  /// A socket of `type` bound to 127.0.0.1 on a port the kernel picks.
  static func bind(_ type: __socket_type) throws -> (fd: Int32, port: Int) {
    let fd = socket(AF_INET, Int32(type.rawValue), 0)
    var address = address(port: 0)
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        Glibc.bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
      }
    }
    guard fd >= 0, bound else {
      if fd >= 0 { close(fd) }
      throw TestFailure("cannot bind a socket on 127.0.0.1")
    }
    return (fd, Int(UInt16(bigEndian: address.sin_port)))
  }

  /// A TCP connection to 127.0.0.1:PORT, or nil.
  static func connect(port: Int) -> Int32? {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var address = address(port: port)
    let connected = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
      }
    }
    guard fd >= 0, connected else {
      if fd >= 0 { close(fd) }
      return nil
    }
    return fd
  }

  static func address(port: Int) -> sockaddr_in {
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = UInt16(port).bigEndian
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    return address
  }

  /// The request line and headers, up to the blank line.
  static func readHead(_ fd: Int32) -> String? {
    var data: [UInt8] = []
    var byte: UInt8 = 0
    while recv(fd, &byte, 1, 0) == 1 {
      data.append(byte)
      if data.count >= 4 && data.suffix(4) == [13, 10, 13, 10] { return String(decoding: data, as: UTF8.self) }
      if data.count > 65536 { return nil }
    }
    return nil
  }

  static func send(_ fd: Int32, _ bytes: [UInt8]) {
    var offset = 0
    while offset < bytes.count {
      let sent = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
      if sent <= 0 { return }
      offset += sent
    }
  }

  /// A whole response with Connection: close.
  static func respond(_ fd: Int32, status: String, headers: [String] = [], body: [UInt8] = []) {
    let head = (["HTTP/1.1 \(status)", "Content-Length: \(body.count)", "Connection: close"] + headers)
      .joined(separator: "\r\n")
    send(fd, Array((head + "\r\n\r\n").utf8) + body)
  }
}
