import Foundation
import GrootIO

#if canImport(Glibc)
  import Glibc
#endif

/// The store's event journal: `STORE/events/journal-NNNNNNNN.log` segments of JSON
/// lines. Writers append to the newest segment, one `write(2)` per event with
/// O_APPEND, so lines from concurrent groot processes never interleave; a
/// segment past `maxSegmentBytes` makes the next one start. Writers never delete:
/// the agent removes segments it has read, so nothing unread is lost.
public struct Journal: Sendable {
  public static let defaultMaxSegmentBytes: Int64 = 16 << 20

  public let directory: String
  public let maxSegmentBytes: Int64

  public init(store: String, maxSegmentBytes: Int64 = Journal.defaultMaxSegmentBytes) {
    self.directory = store.appending(path: "events")
    self.maxSegmentBytes = maxSegmentBytes
  }

  public func segmentPath(_ number: Int) -> String {
    directory.appending(path: "journal-" + String(number, zeroPaddedTo: 8) + ".log")
  }

  /// Segment numbers present, oldest first.
  public func segments() -> [Int] {
    let names = (try? FileSystem.listDirectory(directory)) ?? []
    return names.compactMap { name in
      guard name.hasPrefix("journal-"), name.hasSuffix(".log") else { return nil }
      return Int(name.dropFirst("journal-".count).dropLast(".log".count))
    }.sorted()
  }

  /// Appends one event. Never throws: a full disk or an unwritable journal must
  /// not fail the command that is being recorded. Returns whether it was written.
  @discardableResult
  public func append(_ event: Event) -> Bool {
    var line = event.jsonText.utf8
    line.append(0x0a)
    if mkdir(directory, 0o755) != 0 && errno != EEXIST { return false }
    var number = segments().last ?? 1
    var fd = open(segmentPath(number), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
    guard fd >= 0 else { return false }
    var st = stat()
    if fstat(fd, &st) == 0 && Int64(st.st_size) >= maxSegmentBytes {
      // Start the next segment; if another writer just did, use theirs.
      number += 1
      let next = open(segmentPath(number), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
      if next >= 0 {
        close(fd)
        fd = next
      }
    }
    defer { close(fd) }
    let written = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    return written == line.count
  }
}

/// Where a reader has got to in a journal.
public struct JournalCursor: Codable, Equatable, Sendable {
  public var segment: Int
  public var offset: Int64

  public init(segment: Int = 0, offset: Int64 = 0) {
    self.segment = segment
    self.offset = offset
  }
}

/// Reads whole new lines from a cursor on.
public struct JournalReader: Sendable {
  /// A writer that chose a segment just before the next one appeared may still
  /// append to it for a moment; a segment is left behind only when it has been
  /// quiet this long.
  public static let segmentGraceSeconds: Double = 2

  public let journal: Journal

  public init(journal: Journal) { self.journal = journal }

  public struct Batch: Sendable {
    public var events: [Event] = []
    public var malformedLines = 0
    public var cursor: JournalCursor
    /// Segments wholly read, which the caller may delete once its cursor is saved.
    public var finishedSegments: [Int] = []
  }

  /// Reads at most about `maxBytes` of complete lines after `cursor`.
  public func read(from cursor: JournalCursor, maxBytes: Int = 4 << 20) -> Batch {
    var batch = Batch(cursor: cursor)
    let segments = journal.segments().filter { $0 >= cursor.segment }
    guard !segments.isEmpty else { return batch }
    if batch.cursor.segment < segments[0] { batch.cursor = JournalCursor(segment: segments[0], offset: 0) }
    var budget = maxBytes
    for (index, segment) in segments.enumerated() where segment >= batch.cursor.segment {
      let path = journal.segmentPath(segment)
      let consumed = readLines(path, from: batch.cursor.offset, budget: &budget, into: &batch)
      batch.cursor = JournalCursor(segment: segment, offset: consumed.offset)
      guard consumed.atEnd || consumed.partialTail, index + 1 < segments.count, quietLongEnough(path) else { break }
      // A line cut short (a writer hit a full disk) can never complete once a
      // newer segment exists and this one is quiet: count it and move on.
      if consumed.partialTail { batch.malformedLines += 1 }
      batch.finishedSegments.append(segment)
      batch.cursor = JournalCursor(segment: segments[index + 1], offset: 0)
    }
    return batch
  }

  /// Parses the complete lines after `offset`. `atEnd`: nothing follows them;
  /// `partialTail`: only an unterminated line follows them.
  private func readLines(_ path: String, from offset: Int64, budget: inout Int, into batch: inout Batch)
    -> (offset: Int64, atEnd: Bool, partialTail: Bool)
  {
    guard let handle = FileHandle(forReadingAtPath: path) else { return (offset, true, false) }
    defer { try? handle.close() }
    try? handle.seek(toOffset: UInt64(offset))
    let wanted = max(budget, 1)
    let data = (try? handle.read(upToCount: wanted)) ?? Data()
    let readToEnd = data.count < wanted
    guard let lastNewline = data.lastIndex(of: 0x0a) else {
      return (offset, data.isEmpty, readToEnd && !data.isEmpty)
    }
    let whole = data[data.startIndex...lastNewline]
    let decoder = JSONDecoder()
    for line in whole.split(separator: 0x0a) {
      if let event = try? decoder.decode(Event.self, from: line) {
        batch.events.append(event)
      } else {
        batch.malformedLines += 1
      }
    }
    budget -= whole.count
    let tail = data.count - whole.count
    return (offset + Int64(whole.count), readToEnd && tail == 0, readToEnd && tail > 0)
  }

  private func quietLongEnough(_ path: String) -> Bool {
    guard let st = try? FileSystem.lstatIfPresent(path) else { return true }
    let modified = Double(st.st_mtim.tv_sec) + Double(st.st_mtim.tv_nsec) / 1e9
    return Date().timeIntervalSince1970 - modified >= Self.segmentGraceSeconds
  }
}
