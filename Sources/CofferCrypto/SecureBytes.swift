import CSodium

/// Key material held in memory that is locked against swapping and zeroed when released.
///
/// The bytes are written once, at creation, and only read afterwards, which is why sharing the
/// instance across tasks is safe. `description` never shows the contents.
public final class SecureBytes: @unchecked Sendable, CustomStringConvertible {
    private let pointer: UnsafeMutableRawPointer
    /// The number of bytes held.
    public let count: Int

    /// Allocates `count` locked bytes and lets `fill` write them before anyone can read them.
    public init(count: Int, fill: (UnsafeMutableRawBufferPointer) throws -> Void) rethrows {
        Sodium.ensureReady()
        precondition(count > 0, "SecureBytes needs at least one byte")
        guard let pointer = sodium_malloc(count) else { fatalError("sodium_malloc failed") }
        self.pointer = pointer
        self.count = count
        // If `fill` throws, the fully initialised object is released and `deinit` zeroes and
        // frees the buffer, so nothing is freed here.
        try fill(UnsafeMutableRawBufferPointer(start: pointer, count: count))
        sodium_mprotect_readonly(pointer)
    }

    /// Fresh random key material of `count` bytes.
    public convenience init(randomCount count: Int) {
        self.init(count: count) { buffer in randombytes_buf(buffer.baseAddress!, buffer.count) }
    }

    /// Copies `bytes` into locked memory; the caller should drop its own copy promptly.
    public convenience init(copying bytes: some Collection<UInt8>) {
        let array = Array(bytes)
        self.init(count: array.count) { buffer in buffer.copyBytes(from: array) }
    }

    deinit {
        sodium_mprotect_readwrite(pointer)
        sodium_free(pointer)  // sodium_free zeroes before releasing
    }

    /// Reads the bytes; the buffer must not escape the closure.
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(start: pointer, count: count))
    }

    /// Constant-time comparison, so equality checks leak nothing through timing.
    public func constantTimeEquals(_ other: SecureBytes) -> Bool {
        guard count == other.count else { return false }
        return sodium_memcmp(pointer, other.pointer, count) == 0
    }

    /// Never prints the contents.
    public var description: String { "SecureBytes(\(count) bytes, redacted)" }

    /// Copies the bytes out; only for handing shares or keys to the operator, never for logging.
    public func exportBytes() -> [UInt8] {
        withUnsafeBytes { Array($0) }
    }
}
