/// Prometheus names for each groot operation. GrootFS's metric names
/// (ImageCreationTime, ImageDeletionTime, ImageStatsTime, ImageCleanTime) stay
/// recognisable; other commands share groot_command_time_seconds.
enum MetricFamily {
  static func duration(of operation: String) -> (name: String, labels: [(String, String)]) {
    switch operation {
    case "create": return ("groot_image_creation_time_seconds", [])
    case "delete": return ("groot_image_deletion_time_seconds", [])
    case "stats": return ("groot_image_stats_time_seconds", [])
    case "clean": return ("groot_image_clean_time_seconds", [])
    default: return ("groot_command_time_seconds", [("command", operation)])
    }
  }

  /// Bucket bounds, seconds. 0.7 is there because averages once hid 700 ms spikes.
  static let bounds: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.7, 1, 2.5, 5, 10, 30, 60, 300]
}
