import ArgumentParser
import Glibc
import GrootCore
import GrootIO

struct InitStore: ParsableCommand {
  static let configuration = CommandConfiguration(commandName: "init-store", abstract: "Create the store.")

  @OptionGroup var global: GlobalOptions

  @Option(help: "Size of a loop-mounted backing store, in bytes.")
  var storeSizeBytes: Int64?

  @Option(help: "File system of the backing store: btrfs (default) or xfs.")
  var storeFilesystem: String?

  @Option(help: "CONTAINER:HOST:SIZE uid range (repeatable).")
  var uidMapping: [String] = []

  @Option(help: "CONTAINER:HOST:SIZE gid range (repeatable).")
  var gidMapping: [String] = []

  func run() throws {
    let (manager, file) = try global.manager()
    try manager.initStore(
      uidMappings: try parse(uidMapping, flag: "--uid-mapping"),
      gidMappings: try parse(gidMapping, flag: "--gid-mapping"),
      storeSizeBytes: storeSizeBytes ?? file.`init`?.storeSizeBytes ?? 0,
      storeFileSystem: storeFilesystem ?? file.`init`?.storeFileSystem ?? "btrfs")
  }

  private func parse(_ values: [String], flag: String) throws -> [IDMapping] {
    try values.map { value in
      guard let mapping = IDMapping(parsing: value) else {
        throw CoreError.invalidFlag("invalid \(flag) '\(value)': expected CONTAINER:HOST:SIZE")
      }
      return mapping
    }
  }
}

struct Create: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Create a root filesystem for IMAGE; print its runtime-spec JSON.")

  @OptionGroup var global: GlobalOptions

  @Option(help: "Disk limit in bytes (0: none).")
  var diskLimitSizeBytes: Int64?

  @Flag(help: "Count only what the container writes against the limit.")
  var excludeImageFromQuota = false

  @Flag(help: "Mount the rootfs (default).")
  var withMount = false

  @Flag(help: "Do not mount; print the mount in the JSON instead.")
  var withoutMount = false

  @Flag(help: "Run clean before creating.")
  var withClean = false

  @Flag(help: "Do not run clean before creating (default).")
  var withoutClean = false

  @Option(help: "Clean only when the store uses more than this.")
  var thresholdBytes: Int64?

  @Option(help: "Registry reached over plain HTTP (repeatable).")
  var insecureRegistry: [String] = []

  @Option(help: "PEM file of CA certificates to trust for registries, besides the system's.")
  var registryCaFile: String?

  @Option(help: "Registry user name.")
  var username: String?

  @Option(help: "Registry password.")
  var password: String?

  @Flag(help: "Do not check layer digests and diff_ids.")
  var skipLayerValidation = false

  @Argument(help: "docker://…, oci:///path[:tag] or /path.")
  var image: String

  @Argument(help: "Image id.")
  var id: String

  func validate() throws {
    if withMount && withoutMount { throw ValidationError("--with-mount and --without-mount conflict") }
    if withClean && withoutClean { throw ValidationError("--with-clean and --without-clean conflict") }
  }

  func run() throws {
    let (manager, file) = try global.manager()
    var request = CreateRequest(image: image, id: id)
    request.mount = withMount || !(withoutMount || file.create?.withoutMount == true)
    request.diskLimitBytes = diskLimitSizeBytes ?? file.create?.diskLimitSizeBytes ?? 0
    request.excludeImageFromQuota = excludeImageFromQuota || file.create?.excludeImageFromQuota == true
    request.skipLayerValidation = skipLayerValidation || file.create?.skipLayerValidation == true
    request.registry.insecureRegistries = insecureRegistry + (file.create?.insecureRegistries ?? [])
    request.registry.caFile = registryCaFile ?? file.create?.registryCAFile
    request.registry.username = username
    request.registry.password = password
    request.showProgress = isatty(STDERR_FILENO) == 1
    if withClean || (!withoutClean && file.create?.withClean == true) {
      request.clean = CleanRequest(
        thresholdBytes: thresholdBytes ?? file.clean?.thresholdBytes ?? 0,
        ignoredImages: file.clean?.ignoreImages ?? [])
    }
    guard request.diskLimitBytes >= 0 else {
      throw CoreError.invalidFlag("--disk-limit-size-bytes must not be negative")
    }
    print(try manager.create(request).json())
  }
}

struct Delete: ParsableCommand {
  static let configuration = CommandConfiguration(abstract: "Unmount and remove an image.")

  @OptionGroup var global: GlobalOptions

  @Argument(help: "Image id, image path or rootfs path.")
  var image: String

  func run() throws {
    try global.manager().0.delete(image)
  }
}

struct List: ParsableCommand {
  static let configuration = CommandConfiguration(abstract: "Print each image's path, one a line.")

  @OptionGroup var global: GlobalOptions

  func run() throws {
    for path in try global.manager().0.list() { print(path) }
  }
}

struct Stats: ParsableCommand {
  static let configuration = CommandConfiguration(abstract: "Print an image's disk usage as JSON.")

  @OptionGroup var global: GlobalOptions

  @Argument(help: "Image id, image path or rootfs path.")
  var image: String

  func run() throws {
    print(try global.manager().0.stats(image).json())
  }
}

struct Capacity: ParsableCommand {
  static let configuration = CommandConfiguration(abstract: "Print the store's size as JSON.")

  @OptionGroup var global: GlobalOptions

  func run() throws {
    print("{\"capacity\":\(try global.manager().0.capacity())}")
  }
}

struct DeleteStore: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "delete-store", abstract: "Remove the store (refused while images are mounted, unless --force).")

  @OptionGroup var global: GlobalOptions

  @Flag(help: "Unmount mounted images first.")
  var force = false

  func run() throws {
    try global.manager().0.deleteStore(force: force)
  }
}

struct Clean: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Remove layers no image uses, least recently used first; print what was freed as JSON.")

  @OptionGroup var global: GlobalOptions

  @Option(help: "Clean only while the store uses more than this many bytes (0: always, everything unused).")
  var thresholdBytes: Int64?

  func run() throws {
    let (manager, file) = try global.manager()
    let threshold = thresholdBytes ?? file.clean?.thresholdBytes ?? 0
    guard threshold >= 0 else { throw CoreError.invalidFlag("--threshold-bytes must not be negative") }
    let report = try manager.clean(
      CleanRequest(thresholdBytes: threshold, ignoredImages: file.clean?.ignoreImages ?? []))
    print(try report.json())
  }
}

struct Check: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Report inconsistencies in the store (and repair them with --repair); exit 1 if any remain.")

  @OptionGroup var global: GlobalOptions

  @Flag(help: "Repair what can be repaired without losing data.")
  var repair = false

  func run() throws {
    let (manager, _) = try global.manager()
    let report = try manager.check(repair: repair)
    for line in report.repaired { print("repaired: \(line)") }
    for line in report.problems { print("problem: \(line)") }
    guard report.problems.isEmpty else {
      throw CoreError.inconsistent(count: report.problems.count, repairable: !repair)
    }
    print("store \(manager.settings.storePath) is consistent")
  }
}
