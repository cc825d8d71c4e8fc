import AsyncHTTPClient
import Foundation
import GrootIO
import NIOCore
import NIOHTTP1
import NIOSSL

/// Fetches blobs a descriptor names by `urls` (Garden's app droplets, in the OCI
/// layouts it writes), over HTTP or HTTPS. TLS trusts the system's CAs and those
/// of a certificate directory laid out as containers/image reads it (GrootFS's
/// create.remote_layer_client_certificates_path): `*.crt` CAs, and `NAME.cert`
/// with `NAME.key` as the client certificate. URLs are tried in order, each with
/// groot's retries; the body streams like a registry blob.
final class RemoteBlobClient {
  private let http: HTTPClient
  private let stallTimeout: Double

  init(certificates directory: String?, stallTimeout: Double) throws {
    var tls = TLSConfiguration.makeClientConfiguration()
    if let directory {
      let certificates = try RemoteLayerCertificates(directory: directory)
      tls.additionalTrustRoots = certificates.authorities.map { .file($0) }
      if let client = certificates.client {
        do {
          tls.certificateChain = try NIOSSLCertificate.fromPEMFile(client.certificate).map { .certificate($0) }
          tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: client.key, format: .pem))
        } catch {
          throw RemoteLayerError.unreadableCertificate(
            certificate: client.certificate, key: client.key, reason: "\(error)")
        }
      }
    }
    self.http = HTTPClient.streaming(tls: tls, stallTimeout: stallTimeout)
    self.stallTimeout = stallTimeout
  }

  deinit { try? http.syncShutdown() }

  /// The body of the first URL that answers 200. Only http and https URLs count.
  func open(urls: [String], what: String) throws -> ByteStream {
    let usable = urls.filter { $0.hasPrefix("http://") || $0.hasPrefix("https://") }
    guard !usable.isEmpty else { throw RemoteLayerError.noUsableURL(what: what, urls: urls) }
    var failures: [String] = []
    for url in usable {
      do {
        return try open(url, what: "\(what) from \(url)")
      } catch let error as RegistryError {
        failures.append(error.description)
      }
    }
    throw RemoteLayerError.allURLsFailed(what: what, failures: failures)
  }

  private func open(_ url: String, what: String) throws -> ByteStream {
    var attempt = 0
    while true {
      attempt += 1
      do {
        let (head, body) = try http.get(url, what: what, stallTimeout: stallTimeout, hints: .remoteLayer)
        let status = Int(head.status.code)
        if status == 200 { return body }
        body.cancel()
        guard status == 429 || status >= 500, attempt < Backoff.attempts else {
          throw RegistryError.status(what: what, code: status)
        }
      } catch let error as RegistryError {
        if case .transportFatal = error { throw error }
        if case .status = error { throw error }
        guard attempt < Backoff.attempts else { throw error }
      }
      Backoff.sleep(after: attempt)
    }
  }
}

/// The files of a remote-layer certificate directory.
struct RemoteLayerCertificates {
  var authorities: [String] = []
  var client: (certificate: String, key: String)?

  init(directory: String) throws {
    // A missing directory means none, as in containers/image (BOSH always names one).
    guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return }
    for name in names.sorted() {
      let path = directory.appending(path: name)
      if name.hasSuffix(".crt") { authorities.append(path) }
      if name.hasSuffix(".cert") {
        let key = String(path.dropLast(".cert".count)) + ".key"
        guard FileSystem.exists(key) else { throw RemoteLayerError.missingKey(certificate: path, key: key) }
        if client == nil { client = (path, key) }
      }
    }
  }
}

/// Why a remote layer could not be fetched.
public enum RemoteLayerError: ClassifiedError, Equatable {
  case noUsableURL(what: String, urls: [String])
  case allURLsFailed(what: String, failures: [String])
  case missingKey(certificate: String, key: String)
  case unreadableCertificate(certificate: String, key: String, reason: String)

  public var kind: ErrorKind? {
    switch self {
    case .noUsableURL: return .invalidImage
    case .allURLsFailed: return .registryUnreachable
    case .missingKey, .unreadableCertificate: return .invalidArgument
    }
  }

  public var description: String {
    switch self {
    case .noUsableURL(let what, let urls):
      return "cannot fetch \(what): none of its urls is http or https (\(urls.joined(separator: ", ")))"
    case .allURLsFailed(_, let failures):
      return failures.joined(separator: "; ")
    case .unreadableCertificate(let certificate, let key, let reason):
      return "cannot use client certificate \(certificate) with key \(key): \(reason)"
    case .missingKey(let certificate, let key):
      return "client certificate \(certificate) has no key \(key) beside it (CA certificates end in .crt)"
    }
  }
}
