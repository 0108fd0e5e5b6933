import CofferCrypto
import CofferSDK
import Foundation
import Logging
import Synchronization

/// One file audit device: appends keyed-chain JSON lines, one writer at a time. Writes are plain
/// appends without fsync, as Vault's; the chain head is persisted separately by the broker.
/// A lock, not an actor: each request writes two entries, and two hops onto an actor's
/// executor and back cost more than the write itself.
final class FileAuditDevice: Sendable {
    let config: AuditDeviceConfig
    let hasher: AuditHasher
    /// The chain key, from the barrier: whoever can write the file cannot compute tags.
    let chainKey: HMACKey
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
    init(config: AuditDeviceConfig, salt: SecureBytes, chainKey: HMACKey, head: AuditChain.Head, logger: Logger) throws {
        self.config = config
        self.hasher = AuditHasher(salt: salt, raw: config.logRaw)
        self.chainKey = chainKey
        self.logger = logger
        let descriptor = try Self.open(config)
        let (reconciled, dirty) = Self.reconcile(config, head, chainKey, logger)
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

    /// Lines up the persisted head (flushed lazily, so it may lag) with the file. Entries past
    /// it are adopted only while each carries a valid tag and links to the one before: the
    /// device's own last writes before a crash are, a line someone appended while the server was
    /// down is not, and the chain goes on from the last genuine entry so verification names the
    /// intruder. A file that ends before the head was truncated: said, and the chain goes on.
    private static func reconcile(_ config: AuditDeviceConfig, _ head: AuditChain.Head, _ key: HMACKey, _ logger: Logger) -> (AuditChain.Head, Bool) {
        guard config.filePath.hasPrefix("/") else { return (head, false) }
        let lines = tail(of: config.filePath)
        guard !lines.isEmpty else {
            if head.sequence > 0 {
                logger.warning("audit file is empty; its chain continues from an earlier file", metadata: ["path": "\(config.path)", "sequence": "\(head.sequence)"])
            }
            return (head, false)
        }
        let prefixLength = config.prefix.utf8.count
        var adopted = head
        var lastSequence: Int64?
        var complained = false
        for line in lines {
            guard case .success(let link) = AuditChain.open(line, prefixLength: prefixLength, key: key) else {
                if !complained, lastSequence.map({ $0 >= head.sequence }) ?? true {
                    complained = true
                    logger.error("audit file holds a line that does not verify; it is not adopted", metadata: ["path": "\(config.path)", "after_sequence": "\(adopted.sequence)"])
                }
                continue
            }
            lastSequence = link.sequence
            if link.sequence == adopted.sequence + 1, link.previous == adopted.hash {
                adopted = AuditChain.Head(sequence: link.sequence, hash: link.tag)
            }
        }
        if let lastSequence, lastSequence < head.sequence {
            logger.error("audit file was truncated: it ends before the recorded chain head", metadata: ["path": "\(config.path)", "file_sequence": "\(lastSequence)", "head_sequence": "\(head.sequence)"])
        }
        return (adopted, adopted != head)
    }

    /// The complete lines in the file's last 4 MiB: far more than the second of entries a
    /// crash can leave past the persisted head.
    private static func tail(of path: String) -> [[UInt8]] {
        guard let handle = FileHandle(forReadingAtPath: path) else { return [] }
        defer { try? handle.close() }
        guard let size = try? handle.seekToEnd(), size > 0 else { return [] }
        let window = min(size, 4 * 1024 * 1024)
        try? handle.seek(toOffset: size - window)
        guard let data = try? handle.readToEnd() else { return [] }
        var lines = Array(data).split(separator: UInt8(ascii: "\n")).map(Array.init)
        if window < size, !lines.isEmpty { lines.removeFirst() }  // cut mid-line by the window
        return lines
    }

    /// Appends one entry; throws when the bytes did not all reach the file.
    func write(_ entry: JSONObject) throws {
        try write(AuditChain.members(entry))
    }

    /// Appends one entry of encoded members (see `AuditChain.seal`); throws when the bytes did
    /// not all reach the file.
    func write(_ members: [AuditMember]) throws {
        try write([members])
    }

    /// Appends entries, chained in order, with one system call where the file takes them whole;
    /// throws when the bytes did not all reach the file, and the chain then stays where it was.
    func write(_ entries: [[AuditMember]]) throws {
        try state.withLock { state in
            var next = state.head
            var lines = entries.map { members in
                let line: [UInt8]
                (line, next) = AuditChain.seal(members, prefix: config.prefix, after: next, key: chainKey)
                return line
            }
            var bytes: [UInt8]
            if lines.count == 1 {
                bytes = lines.removeLast()  // sealed with room for its newline, and not shared
                bytes.append(UInt8(ascii: "\n"))
            } else {
                bytes = []
                bytes.reserveCapacity(lines.reduce(0) { $0 + $1.count + 1 })
                for line in lines {
                    bytes += line
                    bytes.append(UInt8(ascii: "\n"))
                }
            }
            var offset = 0
            while offset < bytes.count {
                let written = bytes[offset...].withUnsafeBytes { Foundation.write(state.descriptor, $0.baseAddress, $0.count) }
                if written < 0 {
                    if errno == EINTR { continue }
                    throw CofferError(.internalError, "audit write failed: \(String(cString: strerror(errno)))")
                }
                offset += written
            }
            state.head = next
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
