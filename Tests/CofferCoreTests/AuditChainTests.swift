@testable import CofferCore
import CofferCrypto
import CofferSDK
import Foundation
import Testing

@Suite("Audit keyed chain")
struct AuditChainTests {
    static let key = HMACKey(SecureBytes(copying: Array(repeating: 7, count: 32)))
    static let otherKey = HMACKey(SecureBytes(copying: Array(repeating: 8, count: 32)))
    static let prefix = "AUDIT "

    /// A chain of `count` lines built the way a device writes them, and its head.
    static func chain(_ count: Int, key: HMACKey = key, after start: AuditChain.Head = .start) -> ([[UInt8]], AuditChain.Head) {
        var head = start
        var lines = [[UInt8]]()
        for n in 1...count {
            let (line, next) = AuditChain.seal(["type": "request", "n": .int(Int64(n))], prefix: prefix, after: head, key: key)
            head = next
            lines.append(line)
        }
        return (lines, head)
    }

    static func file(_ lines: [[UInt8]]) -> [UInt8] { lines.flatMap { $0 + [0x0A] } }

    static func verify(_ lines: [[UInt8]], head: AuditChain.Head, start: AuditChain.Head = .start) -> AuditChain.Report {
        AuditChain.verify(files: [("f", file(lines))], prefixLength: prefix.utf8.count, key: key, start: start, deviceHead: head)
    }

    static func text(_ line: [UInt8]) -> String { String(decoding: line, as: UTF8.self) }

    @Test("a line is the entry as JSONWriter writes it, members sorted with the chain's among them, then its tag")
    func lineLayout() throws {
        let head = AuditChain.Head(sequence: 41, hash: "hmac-sha256:" + String(repeating: "0f", count: 32))
        let entry: JSONObject = [
            "auth": ["policies": ["root"]], "error": "", "request": ["path": "secret/data/x"], "response": ["data": ["a": "b"]],
            "time": "2026-11-30T00:00:00Z", "type": "response", "a\"quoted": 1, "zeta": .null,
        ]
        var full = entry
        full["sequence"] = 42
        full["prev_hash"] = .string(head.hash)
        let expected = Array(Self.prefix.utf8) + JSONWriter.encode(.object(full)).dropLast()
        // In name order, as the core builds entries, and in any other order.
        let sorted = AuditChain.members(entry).sorted { $0.name < $1.name }
        for members in [sorted, sorted.reversed()] {
            let (line, next) = AuditChain.seal(Array(members), prefix: Self.prefix, after: head, key: Self.key)
            let body = Array(line[..<(line.count - AuditChain.tagLength)])
            #expect(Self.text(body) == Self.text(expected))
            #expect(next.sequence == 42 && next.hash == "hmac-sha256:" + Hex.encode(Self.key.mac(body)))
            #expect(AuditChain.open(line, prefixLength: Self.prefix.utf8.count, key: Self.key) == .success(.init(sequence: 42, previous: head.hash, tag: next.hash)))
        }
    }

    @Test("an intact chain verifies, also split across rotated files or from a given start")
    func intact() {
        let (lines, head) = Self.chain(6)
        let report = Self.verify(lines, head: head)
        #expect(report.failure == nil && report.entries == 6 && report.head == head)
        #expect(Self.text(lines[0]).hasPrefix("AUDIT {") && Self.text(lines[0]).hasSuffix("\"}"))
        let split = AuditChain.verify(
            files: [("old", Self.file(Array(lines[0..<3]))), ("new", Self.file(Array(lines[3...])))], prefixLength: Self.prefix.utf8.count,
            key: Self.key, deviceHead: head
        )
        #expect(split.failure == nil && split.head == head)
        let middle = Self.verify(Array(lines[0..<3]), head: head).head
        #expect(Self.verify(Array(lines[3...]), head: head, start: middle).failure == nil)
    }

    @Test("every kind of tampering fails, naming the line")
    func tampering() throws {
        let (lines, head) = Self.chain(6)
        // Edit any entry, the last one included: its own tag no longer matches.
        for index in [2, 5] {
            var edited = lines
            edited[index] = Array(Self.text(edited[index]).replacingOccurrences(of: "\"n\":\(index + 1)", with: "\"n\":9").utf8)
            #expect(Self.verify(edited, head: head).failure?.hasPrefix("f:\(index + 1): its chain_hmac") == true)
        }
        // Drop an entry.
        var dropped = lines
        dropped.remove(at: 2)
        #expect(Self.verify(dropped, head: head).failure?.hasPrefix("f:3: sequence 4 follows 2") == true)
        // Reorder two.
        var reordered = lines
        reordered.swapAt(1, 2)
        #expect(Self.verify(reordered, head: head).failure?.hasPrefix("f:2:") == true)
        // Truncate the tail: every remaining line is genuine, only the live head shows the cut.
        #expect(Self.verify(Array(lines.prefix(4)), head: head).failure?.contains("truncated") == true)
        // Rewrite the tail with recomputed tags, as someone without the key must: a wrong key.
        let (forgedTail, _) = Self.chain(2, key: Self.otherKey, after: Self.verify(Array(lines.prefix(4)), head: head).head)
        #expect(Self.verify(Array(lines.prefix(4)) + forgedTail, head: head).failure?.hasPrefix("f:5: its chain_hmac") == true)
        // Append a forged entry after the head.
        let (forgedAppend, _) = Self.chain(1, key: Self.otherKey, after: head)
        #expect(Self.verify(lines + forgedAppend, head: head).failure?.hasPrefix("f:7: its chain_hmac") == true)
        // Remove the tag member altogether, or write a line that is no entry at all.
        var stripped = lines
        stripped[1] = Array(stripped[1].dropLast(AuditChain.tagLength)) + [UInt8(ascii: "}")]
        #expect(Self.verify(stripped, head: head).failure?.hasPrefix("f:2: not an audit chain entry") == true)
        #expect(Self.verify(lines + [Array("garbage".utf8)], head: head).failure?.hasPrefix("f:7:") == true)
        // A genuine line from another position replayed in place of the last one.
        var replayed = lines
        replayed[5] = lines[4]
        #expect(Self.verify(replayed, head: head).failure?.hasPrefix("f:6:") == true)
        // A log missing its first entries does not pass as a fresh chain.
        #expect(Self.verify(Array(lines.dropFirst()), head: head).failure?.hasPrefix("f:1:") == true)
    }

    @Test("heads print and parse as SEQ:TAG")
    func heads() {
        let (_, head) = Self.chain(3)
        #expect(AuditChain.Head(head.description) == head)
        #expect(AuditChain.Head("12:md5:abc") == nil)
        #expect(AuditChain.Head("-1:" + AuditChain.genesis) == nil)
    }
}
