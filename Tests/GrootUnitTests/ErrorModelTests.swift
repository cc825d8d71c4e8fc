import Glibc
import GrootCore
import GrootDriver
import GrootFetch
import GrootIO
import GrootOCI
import GrootReference
import GrootSource
import GrootStore
import GrootUnpack
import Testing

/// One error model: every error says what kind it is, wrappers keep their
/// cause, and the kind the journal records comes from the right place.
@Suite("Error model")
struct ErrorModelTests {
  static let digest = Digest(of: [1])

  /// An error of each kind groot-agent exports, as groot's code makes them.
  static let examples: [(any Error, ErrorKind)] = [
    (CoreError.invalidFlag("x"), .invalidArgument),
    (StoreError.imageNotFound("x"), .imageNotFound),
    (OCIError.invalidDocument(what: "x", reason: "y"), .invalidImage),
    (OCIError.unsupportedMediaType("x", what: "y"), .unsupportedMediaType),
    (SourceError.blobMissing(digest, layout: "x"), .blobMissing),
    (FetchError.digestMismatch(what: "x", expected: digest, actual: digest), .digestMismatch),
    (FetchError.corruptCompression(what: "x", format: "gzip", detail: "y"), .corruptLayer),
    (UnpackError.invalidEntry(entry: "x", reason: "y"), .invalidLayer),
    (UnpackError.layerTooLarge("x"), .layerTooLarge),
    (StoreError.imageExists("x"), .imageExists),
    (DriverError.imageBusy(id: "x", rootfs: "y"), .imageBusy),
    (StoreError.notInitialized("x"), .storeNotInitialized),
    (CoreError.imagesStillMounted(["x"]), .storeBusy),
    (StoreError.unreadableMetadata("x", reason: "y"), .storeCorrupt),
    (CoreError.inconsistent(count: 1, repairable: true), .storeInconsistent),
    (StoreError.lockTimeout(what: "x", seconds: 1), .lockTimeout),
    (DriverError.mountFailed(target: "x", errno: EINVAL), .mountFailed),
    (DriverError.tooManyLayers(count: 1, optionBytes: 1, limit: 1), .tooManyLayers),
    (DriverError.quotaDisabled(store: "x"), .diskLimitUnsupported),
    (UnpackError.quotaExceeded, .quotaExceeded),
    (SystemError("write", "x", errno: ENOSPC), .diskFull),
    (RegistryError.unauthorized(registry: "x", reason: "y"), .unauthorized),
    (RegistryError.stalled(what: "x", seconds: 1), .registryUnreachable),
    (RegistryError.status(what: "x", code: 500), .registryError),
    (BackingStoreError.format(file: "x", reason: "y"), .backingStore),
    (SystemError("open", "x", errno: EACCES), .system),
    (ReferenceError.notAbsolute("x"), .invalidArgument),
  ]

  @Test("every kind groot-agent exports comes from an error of that kind")
  func everyKind() {
    for (error, kind) in Self.examples {
      #expect(ErrorKind.of(error) == kind, "\(error)")
    }
    let covered = Set(Self.examples.map(\.1))
    #expect(
      covered == Set(ErrorKind.allCases).subtracting([.internal]), "\(Set(ErrorKind.allCases).subtracting(covered))")
  }

  @Test("a wrapper's kind is its cause's: ENOSPC while unpacking is disk_full, not invalid_layer")
  func causes() {
    let full = CoreError.layer(name: "layer x", cause: .system(entry: "big", operation: "write", errno: ENOSPC))
    #expect(ErrorKind.of(full) == .diskFull)
    #expect((full.cause as? UnpackError) == .system(entry: "big", operation: "write", errno: ENOSPC))
    let quota = CoreError.layer(name: "layer x", cause: .system(entry: "big", operation: "write", errno: EDQUOT))
    #expect(ErrorKind.of(quota) == .quotaExceeded)
    let broken = CoreError.layer(name: "layer x", cause: .invalidEntry(entry: "a", reason: "b"))
    #expect(ErrorKind.of(broken) == .invalidLayer)
    struct Foreign: Error {}
    #expect(ErrorKind.of(Foreign()) == .internal)
  }
}
