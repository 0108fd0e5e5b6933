/// The agent configuration in both syntaxes and both block styles: parses or fails with an
/// AgentConfigError, never traps.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    _ = try? AgentConfig.parse(text, file: "fuzz.hcl", json: false)
    _ = try? AgentConfig.parse(text, file: "fuzz.json", json: true)
    return 0
}
