extension String {
  /// `value` in decimal with leading zeros to `width` digits: `String(format:
  /// "%08d")` without its CVarArg boxing, whose dynamic casts cost every command
  /// start-up time (docs/benchmarks.md).
  public init<Value: BinaryInteger>(_ value: Value, zeroPaddedTo width: Int) {
    let digits = String(value.magnitude)
    let sign = value < 0 ? "-" : ""
    self = sign + String(repeating: "0", count: Swift.max(0, width - digits.count - sign.count)) + digits
  }
}
