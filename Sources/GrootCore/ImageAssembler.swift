import GrootDriver
import GrootIO
import GrootOCI
import GrootStore
import Logging

/// Turns layers already in the store into a published image: its directories,
/// metadata, limit and mounts are made in a locked work directory under tmp/
/// (the image's own root, so a create makes no directory it then removes), then
/// one rename publishes it as images/ID. Any step that fails undoes the ones
/// before (unmounted, removed), so an image directory is never seen half-made,
/// and a killed assembly leaves only work that recovery moves aside.
struct ImageAssembler {
  let store: Store
  let snapshotter: Snapshotter
  let logger: Logger

  /// The image's metadata; `mount` false leaves the mounts to the runtime.
  func assemble(_ metadata: ImageMetadata, id: ImageID, limit: DiskLimit?, mount: Bool) throws {
    let work = try store.makeWorkDirectory(purpose: "image") {
      try snapshotter.makeImageRoot(at: $0, limit: limit)
    }
    let prepared = ImagePaths(root: work.path)
    var mounted = false
    do {
      try snapshotter.prepareImage(prepared, layers: metadata.layers, limit: limit, store: store)
      // Before the limit applies: groot's own metadata never fails on it.
      try store.writeImageMetadata(metadata, in: prepared)
      if let limit { try snapshotter.limitImage(prepared, layers: metadata.layers, limit: limit, store: store) }
      if try mount && !snapshotter.mounts(for: prepared, layers: metadata.layers, store: store).isEmpty {
        try snapshotter.mount(prepared, layers: metadata.layers, store: store)
        mounted = true
      }
      try store.publishImage(prepared, as: id)
    } catch {
      if mounted { try? snapshotter.unmount(prepared, id: id) }
      try? FileSystem.removeTree(work.path)
      throw error
    }
    work.release()
  }
}
