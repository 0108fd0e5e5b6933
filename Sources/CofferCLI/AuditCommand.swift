import CofferCore
import Foundation

/// `coffer audit verify FILE…`: checks a hash-chained audit log offline. The rest of
/// `coffer audit` (enable, disable, list) talks to a server.
enum AuditCommand {
    static let usage = """
        Usage: coffer audit verify [-start=SEQ:HASH] [-head=SEQ:HASH] FILE [FILE…]

          Verifies the hash chain of one audit file, or of several in rotation order (oldest
          first). A chain must start at the first entry unless -start gives the head of the
          file before it. -head is the device's recorded head (sys/audit shows it as
          chain_head): a log that stops short of it was truncated.
          Exits 0 only when the chain is intact, naming the first broken line otherwise.

        """

    static func verify(_ arguments: [String]) -> Int32 {
        var flags = GoFlags(["start": .string, "head": .string, "h": .bool, "help": .bool])
        if let status = flags.parseCommand(arguments, usage: usage) { return status }
        guard !flags.positional.isEmpty else {
            Output.error("Error: name at least one audit file\n\n\(usage)")
            return 1
        }
        var start = AuditChain.Head.start
        if let text = flags.string("start") {
            guard let parsed = AuditChain.Head(text) else { Output.error("Error: -start must be SEQ:sha256:HEX"); return 1 }
            start = parsed
        }
        var expected: AuditChain.Head?
        if let text = flags.string("head") {
            guard let parsed = AuditChain.Head(text) else { Output.error("Error: -head must be SEQ:sha256:HEX"); return 1 }
            expected = parsed
        }
        var files = [(name: String, bytes: [UInt8])]()
        for path in flags.positional {
            guard let data = FileManager.default.contents(atPath: path) else {
                Output.error("Error: cannot read \(path)")
                return 1
            }
            files.append((path, Array(data)))
        }
        let report = AuditChain.verify(files: files, start: start, expectedHead: expected)
        if let failure = report.failure {
            Output.error("Audit chain broken: \(failure)")
            Output.error("\(report.entries) entries verified before the break.")
            return 2
        }
        Output.out("Audit chain intact: \(report.entries) entries, head \(report.head)")
        return 0
    }
}
