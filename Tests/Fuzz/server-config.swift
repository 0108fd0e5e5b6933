/// The server configuration in both syntaxes: parses or fails with a ConfigError.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    _ = try? ServerConfig.parse(text, file: "fuzz.hcl", json: false)
    _ = try? ServerConfig.parse(text, file: "fuzz.json", json: true)
    return 0
}
