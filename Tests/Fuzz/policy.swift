import CofferSDK

/// HCL (and JSON) policy text through the parser and the policy compiler, then an ACL check:
/// each either succeeds or fails with a 400, never traps or runs away.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let policy = try? Policy.parse(name: "fuzz", text: text) else { return 0 }
    let acl = ACL(policies: [policy])
    for path in ["secret/data/a", "sys/mounts", "a/b/c", ""] {
        try? acl.authorize(path: path, operation: .update, data: ["x": 1, "y": "z"], wrapTTL: 60, sudo: false)
    }
    return 0
}
