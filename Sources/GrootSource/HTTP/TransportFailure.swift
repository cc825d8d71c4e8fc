import AsyncHTTPClient
import Glibc
import NIOCore
import NIOPosix
import NIOSSL

/// What a transport error from async-http-client means to an operator, and
/// whether trying again can help: a refused or reset connection can, an
/// untrusted certificate cannot.
struct TransportFailure {
  /// What to do about TLS failures, per kind of server.
  struct Hints {
    var untrusted: String
    var handshake: String

    static let registry = Hints(
      untrusted: "give its CA with --registry-ca-file, or name the registry in --insecure-registry for plain HTTP",
      handshake: "if the registry speaks plain HTTP, name it in --insecure-registry")
    static let remoteLayer = Hints(
      untrusted: "put its CA, as NAME.crt, in create.remote_layer_client_certificates_path",
      handshake: "check the client certificate (NAME.cert and NAME.key) in create.remote_layer_client_certificates_path"
    )
  }

  let reason: String
  let retriable: Bool

  init(_ error: Error, hints: Hints = .registry) {
    switch error {
    case let error as NIOSSLError:
      retriable = false
      let text = "\(error)"
      if text.contains("CERTIFICATE_VERIFY_FAILED") {
        reason = "its TLS certificate is not trusted (\(hints.untrusted))"
      } else {
        reason = "TLS failed (\(Self.short(text))); \(hints.handshake)"
      }
    case let error as HTTPClientError where error == .connectTimeout:
      (reason, retriable) = ("connection timed out", true)
    case let error as HTTPClientError where error == .remoteConnectionClosed:
      (reason, retriable) = ("the connection closed before the response was complete", true)
    case let error as IOError:
      (reason, retriable) = (String(cString: strerror(error.errnoCode)), true)
    case let error as NIOConnectionError:
      let cause = error.connectionErrors.first.map { "\($0.error)" } ?? "\(error)"
      (reason, retriable) = ("cannot connect: \(Self.short(cause))", true)
    default:
      (reason, retriable) = (Self.short("\(error)"), true)
    }
  }

  /// The first line, without the source paths libraries put in their errors.
  static func short(_ text: String) -> String {
    let line = text.split(separator: "\n").first.map(String.init) ?? text
    guard let at = line.range(of: " at /") else { return line }
    return String(line[..<at.lowerBound])
  }
}
