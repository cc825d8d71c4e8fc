import AsyncHTTPClient
import Foundation
import GrootReference
import NIOCore
import NIOHTTP1
import NIOSSL

/// Docker Registry HTTP API v2 / OCI distribution, synchronously for groot's
/// commands (layers are fetched from up to three threads at once), on async-http-client.
///
/// Authentication follows the registry's challenge: Bearer tokens from the realm
/// it names (with Basic credentials when given), or Basic. Requests are retried
/// with backoff on 5xx, 429 and transport failures, but only before any body
/// byte has been used: a half-read blob is an error, never silently restarted.
final class RegistryClient: @unchecked Sendable {
  let reference: RegistryReference
  private let options: SourceOptions
  private let scheme: String
  private let http: HTTPClient
  /// Layers are fetched from several threads; a 401 on any of them renews this.
  private var authorization: String? {
    get { authorizationLock.withLock { storedAuthorization } }
    set { authorizationLock.withLock { storedAuthorization = newValue } }
  }
  private var storedAuthorization: String?
  private let authorizationLock = NSLock()

  init(reference: RegistryReference, options: SourceOptions) throws {
    self.reference = reference
    self.options = options
    self.scheme = options.insecureRegistries.contains(reference.registry) ? "http" : "https"
    var tls = TLSConfiguration.makeClientConfiguration()
    if let caFile = options.caFile {
      tls.additionalTrustRoots = [.file(caFile)]
    }
    // groot retries with its own backoff, and only what can be cured by trying again.
    self.http = HTTPClient.streaming(tls: tls, stallTimeout: options.stallTimeout)
  }

  deinit { try? http.syncShutdown() }

  /// A small document (manifest, index, config), whole.
  func document(_ path: String, accept: [String], limit: Int, what: String) throws -> (
    bytes: [UInt8], contentType: String?
  ) {
    let (head, body) = try open(path, accept: accept, what: what)
    if let length = head.headers.first(name: "Content-Length").flatMap(Int.init), length > limit {
      body.cancel()
      throw RegistryError.documentTooLarge(what: what, limit: limit)
    }
    guard let bytes = try body.readAll(limit: limit) else {
      body.cancel()
      throw RegistryError.documentTooLarge(what: what, limit: limit)
    }
    return (bytes, head.headers.first(name: "Content-Type"))
  }

  /// A response whose body streams as it is read.
  func open(_ path: String, accept: [String] = [], what: String) throws -> (HTTPResponseHead, HTTPBodyStream) {
    var attempt = 0
    var triedAuthentication = false
    while true {
      attempt += 1
      let head: HTTPResponseHead
      let body: HTTPBodyStream
      do {
        var headers: [(String, String)] = []
        if !accept.isEmpty { headers.append(("Accept", accept.joined(separator: ", "))) }
        if let authorization { headers.append(("Authorization", authorization)) }
        (head, body) = try http.get(
          "\(scheme)://\(reference.registry)/v2/\(reference.repository)/\(path)", headers: headers, what: what,
          stallTimeout: options.stallTimeout)
      } catch let error as RegistryError {
        if case .transportFatal = error { throw error }
        guard attempt < Backoff.attempts else { throw error }
        Backoff.sleep(after: attempt)
        continue
      }
      let status = Int(head.status.code)
      switch status {
      case 200..<300:
        return (head, body)
      case 401 where !triedAuthentication:
        body.cancel()
        triedAuthentication = true
        try authenticate(challenge: head.headers.first(name: "WWW-Authenticate"))
        attempt -= 1
      case 401, 403:
        body.cancel()
        throw RegistryError.unauthorized(
          registry: reference.registry,
          reason: options.username == nil ? "it requires credentials (--username, --password)" : "credentials refused")
      case 404:
        body.cancel()
        throw RegistryError.notFound(what: what)
      case 429, 500..<600:
        body.cancel()
        guard attempt < Backoff.attempts else { throw RegistryError.status(what: what, code: status) }
        Backoff.sleep(after: attempt)
      default:
        body.cancel()
        throw RegistryError.status(what: what, code: status)
      }
    }
  }

  // MARK: - Authentication

  private func authenticate(challenge: String?) throws {
    guard let challenge else { throw RegistryError.invalidChallenge("none") }
    let (scheme, parameters) = Self.parse(challenge: challenge)
    switch scheme.lowercased() {
    case "basic":
      guard let basic = basicCredentials() else {
        throw RegistryError.unauthorized(
          registry: reference.registry, reason: "it requires credentials (--username, --password)")
      }
      authorization = basic
    case "bearer":
      guard let realm = parameters["realm"], var components = URLComponents(string: realm) else {
        throw RegistryError.invalidChallenge(scheme)
      }
      var query = components.queryItems ?? []
      if let service = parameters["service"] { query.append(URLQueryItem(name: "service", value: service)) }
      let scope = parameters["scope"] ?? "repository:\(reference.repository):pull"
      query.append(URLQueryItem(name: "scope", value: scope))
      components.queryItems = query
      guard let url = components.url?.absoluteString else { throw RegistryError.invalidChallenge(scheme) }
      var request = try HTTPClient.Request(url: url, method: .GET)
      if let basic = basicCredentials() { request.headers.add(name: "Authorization", value: basic) }
      let response: HTTPClient.Response
      do {
        response = try http.execute(request: request).wait()
      } catch {
        throw RegistryError.transport(
          what: "a token from \(components.host ?? realm)", failure: TransportFailure(error))
      }
      if response.status == .unauthorized || response.status == .forbidden {
        throw RegistryError.unauthorized(
          registry: reference.registry,
          reason: options.username == nil
            ? "it requires credentials (--username, --password)" : "credentials refused by its token service")
      }
      guard response.status == .ok, let body = response.body,
        let json = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any],
        let token = (json["token"] ?? json["access_token"]) as? String
      else {
        throw RegistryError.unauthorized(
          registry: reference.registry, reason: "its token service answered \(response.status.code)")
      }
      authorization = "Bearer \(token)"
    default:
      throw RegistryError.invalidChallenge(scheme)
    }
  }

  private func basicCredentials() -> String? {
    guard let username = options.username else { return nil }
    return "Basic " + Data("\(username):\(options.password ?? "")".utf8).base64EncodedString()
  }

  /// `Bearer realm="…",service="…",scope="…"` → ("Bearer", [realm: …, …]).
  static func parse(challenge: String) -> (String, [String: String]) {
    let trimmed = challenge.trimmingCharacters(in: .whitespaces)
    guard let space = trimmed.firstIndex(of: " ") else { return (trimmed, [:]) }
    var parameters: [String: String] = [:]
    var rest = Substring(trimmed[trimmed.index(after: space)...])
    while let equals = rest.firstIndex(of: "=") {
      let key = rest[..<equals].trimmingCharacters(in: CharacterSet(charactersIn: " ,"))
      rest = rest[rest.index(after: equals)...]
      var value = ""
      if rest.first == "\"" {
        rest = rest.dropFirst()
        let end = rest.firstIndex(of: "\"") ?? rest.endIndex
        value = String(rest[..<end])
        rest = end < rest.endIndex ? rest[rest.index(after: end)...] : ""
      } else {
        let end = rest.firstIndex(of: ",") ?? rest.endIndex
        value = String(rest[..<end])
        rest = rest[end...]
      }
      parameters[key.lowercased()] = value
    }
    return (String(trimmed[..<space]), parameters)
  }
}
