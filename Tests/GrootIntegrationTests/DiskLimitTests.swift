import Foundation
import GrootFixtures
import Testing

/// Disk limits on btrfs backing stores, for both drivers: enforced from inside a
/// container run by runc, refused where they cannot be, and cleaned up after.
@Suite("Disk limits")
struct DiskLimitTests {
  static let busybox = "oci://\(Project.image(.busybox))"
  static let backingBytes = 400_000_000
  static let limit = 10_000_000

  /// Writes 30 MB from inside the container; returns runc's outcome and the bytes
  /// that landed.
  static func writePastLimit(_ store: TestStore, _ id: String, _ extra: [String]) throws -> (Outcome, Int) {
    let spec = try store.create(busybox, id, ["--disk-limit-size-bytes", "\(limit)"] + extra)
    let outcome = try RuncTests.runInContainer(
      spec, args: ["/bin/sh", "-c", "dd if=/dev/zero of=/big bs=1M count=30; sync; ls -l /big"], in: store.base)
    let attributes = try FileManager.default.attributesOfItem(atPath: store.rootfs(id) + "/big")
    return (outcome, attributes[.size] as! Int)
  }

  @Test(
    "writing past the limit from inside a container fails with EDQUOT",
    arguments: [("overlay", false), ("overlay", true), ("btrfs", false), ("btrfs", true)])
  func limitEnforced(driver: String, excludeImage: Bool) throws {
    let store = try TestStore(driver: driver, backingBytes: Self.backingBytes)
    let (outcome, written) = try Self.writePastLimit(
      store, "limited", excludeImage ? ["--exclude-image-from-quota"] : [])
    #expect(outcome.stderr.contains("Disk quota exceeded"), "\(outcome.stderr)")
    // busybox's own files (about 2 MB) count against the limit without
    // --exclude-image-from-quota, so the container gets that much less.
    let image = Int(
      try sh("du -sB1 \(store.path)/layers | cut -f1").stdout.trimmingCharacters(in: .whitespacesAndNewlines))!
    if excludeImage {
      #expect(written > Self.limit - 600_000 && written <= Self.limit, "\(written)")
    } else {
      // The file system's own accounting (btrfs metadata) differs from du by a few blocks.
      #expect(written > Self.limit - image - 900_000 && written <= Self.limit - image + 262_144, "\(written), \(image)")
    }
  }

  @Test("a limit smaller than the image is refused (overlay, image counted), in GrootFS's words where it has them")
  func limitBelowImage() throws {
    let store = try TestStore(backingBytes: Self.backingBytes)
    let compressed = try LayoutLayers(ofLayout: Project.image(.busybox)).blobSizes.reduce(0, +)
    // Below the compressed layers: refused before anything is fetched.
    try CommandTests.expectCleanFailure(
      store, ["create", "--disk-limit-size-bytes", "\(compressed - 1)", Self.busybox, "x"],
      mentioning: "layers exceed disk quota \(compressed)/\(compressed - 1) bytes")
    // Above them but below what they unpack to: stopped as the bytes arrive.
    try CommandTests.expectCleanFailure(
      store, ["create", "--disk-limit-size-bytes", "\(compressed + 100_000)", Self.busybox, "x"],
      mentioning: "uncompressed layer size exceeds quota")
    // Layers already in the store: refused against their size on disk.
    _ = try store.create(Self.busybox, "unlimited")
    #expect(try store.groot("delete", "unlimited").status == 0)
    try CommandTests.expectCleanFailure(
      store, ["create", "--disk-limit-size-bytes", "\(compressed + 100_000)", Self.busybox, "x"],
      mentioning: "smaller than the image")
    // Counting only what the container writes, the same limit is fine.
    _ = try store.create(
      Self.busybox, "excluded", ["--disk-limit-size-bytes", "\(compressed + 100_000)", "--exclude-image-from-quota"])
  }

  @Test("an XFS store without quota support refuses limits, and works without them")
  func xfsRefuses() throws {
    let store = try TestStore(backingBytes: Self.backingBytes, fileSystem: "xfs")
    #expect(try sh("findmnt -n -o FSTYPE \(store.path)").stdout.hasPrefix("xfs"))
    try CommandTests.expectCleanFailure(
      store, ["create", "--disk-limit-size-bytes", "\(Self.limit)", Self.busybox, "x"],
      mentioning: "XFS without project quotas")
    _ = try store.create(Self.busybox, "unlimited")
    #expect(fileExists(store.rootfs("unlimited") + "/bin/busybox"))
  }

  @Test("the btrfs driver needs a btrfs store")
  func btrfsDriverNeedsBtrfs() throws {
    #expect(throws: TestFailure.self) { try TestStore(driver: "btrfs") }
  }

  @Test("stats follow the file system's accounting within 5%", arguments: ["overlay", "btrfs"])
  func stats(driver: String) throws {
    let store = try TestStore(driver: driver, backingBytes: Self.backingBytes)
    _ = try store.create(Self.busybox, "s", ["--disk-limit-size-bytes", "100000000"])
    func usage() throws -> (total: Int, exclusive: Int) {
      let json =
        try JSONSerialization.jsonObject(with: Data(try store.groot("stats", "s").stdout.utf8))
        as! [String: [String: Int]]
      return (json["disk_usage"]!["total_bytes_used"]!, json["disk_usage"]!["exclusive_bytes_used"]!)
    }
    let before = try usage()
    let written = 8 * 1_048_576
    try sh("head -c \(written) /dev/urandom > \(store.rootfs("s"))/blob && sync")
    let after = try usage()
    #expect(abs(after.exclusive - before.exclusive - written) < written / 20, "\(before) \(after)")
    #expect(abs(after.total - before.total - written) < written / 20, "\(before) \(after)")
    #expect(before.total > 1_000_000)  // the image's own files
  }

  @Test("capacity is the backing store's size; init-store again is harmless")
  func capacity() throws {
    let store = try TestStore(backingBytes: Self.backingBytes)
    let outcome = try store.groot("capacity")
    let capacity = (try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as! [String: Int])["capacity"]!
    #expect(abs(capacity - Self.backingBytes) < Self.backingBytes / 100)
    _ = try store.create(Self.busybox, "x")
    #expect(try store.groot("init-store", "--store-size-bytes", "\(Self.backingBytes)").status == 0)
    #expect(fileExists(store.rootfs("x") + "/bin/busybox"))
  }

  @Test(
    "100 create/delete cycles leave no qgroups, subvolumes, mounts or loop devices", arguments: ["overlay", "btrfs"])
  func noLeaks(driver: String) throws {
    let store = try TestStore(driver: driver, backingBytes: Self.backingBytes)
    let backing = store.path + ".backing-store"
    _ = try store.create(Self.busybox, "warm")
    #expect(try store.groot("delete", "warm").status == 0)
    let subvolumes = "btrfs subvolume list \(store.path) | awk '{print $NF}'"
    try sh("btrfs subvolume sync \(store.path)")
    let subvolumesBefore = try sh(subvolumes).stdout
    for cycle in 0..<100 {
      _ = try store.create(Self.busybox, "c\(cycle)", ["--disk-limit-size-bytes", "\(Self.limit)"])
      #expect(try store.groot("delete", "c\(cycle)").status == 0)
    }
    try sh("btrfs subvolume sync \(store.path)")
    #expect(try sh(subvolumes).stdout == subvolumesBefore)
    // Qgroups: the top level's and one per layer subvolume (btrfs driver), no image's.
    let qgroups = try sh("btrfs qgroup show \(store.path) | tail -n +3 | wc -l").stdout
    let layerSubvolumes = subvolumesBefore.split(separator: "\n").count
    #expect(Int(qgroups.trimmingCharacters(in: .whitespacesAndNewlines)) == 1 + layerSubvolumes, "\(qgroups)")
    #expect(try store.mountPoints().isEmpty)
    #expect(try store.isMounted())
    #expect(try store.groot("check").status == 0)

    #expect(try store.groot("delete-store").status == 0)
    #expect(!fileExists(backing) && !fileExists(store.path))
    #expect(try sh("losetup -j \(backing)").stdout.isEmpty)
    #expect(try !store.isMounted())
  }
}
