/// groot's release, printed by `groot --version`.
public enum GrootVersion {
  public static let current = "0.4.0"
}
