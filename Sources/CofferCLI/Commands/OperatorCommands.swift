import CofferCore
import CofferSDK
import Foundation

/// `status`, `operator init|unseal|seal|key-status|rotate`, and `login`.
enum OperatorCommands {
    static func sealRows(_ status: JSONObject) -> [(String, String)] {
        var rows: [(String, String)] = [
            ("Seal Type", Printer.plain(status["type"] ?? "shamir")),
            ("Initialized", Printer.plain(status["initialized"] ?? false)),
            ("Sealed", Printer.plain(status["sealed"] ?? true)),
        ]
        // Vault labels the shares of an auto-unsealed server as recovery shares.
        let recovery = status["recovery_seal"] == true
        rows.append((recovery ? "Total Recovery Shares" : "Total Shares", Printer.plain(status["n"] ?? 0)))
        rows.append(("Threshold", Printer.plain(status["t"] ?? 0)))
        if status["sealed"] == true {
            rows.append(("Unseal Progress", "\(Printer.plain(status["progress"] ?? 0))/\(Printer.plain(status["t"] ?? 0))"))
            rows.append(("Unseal Nonce", Printer.plain(status["nonce"] ?? "")))
        }
        rows.append(("Version", Printer.plain(status["version"] ?? "")))
        rows.append(("Build Date", Printer.plain(status["build_date"] ?? "")))
        rows.append(("Storage Type", Printer.plain(status["storage_type"] ?? "")))
        if let name = status["cluster_name"] { rows.append(("Cluster Name", Printer.plain(name))) }
        if let id = status["cluster_id"] { rows.append(("Cluster ID", Printer.plain(id))) }
        rows.append(("HA Enabled", "false"))
        return rows
    }

    /// `status`: exit 0 unsealed, 2 sealed, 1 on error, as Vault's.
    static let status = ClientCommand(usage: "Usage: coffer status") { inv in
        let response = try await inv.client().request("GET", "sys/seal-status")
        let status = response?.objectValue ?? [:]
        try Printer.emit(inv, value: response ?? .null, rows: sealRows(status))
        return status["sealed"] == false ? 0 : 2
    }

    static let initialize = ClientCommand(
        flags: ["key-shares": .string, "key-threshold": .string, "n": .string, "t": .string, "recovery-shares": .string, "recovery-threshold": .string, "status": .bool],
        usage: "Usage: coffer operator init [-key-shares=5] [-key-threshold=3] [-recovery-shares=5] [-recovery-threshold=3]"
    ) { inv in
        let client = try inv.client()
        if inv.flags.bool("status") {
            let initialized = try await client.request("GET", "sys/init")?.objectValue?["initialized"] == true
            Output.out(initialized ? "Vault is initialized" : "Vault is not initialized")
            return initialized ? 0 : 2
        }
        // As Vault's CLI does: an auto-unsealed server gets recovery shares instead of unseal shares.
        let autoUnseal = (try await client.request("GET", "sys/seal-status")?.objectValue?["type"]?.stringValue ?? "shamir") != "shamir"
        let (sharesFlag, thresholdFlag) = autoUnseal ? ("recovery-shares", "recovery-threshold") : ("key-shares", "key-threshold")
        guard let shares = Int64(inv.flags.string(sharesFlag) ?? (autoUnseal ? nil : inv.flags.string("n")) ?? "5"),
            let threshold = Int64(inv.flags.string(thresholdFlag) ?? (autoUnseal ? nil : inv.flags.string("t")) ?? "3")
        else { throw LocalError("Error: -\(sharesFlag) and -\(thresholdFlag) must be numbers") }
        let body: JSONValue =
            autoUnseal
            ? ["recovery_shares": .int(shares), "recovery_threshold": .int(threshold)] : ["secret_shares": .int(shares), "secret_threshold": .int(threshold)]
        let response = try await client.request("PUT", "sys/init", body: body)
        let object = response?.objectValue ?? [:]
        let hex = object[autoUnseal ? "recovery_keys" : "keys"]?.arrayValue ?? [], b64 = object[autoUnseal ? "recovery_keys_base64" : "keys_base64"]?.arrayValue ?? []
        switch inv.format {
        case "json", "yaml", "yml":
            let out: JSONValue = [
                "unseal_keys_b64": autoUnseal ? [] : .array(b64), "unseal_keys_hex": autoUnseal ? [] : .array(hex),
                "unseal_shares": .int(autoUnseal ? 0 : shares), "unseal_threshold": .int(autoUnseal ? 0 : threshold),
                "recovery_keys_b64": autoUnseal ? .array(b64) : [], "recovery_keys_hex": autoUnseal ? .array(hex) : [],
                "recovery_keys_shares": .int(autoUnseal ? shares : 0), "recovery_keys_threshold": .int(autoUnseal ? threshold : 0),
                "root_token": object["root_token"] ?? "",
            ]
            Output.out(inv.format == "json" ? Printer.json(out) : Printer.yaml(out))
        default:
            var text = ""
            for (index, key) in b64.enumerated() { text += "\(autoUnseal ? "Recovery" : "Unseal") Key \(index + 1): \(Printer.plain(key))\n" }
            text += "\nInitial Root Token: \(Printer.plain(object["root_token"] ?? ""))\n\n"
            if autoUnseal {
                text += "Success! Vault is initialized\n\n"
                text += "Recovery key initialized with \(shares) key shares and a key threshold of \(threshold). Please\nsecurely distribute the key shares printed above."
            } else {
                text += "Vault initialized with \(shares) key shares and a key threshold of \(threshold). Please securely\n"
                text += "distribute the key shares printed above. When the Vault is re-sealed,\nrestarted, or stopped, you must supply at least \(threshold) of these keys to unseal it\nbefore it can start servicing requests."
            }
            Output.out(text)
        }
        return 0
    }

    static let unseal = ClientCommand(flags: ["reset": .bool], usage: "Usage: coffer operator unseal [-reset] [KEY]") { inv in
        var body = JSONObject()
        if inv.flags.bool("reset") {
            body["reset"] = true
        } else {
            var key = inv.arguments.first
            if key == nil || key == "-" {
                key = String(decoding: inv.readStdin(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            }
            guard let key, !key.isEmpty else { throw LocalError("Error: an unseal key is required") }
            body["key"] = .string(key)
        }
        let response = try await inv.client().request("PUT", "sys/unseal", body: .object(body))
        try Printer.emit(inv, value: response ?? .null, rows: sealRows(response?.objectValue ?? [:]))
        return 0
    }

    static let seal = ClientCommand(usage: "Usage: coffer operator seal") { inv in
        _ = try await inv.client().request("PUT", "sys/seal")
        Output.out("Success! Vault is sealed.")
        return 0
    }

    static let keyStatus = ClientCommand(usage: "Usage: coffer operator key-status") { inv in
        let response = try await inv.client().request("GET", "sys/key-status")
        let data = response?.objectValue?["data"]?.objectValue ?? [:]
        try Printer.emit(inv, value: response ?? .null, rows: [("Key Term", Printer.plain(data["term"] ?? 0)), ("Install Time", Printer.plain(data["install_time"] ?? ""))])
        return 0
    }

    static let rotate = ClientCommand(usage: "Usage: coffer operator rotate") { inv in
        let client = try inv.client()
        _ = try await client.request("PUT", "sys/rotate")
        let data = try await client.request("GET", "sys/key-status")?.objectValue?["data"]?.objectValue ?? [:]
        Output.out("Success! Rotated key\n\n" + Printer.table([("Key Term", Printer.plain(data["term"] ?? 0)), ("Install Time", Printer.plain(data["install_time"] ?? ""))]))
        return 0
    }

    /// `login`: a token (argument, `-`, or prompt-free stdin), or `-method=approle|jwt` with
    /// `key=value` pairs; stores the token in `~/.vault-token` unless `-no-store`.
    static let login = ClientCommand(flags: ["method": .string, "path": .string, "no-store": .bool, "token-only": .bool, "no-print": .bool], usage: "Usage: coffer login [TOKEN] | -method=approle role_id=… secret_id=… | -method=jwt role=… jwt=…") { inv in
        let method = inv.flags.string("method") ?? "token"
        var token: String
        var response: JSONValue?
        if method == "token" {
            var given = inv.arguments.first
            if given == nil || given == "-" {
                given = String(decoding: inv.readStdin(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            } else if given!.hasPrefix("token=") {
                given = String(given!.dropFirst(6))
            }
            guard let given, !given.isEmpty else { throw LocalError("Error: a token is required") }
            token = given
            response = try await inv.client(token: token).request("GET", "auth/token/lookup-self")
        } else {
            let path = "auth/" + (inv.flags.string("path") ?? method).trimmingSuffix("/") + "/login"
            var client = try inv.client()
            client.token = nil
            response = try await client.request("POST", path, body: .object(try inv.data(after: 0)))
            guard let issued = response?.objectValue?["auth"]?.objectValue?["client_token"]?.stringValue else {
                throw LocalError("Error: the login response carried no token")
            }
            token = issued
        }
        if !inv.flags.bool("no-store"), let home = inv.environment["HOME"] {
            let path = home + "/.vault-token"
            _ = FileManager.default.createFile(atPath: path, contents: Data(token.utf8), attributes: [.posixPermissions: 0o600])
        }
        if inv.flags.bool("token-only") {
            FileHandle.standardOutput.write(Data(token.utf8))
            return 0
        }
        if inv.flags.bool("no-print") { return 0 }
        var rows = Printer.secretRows(response)
        if method == "token", let data = response?.objectValue?["data"]?.objectValue {
            rows = [
                ("token", token), ("token_accessor", Printer.plain(data["accessor"] ?? "")),
                ("token_duration", (data["ttl"]?.intValue ?? 0) == 0 ? "∞" : Printer.durationText(data["ttl"]?.intValue ?? 0)),
                ("token_renewable", Printer.plain(data["renewable"] ?? false)), ("token_policies", Printer.plain(data["policies"] ?? .array([]))),
                ("identity_policies", "[]"), ("policies", Printer.plain(data["policies"] ?? .array([]))),
            ]
        }
        if inv.format == "table", inv.field == nil {
            Output.out("Success! You are now authenticated. The token information displayed below\nis already stored in the token helper. You do NOT need to run \"coffer login\"\nagain. Future requests will automatically use this token.\n")
        }
        try Printer.emit(inv, value: response ?? .null, rows: rows)
        return 0
    }
}
