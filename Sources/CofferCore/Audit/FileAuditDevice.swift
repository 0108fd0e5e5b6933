import CofferCrypto
import CofferSDK
import Foundation
import Logging
import Synchronization

/// One file audit device: appends chained JSON lines, one writer at a time. Writes are plain
/// appends without fsync, as Vault's; the chain head is persisted separately by the broker.
/// A lock, not an actor: each request writes two entries, and two hops onto an actor's
/// executor and back cost more than the write itself.
final class FileAuditDevice: Sendable {
    let config: AuditDeviceConfig
    let hasher: AuditHasher
    private let logger: Logger

    private struct State {
        var descriptor: Int32
        var head: AuditChain.Head
        var headDirty: Bool
    }
    private let state: Mutex<State>

    /// The chain's last entry.
    var head: AuditChain.Head { state.withLock { $0.head } }
    /// True while the head has moved since it was last persisted.
    var headDirty: Bool { state.withLock { $0.headDirty } }

    /// Opens (creating) the file and lines the chain up with what is already in it.
    init(config: AuditDeviceConfig, salt: SecureBytes, head: AuditChain.Head, logger: Logger) throws {
        self.config = config
        self.hasher = AuditHasher(salt: salt, raw: config.logRaw)
        self.logger = logger
        let descriptor = try Self.open(config)
        let (reconciled, dirty) = Self.reconcile(config, head, logger)
        state = Mutex(State(descriptor: descriptor, head: reconciled, headDirty: dirty))
    }

    private static func open(_ config: AuditDeviceConfig) throws -> Int32 {
        switch config.filePath {
        case "stdout": return dup(STDOUT_FILENO)
        case "discard": return Foundation.open("/dev/null", O_WRONLY | O_CLOEXEC)
        default:
            let fd = Foundation.open(config.filePath, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, mode_t(config.mode))
            guard fd >= 0 else {
                throw CofferError.badRequest("cannot open audit file \(config.filePath): \(String(cString: strerror(errno)))")
            }
            return fd
        }
    }

    /// A log that ends before the persisted head was truncated or replaced: say so, and keep
    /// chaining from the head, so the gap shows in verification. A log that runs ahead (the
    /// head is flushed lazily) is adopted.
    private static func reconcile(_ config: AuditDeviceConfig, _ head: AuditChain.Head, _ logger: Logger) -> (AuditChain.Head, Bool) {
        guard config.filePath.hasPrefix("/"), let last = lastLine(of: config.filePath) else {
            if head.sequence > 0, config.filePath.hasPrefix("/") {
                logger.warning("audit file is empty; its chain continues from an earlier file", metadata: ["path": "\(config.path)", "sequence": "\(head.sequence)"])
            }
            return (head, false)
        }
        guard let (sequence, _) = AuditChain.links(of: last) else {
            logger.error("audit file ends with a line that is not a chain entry", metadata: ["path": "\(config.path)"])
            return (head, false)
        }
        if sequence >= head.sequence {
            return (AuditChain.Head(sequence: sequence, hash: AuditChain.hash(line: last)), sequence != head.sequence)
        }
        logger.error("audit file was truncated: it ends before the recorded chain head", metadata: ["path": "\(config.path)", "file_sequence": "\(sequence)", "head_sequence": "\(head.sequence)"])
        return (head, false)
    }

    private static func lastLine(of path: String) -> [UInt8]? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let size = try? handle.seekToEnd(), size > 0 else { return nil }
        let window = min(size, 4 * 1024 * 1024)
        try? handle.seek(toOffset: size - window)
        guard let data = try? handle.readToEnd() else { return nil }
        let lines = Array(data).split(separator: UInt8(ascii: "\n"))
        return lines.last.map(Array.init)
    }

    /// Appends one entry; throws when the bytes did not all reach the file.
    func write(_ entry: JSONObject) throws {
        try state.withLock { state in
            var object = entry
            object["sequence"] = .int(state.head.sequence + 1)
            object["prev_hash"] = .string(state.head.hash)
            var line = Array(config.prefix.utf8)
            JSONWriter.write(.object(object), into: &line)
            var bytes = line
            bytes.append(UInt8(ascii: "\n"))
            var offset = 0
            while offset < bytes.count {
                let written = bytes[offset...].withUnsafeBytes { Foundation.write(state.descriptor, $0.baseAddress, $0.count) }
                if written < 0 {
                    if errno == EINTR { continue }
                    throw CofferError(.internalError, "audit write failed: \(String(cString: strerror(errno)))")
                }
                offset += written
            }
            state.head = AuditChain.Head(sequence: state.head.sequence + 1, hash: AuditChain.hash(line: line))
            state.headDirty = true
        }
    }

    /// Reopens the file at its path (after logrotate moved it); the chain carries on.
    func reopen() throws {
        let fresh = try Self.open(config)
        state.withLock { state in
            if state.descriptor >= 0 { Foundation.close(state.descriptor) }
            state.descriptor = fresh
        }
    }

    /// Notes that `persisted` was stored, unless the chain has moved on since.
    func markClean(_ persisted: AuditChain.Head) {
        state.withLock { state in
            if state.head.sequence == persisted.sequence { state.headDirty = false }
        }
    }

    func close() {
        state.withLock { state in
            if state.descriptor >= 0 { Foundation.close(state.descriptor) }
            state.descriptor = -1
        }
    }
}
