import GrootIO
import GrootOCI

/// What `groot create` is asked to build from.
public enum ImageReference: Equatable, CustomStringConvertible, Sendable {
  /// `oci:///absolute/path[:tag]`: an OCI image layout on disk.
  case ociLayout(path: String, tag: String?)
  /// `/absolute/path`: a root filesystem as a directory or a tar file.
  case localPath(String)
  /// `docker://[registry[:port]]/name[:tag|@digest]`.
  case registry(RegistryReference)

  public init(parsing text: String) throws(ReferenceError) {
    if text.hasPrefix("oci://") {
      self = try Self.parseOCILayout(String(text.dropFirst("oci://".count)), original: text)
    } else if text.hasPrefix("docker://") {
      self = .registry(try RegistryReference(parsing: String(text.dropFirst("docker://".count)), original: text))
    } else if text.hasPrefix("/") {
      self = .localPath(text)
    } else if let scheme = text.range(of: "://") {
      throw .unsupportedScheme(String(text[..<scheme.lowerBound]), text)
    } else {
      throw .notAbsolute(text)
    }
  }

  private static func parseOCILayout(_ rest: String, original: String) throws(ReferenceError) -> ImageReference {
    guard rest.hasPrefix("/") else { throw .notAbsolute(original) }
    // A tag is what follows the last ':' in the last path component.
    let lastSlash = rest.lastIndex(of: "/")!
    if let colon = rest[lastSlash...].lastIndex(of: ":") {
      let tag = String(rest[rest.index(after: colon)...])
      guard !tag.isEmpty else { throw .invalid(original, reason: "empty tag") }
      return .ociLayout(path: String(rest[..<colon]), tag: tag)
    }
    return .ociLayout(path: rest, tag: nil)
  }

  public var description: String {
    switch self {
    case .ociLayout(let path, let tag): return "oci://\(path)" + (tag.map { ":\($0)" } ?? "")
    case .localPath(let path): return path
    case .registry(let reference): return reference.description
    }
  }
}

/// A reference to an image in a registry, with Docker's defaults filled in.
public struct RegistryReference: Equatable, CustomStringConvertible, Sendable {
  public static let defaultRegistry = "registry-1.docker.io"

  public var registry: String
  public var repository: String
  public var tag: String?
  public var digest: Digest?

  init(parsing text: String, original: String) throws(ReferenceError) {
    var rest = Substring(text)
    if rest.hasPrefix("/") { rest = rest.dropFirst() }  // docker:///name means the default registry
    guard !rest.isEmpty else { throw .invalid(original, reason: "no image name") }

    var digest: Digest?
    if let at = rest.firstIndex(of: "@") {
      do {
        digest = try Digest(parsing: String(rest[rest.index(after: at)...]))
      } catch {
        throw .invalid(original, reason: error.description)
      }
      rest = rest[..<at]
    }
    var tag: String?
    if let colon = rest.lastIndex(of: ":"), !rest[colon...].contains("/") {
      tag = String(rest[rest.index(after: colon)...])
      rest = rest[..<colon]
    }
    var components = rest.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
    var registry = Self.defaultRegistry
    if components.count > 1, let first = components.first,
      first.contains(".") || first.contains(":") || first == "localhost"
    {
      registry = first
      components.removeFirst()
    }
    if let colon = registry.firstIndex(of: ":") {
      let port = registry[registry.index(after: colon)...]
      guard !port.isEmpty, port.allSatisfy(\.isNumber), UInt16(port) != nil else {
        throw .invalid(original, reason: "invalid registry '\(registry)': the port must be a number")
      }
    }
    if registry == "docker.io" || registry == "index.docker.io" { registry = Self.defaultRegistry }
    if registry == Self.defaultRegistry && components.count == 1 { components.insert("library", at: 0) }
    let repository = components.joined(separator: "/")
    guard Self.isValidRepository(repository) else {
      throw .invalid(original, reason: "invalid repository name '\(repository)'")
    }
    if let tag, !Self.isValidTag(tag) {
      throw .invalid(original, reason: "invalid tag '\(tag)'")
    }
    self.registry = registry
    self.repository = repository
    self.tag = digest == nil ? (tag ?? "latest") : tag
    self.digest = digest
  }

  /// What to ask the registry's manifest endpoint for: the digest if pinned, else the tag.
  public var manifestReference: String { digest?.description ?? tag ?? "latest" }

  public var description: String {
    "docker://\(registry)/\(repository)" + (tag.map { ":\($0)" } ?? "") + (digest.map { "@\($0)" } ?? "")
  }

  // distribution spec: path components of [a-z0-9]+ joined by separators [._-].
  static func isValidRepository(_ name: String) -> Bool {
    guard !name.isEmpty, name.count <= 255 else { return false }
    return name.split(separator: "/", omittingEmptySubsequences: false).allSatisfy { component in
      guard let first = component.first, let last = component.last,
        first.isLowercaseAlnum, last.isLowercaseAlnum
      else { return false }
      return component.allSatisfy { $0.isLowercaseAlnum || $0 == "." || $0 == "_" || $0 == "-" }
    }
  }

  static func isValidTag(_ tag: String) -> Bool {
    guard let first = tag.first, tag.count <= 128, first.isASCIIWordCharacter else { return false }
    return tag.allSatisfy { $0.isASCIIWordCharacter || $0 == "." || $0 == "-" }
  }
}

extension Character {
  fileprivate var isLowercaseAlnum: Bool { isASCII && (isLowercase || isNumber) }
  fileprivate var isASCIIWordCharacter: Bool { isASCII && (isLetter || isNumber || self == "_") }
}

public enum ReferenceError: ClassifiedError, Equatable {
  case notAbsolute(String)
  case unsupportedScheme(String, String)
  case invalid(String, reason: String)

  public var kind: ErrorKind? {
    switch self {
    case .notAbsolute, .unsupportedScheme, .invalid: return .invalidArgument
    }
  }

  public var description: String {
    switch self {
    case .notAbsolute(let text):
      return "invalid image '\(text)': expected docker://…, oci:///absolute/path or an absolute path"
    case .unsupportedScheme(let scheme, let text):
      return "invalid image '\(text)': unsupported scheme '\(scheme)' (use docker:// or oci://)"
    case .invalid(let text, let reason):
      return "invalid image '\(text)': \(reason)"
    }
  }
}
