import CofferCrypto
import CofferSDK
import Foundation
import Logging
import Synchronization

/// The enabled audit devices. Every request and response goes to each of them; if devices are
/// enabled and none can write, the request fails closed.
final class AuditBroker: Sendable {
    static let tablePath = "core/audit"

    private let storage: any Storage
    private let logger: Logger
    /// The open devices by path, and the same devices as a list kept beside them: every
    /// audited request reads the list, and building it from the dictionary was an allocation.
    private struct Table {
        private(set) var byPath: [String: FileAuditDevice] = [:]
        private(set) var list: [FileAuditDevice] = []

        subscript(path: String) -> FileAuditDevice? {
            get { byPath[path] }
            set {
                byPath[path] = newValue
                list = byPath.keys.sorted().compactMap { byPath[$0] }
            }
        }

        mutating func removeValue(forKey path: String) -> FileAuditDevice? {
            defer { self[path] = nil }
            return byPath[path]
        }

        mutating func removeAll() { byPath = [:]; list = [] }
    }
    private let devices = Mutex(Table())
    /// Devices in the table that could not be opened: they count as failed writes, so a server
    /// whose only device is broken refuses requests instead of running unaudited.
    private let broken = Mutex<Set<String>>([])
    private let flusher = Mutex<Task<Void, Never>?>(nil)

    init(storage: any Storage, logger: Logger) {
        self.storage = storage
        self.logger = logger
    }

    var isEmpty: Bool { devices.withLock { $0.list.isEmpty } && broken.withLock { $0.isEmpty } }

    private func all() -> [FileAuditDevice] { devices.withLock { $0.list } }

    /// Opens the persisted devices (at unseal) and starts flushing chain heads once a second.
    func load() async throws {
        let table = try await storage.get(Self.tablePath).flatMap { try? JSONParser.parse($0).arrayValue } ?? []
        for item in table {
            guard let o = item.objectValue, let path = o["path"]?.stringValue else { continue }
            let options = (o["options"]?.objectValue ?? [:]).compactMapValues(\.stringValue)
            do {
                let config = try AuditDeviceConfig.parse(path: path, type: o["type"]?.stringValue ?? "file", description: o["description"]?.stringValue ?? "", options: options, protectedDirectories: [])
                let device = try await open(config)
                devices.withLock { $0[path] = device }
            } catch {
                logger.error("audit device could not be opened; requests fail until it can write", metadata: ["path": "\(path)", "error": "\(error)"])
                broken.withLock { _ = $0.insert(path) }
            }
        }
        startFlushing()
    }

    private func open(_ config: AuditDeviceConfig) async throws -> FileAuditDevice {
        let salt = try await StoredSalt.load("core/audit-salt/" + config.path, from: storage)
        let chainKey = HMACKey(try await StoredSalt.load("core/audit-chain-key/" + config.path, from: storage))
        let head = try await storage.get("core/audit-head/" + config.path).flatMap { AuditChain.Head(json: try? JSONParser.parse($0)) } ?? .start
        return try FileAuditDevice(config: config, salt: salt, chainKey: chainKey, head: head, logger: logger)
    }

    private func startFlushing() {
        let task = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                await self?.flushHeads()
            }
        }
        flusher.withLock { $0?.cancel(); $0 = task }
    }

    /// Persists each device's chain head, so a truncated or deleted file is detected later.
    func flushHeads() async {
        for device in all() where device.headDirty {
            let head = device.head
            do {
                try await storage.put("core/audit-head/" + device.config.path, JSONWriter.encode(head.json()))
                device.markClean(head)
            } catch {
                logger.error("cannot persist the audit chain head", metadata: ["path": "\(device.config.path)"])
            }
        }
    }

    /// Closes every device after a last flush (at seal and shutdown).
    func shutdown() async {
        flusher.withLock { $0?.cancel(); $0 = nil }
        await flushHeads()
        for device in all() { device.close() }
        devices.withLock { $0.removeAll() }
        broken.withLock { $0.removeAll() }
    }

    // MARK: Table changes

    func enable(_ config: AuditDeviceConfig) async throws {
        guard devices.withLock({ $0[config.path] == nil }) else {
            throw CofferError.badRequest("path already in use: an audit device is enabled at \"\(config.path)\"")
        }
        let device = try await open(config)
        do {
            // The test write: a device that cannot write is refused now, not at the first request.
            try await device.write(["type": "audit_device_enabled", "time": .string(Timestamp.rfc3339(Date().timeIntervalSince1970)), "path": .string(config.path)])
        } catch {
            device.close()
            throw CofferError.badRequest("audit device \"\(config.path)\" cannot write to \(config.filePath)")
        }
        devices.withLock { $0[config.path] = device }
        try await saveTable()
        await flushHeads()
    }

    func disable(_ path: String) async throws {
        let wasBroken = broken.withLock { $0.remove(path) != nil }
        let device = devices.withLock { $0.removeValue(forKey: path) }
        guard device != nil || wasBroken else { return }
        device?.close()
        try await saveTable()
        try await storage.delete("core/audit-head/" + path)
        try await storage.delete("core/audit-salt/" + path)
        try await storage.delete("core/audit-chain-key/" + path)
    }

    private func saveTable() async throws {
        // Broken devices stay in the table: they were enabled, and still count.
        let existing = try await storage.get(Self.tablePath).flatMap { try? JSONParser.parse($0).arrayValue } ?? []
        let brokenPaths = broken.withLock { $0 }
        let kept = existing.filter { brokenPaths.contains($0.objectValue?["path"]?.stringValue ?? "") }
        let table = (all().map { $0.config.json() } + kept).sorted { ($0.objectValue?["path"]?.stringValue ?? "") < ($1.objectValue?["path"]?.stringValue ?? "") }
        try await storage.put(Self.tablePath, JSONWriter.encode(.array(table)))
    }

    func listing() async -> JSONObject {
        var out = JSONObject()
        for device in all() {
            var entry = device.config.listing().objectValue ?? [:]
            let head = device.head
            entry["chain_head"] = head.json()
            out[device.config.path] = .object(entry)
        }
        return out
    }

    func hash(path: String, input: String) throws -> String {
        guard let device = devices.withLock({ $0[path] }) else { throw CofferError.badRequest("unknown audit backend \"\(path)\"") }
        return device.hasher.hash(input)
    }

    /// The most one verification reads, so a request cannot exhaust the server's memory.
    static let maxVerifiedBytes = 512 << 20

    /// Verifies a device's file (and, oldest first, rotated copies of it) against its key and
    /// live head. Only files beside the device's own whose names start with its name may be
    /// read, so the endpoint cannot be turned into a reader of arbitrary server files.
    func verify(path: String, files: [String], start: AuditChain.Head) throws -> AuditChain.Report.Outcome {
        guard let device = devices.withLock({ $0[path] }) else {
            throw CofferError.badRequest("unknown audit backend \"\(path)\"")
        }
        let own = device.config.filePath
        guard own.hasPrefix("/") else { throw CofferError.badRequest("audit device \"\(path)\" writes to \(own), not to a file that can be verified") }
        // The head is read before the files: whatever the device writes meanwhile is checked too.
        let deviceHead = device.head
        guard start.sequence <= deviceHead.sequence else {
            throw CofferError.badRequest("start is past the device's head (sequence \(deviceHead.sequence))")
        }
        let ownURL = URL(fileURLWithPath: own).standardizedFileURL
        let names = files.isEmpty ? [own] : files
        var contents = [(name: String, bytes: [UInt8])]()
        var total = 0
        for name in names {
            let url = URL(fileURLWithPath: name).standardizedFileURL
            // The file itself or a rotated copy beside it (audit.log.1, audit.log-20261130):
            // never another file, whatever its name begins with.
            let base = ownURL.lastPathComponent, candidate = url.lastPathComponent
            guard url.deletingLastPathComponent().path == ownURL.deletingLastPathComponent().path,
                candidate == base || candidate.hasPrefix(base + ".") || candidate.hasPrefix(base + "-")
            else {
                throw CofferError.badRequest("\(name) is not this device's file or a rotated copy of it (\(own), \(own).N, \(own)-SUFFIX)")
            }
            // attributesOfItem does not follow a symbolic link: a link is refused, not read.
            let attributes = try? FileManager.default.attributesOfItem(atPath: url.path)
            guard let attributes, attributes[.type] as? FileAttributeType == .typeRegular else {
                throw CofferError.badRequest("\(name) is not a regular file")
            }
            total += (attributes[.size] as? NSNumber)?.intValue ?? 0
            guard total <= Self.maxVerifiedBytes else {
                throw CofferError.badRequest("the files to verify are larger than \(Self.maxVerifiedBytes / (1 << 20)) MiB in all; verify fewer at a time with start")
            }
            guard let data = FileManager.default.contents(atPath: url.path) else { throw CofferError.badRequest("cannot read \(name)") }
            contents.append((name, Array(data)))
        }
        let report = AuditChain.verify(files: contents, prefixLength: device.config.prefix.utf8.count, key: device.chainKey, start: start, deviceHead: deviceHead)
        return .init(report: report, deviceHead: deviceHead)
    }

    func reopenAll() async {
        for device in all() {
            do {
                try device.reopen()
            } catch {
                logger.error("audit file could not be reopened", metadata: ["path": "\(device.config.path)", "error": "\(error)"])
            }
        }
    }

    // MARK: Logging

    /// Writes entries, in order and in one append, to every device (each renders them with its
    /// own salt); throws when devices exist and none of them wrote.
    func log(_ entries: [AuditEntry]) async throws {
        let targets = all()
        guard !targets.isEmpty || !broken.withLock({ $0.isEmpty }) else { return }
        var written = 0
        for device in targets {
            do {
                try await device.write(entries.map { $0(device.hasher, device.config) })
                written += 1
            } catch {
                logger.error("audit device failed to write", metadata: ["path": "\(device.config.path)"])
            }
        }
        if written == 0 { throw CofferError.internalError }
    }
}
