@testable import CofferCore
import CofferSDK
import Foundation
import Testing

@Suite("Audit hash chain")
struct AuditChainTests {
    /// A chain of `count` lines built the way a device writes them.
    static func chain(_ count: Int) -> [[UInt8]] {
        var head = AuditChain.Head.start
        var lines = [[UInt8]]()
        for n in 1...count {
            let line = JSONWriter.encode(["type": "request", "n": .int(Int64(n)), "sequence": .int(head.sequence + 1), "prev_hash": .string(head.hash)])
            head = AuditChain.Head(sequence: head.sequence + 1, hash: AuditChain.hash(line: line))
            lines.append(line)
        }
        return lines
    }

    static func file(_ lines: [[UInt8]]) -> [UInt8] { lines.flatMap { $0 + [0x0A] } }

    @Test("an intact chain verifies, also split across rotated files")
    func intact() {
        let lines = Self.chain(6)
        let report = AuditChain.verify(files: [("a.log", Self.file(lines))])
        #expect(report.failure == nil && report.entries == 6 && report.head.sequence == 6)
        let split = AuditChain.verify(files: [("old.log", Self.file(Array(lines[0..<3]))), ("new.log", Self.file(Array(lines[3...])))], expectedHead: report.head)
        #expect(split.failure == nil && split.head == report.head)
        let second = AuditChain.verify(files: [("new.log", Self.file(Array(lines[3...])))], start: AuditChain.verify(files: [("old.log", Self.file(Array(lines[0..<3])))]).head)
        #expect(second.failure == nil)
    }

    @Test("removed, edited, reordered and truncated logs fail, naming the line")
    func tampering() {
        let lines = Self.chain(6)
        var removed = lines
        removed.remove(at: 2)
        #expect(AuditChain.verify(files: [("f", Self.file(removed))]).failure?.hasPrefix("f:3:") == true)
        var edited = lines
        edited[3] = Array(String(decoding: edited[3], as: UTF8.self).replacingOccurrences(of: "\"n\":4", with: "\"n\":5").utf8)
        #expect(AuditChain.verify(files: [("f", Self.file(edited))]).failure?.hasPrefix("f:5:") == true, "the line after the edit no longer links")
        var reordered = lines
        reordered.swapAt(1, 2)
        #expect(AuditChain.verify(files: [("f", Self.file(reordered))]).failure?.hasPrefix("f:2:") == true)
        let head = AuditChain.verify(files: [("f", Self.file(lines))]).head
        let truncated = AuditChain.verify(files: [("f", Self.file(Array(lines.prefix(4))))], expectedHead: head)
        #expect(truncated.failure?.contains("truncated") == true)
        let withoutStart = AuditChain.verify(files: [("f", Self.file(Array(lines.dropFirst())))])
        #expect(withoutStart.failure?.hasPrefix("f:1:") == true, "a log missing its first entries does not pass as a fresh chain")
        #expect(AuditChain.verify(files: [("f", Array("not json\n".utf8))]).failure != nil)
    }

    @Test("heads print and parse as SEQ:HASH")
    func heads() {
        let head = AuditChain.Head(sequence: 12, hash: AuditChain.hash(line: [1, 2, 3]))
        #expect(AuditChain.Head(head.description) == head)
        #expect(AuditChain.Head("12:md5:abc") == nil)
    }
}
