/// Failures of groot's own commands that are not a stage's.
public enum CoreError: Error, CustomStringConvertible, Equatable {
  case config(path: String, reason: String)
  case invalidFlag(String)
  case layer(name: String, reason: String)
  case unsupported(String)
  case imagesStillMounted([String])

  public var description: String {
    switch self {
    case .config(let path, let reason): return "invalid config file \(path): \(reason)"
    case .invalidFlag(let reason): return reason
    case .layer(let name, let reason): return "cannot unpack \(name): \(reason)"
    case .unsupported(let what): return what
    case .imagesStillMounted(let ids):
      return "store still has mounted images (\(ids.joined(separator: ", "))): delete them first"
    }
  }
}
