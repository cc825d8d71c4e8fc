import Foundation
import GrootFixtures

/// Where the project lives, and the images its tests create from.
enum Project {
  static let root: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<4 { url.deleteLastPathComponent() }
    return url.path
  }()

  /// The layout of a fixture image, built once per test process (GrootFixtures).
  static func image(_ image: FixtureImage) -> String {
    do {
      return try FixtureImages.cached(image)
    } catch {
      fatalError("cannot build the \(image) test image: \(error)")
    }
  }

  /// `oci://LAYOUT[:TAG]` of a fixture image.
  static func reference(_ image: FixtureImage) -> String {
    "oci://" + Self.image(image) + (image.tag.map { ":\($0)" } ?? "")
  }

  /// What /etc/debian_version says in the `.debian` image: the host's own.
  static let debianVersion = (try? String(contentsOfFile: "/etc/debian_version", encoding: .utf8)) ?? "?"

  static var grootBinary: String {
    ProcessInfo.processInfo.environment["GROOT_BIN"] ?? root + "/.build/debug/groot"
  }
}

/// The result of running a program.
struct Outcome {
  var status: Int32
  var stdout: String
  var stderr: String

  var stderrLines: [Substring] { stderr.split(separator: "\n") }
  var stdoutLines: [Substring] { stdout.split(separator: "\n") }
}

/// Runs a program to completion, capturing its output.
@discardableResult
func run(_ executable: String, _ arguments: [String], cwd: String? = nil, environment: [String: String] = [:])
  throws -> Outcome
{
  let process = Process()
  process.executableURL = URL(fileURLWithPath: executable)
  process.arguments = arguments
  if !environment.isEmpty {
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
  }
  if let cwd { process.currentDirectoryURL = URL(fileURLWithPath: cwd) }
  // Output goes to files: no pipe can fill up and stall the child.
  let capture = NSTemporaryDirectory() + "groot-run-" + UUID().uuidString
  FileManager.default.createFile(atPath: capture + ".out", contents: nil)
  FileManager.default.createFile(atPath: capture + ".err", contents: nil)
  defer {
    try? FileManager.default.removeItem(atPath: capture + ".out")
    try? FileManager.default.removeItem(atPath: capture + ".err")
  }
  process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: capture + ".out"))
  process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: capture + ".err"))
  process.standardInput = FileHandle.nullDevice
  try process.run()
  process.waitUntilExit()
  return Outcome(
    status: process.terminationStatus,
    stdout: (try? String(contentsOfFile: capture + ".out", encoding: .utf8)) ?? "",
    stderr: (try? String(contentsOfFile: capture + ".err", encoding: .utf8)) ?? "")
}

/// Runs a shell command line (for the test's own set-up, not for the code under test).
@discardableResult
func sh(_ command: String) throws -> Outcome {
  try run("/bin/sh", ["-c", command])
}

/// A store in a fresh temporary directory, deleted when the test ends.
/// Immutable after init, so safe to share between the threads of a stress test.
final class TestStore: @unchecked Sendable {
  let base: String
  let path: String

  /// A store on the host's file system, or with `backingBytes` on its own
  /// loop-mounted backing file (btrfs unless `fileSystem` says xfs).
  init(
    initialize: Bool = true, driver: String = "overlay", backingBytes: Int? = nil, fileSystem: String = "btrfs"
  ) throws {
    base = "/tmp/groot-test-" + UUID().uuidString.prefix(8).lowercased()
    try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
    path = base + "/store"
    if initialize {
      var arguments = ["--driver", driver, "init-store"]
      if let backingBytes { arguments += ["--store-size-bytes", "\(backingBytes)", "--store-filesystem", fileSystem] }
      let outcome = try groot(arguments)
      guard outcome.status == 0 else { throw TestFailure("init-store failed: \(outcome.stderr)") }
    }
  }

  deinit {
    _ = try? groot("delete-store", "--force")
    for mount in (try? mountPoints()) ?? [] { _ = umount2(mount, Int32(MNT_DETACH)) }
    try? FileManager.default.removeItem(atPath: base)
  }

  @discardableResult
  func groot(_ arguments: String...) throws -> Outcome {
    try groot(arguments)
  }

  @discardableResult
  func groot(_ arguments: [String], environment: [String: String] = [:]) throws -> Outcome {
    try run(Project.grootBinary, ["--store", path] + arguments, environment: environment)
  }

  /// Creates an image and returns the parsed JSON, failing the test on error.
  func create(_ image: String, _ id: String, _ extra: [String] = []) throws -> [String: Any] {
    let outcome = try groot(["create"] + extra + [image, id])
    guard outcome.status == 0 else { throw TestFailure("create \(image) failed: \(outcome.stdout)\(outcome.stderr)") }
    return try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as! [String: Any]
  }

  func rootfs(_ id: String) -> String { "\(path)/images/\(id)/rootfs" }

  /// Mount points under the store (not its own backing mount), from mountinfo.
  func mountPoints() throws -> [String] {
    try mountInfo().filter { $0.hasPrefix(path + "/") }
  }

  /// Whether the store itself is a mount (its backing store).
  func isMounted() throws -> Bool { try mountInfo().contains(path) }

  /// Every path in the store with its type and size, to compare before and after.
  /// The event journal is left out: every command, failed or not, adds its event.
  func snapshot() throws -> [String] {
    let outcome = try sh("cd '\(path)' && find . -path ./events -prune -o -printf '%p %y %s\\n' | sort")
    return outcome.stdout.split(separator: "\n").map(String.init)
  }
}

/// Mount points of this mount namespace.
func mountInfo() throws -> [String] {
  // Read until read(2) returns 0: a proc file gives about a page per call, and
  // Foundation's file readers take the first short read for the end.
  let fd = open("/proc/self/mountinfo", O_RDONLY)
  guard fd >= 0 else { throw TestFailure("cannot open mountinfo") }
  defer { close(fd) }
  var bytes: [UInt8] = []
  var buffer = [UInt8](repeating: 0, count: 65536)
  while true {
    let count = read(fd, &buffer, buffer.count)
    guard count >= 0 else { throw TestFailure("cannot read mountinfo") }
    if count == 0 { break }
    bytes += buffer[0..<count]
  }
  let text = String(decoding: bytes, as: UTF8.self)
  return text.split(separator: "\n").map { String($0.split(separator: " ")[4]) }
}

struct TestFailure: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = description }
}

func inode(_ path: String) throws -> UInt64 {
  var st = stat()
  guard lstat(path, &st) == 0 else { throw TestFailure("lstat \(path) failed") }
  return UInt64(st.st_ino)
}

func fileExists(_ path: String) -> Bool {
  var st = stat()
  return lstat(path, &st) == 0
}

/// A value shared by the threads of a test, behind a lock.
final class Locked<Value>: @unchecked Sendable {
  private var value: Value
  private let lock = NSLock()

  init(_ value: Value) { self.value = value }

  func withValue<T>(_ body: (inout Value) -> T) -> T {
    lock.lock()
    defer { lock.unlock() }
    return body(&value)
  }
}
