/// What `.wh.NAME` and `.wh..wh..opq` entries become.
public enum WhiteoutMode: Sendable {
  /// Overlay whiteouts: a 0/0 character device, and `trusted.overlay.opaque=y`.
  case overlay
  /// Deletions in place, for drivers whose layers are snapshots of their parent.
  case delete
}
