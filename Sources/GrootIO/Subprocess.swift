import CGrootSys
import Foundation

/// Runs system tools (mkfs, mount -o loop) that have no library interface.
public enum Subprocess {
  public struct Failure: ClassifiedError {
    public let tool: String
    public let status: Int32
    public let message: String

    public var kind: ErrorKind? { .system }

    public var description: String {
      "\(tool) failed (exit \(status))" + (message.isEmpty ? "" : ": \(message)")
    }
  }

  /// Runs `tool` (found on PATH, /usr/sbin or /sbin) to completion; throws with
  /// the last line it wrote to stderr when it fails.
  @discardableResult
  public static func run(_ tool: String, _ arguments: [String]) throws -> String {
    guard let executable = locate(tool) else {
      throw Failure(tool: tool, status: 127, message: "not installed")
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let output = Pipe()
    let errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    process.standardInput = FileHandle.nullDevice
    try process.run()
    // Both pipes are drained before waiting, so a chatty tool cannot block.
    let errorData = Locked(Data())
    let reader = Thread { errorData.set(errors.fileHandleForReading.readDataToEndOfFile()) }
    reader.start()
    let outputData = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    while !reader.isFinished { usleep(500) }
    guard process.terminationStatus == 0 else {
      let text = String(decoding: errorData.get(), as: UTF8.self)
      let line = text.split(separator: "\n").last.map(String.init) ?? ""
      throw Failure(tool: tool, status: process.terminationStatus, message: line)
    }
    return String(decoding: outputData, as: UTF8.self)
  }

  public static func locate(_ tool: String) -> String? {
    let path = Environment.value("PATH") ?? ""
    let directories = path.split(separator: ":").map(String.init) + ["/usr/sbin", "/sbin", "/usr/bin", "/bin"]
    return directories.map { "\($0)/\(tool)" }.first { access($0, X_OK) == 0 }
  }
}

extension Subprocess {
  /// Starts `executable` in a session of its own and does not wait for it: stdin
  /// and stdout on /dev/null, stderr appended to `log` (or /dev/null), so no
  /// pipe of the caller's caller is held open by it.
  public static func startDetached(_ executable: String, _ arguments: [String], log: String?) throws {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 2, log ?? "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0o644)
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    posix_spawnattr_setflags(&attributes, Int16(GROOT_POSIX_SPAWN_SETSID))
    let argv = ([executable] + arguments).map { strdup($0) } + [nil]
    defer { for argument in argv { free(argument) } }
    var pid: pid_t = 0
    let status = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
    guard status == 0 else { throw SystemError("spawn", executable, errno: status) }
  }
}
