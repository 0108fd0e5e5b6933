import CofferCrypto
import CofferSDK

/// The hash chain that makes an audit file tamper-evident: every line carries its sequence
/// number and the hash of the line before it; a line's hash is SHA-256 over its exact bytes.
public enum AuditChain {
    /// The `prev_hash` of a device's very first line.
    public static let genesis = "sha256:" + String(repeating: "0", count: 64)

    /// The hash of one line as written (without its newline).
    public static func hash(line: [UInt8]) -> String {
        "sha256:" + Hex.encode(Digest.sha256(line))
    }

    /// Where a chain stands: the last line's sequence number and hash.
    public struct Head: Sendable, Equatable, CustomStringConvertible {
        /// Sequence number of the last line (0 before any).
        public var sequence: Int64
        /// Hash of the last line (genesis before any).
        public var hash: String

        /// Creates a head.
        public init(sequence: Int64, hash: String) {
            self.sequence = sequence
            self.hash = hash
        }

        /// The start of every chain.
        public static let start = Head(sequence: 0, hash: genesis)

        /// `SEQ:HASH`, the form `coffer audit verify -start/-head` takes.
        public var description: String { "\(sequence):\(hash)" }

        /// Parses `SEQ:HASH`.
        public init?(_ text: String) {
            guard let colon = text.firstIndex(of: ":"), let sequence = Int64(text[..<colon]) else { return nil }
            let hash = String(text[text.index(after: colon)...])
            guard hash.hasPrefix("sha256:"), hash.count == 71 else { return nil }
            self.init(sequence: sequence, hash: hash)
        }

        func json() -> JSONValue { ["sequence": .int(sequence), "hash": .string(hash)] }

        init?(json: JSONValue?) {
            guard let o = json?.objectValue, let sequence = o["sequence"]?.intValue, let hash = o["hash"]?.stringValue else { return nil }
            self.init(sequence: sequence, hash: hash)
        }
    }

    /// The sequence number and previous hash a line claims, or nil when it is not a chain line.
    static func links(of line: [UInt8]) -> (sequence: Int64, previous: String)? {
        guard let brace = line.firstIndex(of: UInt8(ascii: "{")),
            let object = (try? JSONParser.parse(Array(line[brace...])))?.objectValue,
            let sequence = object["sequence"]?.intValue, let previous = object["prev_hash"]?.stringValue
        else { return nil }
        return (sequence, previous)
    }

    /// The outcome of verifying one or more files in order.
    public struct Report: Sendable, Equatable {
        /// Entries checked.
        public var entries: Int
        /// Where the chain ends.
        public var head: Head
        /// The first problem, naming its file and line; nil when intact.
        public var failure: String?
    }

    /// Verifies files (oldest first) as one chain starting at `start`; when `expectedHead` is
    /// given (the device's persisted head), a log that ends before it was truncated.
    public static func verify(files: [(name: String, bytes: [UInt8])], start: Head = .start, expectedHead: Head? = nil) -> Report {
        var head = start
        var entries = 0
        for file in files {
            var lineNumber = 0
            for rawLine in file.bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
                lineNumber += 1
                let line = Array(rawLine)
                if line.isEmpty { continue }
                let location = "\(file.name):\(lineNumber)"
                guard let (sequence, previous) = links(of: line) else {
                    return Report(entries: entries, head: head, failure: "\(location): not an audit chain entry (edited or corrupt)")
                }
                if sequence != head.sequence + 1 {
                    let what = sequence <= head.sequence ? "reordered or repeated" : "missing entries before it"
                    return Report(entries: entries, head: head, failure: "\(location): sequence \(sequence) follows \(head.sequence) (\(what))")
                }
                if previous != head.hash {
                    return Report(entries: entries, head: head, failure: "\(location): prev_hash does not match the line before it (an entry before it was edited or removed)")
                }
                head = Head(sequence: sequence, hash: hash(line: line))
                entries += 1
            }
        }
        if let expectedHead {
            if head.sequence < expectedHead.sequence {
                return Report(entries: entries, head: head, failure: "the log ends at sequence \(head.sequence) but the device wrote up to \(expectedHead.sequence) (truncated)")
            }
            if head.sequence == expectedHead.sequence, head.hash != expectedHead.hash {
                return Report(entries: entries, head: head, failure: "the last entry's hash differs from the device's recorded head (edited)")
            }
        }
        return Report(entries: entries, head: head, failure: nil)
    }
}
