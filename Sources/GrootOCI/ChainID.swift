/// Chain IDs name a layer together with everything below it (OCI image spec,
/// "Layer ChainID"): ChainID(L0) = DiffID(L0),
/// ChainID(L0|…|Ln) = sha256(ChainID(L0|…|Ln-1) + " " + DiffID(Ln)).
public enum ChainID {
  public static func chain(_ diffIDs: [Digest]) -> [Digest] {
    var result: [Digest] = []
    for diffID in diffIDs {
      if let parent = result.last {
        result.append(Digest(of: Array("\(parent) \(diffID)".utf8)))
      } else {
        result.append(diffID)
      }
    }
    return result
  }
}
