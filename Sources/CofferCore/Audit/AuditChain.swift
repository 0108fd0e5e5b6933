import CofferCrypto
import CofferSDK

/// The keyed chain that makes an audit file tamper-evident against anyone who can write it.
///
/// Every line carries its `sequence`, the chain tag of the line before it (`prev_hash`), and
/// its own tag (`chain_hmac`, always the last member): HMAC-SHA256, under a key kept in the
/// barrier, of the line's bytes up to that member. Without the key no line can be forged or
/// edited, and since each line names its predecessor's tag none can be dropped or reordered
/// unseen; what the file cannot show on its own (its last entries removed) the server's live
/// head shows, so verification runs in the server (`sys/audit-verify`).
public enum AuditChain {
    /// The tag scheme's prefix.
    static let scheme = "hmac-sha256:"
    /// The `prev_hash` of a device's very first line.
    public static let genesis = scheme + String(repeating: "0", count: 64)
    /// What ends every line: the tag member, 64 hex digits, and the object's close.
    static let tagOpening = Array(#","chain_hmac":""#.utf8)
    static let tagLength = tagOpening.count + 64 + 2

    /// Where a chain stands: the last line's sequence number and tag.
    public struct Head: Sendable, Equatable, CustomStringConvertible {
        /// Sequence number of the last line (0 before any).
        public var sequence: Int64
        /// Tag of the last line (genesis before any); a device from before keyed chains may
        /// still start from a `sha256:` head.
        public var hash: String

        /// Creates a head.
        public init(sequence: Int64, hash: String) {
            self.sequence = sequence
            self.hash = hash
        }

        /// The start of every chain.
        public static let start = Head(sequence: 0, hash: genesis)

        /// `SEQ:TAG`, the form `coffer audit verify -start` takes.
        public var description: String { "\(sequence):\(hash)" }

        /// Parses `SEQ:TAG` (a keyed tag, or a legacy `sha256:` hash).
        public init?(_ text: String) {
            guard let colon = text.firstIndex(of: ":"), let sequence = Int64(text[..<colon]), sequence >= 0 else { return nil }
            let hash = String(text[text.index(after: colon)...])
            let legacy = "sha256:"
            guard (hash.hasPrefix(AuditChain.scheme) && hash.count == AuditChain.scheme.count + 64)
                || (hash.hasPrefix(legacy) && hash.count == legacy.count + 64)
            else { return nil }
            self.init(sequence: sequence, hash: hash)
        }

        func json() -> JSONValue { ["sequence": .int(sequence), "hash": .string(hash)] }

        init?(json: JSONValue?) {
            guard let o = json?.objectValue, let sequence = o["sequence"]?.storedInt("audit head sequence"),
                let hash = o["hash"]?.stringValue
            else { return nil }
            self.init(sequence: sequence, hash: hash)
        }
    }

    /// Builds the line (without its newline) for `entry` as entry `head.sequence + 1`, and the
    /// head that follows it.
    static func seal(_ entry: JSONObject, prefix: String, after head: Head, key: HMACKey) -> (line: [UInt8], head: Head) {
        seal(members(entry), prefix: prefix, after: head, key: key)
    }

    /// An entry's members, encoded; the chain's own members are the chain's to write.
    static func members(_ entry: JSONObject) -> [AuditMember] {
        entry.filter { $0.key != "sequence" && $0.key != "prev_hash" }.map { AuditMember(name: $0.key, encoded: JSONWriter.encode($0.value)) }
    }

    /// Builds the line from members already encoded (names other than `sequence` and
    /// `prev_hash`, which are added here); the members come out sorted by name, as
    /// `JSONWriter` sorts an object's.
    static func seal(_ members: [AuditMember], prefix: String, after head: Head, key: HMACKey) -> (line: [UInt8], head: Head) {
        var line = [UInt8]()
        // Room for the chain's members, the tag, and the newline the device adds, so that
        // appending them does not copy the line.
        line.reserveCapacity(prefix.utf8.count + members.reduce(160 + tagLength) { $0 + $1.name.utf8.count + $1.encoded.count + 4 })
        let next = seal(members, prefix: prefix, after: head, key: key, appendingTo: &line)
        return (line, next)
    }

    /// Appends the line (without its newline) to `buffer`, which a device reuses from one
    /// append to the next: a line of a kilobyte or more is past the sizes the allocator keeps
    /// per thread, and allocating one per entry took its locks.
    static func seal(_ members: [AuditMember], prefix: String, after head: Head, key: HMACKey, appendingTo line: inout [UInt8]) -> Head {
        // Entries are built in name order; copying and sorting the members (each move retains
        // and releases its bytes) had been a third of sealing.
        guard zip(members, members.dropFirst()).allSatisfy({ $0.name < $1.name }) else {
            return seal(members.sorted { $0.name < $1.name }, prefix: prefix, after: head, key: key, appendingTo: &line)
        }
        let start = line.count
        let sequence = head.sequence + 1
        line.append(contentsOf: prefix.utf8)
        line.append(UInt8(ascii: "{"))
        var first = true
        func name(_ text: String) {
            if !first { line.append(UInt8(ascii: ",")) }
            first = false
            JSONWriter.write(.string(text), into: &line)
            line.append(UInt8(ascii: ":"))
        }
        var chained = (previous: false, sequence: false)
        func chain(before next: String?) {
            if !chained.previous, next.map({ $0 > "prev_hash" }) ?? true {
                chained.previous = true
                name("prev_hash")
                JSONWriter.write(.string(head.hash), into: &line)
            }
            if !chained.sequence, next.map({ $0 > "sequence" }) ?? true {
                chained.sequence = true
                name("sequence")
                JSONWriter.write(.int(sequence), into: &line)
            }
        }
        for member in members {
            chain(before: member.name)
            name(member.name)
            line.append(contentsOf: member.encoded)
        }
        chain(before: nil)
        let end = line.count
        line.append(contentsOf: tagOpening)
        // The tag's digits go straight into the line; the head's text is made from them once.
        let tagStart = line.count
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: HMACKey.length) { digest in
            line.withUnsafeBytes { key.mac(bytes: UnsafeRawBufferPointer(rebasing: $0[start..<end]), into: digest.baseAddress!) }
            Hex.append(UnsafeBufferPointer(digest), to: &line)
        }
        // One allocation: decoding the digits and prefixing the scheme had been two.
        let hash = line.withUnsafeBufferPointer { bytes in
            String(unsafeUninitializedCapacity: scheme.utf8.count + bytes.count - tagStart) { text in
                let prefix = text.initialize(fromContentsOf: scheme.utf8)
                let digits = UnsafeMutableBufferPointer(rebasing: text[prefix...]).initialize(fromContentsOf: bytes[tagStart...])
                return prefix + digits
            }
        }
        line.append(UInt8(ascii: "\""))
        line.append(UInt8(ascii: "}"))
        return Head(sequence: sequence, hash: hash)
    }

    /// What one line says of itself, once its tag has been checked.
    struct Link: Equatable {
        var sequence: Int64
        var previous: String
        var tag: String
    }

    /// Why a line does not verify.
    enum LineFault: Error, Equatable {
        case notAnEntry
        case badTag
    }

    /// Checks one line's tag under `key` and reads its links; the prefix is the device's.
    static func open(_ line: [UInt8], prefixLength: Int, key: HMACKey) -> Result<Link, LineFault> {
        guard line.count > prefixLength + tagLength,
            line[(line.count - tagLength)..<(line.count - tagLength + tagOpening.count)].elementsEqual(tagOpening),
            line[line.count - 2] == UInt8(ascii: "\""), line[line.count - 1] == UInt8(ascii: "}")
        else { return .failure(.notAnEntry) }
        let body = Array(line[..<(line.count - tagLength)])
        let tagText = String(decoding: line[(line.count - tagLength + tagOpening.count)..<(line.count - 2)], as: UTF8.self)
        guard let claimed = Hex.decode(tagText), claimed.count == 32 else { return .failure(.notAnEntry) }
        guard Digest.constantTimeEquals(claimed, key.mac(body)) else { return .failure(.badTag) }
        guard let object = (try? JSONParser.parse(Array(body[prefixLength...]) + [UInt8(ascii: "}")]))?.objectValue,
            let sequence = object["sequence"]?.intValue, let previous = object["prev_hash"]?.stringValue
        else { return .failure(.notAnEntry) }
        return .success(Link(sequence: sequence, previous: previous, tag: scheme + tagText))
    }

    /// The outcome of verifying one or more files in order.
    public struct Report: Sendable, Equatable {
        /// Entries checked.
        public var entries: Int
        /// Where the chain ends.
        public var head: Head
        /// The first problem, naming its file and line; nil when intact.
        public var failure: String?

        /// A report beside the device head it was checked against.
        struct Outcome: Sendable {
            var report: Report
            var deviceHead: Head

            /// The `sys/audit-verify` answer.
            func json() -> JSONObject {
                [
                    "intact": .bool(report.failure == nil), "entries": .int(Int64(report.entries)), "head": .string(report.head.description),
                    "device_head": .string(deviceHead.description), "failure": report.failure.map { .string($0) } ?? .null,
                ]
            }
        }
    }

    /// Verifies files (oldest first) as one chain from `start` against `deviceHead`, the
    /// device's live head read before the files: every line must carry a valid tag and name the
    /// line before it, and the entry at the head's sequence must be the head itself, so edits,
    /// forged lines, drops, reordering and a cut-off tail all fail. Lines the device wrote
    /// after the head was read are checked like the rest.
    static func verify(files: [(name: String, bytes: [UInt8])], prefixLength: Int, key: HMACKey, start: Head = .start, deviceHead: Head) -> Report {
        var head = start
        var entries = 0
        var sawDeviceHead = deviceHead.sequence <= start.sequence
        for file in files {
            var lineNumber = 0
            for rawLine in file.bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
                lineNumber += 1
                if rawLine.isEmpty { continue }
                let location = "\(file.name):\(lineNumber)"
                func fail(_ why: String) -> Report { Report(entries: entries, head: head, failure: "\(location): \(why)") }
                let link: Link
                switch open(Array(rawLine), prefixLength: prefixLength, key: key) {
                case .success(let opened): link = opened
                case .failure(.notAnEntry): return fail("not an audit chain entry (edited or corrupt)")
                case .failure(.badTag): return fail("its chain_hmac does not match its content (edited or forged)")
                }
                // Lines before a given start belong to the file before it.
                if link.sequence <= start.sequence && head == start && start.sequence > 0 { continue }
                if link.sequence != head.sequence + 1 {
                    let what = link.sequence <= head.sequence ? "reordered or repeated" : "entries before it are missing"
                    return fail("sequence \(link.sequence) follows \(head.sequence) (\(what))")
                }
                if link.previous != head.hash {
                    return fail("prev_hash does not match the entry before it (an entry was removed or replaced)")
                }
                head = Head(sequence: link.sequence, hash: link.tag)
                entries += 1
                if link.sequence == deviceHead.sequence {
                    guard link.tag == deviceHead.hash else {
                        return fail("entry \(link.sequence) is not the one the device wrote (replaced)")
                    }
                    sawDeviceHead = true
                }
            }
        }
        if !sawDeviceHead {
            return Report(
                entries: entries, head: head,
                failure: "the log ends at sequence \(head.sequence) but the device has written up to \(deviceHead.sequence) (truncated or entries removed)"
            )
        }
        return Report(entries: entries, head: head, failure: nil)
    }
}

/// One top-level member of an audit entry, already encoded; `AuditChain.seal` adds `sequence`
/// and `prev_hash` in their sorted places and the tag at the end.
struct AuditMember: Sendable {
    var name: String
    var encoded: [UInt8]
}
