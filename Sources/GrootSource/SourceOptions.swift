import Foundation
import GrootIO

/// What create was told about where images come from: registries, and the
/// remote layers of OCI layouts.
public struct SourceOptions: Sendable {
  /// Registries (HOST[:PORT]) reached over plain HTTP.
  public var insecureRegistries: [String] = []
  public var username: String?
  public var password: String?
  /// Extra CA certificates (PEM) to trust besides the system's.
  public var caFile: String?
  /// A directory of certificates for remote layers (a descriptor's `urls`), read as
  /// containers/image reads it: `*.crt` CAs, `NAME.cert` with `NAME.key` client pairs
  /// (GrootFS's create.remote_layer_client_certificates_path).
  public var remoteLayerCertificates: String?
  /// Told the size of every part of a layer blob as it arrives (progress).
  public var observeBytes: (@Sendable (Int) -> Void)?
  /// Seconds without a byte before a transfer counts as stalled
  /// (GROOT_REGISTRY_STALL_TIMEOUT, default 30).
  public var stallTimeout: Double =
    Environment.value("GROOT_REGISTRY_STALL_TIMEOUT").flatMap(Double.init) ?? 30

  public init() {}

  /// A blob's stream, counted for the progress line if anyone observes.
  func observed(_ blob: ByteStream) -> ByteStream {
    observeBytes.map { CountingStream(blob, observe: $0) } ?? blob
  }
}
