/// Typed reads of a JSON object's fields, for decoders written by hand over
/// `JSONValue`. Errors name the field's path as JSONDecoder's did through
/// `JSONErrorText` ("missing field 'config.digest'", "wrong type at 'layers.[0].size'").
/// An absent field and a null one are alike to `optional…` reads (nil for both);
/// required reads call an absent field missing and a null one the wrong type.
public struct JSONFields {
  private let members: [JSONValue.Member]
  /// This object's path from the document's root ("" for the root).
  public let path: String

  /// The fields of `value`, which must be an object.
  public init(_ value: JSONValue, path: String = "") throws(JSONFieldError) {
    guard case .object(let members) = value else { throw .wrongType(path) }
    self.members = members
    self.path = path
  }

  /// The value of `key`: the first member of that name (JSONDecoder's choice, which
  /// groot made before), nil when absent or null.
  public func value(_ key: String) -> JSONValue? {
    guard let member = members.first(where: { $0.key == key }), member.value != .null else { return nil }
    return member.value
  }

  /// The value of `key`, which must be present and not null.
  public func requiredValue(_ key: String) throws(JSONFieldError) -> JSONValue {
    try present(key, value(key))
  }

  public func string(_ key: String) throws(JSONFieldError) -> String {
    try present(key, optionalString(key))
  }

  public func optionalString(_ key: String) throws(JSONFieldError) -> String? {
    try value(key).map { value throws(JSONFieldError) in try JSONFields.string(value, at: subpath(key)) }
  }

  public func int64(_ key: String) throws(JSONFieldError) -> Int64 {
    try JSONFields.int64(present(key, value(key)), at: subpath(key))
  }

  public func int(_ key: String) throws(JSONFieldError) -> Int {
    guard let int = Int(exactly: try int64(key)) else { throw .wrongType(subpath(key)) }
    return int
  }

  public func fields(_ key: String) throws(JSONFieldError) -> JSONFields {
    try present(key, optionalFields(key))
  }

  public func optionalFields(_ key: String) throws(JSONFieldError) -> JSONFields? {
    try value(key).map { value throws(JSONFieldError) in try JSONFields(value, path: subpath(key)) }
  }

  /// An array field, each element read by `element` with its path.
  public func array<Element>(
    _ key: String, _ element: (JSONValue, String) throws -> Element
  ) throws -> [Element] {
    try present(key, optionalArray(key, element))
  }

  public func optionalArray<Element>(
    _ key: String, _ element: (JSONValue, String) throws -> Element
  ) throws -> [Element]? {
    guard let value = value(key) else { return nil }
    guard case .array(let values) = value else { throw JSONFieldError.wrongType(subpath(key)) }
    var elements: [Element] = []
    elements.reserveCapacity(values.count)
    for (index, value) in values.enumerated() {
      elements.append(try element(value, subpath(key) + ".[\(index)]"))
    }
    return elements
  }

  public func optionalStrings(_ key: String) throws -> [String]? {
    try optionalArray(key, JSONFields.string)
  }

  /// An object of strings (annotations, labels), in document order.
  public func optionalStringPairs(_ key: String) throws(JSONFieldError) -> [(key: String, value: String)]? {
    guard let value = value(key) else { return nil }
    let fields = try JSONFields(value, path: subpath(key))
    var pairs: [(key: String, value: String)] = []
    for member in fields.members {
      pairs.append((member.key, try JSONFields.string(member.value, at: fields.subpath(member.key))))
    }
    return pairs
  }

  /// A string element or field value.
  public static func string(_ value: JSONValue, at path: String) throws(JSONFieldError) -> String {
    guard case .string(let string) = value else { throw .wrongType(path) }
    return string
  }

  /// An integer as JSONDecoder reads one: digits, or a number with an exact integer value.
  public static func int64(_ value: JSONValue, at path: String) throws(JSONFieldError) -> Int64 {
    guard case .number(let text) = value, let int = Int64(text) ?? Double(text).flatMap({ Int64(exactly: $0) }) else {
      throw .wrongType(path)
    }
    return int
  }

  public func subpath(_ key: String) -> String { path.isEmpty ? key : path + "." + key }

  private func present<Value>(_ key: String, _ value: Value?) throws(JSONFieldError) -> Value {
    guard let value else {
      throw members.contains(where: { $0.key == key }) ? .wrongType(subpath(key)) : .missing(subpath(key))
    }
    return value
  }
}

/// A field a hand-written decoder needed that the document does not have as needed.
public enum JSONFieldError: Error, Equatable, CustomStringConvertible {
  case missing(String)
  case wrongType(String)

  public var description: String {
    switch self {
    case .missing(let path): "missing field '\(path)'"
    case .wrongType(let path): "wrong type at '\(path)'"
    }
  }
}
