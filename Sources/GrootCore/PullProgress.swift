import Foundation

/// One line on stderr, redrawn a few times a second, while a long pull runs:
/// layers published and blob bytes fetched of the total. Only when stderr is a
/// terminal (the caller decides), only after the first second, and the line is
/// erased when the pull ends, so a quick create prints nothing and the one-line
/// error contract holds.
final class PullProgress: @unchecked Sendable {
  static let delay = 1.0
  static let interval: useconds_t = 200_000

  private var label = ""
  private var totalLayers = 0
  private var totalBytes: Int64 = 0
  private let lock = NSLock()
  private var fetched: Int64 = 0
  private var layersDone = 0
  private var running = false
  private let finished = DispatchSemaphore(value: 0)

  /// Counts from the start; draws only once `show` is called.
  init() {}

  func show(label: String, layers: Int, bytes: Int64) {
    lock.withLock {
      (self.label, totalLayers, totalBytes, running) = (label, layers, bytes, true)
    }
    Thread { [self] in draw() }.start()
  }

  func add(bytes: Int) { lock.withLock { fetched += Int64(bytes) } }
  func layerFinished() { lock.withLock { layersDone += 1 } }

  /// Ends the display and erases the line; waits for the drawing thread.
  func stop() {
    let wasRunning = lock.withLock {
      defer { running = false }
      return running
    }
    if wasRunning { finished.wait() }
  }

  private func draw() {
    let started = Date()
    var drawn = false
    while lock.withLock({ running }) {
      usleep(Self.interval)
      guard Date().timeIntervalSince(started) >= Self.delay else { continue }
      write(line())
      drawn = true
    }
    if drawn { write("\r\u{1B}[K") }
    finished.signal()
  }

  private func line() -> String {
    let (layers, bytes, label, totalLayers, totalBytes) = lock.withLock {
      (layersDone, fetched, self.label, self.totalLayers, self.totalBytes)
    }
    let megabytes = { (value: Int64) in String(format: "%.1f", Double(value) / 1_000_000) }
    return "\r\u{1B}[Kgroot: pulling \(label): \(layers)/\(totalLayers) layers, "
      + "\(megabytes(bytes)) of \(megabytes(totalBytes)) MB"
  }

  private func write(_ text: String) {
    var text = text
    text.withUTF8 { _ = Glibc.write(2, $0.baseAddress, $0.count) }
  }
}
