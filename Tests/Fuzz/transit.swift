import CofferCrypto
import CofferSDK

/// Transit's parsers of client bytes: ciphertexts (`vault:vN:…`) against real keys of each
/// cipher, HMACs, and stored or restored key documents. Each opens or is refused, never traps.
let keys: [TransitKey] = [TransitKeyType.aes256, .aes128, .chacha20].compactMap { type in
    var key = TransitKey(name: "k", type: type)
    try? key.rotate(now: 1)
    try? key.rotate(now: 2)
    return key
}
let hmacKey: TransitKey = {
    var key = TransitKey(name: "h", type: .aes256)
    try? key.rotate(now: 1)
    return key
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let text = String(decoding: bytes, as: UTF8.self)
    for key in keys {
        _ = try? key.decrypt(text, context: [], associatedData: [])
        _ = try? key.decrypt("vault:v1:" + text, context: [], associatedData: [])
    }
    _ = try? hmacKey.verifyHMAC(text, input: [1, 2, 3], algorithm: .sha2_256)
    _ = try? TransitKeyCache.parse(bytes)
    return 0
}
