import GrootOCI
import Testing

@testable import GrootReference

@Suite("Image references")
struct ReferenceTests {
  @Test(
    "docker references get Docker's defaults",
    arguments: [
      ("docker:///busybox", "registry-1.docker.io", "library/busybox", "latest"),
      ("docker://busybox", "registry-1.docker.io", "library/busybox", "latest"),
      ("docker://cfgarden/empty:v0.1.1", "registry-1.docker.io", "cfgarden/empty", "v0.1.1"),
      ("docker://127.0.0.1:5000/a/b:t", "127.0.0.1:5000", "a/b", "t"),
      ("docker://localhost/x", "localhost", "x", "latest"),
      ("docker://docker.io/library/alpine:3.19", "registry-1.docker.io", "library/alpine", "3.19"),
    ])
  func registryDefaults(text: String, registry: String, repository: String, tag: String) throws {
    guard case .registry(let reference) = try ImageReference(parsing: text) else {
      Issue.record("not a registry reference")
      return
    }
    #expect(reference.registry == registry)
    #expect(reference.repository == repository)
    #expect(reference.tag == tag)
  }

  @Test("a digest pins the manifest")
  func digestReference() throws {
    let hex = String(repeating: "a", count: 64)
    guard case .registry(let reference) = try ImageReference(parsing: "docker://127.0.0.1:5000/x@sha256:\(hex)") else {
      Issue.record("not a registry reference")
      return
    }
    #expect(reference.tag == nil)
    #expect(reference.manifestReference == "sha256:\(hex)")
  }

  @Test("OCI layouts take an optional tag after the last path component")
  func ociLayout() throws {
    #expect(try ImageReference(parsing: "oci:///a/b:v1") == .ociLayout(path: "/a/b", tag: "v1"))
    #expect(try ImageReference(parsing: "oci:///a/b") == .ociLayout(path: "/a/b", tag: nil))
    #expect(try ImageReference(parsing: "oci:///a:b/c") == .ociLayout(path: "/a:b/c", tag: nil))
    #expect(try ImageReference(parsing: "/rootfs.tar") == .localPath("/rootfs.tar"))
  }

  @Test(
    "bad references are refused with the reason",
    arguments: [
      ("relative/path", "expected docker://"),
      ("ftp://x", "unsupported scheme 'ftp'"),
      ("oci://relative", "expected docker://"),
      ("docker://UPPER/Case", "invalid repository name"),
      ("docker://x@sha256:short", "invalid digest"),
      ("docker://x@md5:abc", "unsupported digest algorithm"),
      ("docker://x:bad/tag", "invalid registry 'x:bad'"),
    ])
  func invalid(text: String, reason: String) {
    #expect {
      try ImageReference(parsing: text)
    } throws: { error in
      "\(error)".contains(reason)
    }
  }
}
