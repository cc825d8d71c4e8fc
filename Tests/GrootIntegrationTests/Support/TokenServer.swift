import Crypto
import Foundation

/// A Docker token service (the `auth: token` flow) on 127.0.0.1: it checks Basic
/// credentials and answers with an ES256 JWT for the scope asked, signed by a key
/// whose self-signed certificate the registry trusts (`rootcertbundle`), carried
/// in the token's `x5c` header. It remembers what it was asked.
final class TokenServer: @unchecked Sendable {
  static let service = "groot-test-registry"
  static let issuer = "groot-test-token-issuer"

  let certificateFile: String
  private let key: P256.Signing.PrivateKey
  private let certificateDER: String
  private let lock = NSLock()
  private var asked: [(query: [String: String], authorized: Bool)] = []
  private var server: LoopbackServer!

  init(in directory: String) throws {
    certificateFile = directory + "/token.pem"
    let outcome = try sh(
      """
      set -e
      cd \(directory)
      openssl ecparam -name prime256v1 -genkey -noout -out token.key 2>/dev/null
      openssl req -x509 -new -key token.key -subj /CN=groot-test-token -days 2 -out token.pem 2>/dev/null
      """)
    guard outcome.status == 0 else { throw TestFailure("token key: \(outcome.stderr)") }
    key = try P256.Signing.PrivateKey(
      pemRepresentation: String(contentsOfFile: directory + "/token.key", encoding: .utf8))
    certificateDER = try String(contentsOfFile: certificateFile, encoding: .utf8).split(separator: "\n")
      .filter { !$0.hasPrefix("-----") }.joined()
    server = try LoopbackServer { [unowned self] client in handle(client) }
  }

  deinit { server.stop() }

  var realm: String { "http://\(server.host)/token" }
  /// The query of every token request, and whether its credentials were good.
  var requests: [(query: [String: String], authorized: Bool)] { lock.withLock { asked } }

  private func handle(_ client: Int32) {
    guard let head = LoopbackServer.readHead(client) else { return }
    let target = head.split(separator: " ").dropFirst().first.map(String.init) ?? ""
    let query = Dictionary(
      (URLComponents(string: target)?.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { $1 })
    let expected = "Basic " + Data("\(TestRegistry.username):\(TestRegistry.password)".utf8).base64EncodedString()
    let authorized = head.components(separatedBy: "\r\n").contains {
      $0.caseInsensitiveCompare("Authorization: \(expected)") == .orderedSame
    }
    lock.withLock { asked.append((query, authorized)) }
    guard authorized else {
      LoopbackServer.respond(client, status: "401 Unauthorized", body: Array(#"{"details":"bad credentials"}"#.utf8))
      return
    }
    do {
      let token = try self.token(scope: query["scope"] ?? "")
      let body = try JSONSerialization.data(withJSONObject: ["token": token, "expires_in": 300])
      LoopbackServer.respond(client, status: "200 OK", headers: ["Content-Type: application/json"], body: Array(body))
    } catch {
      LoopbackServer.respond(client, status: "500 Internal Server Error")
    }
  }

  /// A JWT granting the actions of `repository:NAME:ACTIONS`.
  private func token(scope: String) throws -> String {
    let parts = scope.split(separator: ":").map(String.init)
    let access: [[String: Any]] =
      parts.count == 3
      ? [["type": parts[0], "name": parts[1], "actions": parts[2].split(separator: ",").map(String.init)]] : []
    let now = Int(Date().timeIntervalSince1970)
    let header: [String: Any] = ["typ": "JWT", "alg": "ES256", "x5c": [certificateDER]]
    let claims: [String: Any] = [
      "iss": Self.issuer, "sub": TestRegistry.username, "aud": Self.service, "exp": now + 300, "nbf": now - 10,
      "iat": now - 10, "jti": UUID().uuidString, "access": access,
    ]
    let signingInput =
      try Self.base64URL(JSONSerialization.data(withJSONObject: header)) + "."
      + Self.base64URL(JSONSerialization.data(withJSONObject: claims))
    let signature = try key.signature(for: Data(signingInput.utf8)).rawRepresentation
    return signingInput + "." + Self.base64URL(signature)
  }

  static func base64URL(_ data: Data) -> String {
    data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
      .replacingOccurrences(of: "=", with: "")
  }
}
