import CofferCrypto
import CofferSDK
import Foundation
import Logging
import Synchronization

/// One file audit device: appends keyed-chain JSON lines in chain order. Writes are plain
/// appends without fsync, as Vault's; the chain head is persisted separately by the broker.
///
/// Entries are sealed under a lock, but written outside it, in groups: a request that seals
/// while another is writing leaves its lines to that writer's next append and waits for it
/// without holding a thread. Holding the lock across `write(2)` had the second thread sleep on
/// it (the lock hands over through the kernel) while the first wrote.
final class FileAuditDevice: Sendable {
    let config: AuditDeviceConfig
    let hasher: AuditHasher
    /// The chain key, from the barrier: whoever can write the file cannot compute tags.
    let chainKey: HMACKey
    private let logger: Logger

    /// What a request waiting for its lines learns.
    private enum Turn: Sendable {
        /// The lines are in the file.
        case written
        /// The lines are pending and nobody is writing: this request writes them.
        case lead
        /// The lines did not reach the file.
        case failed(String)
    }

    private struct State {
        var descriptor: Int32
        /// The last entry sealed, written or pending.
        var head: AuditChain.Head
        /// The last entry in the file.
        var written: AuditChain.Head
        var headDirty: Bool
        /// Sealed lines, each with its newline, that no writer has taken yet.
        var pending: [UInt8] = []
        /// The buffer the last write emptied, kept with its capacity for the next group.
        var spare: [UInt8] = []
        var pendingHead: AuditChain.Head
        /// The requests whose lines are in `pending`.
        var waiters: [UnsafeContinuation<Turn, Never>] = []
        var writing = false
        /// Descriptors replaced (reopen, close) while a write was using them.
        var retired: [Int32] = []

        /// Closes a descriptor no write uses, or leaves it to the write in progress.
        mutating func retire(_ old: Int32) {
            guard old >= 0 else { return }
            if writing { retired.append(old) } else { Foundation.close(old) }
        }
    }
    private let state: Mutex<State>

    /// The chain's last entry in the file.
    var head: AuditChain.Head { state.withLock { $0.written } }
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
        state = Mutex(State(descriptor: descriptor, head: reconciled, written: reconciled, headDirty: dirty, pendingHead: reconciled))
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
    func write(_ entry: JSONObject) async throws {
        try await write([AuditChain.members(entry)])
    }

    /// Appends entries of encoded members (see `AuditChain.seal`), chained in order and in one
    /// append; returns once they are in the file, and throws when they did not all reach it.
    /// The chain then goes on from the last entry that did: no line in the file ever links to
    /// one that is not.
    func write(_ entries: [[AuditMember]]) async throws {
        let turn = await withUnsafeContinuation { (continuation: UnsafeContinuation<Turn, Never>) in
            state.withLock { state in
                var next = state.head
                for members in entries {
                    next = AuditChain.seal(members, prefix: config.prefix, after: next, key: chainKey, appendingTo: &state.pending)
                    state.pending.append(UInt8(ascii: "\n"))
                }
                state.head = next
                state.pendingHead = next
                if state.writing {
                    state.waiters.append(continuation)
                } else {
                    state.writing = true
                    continuation.resume(returning: .lead)
                }
            }
        }
        switch turn {
        case .written: return
        case .failed(let reason): throw CofferError(.internalError, "audit write failed: \(reason)")
        case .lead: try lead()
        }
    }

    /// Writes what is pending, this request's lines among it, and hands the next group to one
    /// of the requests that sealed meanwhile.
    private func lead() throws {
        let descriptor: Int32, waiters: [UnsafeContinuation<Turn, Never>], head: AuditChain.Head
        var bytes: [UInt8]
        (descriptor, bytes, waiters, head) = state.withLock { state in
            defer { state.pending = state.spare; state.spare = []; state.waiters = [] }
            return (state.descriptor, state.pending, state.waiters, state.pendingHead)
        }
        let failure = Self.append(bytes, to: descriptor)
        bytes.removeAll(keepingCapacity: true)
        let (next, abandoned, retired) = state.withLock { state -> (UnsafeContinuation<Turn, Never>?, [UnsafeContinuation<Turn, Never>], [Int32]) in
            defer { state.retired = [] }
            // A group with a large entry in it leaves a large buffer: not kept.
            if bytes.capacity <= Self.spareLimit { state.spare = bytes }
            if failure != nil {
                // Lines sealed after these link to them: none of them may reach the file.
                state.head = state.written
                state.pendingHead = state.written
                state.pending = []
                state.writing = false
                defer { state.waiters = [] }
                return (nil, state.waiters, state.retired)
            }
            state.written = head
            state.headDirty = true
            guard !state.waiters.isEmpty else {
                state.writing = false
                return (nil, [], state.retired)
            }
            return (state.waiters.removeFirst(), [], state.retired)
        }
        for descriptor in retired { Foundation.close(descriptor) }
        if let failure {
            for waiter in waiters + abandoned { waiter.resume(returning: .failed(failure)) }
            throw CofferError(.internalError, "audit write failed: \(failure)")
        }
        next?.resume(returning: .lead)
        for waiter in waiters { waiter.resume(returning: .written) }
    }

    /// The largest emptied buffer kept for the next group.
    private static let spareLimit = 256 * 1024

    /// Writes all of `bytes`; the reason when it could not.
    private static func append(_ bytes: [UInt8], to descriptor: Int32) -> String? {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Foundation.write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                return String(cString: strerror(errno))
            }
            offset += written
        }
        return nil
    }

    /// Reopens the file at its path (after logrotate moved it); the chain carries on.
    func reopen() throws {
        let fresh = try Self.open(config)
        state.withLock { state in
            state.retire(state.descriptor)
            state.descriptor = fresh
        }
    }

    /// Notes that `persisted` was stored, unless the chain has moved on since.
    func markClean(_ persisted: AuditChain.Head) {
        state.withLock { state in
            if state.written.sequence == persisted.sequence { state.headDirty = false }
        }
    }

    func close() {
        state.withLock { state in
            state.retire(state.descriptor)
            state.descriptor = -1
        }
    }
}
