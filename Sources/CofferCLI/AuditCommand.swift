import CofferSDK
import Foundation

/// `coffer audit verify DEVICE [FILE…]`: has the server check a device's keyed audit chain.
/// Only the server holds the chain key and the live head, so the check cannot run offline: a
/// file alone cannot prove that nobody with write access to it recomputed or cut its tail.
enum AuditCommand {
    static let verify = ClientCommand(
        flags: ["start": .string],
        usage: """
            Usage: coffer audit verify [-start=SEQ:TAG] DEVICE [FILE…]

              Asks the server to verify the keyed hash chain of the audit device at DEVICE: every
              entry's chain_hmac under the device's key, every link to the entry before, and that
              the log reaches the device's live head (so a cut-off tail is found too). FILE names
              the device's file and its rotated copies, oldest first (default: the current file);
              -start gives the last entry before the first FILE when older files are gone.
              Needs a sudo token. Exits 0 when the chain is intact, 2 naming the first broken line.
            """
    ) { inv in
        try inv.require(1, "an audit device path")
        var body: JSONObject = ["files": .strings(Array(inv.arguments.dropFirst()).map(Self.absolute))]
        if let start = inv.flags.string("start") { body["start"] = .string(start) }
        let device = inv.arguments[0].trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        let response = try await inv.client().request("PUT", "sys/audit-verify/" + device, body: .object(body))
        let data = response?.objectValue?["data"]?.objectValue ?? [:]
        let entries = data["entries"]?.intValue ?? 0
        if data["intact"]?.boolValue == true {
            Output.out("Audit chain intact: \(entries) entries, head \(data["head"]?.stringValue ?? "")")
            return 0
        }
        Output.error("Audit chain broken: \(data["failure"]?.stringValue ?? "unknown failure")")
        Output.error("\(entries) entries verified before the break.")
        return 2
    }

    /// The server reads the files, so relative names are made absolute here.
    static func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    }
}
