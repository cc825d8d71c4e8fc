import GrootCore

#if canImport(Glibc)
  import Glibc
#endif

/// What one of the commands Garden calls on every container (create, delete,
/// stats, list) was asked to do, however its arguments were read: the fast path
/// and ArgumentParser both make one, and tests hold them equal.
public struct Invocation: Equatable, Sendable {
  public enum Action: Equatable, Sendable {
    case create(image: String, id: String)
    case delete(image: String)
    case stats(image: String)
    case list
  }

  public var action: Action
  /// The command's flags with the global ones over them.
  public var flags: Flags

  public init(_ action: Action, _ flags: Flags) {
    self.action = action
    self.flags = flags
  }

  var command: String {
    switch action {
    case .create: "create"
    case .delete: "delete"
    case .stats: "stats"
    case .list: "list"
    }
  }

  func run(_ context: CommandContext) throws {
    let manager = try context.manager(command, flags)
    switch action {
    case .create(let image, let id):
      print(try manager.create(image: image, id: id, showProgress: isatty(STDERR_FILENO) == 1).json())
    case .delete(let image):
      print(try manager.delete(image).line)
    case .stats(let image):
      print(try manager.stats(image).json())
    case .list:
      let paths = try manager.list()
      if paths.isEmpty { print("Store empty") }
      for path in paths { print(path) }
    }
  }
}

/// A command whose whole meaning is an `Invocation`.
protocol HotCommand: GrootCommand {
  var invocation: Invocation { get }
}

extension HotCommand {
  func run(_ context: CommandContext) throws { try invocation.run(context) }
}
