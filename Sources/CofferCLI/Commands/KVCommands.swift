import CofferSDK
import Foundation

/// `kv …`: the KV helper, detecting version 1 or 2 through `sys/internal/ui/mounts` and
/// accepting both `kv get secret/app` and `kv get -mount=secret app`.
enum KVCommands {
    struct Target {
        let mount: String      // "secret/"
        let relative: String   // "app/db"
        let version: Int

        /// The API path for a KV v2 area (`data`, `metadata`, `delete` …), or the plain path for v1.
        func path(_ area: String) -> String {
            version == 2 ? mount + area + "/" + relative : mount + relative
        }
        var display: String { mount + relative }
    }

    static func target(_ inv: Invocation, _ client: APIClient) async throws -> Target {
        try inv.require(1, "PATH")
        var full = inv.arguments[0].trimmingPrefix("/")
        if let mount = inv.flags.string("mount"), !mount.isEmpty {
            full = mount.trimmingSuffix("/") + "/" + full
        }
        // The version probe is never wrapped, as in Vault's CLI; only the real request is.
        var unwrapped = client
        unwrapped.wrapTTL = nil
        let probe: JSONValue?
        do {
            probe = try await unwrapped.request("GET", "sys/internal/ui/mounts/" + full)
        } catch let error as APIError where error.status == 403 {
            // Vault's preflight wording: it names the path and what to check.
            throw APIError(
                method: error.method, url: error.url, status: 403,
                errors: ["preflight capability check returned 403, please ensure client's policies grant access to path \"\(full.trimmingSuffix("/"))/\""]
            )
        }
        guard let data = probe?.objectValue?["data"]?.objectValue, let mount = data["path"]?.stringValue else {
            throw LocalError("Error: no KV mount serves \(full)")
        }
        guard data["type"]?.stringValue == "kv" else { throw LocalError("Error: \(mount) is not a KV mount") }
        let version = data["options"]?.objectValue?["version"]?.stringValue == "2" ? 2 : 1
        var relative = String(full.dropFirst(min(full.count, mount.count)))
        if full + "/" == mount { relative = "" }
        return Target(mount: mount, relative: relative, version: version)
    }

    static let common: [String: GoFlags.Kind] = ["mount": .string]

    static let get = ClientCommand(flags: common.merging(["version": .string]) { a, _ in a }, usage: "Usage: coffer kv get [-mount=M] [-version=N] PATH") { inv in
        let client = try inv.client()
        let target = try await target(inv, client)
        var query = [String: String]()
        if let version = inv.flags.string("version"), target.version == 2 { query["version"] = version }
        guard let response = try await client.request("GET", target.path("data"), query: query, allowNotFound: true) else {
            Output.error("No value found at \(target.path("data"))")
            return 2
        }
        let data = response.objectValue?["data"]?.objectValue ?? [:]
        if target.version == 1 {
            try Printer.emit(inv, value: response, rows: data.keys.sorted().map { ($0, Printer.plain(data[$0]!)) })
            return 0
        }
        let secret = data["data"]?.objectValue ?? [:]
        if let field = inv.field {
            guard let value = secret[field] else { throw LocalError("Field \"\(field)\" not present in secret") }
            FileHandle.standardOutput.write(Data(Printer.plain(value).utf8))
            return 0
        }
        guard inv.format == "table" else {
            try Printer.emit(inv, value: response, rows: [])
            return 0
        }
        let metadata = data["metadata"]?.objectValue ?? [:]
        Output.out(section("Secret Path") + "\n" + target.path("data") + "\n\n" + section("Metadata") + "\n" + Printer.table(metadataRows(metadata)))
        if secret.isEmpty {
            Output.out("")
        } else {
            Output.out("\n" + section("Data") + "\n" + Printer.table(secret.keys.sorted().map { ($0, Printer.plain(secret[$0]!)) }))
        }
        return 0
    }

    static func section(_ title: String) -> String {
        let bar = String(repeating: "=", count: max(2, title.count / 2 + 1))
        return "\(bar) \(title) \(bar)"
    }

    static func metadataRows(_ metadata: JSONObject) -> [(String, String)] {
        metadata.keys.sorted().map { key in
            let value = metadata[key]!
            if key == "deletion_time", value.stringValue == "" { return (key, "n/a") }
            return (key, Printer.plain(value))
        }
    }

    static let put = ClientCommand(flags: common.merging(["cas": .string]) { a, _ in a }, usage: "Usage: coffer kv put [-mount=M] [-cas=N] PATH KEY=VALUE…") { inv in
        let client = try inv.client()
        let target = try await target(inv, client)
        let data = try inv.data(after: 1)
        guard !data.isEmpty else { throw LocalError("Must supply data") }
        if target.version == 1 {
            _ = try await client.request("PUT", target.path("data"), body: .object(data))
            Output.out("Success! Data written to: \(target.display)")
            return 0
        }
        var body: JSONObject = ["data": .object(data)]
        if let cas = inv.flags.string("cas") {
            guard let value = Int64(cas) else { throw LocalError("Error: -cas must be a number") }
            body["options"] = ["cas": .int(value)]
        }
        let response = try await client.request("PUT", target.path("data"), body: .object(body))
        try emitWrite(inv, target, response)
        return 0
    }

    static let patch = ClientCommand(flags: common.merging(["cas": .string, "method": .string]) { a, _ in a }, usage: "Usage: coffer kv patch [-mount=M] [-cas=N] PATH KEY=VALUE…") { inv in
        let client = try inv.client()
        let target = try await target(inv, client)
        guard target.version == 2 else { throw LocalError("Error: kv patch needs a KV version 2 mount") }
        var body: JSONObject = ["data": .object(try inv.data(after: 1))]
        if let cas = inv.flags.string("cas"), let value = Int64(cas) { body["options"] = ["cas": .int(value)] }
        let response = try await client.request("PATCH", target.path("data"), body: .object(body))
        try emitWrite(inv, target, response)
        return 0
    }

    static func emitWrite(_ inv: Invocation, _ target: Target, _ response: JSONValue?) throws {
        guard let response else { return }
        if inv.field != nil || inv.format != "table" {
            try Printer.emit(inv, value: response, rows: metadataRows(response.objectValue?["data"]?.objectValue ?? [:]))
            return
        }
        Output.out(section("Secret Path") + "\n" + target.path("data") + "\n\n" + section("Metadata") + "\n" + Printer.table(metadataRows(response.objectValue?["data"]?.objectValue ?? [:])))
    }

    static func versions(_ inv: Invocation) throws -> JSONValue? {
        guard let text = inv.flags.string("versions") else { return nil }
        var out = [JSONValue]()
        for part in text.split(separator: ",") {
            guard let number = Int64(part.trimmingCharacters(in: .whitespaces)) else { throw LocalError("Error: -versions must be numbers such as 1,2") }
            out.append(.int(number))
        }
        return .array(out)
    }

    static let delete = ClientCommand(flags: common.merging(["versions": .string]) { a, _ in a }, usage: "Usage: coffer kv delete [-mount=M] [-versions=1,2] PATH") { inv in
        let client = try inv.client()
        let target = try await target(inv, client)
        if target.version == 2, let versions = try versions(inv) {
            _ = try await client.request("PUT", target.path("delete"), body: ["versions": versions])
        } else {
            _ = try await client.request("DELETE", target.path("data"))
        }
        Output.out("Success! Data deleted (if it existed) at: \(target.path("data"))")
        return 0
    }

    static func versionCommand(_ area: String) -> ClientCommand {
        ClientCommand(flags: common.merging(["versions": .string]) { a, _ in a }, usage: "Usage: coffer kv \(area) [-mount=M] -versions=1,2 PATH") { inv in
            let client = try inv.client()
            let target = try await target(inv, client)
            guard target.version == 2 else { throw LocalError("Error: kv \(area) needs a KV version 2 mount") }
            guard let versions = try versions(inv) else { throw LocalError("Error: no versions provided, use the -versions flag") }
            _ = try await client.request("PUT", target.path(area), body: ["versions": versions])
            Output.out("Success! Data written to: \(target.path(area))")
            return 0
        }
    }

    static let list = ClientCommand(flags: common, usage: "Usage: coffer kv list [-mount=M] PATH") { inv in
        let client = try inv.client()
        let target = try await target(inv, client)
        guard let response = try await client.request("GET", target.path("metadata"), query: ["list": "true"], allowNotFound: true) else {
            Output.error("No value found at \(target.path("metadata"))")
            return 2
        }
        try GenericCommands.emitKeys(inv, response)
        return 0
    }

    static let metadataGet = ClientCommand(flags: common, usage: "Usage: coffer kv metadata get [-mount=M] PATH") { inv in
        let client = try inv.client()
        let target = try await target(inv, client)
        guard let response = try await client.request("GET", target.path("metadata"), allowNotFound: true) else {
            Output.error("No value found at \(target.path("metadata"))")
            return 2
        }
        let data = response.objectValue?["data"]?.objectValue ?? [:]
        guard inv.format == "table", inv.field == nil else {
            try Printer.emit(inv, value: response, rows: metadataRows(data))
            return 0
        }
        var text = section("Metadata Path") + "\n" + target.path("metadata") + "\n\n" + section("Metadata") + "\n"
        text += Printer.table(metadataRows(data.filter { $0.key != "versions" }))
        let versions = data["versions"]?.objectValue ?? [:]
        for number in versions.keys.sorted(by: { (Int($0) ?? 0) < (Int($1) ?? 0) }) {
            text += "\n\n" + section("Version \(number)") + "\n" + Printer.table(metadataRows(versions[number]?.objectValue ?? [:]))
        }
        Output.out(text)
        return 0
    }

    static let metadataPut = ClientCommand(
        flags: common.merging(["max-versions": .string, "cas-required": .bool, "delete-version-after": .string, "custom-metadata": .repeated]) { a, _ in a },
        usage: "Usage: coffer kv metadata put [-mount=M] [-max-versions=N] [-cas-required] [-delete-version-after=D] [-custom-metadata=K=V…] PATH"
    ) { inv in
        let client = try inv.client()
        let target = try await target(inv, client)
        var body = JSONObject()
        if let max = inv.flags.string("max-versions") {
            guard let value = Int64(max) else { throw LocalError("Error: -max-versions must be a number") }
            body["max_versions"] = .int(value)
        }
        if inv.flags.has("cas-required") { body["cas_required"] = .bool(inv.flags.bool("cas-required")) }
        if let after = inv.flags.string("delete-version-after") { body["delete_version_after"] = .string(after) }
        var custom = JSONObject()
        for pair in inv.flags.strings("custom-metadata") {
            guard let equals = pair.firstIndex(of: "=") else { throw LocalError("Error: -custom-metadata takes key=value") }
            custom[String(pair[..<equals])] = .string(String(pair[pair.index(after: equals)...]))
        }
        if !custom.isEmpty { body["custom_metadata"] = .object(custom) }
        _ = try await client.request("PUT", target.path("metadata"), body: .object(body))
        Output.out("Success! Data written to: \(target.path("metadata"))")
        return 0
    }

    static let metadataDelete = ClientCommand(flags: common, usage: "Usage: coffer kv metadata delete [-mount=M] PATH") { inv in
        let client = try inv.client()
        let target = try await target(inv, client)
        _ = try await client.request("DELETE", target.path("metadata"))
        Output.out("Success! Data deleted (if it existed) at: \(target.path("metadata"))")
        return 0
    }

    static let enableVersioning = ClientCommand(usage: "Usage: coffer kv enable-versioning PATH") { inv in
        try inv.require(1, "PATH")
        let path = inv.arguments[0].trimmingSuffix("/")
        _ = try await inv.client().request("POST", "sys/mounts/\(path)/tune", body: ["options": ["version": "2"]])
        Output.out("Success! Tuned the secrets engine at: \(path)/")
        return 0
    }
}
