import CofferCore
import CofferSDK
import Foundation

/// `operator rekey` and `operator generate-root`: what the unseal key holders do together, in
/// Vault's flags and wording.
enum KeyHolderCommands {
    /// The share from the argument, or from stdin when it is `-` or missing.
    static func share(_ inv: Invocation) throws -> String {
        var key = inv.arguments.first
        if key == nil || key == "-" {
            key = String(decoding: inv.readStdin(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        guard let key, !key.isEmpty else { throw LocalError("Error: an unseal key is required") }
        return key
    }

    /// The nonce from -nonce, or the attempt's own from its status.
    static func nonce(_ inv: Invocation, _ client: APIClient, status path: String) async throws -> String {
        if let nonce = inv.flags.string("nonce"), !nonce.isEmpty { return nonce }
        let status = try await client.request("GET", path)?.objectValue ?? [:]
        guard status["started"] == true, let nonce = status["nonce"]?.stringValue else {
            throw LocalError("Error: no attempt is in progress; start one with -init")
        }
        return nonce
    }

    static let rekey = ClientCommand(
        flags: ["init": .bool, "cancel": .bool, "status": .bool, "key-shares": .string, "key-threshold": .string, "nonce": .string],
        usage: """
            Usage: coffer operator rekey [options] [KEY]

              Replaces the root key and its unseal key shares; the old shares stop working.
              -init -key-shares=N -key-threshold=T   start, with the new split
              -status                                show the attempt under way
              -cancel                                cancel it
              KEY [-nonce=N]                         give one current unseal key (or - for stdin)
            """
    ) { inv in
        let client = try inv.client()
        if inv.flags.bool("cancel") {
            _ = try await client.request("DELETE", "sys/rekey/init")
            Output.out("Success! Canceled rekeying (if it was started)")
            return 0
        }
        if inv.flags.bool("status") || inv.flags.bool("init") {
            var response: JSONValue?
            if inv.flags.bool("init") {
                guard let shares = Int64(inv.flags.string("key-shares") ?? "5"), let threshold = Int64(inv.flags.string("key-threshold") ?? "3") else {
                    throw LocalError("Error: -key-shares and -key-threshold must be numbers")
                }
                response = try await client.request("PUT", "sys/rekey/init", body: ["secret_shares": .int(shares), "secret_threshold": .int(threshold)])
            } else {
                response = try await client.request("GET", "sys/rekey/init")
            }
            let status = response?.objectValue ?? [:]
            try Printer.emit(inv, value: response ?? .null, rows: [
                ("Nonce", Printer.plain(status["nonce"] ?? "")), ("Started", Printer.plain(status["started"] ?? false)),
                ("Rekey Progress", "\(Printer.plain(status["progress"] ?? 0))/\(Printer.plain(status["required"] ?? 0))"),
                ("New Shares", Printer.plain(status["n"] ?? 0)), ("New Threshold", Printer.plain(status["t"] ?? 0)),
                ("Verification Required", "false"),
            ])
            return 0
        }
        let nonce = try await nonce(inv, client, status: "sys/rekey/init")
        let response = try await client.request("PUT", "sys/rekey/update", body: ["key": .string(try share(inv)), "nonce": .string(nonce)])
        let result = response?.objectValue ?? [:]
        guard result["complete"] == true else {
            try Printer.emit(inv, value: response ?? .null, rows: [
                ("Nonce", Printer.plain(result["nonce"] ?? "")), ("Started", "true"),
                ("Rekey Progress", "\(Printer.plain(result["progress"] ?? 0))/\(Printer.plain(result["required"] ?? 0))"),
            ])
            return 0
        }
        if inv.format != "table" {
            try Printer.emit(inv, value: response ?? .null, rows: [])
            return 0
        }
        let keys = result["keys_base64"]?.arrayValue ?? []
        var text = keys.enumerated().map { "Key \($0.offset + 1): \(Printer.plain($0.element))" }.joined(separator: "\n")
        text += "\n\nOperation nonce: \(Printer.plain(result["nonce"] ?? ""))\n\n"
        text += "Vault rekeyed with \(keys.count) key shares. Please securely distribute the key shares printed above.\n"
        text += "When Vault is re-sealed, restarted, or stopped, you must supply the new threshold of these keys to unseal it."
        Output.out(text)
        return 0
    }

    static let generateRoot = ClientCommand(
        flags: ["init": .bool, "cancel": .bool, "status": .bool, "nonce": .string, "otp": .string, "decode": .string, "generate-otp": .bool, "pgp-key": .string],
        usage: """
            Usage: coffer operator generate-root [options] [KEY]

              Makes a new root token from a threshold of unseal keys; it is returned encoded
              with a one-time pad that only the operator who started the attempt holds.
              -init [-otp=OTP]          start (without -otp the server makes the pad, shown once)
              -status | -cancel         the attempt under way
              KEY [-nonce=N]            give one unseal key (or - for stdin)
              -decode=ENCODED -otp=OTP  turn the encoded token back into the token
              -generate-otp             print a pad of the right length
            """
    ) { inv in
        if let encoded = inv.flags.string("decode") {
            guard let otp = inv.flags.string("otp"), !otp.isEmpty else { throw LocalError("Error: -decode needs -otp") }
            guard let bytes = Data(base64Encoded: encoded).map(Array.init), bytes.count == otp.utf8.count else {
                throw LocalError("Error decoding root token: the encoded token and the OTP differ in length")
            }
            Output.out(String(decoding: Core.xor(bytes, Array(otp.utf8)), as: UTF8.self))
            return 0
        }
        if inv.flags.bool("generate-otp") {
            var generator = SystemRandomNumberGenerator()
            let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
            Output.out(String((0..<Core.rootTokenLength).map { _ in alphabet[Int(generator.next(upperBound: UInt64(alphabet.count)))] }))
            return 0
        }
        let client = try inv.client()
        if inv.flags.bool("cancel") {
            _ = try await client.request("DELETE", "sys/generate-root/attempt")
            Output.out("Success! Root token generation canceled (if it was started)")
            return 0
        }
        func rows(_ status: JSONObject) -> [(String, String)] {
            var rows: [(String, String)] = [
                ("Nonce", Printer.plain(status["nonce"] ?? "")), ("Started", Printer.plain(status["started"] ?? false)),
                ("Progress", "\(Printer.plain(status["progress"] ?? 0))/\(Printer.plain(status["required"] ?? 0))"),
                ("Complete", Printer.plain(status["complete"] ?? false)),
            ]
            if let encoded = status["encoded_token"]?.stringValue, !encoded.isEmpty { rows.append(("Encoded Token", encoded)) }
            if let otp = status["otp"]?.stringValue, !otp.isEmpty { rows.append(("OTP", otp)) }
            rows.append(("OTP Length", Printer.plain(status["otp_length"] ?? 0)))
            return rows
        }
        if inv.flags.bool("status") || inv.flags.bool("init") {
            var response: JSONValue?
            if inv.flags.bool("init") {
                var body: JSONObject = [:]
                if let otp = inv.flags.string("otp") { body["otp"] = .string(otp) }
                if let pgp = inv.flags.string("pgp-key") { body["pgp_key"] = .string(pgp) }
                response = try await client.request("PUT", "sys/generate-root/attempt", body: .object(body))
                if inv.format == "table", response?.objectValue?["otp"]?.stringValue?.isEmpty == false {
                    Output.out("A One-Time-Password has been generated for you and is shown in the OTP field.\nYou will need this value to decode the resulting root token, so keep it safe.")
                }
            } else {
                response = try await client.request("GET", "sys/generate-root/attempt")
            }
            try Printer.emit(inv, value: response ?? .null, rows: rows(response?.objectValue ?? [:]))
            return 0
        }
        let nonce = try await nonce(inv, client, status: "sys/generate-root/attempt")
        let response = try await client.request("PUT", "sys/generate-root/update", body: ["key": .string(try share(inv)), "nonce": .string(nonce)])
        try Printer.emit(inv, value: response ?? .null, rows: rows(response?.objectValue ?? [:]))
        return 0
    }
}
