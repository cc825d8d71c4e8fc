import Foundation

/// Debian's docker-registry on 127.0.0.1, started by a test: plain HTTP, TLS with
/// a CA made in the test, htpasswd Basic auth, or Bearer tokens from a
/// TokenServer.
final class TestRegistry: @unchecked Sendable {
  enum Mode {
    case plain, tls, basicAuth
    case token(TokenServer)
  }

  let directory: String
  private(set) var port = 0
  private var process = Process()
  var host: String { "127.0.0.1:\(port)" }
  var caFile: String { directory + "/ca.pem" }
  static let username = "groot"
  static let password = "s3cret-pass"

  init(in base: String, mode: Mode = .plain) throws {
    directory = base + "/registry-\(UUID().uuidString.prefix(6))"
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    var config = ""
    switch mode {
    case .plain: break
    case .tls:
      try Self.makeCertificates(in: directory)
      config += "  tls:\n    certificate: \(directory)/server.pem\n    key: \(directory)/server.key\n"
    case .basicAuth:
      try sh("htpasswd -Bbn \(Self.username) \(Self.password) > \(directory)/htpasswd")
      config += "auth:\n  htpasswd:\n    realm: groot-test\n    path: \(directory)/htpasswd\n"
    case .token(let tokens):
      config += """
        auth:
          token:
            realm: \(tokens.realm)
            service: \(TokenServer.service)
            issuer: \(TokenServer.issuer)
            rootcertbundle: \(tokens.certificateFile)

        """
    }
    var scheme = "http"
    if case .tls = mode { scheme = "https" }
    // A port another test's server holds makes docker-registry exit at once: try
    // another, rather than talk to that server by mistake.
    for _ in 0..<5 {
      port = Int.random(in: 20000...60000)
      let addr = "http:\n  addr: 127.0.0.1:\(port)\n"
      try (Self.base(directory) + addr + config).write(
        toFile: directory + "/config.yml", atomically: true, encoding: .utf8)
      process = Process()
      process.executableURL = URL(fileURLWithPath: "/usr/bin/docker-registry")
      process.arguments = ["serve", directory + "/config.yml"]
      process.standardOutput = FileHandle.nullDevice
      process.standardError = FileHandle.nullDevice
      try process.run()
      let deadline = Date().addingTimeInterval(15)
      while process.isRunning,
        try sh("curl -s -o /dev/null -w '%{http_code}' --cacert \(caFile) \(scheme)://\(host)/v2/").stdout == "000"
      {
        guard Date() < deadline else { throw TestFailure("docker-registry did not start") }
        usleep(100_000)
      }
      usleep(50_000)
      if process.isRunning { return }
    }
    throw TestFailure("docker-registry did not start on any of 5 ports")
  }

  static func base(_ directory: String) -> String {
    """
    version: 0.1
    log:
      level: error
    storage:
      filesystem:
        rootdirectory: \(directory)/data

    """
  }

  deinit {
    process.terminate()
    process.waitUntilExit()
  }

  /// Pushes an OCI layout to NAME:TAG with skopeo.
  func push(_ layout: String, as name: String, all: Bool = false, tls: Bool = false, auth: Bool = false) throws {
    var arguments = ["copy", "--quiet"]
    if all { arguments.append("--all") }
    arguments += tls ? ["--dest-cert-dir", directory + "/certs.d"] : ["--dest-tls-verify=false"]
    if auth { arguments += ["--dest-creds", "\(Self.username):\(Self.password)"] }
    let outcome = try run("/usr/bin/skopeo", arguments + ["oci:\(layout)", "docker://\(host)/\(name)"])
    guard outcome.status == 0 else { throw TestFailure("skopeo push failed: \(outcome.stderr)") }
  }

  /// A CA, and a server certificate for 127.0.0.1 signed by it.
  static func makeCertificates(in directory: String) throws {
    let script = """
      set -e
      cd \(directory)
      openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=groot-test-ca -keyout ca.key -out ca.pem 2>/dev/null
      openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout server.key -out server.csr 2>/dev/null
      printf 'subjectAltName=IP:127.0.0.1\\nbasicConstraints=CA:FALSE\\n' > ext.cnf
      openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile ext.cnf -out server.pem 2>/dev/null
      mkdir -p certs.d && cp ca.pem certs.d/ca.crt
      """
    let outcome = try sh(script)
    guard outcome.status == 0 else { throw TestFailure("certificates: \(outcome.stderr)") }
  }
}
