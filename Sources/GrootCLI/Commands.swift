import ArgumentParser
import GrootCore
import GrootIO

#if canImport(Glibc)
  import Glibc
#endif

struct InitStore: GrootCommand {
  static let configuration = CommandConfiguration(commandName: "init-store", abstract: "Create the store.")

  @OptionGroup var global: GlobalOptions

  @Option(parsing: .unconditional, help: "Size of a loop-mounted backing store, in bytes.")
  var storeSizeBytes: Int64?

  @Option(help: "File system of the backing store: btrfs (default) or xfs.")
  var storeFilesystem: String?

  @Flag(help: "Direct I/O on the backing store's loop device.")
  var withDirectIo = false

  @Option(help: "CONTAINER:HOST:SIZE uid range (repeatable).")
  var uidMapping: [String] = []

  @Option(help: "CONTAINER:HOST:SIZE gid range (repeatable).")
  var gidMapping: [String] = []

  func run(_ context: CommandContext) throws {
    var flags = Flags()
    flags.storeSizeBytes = storeSizeBytes
    flags.storeFileSystem = storeFilesystem
    flags.withDirectIO = withDirectIo
    try global.manager("init-store", flags, context: context).initStore(
      uidMappings: try parse(uidMapping, flag: "--uid-mapping"),
      gidMappings: try parse(gidMapping, flag: "--gid-mapping"))
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

struct Create: HotCommand {
  static let configuration = CommandConfiguration(
    commandName: "create", abstract: "Create a root filesystem for IMAGE; print its runtime-spec JSON.")

  @OptionGroup var global: GlobalOptions

  @Option(parsing: .unconditional, help: "Disk limit in bytes (0: none).")
  var diskLimitSizeBytes: Int64?

  @Flag(help: "Count only what the container writes against the limit.")
  var excludeImageFromQuota = false

  @Flag(help: "Mount the rootfs (default).")
  var withMount = false

  @Flag(help: "Do not mount; print the mount in the JSON instead.")
  var withoutMount = false

  @Flag(help: "Start a clean of unused layers beside the create.")
  var withClean = false

  @Flag(help: "Do not clean (default).")
  var withoutClean = false

  @Option(parsing: .unconditional, help: "Clean only when the store uses more than this.")
  var thresholdBytes: Int64?

  @Option(help: "Log file of the clean --with-clean starts (default: --log-file).")
  var cleanLogFile: String?

  @Option(help: "Registry reached over plain HTTP (repeatable).")
  var insecureRegistry: [String] = []

  @Option(help: "PEM file of CA certificates to trust for registries, besides the system's.")
  var registryCaFile: String?

  @Option(help: "Registry user name.")
  var username: String?

  @Option(help: "Registry password.")
  var password: String?

  @Flag(help: "Do not check the digests of an OCI layout's local layers (remote ones are always checked).")
  var skipLayerValidation = false

  @Argument(help: "docker://…, oci:///path[:tag] or /path.")
  var image: String

  @Argument(help: "Image id.")
  var id: String

  func validate() throws {
    if withMount && withoutMount { throw ValidationError("with-mount and without-mount cannot be used together") }
    if withClean && withoutClean { throw ValidationError("with-clean and without-clean cannot be used together") }
  }

  var invocation: Invocation {
    var flags = Flags()
    flags.diskLimitSizeBytes = diskLimitSizeBytes
    flags.excludeImageFromQuota = excludeImageFromQuota
    flags.withMount = withMount
    flags.withoutMount = withoutMount
    flags.withClean = withClean
    flags.withoutClean = withoutClean
    flags.thresholdBytes = thresholdBytes
    flags.cleanLogFile = cleanLogFile
    flags.insecureRegistries = insecureRegistry
    flags.registryCAFile = registryCaFile
    flags.username = username
    flags.password = password
    flags.skipLayerValidation = skipLayerValidation
    return Invocation(.create(image: image, id: id), global.applied(to: flags))
  }
}

struct Delete: HotCommand {
  static let configuration = CommandConfiguration(commandName: "delete", abstract: "Unmount and remove an image.")

  @OptionGroup var global: GlobalOptions

  @Argument(help: "Image id, image path or rootfs path.")
  var image: String

  var invocation: Invocation { Invocation(.delete(image: image), global.applied()) }
}

struct List: HotCommand {
  static let configuration = CommandConfiguration(commandName: "list", abstract: "Print each image's path, one a line.")

  @OptionGroup var global: GlobalOptions

  var invocation: Invocation { Invocation(.list, global.applied()) }
}

struct Stats: HotCommand {
  static let configuration = CommandConfiguration(
    commandName: "stats", abstract: "Print an image's disk usage as JSON.")

  @OptionGroup var global: GlobalOptions

  @Argument(help: "Image id, image path or rootfs path.")
  var image: String

  var invocation: Invocation { Invocation(.stats(image: image), global.applied()) }
}

struct Capacity: GrootCommand {
  static let configuration = CommandConfiguration(
    commandName: "capacity",
    abstract: "Print the store's size as JSON (init.store_size_bytes when the config gives it).")

  @OptionGroup var global: GlobalOptions

  func run(_ context: CommandContext) throws {
    print("{\"capacity\":\(try global.manager("capacity", context: context).capacity())}")
  }
}

struct DeleteStore: GrootCommand {
  static let configuration = CommandConfiguration(
    commandName: "delete-store",
    abstract: "Remove the store (only a groot or GrootFS store; refused while images are mounted, unless --force).")

  @OptionGroup var global: GlobalOptions

  @Flag(help: "Unmount mounted images first.")
  var force = false

  func run(_ context: CommandContext) throws {
    try global.manager("delete-store", context: context).deleteStore(force: force)
  }
}

struct Clean: GrootCommand {
  static let configuration = CommandConfiguration(
    commandName: "clean", abstract: "Remove layers no image uses, least recently used first.")

  @OptionGroup var global: GlobalOptions

  @Option(
    parsing: .unconditional,
    help: "Clean only while the store uses more than this many bytes (0: always, everything unused).")
  var thresholdBytes: Int64?

  @Flag(help: "Print what was freed as JSON instead of GrootFS's line.")
  var json = false

  func run(_ context: CommandContext) throws {
    var flags = Flags()
    flags.thresholdBytes = thresholdBytes
    let manager = try global.manager("clean", flags, context: context)
    // GrootFS: no store, nothing to clean, not a failure.
    guard FileSystem.exists(manager.settings.storePath) else {
      print("no store found at \(manager.settings.storePath)")
      return
    }
    let report = try manager.clean()
    if json {
      print(try report.json())
    } else {
      print(report.thresholdReached ? "clean completed" : "threshold not reached: skipping clean")
    }
  }
}

struct Check: GrootCommand {
  static let configuration = CommandConfiguration(
    commandName: "check",
    abstract: "Report inconsistencies in the store (and repair them with --repair); exit 1 if any remain.")

  @OptionGroup var global: GlobalOptions

  @Flag(help: "Repair what can be repaired without losing data.")
  var repair = false

  func run(_ context: CommandContext) throws {
    let manager = try global.manager("check", context: context)
    let report = try manager.check(repair: repair)
    for line in report.repaired { print("repaired: \(line)") }
    for line in report.problems { print("problem: \(line)") }
    guard report.problems.isEmpty else {
      throw CoreError.inconsistent(count: report.problems.count, repairable: !repair)
    }
    print("store \(manager.settings.storePath) is consistent")
  }
}

struct GenerateVolumeSizeMetadata: GrootCommand {
  static let configuration = CommandConfiguration(
    commandName: "generate-volume-size-metadata",
    abstract: "GrootFS's pre-start step; groot records layer sizes as it unpacks them.", shouldDisplay: false)

  @OptionGroup var global: GlobalOptions

  func run(_ context: CommandContext) throws {
    try global.manager("generate-volume-size-metadata", context: context).generateVolumeSizeMetadata()
  }
}

struct EmptyTrash: GrootCommand {
  static let configuration = CommandConfiguration(
    commandName: "empty-trash", abstract: "Remove what killed commands left (started in the background).",
    shouldDisplay: false)

  @OptionGroup var global: GlobalOptions

  func run(_ context: CommandContext) throws {
    try global.manager("empty-trash", context: context).emptyTrash()
  }
}
