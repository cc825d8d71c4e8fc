import Foundation

/// A value behind a lock, for handing results between threads.
public final class Locked<Value>: @unchecked Sendable {
  private var value: Value
  private let lock = NSLock()
  public init(_ value: Value) { self.value = value }
  public func set(_ newValue: Value) { lock.withLock { value = newValue } }
  public func get() -> Value { lock.withLock { value } }
}
