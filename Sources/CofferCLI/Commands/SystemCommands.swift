import CofferSDK
import Foundation

/// `secrets …`, `auth …`, `policy …` and `audit enable|disable|list`.
enum SystemCommands {
    static func mountRows(_ response: JSONValue?) -> [[String]] {
        let data = response?.objectValue?["data"]?.objectValue ?? [:]
        return data.keys.sorted().map { path in
            let entry = data[path]?.objectValue ?? [:]
            return [path, Printer.plain(entry["type"] ?? ""), Printer.plain(entry["accessor"] ?? ""), Printer.plain(entry["description"] ?? "")]
        }
    }

    static func listMounts(auth: Bool) -> ClientCommand {
        ClientCommand(flags: ["detailed": .bool], usage: "Usage: coffer \(auth ? "auth" : "secrets") list [-detailed]") { inv in
            let response = try await inv.client().request("GET", auth ? "sys/auth" : "sys/mounts")
            if inv.format == "table", inv.field == nil {
                Output.out(Printer.columns(["Path", "Type", "Accessor", "Description"], mountRows(response)))
            } else {
                try Printer.emit(inv, value: response?.objectValue?["data"] ?? .null, rows: [])
            }
            return 0
        }
    }

    static func enable(auth: Bool) -> ClientCommand {
        ClientCommand(
            flags: ["path": .string, "description": .string, "version": .string, "default-lease-ttl": .duration, "max-lease-ttl": .duration, "options": .repeated, "local": .bool, "seal-wrap": .bool],
            usage: "Usage: coffer \(auth ? "auth" : "secrets") enable [-path=P] [-version=N] [-description=D] TYPE"
        ) { inv in
            try inv.require(1, "TYPE")
            let type = inv.arguments[0]
            let path = (inv.flags.string("path") ?? type).trimmingSuffix("/")
            var body: JSONObject = ["type": .string(type)]
            if let description = inv.flags.string("description") { body["description"] = .string(description) }
            var options = JSONObject()
            for pair in inv.flags.strings("options") {
                guard let equals = pair.firstIndex(of: "=") else { throw LocalError("Error: -options takes key=value") }
                options[String(pair[..<equals])] = .string(String(pair[pair.index(after: equals)...]))
            }
            if let version = inv.flags.string("version") { options["version"] = .string(version) }
            if !options.isEmpty { body["options"] = .object(options) }
            var config = JSONObject()
            if let ttl = inv.flags.string("default-lease-ttl") { config["default_lease_ttl"] = .string(ttl) }
            if let ttl = inv.flags.string("max-lease-ttl") { config["max_lease_ttl"] = .string(ttl) }
            if !config.isEmpty { body["config"] = .object(config) }
            _ = try await inv.client().request("POST", (auth ? "sys/auth/" : "sys/mounts/") + path, body: .object(body))
            Output.out(auth ? "Success! Enabled \(type) auth method at: \(path)/" : "Success! Enabled the \(type) secrets engine at: \(path)/")
            return 0
        }
    }

    static func disable(auth: Bool) -> ClientCommand {
        ClientCommand(usage: "Usage: coffer \(auth ? "auth" : "secrets") disable PATH") { inv in
            try inv.require(1, "PATH")
            let path = inv.arguments[0].trimmingSuffix("/")
            _ = try await inv.client().request("DELETE", (auth ? "sys/auth/" : "sys/mounts/") + path)
            Output.out(auth ? "Success! Disabled the auth method (if it existed) at: \(path)/" : "Success! Disabled the secrets engine (if it existed) at: \(path)/")
            return 0
        }
    }

    static func tune(auth: Bool) -> ClientCommand {
        ClientCommand(
            flags: ["default-lease-ttl": .duration, "max-lease-ttl": .duration, "description": .string, "options": .repeated, "listing-visibility": .string],
            usage: "Usage: coffer \(auth ? "auth" : "secrets") tune [-default-lease-ttl=D] [-max-lease-ttl=D] [-options=K=V] PATH"
        ) { inv in
            try inv.require(1, "PATH")
            let path = inv.arguments[0].trimmingSuffix("/")
            var body = JSONObject()
            for (flag, key) in [("default-lease-ttl", "default_lease_ttl"), ("max-lease-ttl", "max_lease_ttl"), ("description", "description"), ("listing-visibility", "listing_visibility")] {
                if let value = inv.flags.string(flag) { body[key] = .string(value) }
            }
            var options = JSONObject()
            for pair in inv.flags.strings("options") {
                guard let equals = pair.firstIndex(of: "=") else { throw LocalError("Error: -options takes key=value") }
                options[String(pair[..<equals])] = .string(String(pair[pair.index(after: equals)...]))
            }
            if !options.isEmpty { body["options"] = .object(options) }
            _ = try await inv.client().request("POST", (auth ? "sys/auth/" : "sys/mounts/") + path + "/tune", body: .object(body))
            Output.out("Success! Tuned the \(auth ? "auth method" : "secrets engine") at: \(path)/")
            return 0
        }
    }

    static let move = ClientCommand(usage: "Usage: coffer secrets move SOURCE DESTINATION") { inv in
        try inv.require(2, "SOURCE DESTINATION")
        _ = try await inv.client().request("POST", "sys/remount", body: ["from": .string(inv.arguments[0]), "to": .string(inv.arguments[1])])
        Output.out("Success! Finished moving secrets engine \(inv.arguments[0].trimmingSuffix("/"))/ to \(inv.arguments[1].trimmingSuffix("/"))/")
        return 0
    }

    // MARK: Policies

    static let policyWrite = ClientCommand(usage: "Usage: coffer policy write NAME PATH|-") { inv in
        try inv.require(2, "NAME PATH")
        let source = inv.arguments[1]
        let text: String
        if source == "-" || source == "@-" {
            text = String(decoding: inv.readStdin(), as: UTF8.self)
        } else {
            text = String(decoding: try InputFile.read(source, what: "Error opening policy file"), as: UTF8.self)
        }
        _ = try await inv.client().request("PUT", "sys/policies/acl/" + inv.arguments[0], body: ["policy": .string(text)])
        Output.out("Success! Uploaded policy: \(inv.arguments[0])")
        return 0
    }

    static let policyRead = ClientCommand(usage: "Usage: coffer policy read NAME") { inv in
        try inv.require(1, "NAME")
        guard let response = try await inv.client().request("GET", "sys/policies/acl/" + inv.arguments[0], allowNotFound: true) else {
            Output.error("No policy named: \(inv.arguments[0])")
            return 2
        }
        if inv.format == "table", inv.field == nil {
            Output.out(response.objectValue?["data"]?.objectValue?["policy"]?.stringValue ?? "")
        } else {
            try Printer.emit(inv, value: response, rows: [])
        }
        return 0
    }

    static let policyList = ClientCommand(usage: "Usage: coffer policy list") { inv in
        let response = try await inv.client().request("GET", "sys/policies/acl", query: ["list": "true"])
        let keys = response?.objectValue?["data"]?.objectValue?["keys"]?.arrayValue ?? []
        switch inv.format {
        case "json": Output.out(Printer.json(.array(keys)))
        case "yaml", "yml": Output.out(Printer.yaml(.array(keys)))
        default: Output.out(keys.map(Printer.plain).joined(separator: "\n"))
        }
        return 0
    }

    static let policyDelete = ClientCommand(usage: "Usage: coffer policy delete NAME") { inv in
        try inv.require(1, "NAME")
        _ = try await inv.client().request("DELETE", "sys/policies/acl/" + inv.arguments[0])
        Output.out("Success! Deleted policy: \(inv.arguments[0])")
        return 0
    }

    // MARK: Audit devices

    static let auditEnable = ClientCommand(flags: ["path": .string, "description": .string, "local": .bool], usage: "Usage: coffer audit enable [-path=P] TYPE [KEY=VALUE…]") { inv in
        try inv.require(1, "TYPE")
        let type = inv.arguments[0]
        let path = (inv.flags.string("path") ?? type).trimmingSuffix("/")
        let options = try inv.data(after: 1)
        var body: JSONObject = ["type": .string(type), "options": .object(options)]
        if let description = inv.flags.string("description") { body["description"] = .string(description) }
        _ = try await inv.client().request("PUT", "sys/audit/" + path, body: .object(body))
        Output.out("Success! Enabled the \(type) audit device at: \(path)/")
        return 0
    }

    static let auditDisable = ClientCommand(usage: "Usage: coffer audit disable PATH") { inv in
        try inv.require(1, "PATH")
        let path = inv.arguments[0].trimmingSuffix("/")
        _ = try await inv.client().request("DELETE", "sys/audit/" + path)
        Output.out("Success! Disabled audit device (if it was enabled) at: \(path)/")
        return 0
    }

    static let auditList = ClientCommand(flags: ["detailed": .bool], usage: "Usage: coffer audit list") { inv in
        let response = try await inv.client().request("GET", "sys/audit")
        let data = response?.objectValue?["data"]?.objectValue ?? [:]
        if data.isEmpty, inv.format == "table" {
            Output.out("No audit devices are enabled.")
            return 0
        }
        if inv.format == "table" {
            Output.out(Printer.table(data.keys.sorted().map { ($0, Printer.plain(data[$0]?.objectValue?["type"] ?? "")) }, header: ("Path", "Type")))
        } else {
            try Printer.emit(inv, value: .object(data), rows: [])
        }
        return 0
    }
}
