import CofferCrypto
import CofferSDK

/// Audit file lines as `sys/audit-verify` and the device's start-up reconciliation read them:
/// any bytes open as a verified link or are refused, and the chain verifier reports, never traps.
let key = HMACKey(SecureBytes(copying: Array(repeating: 1, count: 32)))

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    _ = AuditChain.open(bytes, prefixLength: 0, key: key)
    _ = AuditChain.open(bytes, prefixLength: 3, key: key)
    _ = AuditChain.verify(files: [("f", bytes)], prefixLength: 0, key: key, deviceHead: .start)
    if let text = String(validating: bytes, as: UTF8.self) { _ = AuditChain.Head(text) }
    return 0
}
