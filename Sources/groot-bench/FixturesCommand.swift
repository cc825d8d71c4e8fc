import ArgumentParser
import GrootFixtures
import GrootIO

/// Writes the test images to a directory, to try groot on by hand.
struct Fixtures: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Build the fixture images (OCI layouts) the tests use into a directory.")

  @Argument(help: "Directory to write one layout per image into.")
  var directory: String

  @Argument(help: "Images to build (default: all): \(FixtureImage.allCases.map(\.rawValue).joined(separator: ", ")).")
  var images: [String] = []

  func run() throws {
    let selected =
      try images.isEmpty
      ? FixtureImage.allCases
      : images.map { name in
        guard let image = FixtureImage(rawValue: name) else { throw ValidationError("unknown image '\(name)'") }
        return image
      }
    try FileSystem.makeDirectory(Paths.absolute(directory))
    for image in selected {
      let path = Paths.absolute(directory).appending(path: image.rawValue)
      try? FileSystem.removeTree(path)
      try FixtureImages.build(image, at: path)
      print("oci://\(path)" + (image.tag.map { ":\($0)" } ?? ""))
    }
  }
}
