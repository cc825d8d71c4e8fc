/// The names of whiteout entries (the OCI image spec's, from AUFS).
enum Whiteout {
  static let prefix = ".wh."
  static let opaque = ".wh..wh..opq"
  static let metaPrefix = ".wh..wh."
}
