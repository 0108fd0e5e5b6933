import CofferSDK
import Foundation

/// `token create|lookup|renew|revoke|capabilities`.
enum TokenCommands {
    static let create = ClientCommand(
        flags: [
            "policy": .repeated, "type": .string, "ttl": .duration, "explicit-max-ttl": .duration, "period": .duration, "orphan": .bool,
            "display-name": .string, "num-uses": .string, "renewable": .bool, "role": .string, "metadata": .repeated,
            "no-default-policy": .bool, "id": .string, "use-limit": .string, "entity-alias": .string,
        ],
        usage: "Usage: coffer token create [-policy=P…] [-type=service|batch] [-ttl=D] [-period=D] [-orphan] [-role=R] …"
    ) { inv in
        var body = JSONObject()
        let policies = inv.flags.strings("policy").flatMap { $0.split(separator: ",").map(String.init) }
        if !policies.isEmpty { body["policies"] = .strings(policies) }
        for (flag, key) in [("type", "type"), ("ttl", "ttl"), ("explicit-max-ttl", "explicit_max_ttl"), ("period", "period"), ("display-name", "display_name"), ("id", "id")] {
            if let value = inv.flags.string(flag) { body[key] = .string(value) }
        }
        if let uses = inv.flags.string("num-uses") ?? inv.flags.string("use-limit") {
            guard let value = Int64(uses) else { throw LocalError("Error: -num-uses must be a number") }
            body["num_uses"] = .int(value)
        }
        if inv.flags.has("renewable") { body["renewable"] = .bool(inv.flags.bool("renewable")) }
        if inv.flags.bool("no-default-policy") { body["no_default_policy"] = true }
        var meta = JSONObject()
        for pair in inv.flags.strings("metadata") {
            guard let equals = pair.firstIndex(of: "=") else { throw LocalError("Error: -metadata takes key=value") }
            meta[String(pair[..<equals])] = .string(String(pair[pair.index(after: equals)...]))
        }
        if !meta.isEmpty { body["meta"] = .object(meta) }
        var path = "auth/token/create"
        if let role = inv.flags.string("role") { path += "/" + role } else if inv.flags.bool("orphan") { path = "auth/token/create-orphan" }
        let response = try await inv.client().request("POST", path, body: .object(body))
        try Printer.emit(inv, value: response ?? .null, rows: Printer.secretRows(response))
        return 0
    }

    static let lookup = ClientCommand(flags: ["accessor": .bool], usage: "Usage: coffer token lookup [-accessor] [TOKEN|ACCESSOR]") { inv in
        let client = try inv.client()
        let response: JSONValue?
        if inv.flags.bool("accessor") {
            try inv.require(1, "ACCESSOR")
            response = try await client.request("POST", "auth/token/lookup-accessor", body: ["accessor": .string(inv.arguments[0])])
        } else if let token = inv.arguments.first {
            response = try await client.request("POST", "auth/token/lookup", body: ["token": .string(token)])
        } else {
            response = try await client.request("GET", "auth/token/lookup-self")
        }
        try Printer.emit(inv, value: response ?? .null, rows: Printer.secretRows(response))
        return 0
    }

    static let renew = ClientCommand(flags: ["increment": .duration, "i": .duration, "accessor": .bool], usage: "Usage: coffer token renew [-increment=D] [TOKEN]") { inv in
        let client = try inv.client()
        var body = JSONObject()
        if let increment = inv.flags.string("increment") ?? inv.flags.string("i") { body["increment"] = .string(increment) }
        var path = "auth/token/renew-self"
        if let value = inv.arguments.first {
            if inv.flags.bool("accessor") {
                path = "auth/token/renew-accessor"
                body["accessor"] = .string(value)
            } else {
                path = "auth/token/renew"
                body["token"] = .string(value)
            }
        }
        let response = try await client.request("POST", path, body: .object(body))
        try Printer.emit(inv, value: response ?? .null, rows: Printer.secretRows(response))
        return 0
    }

    static let revoke = ClientCommand(flags: ["accessor": .bool, "self": .bool, "mode": .string], usage: "Usage: coffer token revoke [-accessor] [-self] [-mode=orphan|path] [TOKEN]") { inv in
        let client = try inv.client()
        if inv.flags.bool("self") {
            _ = try await client.request("POST", "auth/token/revoke-self")
        } else {
            try inv.require(1, "TOKEN")
            let value = inv.arguments[0]
            if inv.flags.bool("accessor") {
                _ = try await client.request("POST", "auth/token/revoke-accessor", body: ["accessor": .string(value)])
            } else if inv.flags.string("mode") == "orphan" {
                _ = try await client.request("POST", "auth/token/revoke-orphan", body: ["token": .string(value)])
            } else if inv.flags.string("mode") == "path" {
                _ = try await client.request("PUT", "sys/leases/revoke-prefix/" + value)
            } else {
                _ = try await client.request("POST", "auth/token/revoke", body: ["token": .string(value)])
            }
        }
        Output.out("Success! Revoked token (if it existed)")
        return 0
    }

    static let capabilities = ClientCommand(flags: ["accessor": .bool], usage: "Usage: coffer token capabilities [TOKEN] PATH") { inv in
        try inv.require(1, "PATH")
        let client = try inv.client()
        let response: JSONValue?
        if inv.arguments.count >= 2 {
            let key = inv.flags.bool("accessor") ? "accessor" : "token"
            response = try await client.request("POST", inv.flags.bool("accessor") ? "sys/capabilities-accessor" : "sys/capabilities", body: [key: .string(inv.arguments[0]), "paths": .strings([inv.arguments[1]])])
        } else {
            response = try await client.request("POST", "sys/capabilities-self", body: ["paths": .strings([inv.arguments[0]])])
        }
        let capabilities = response?.objectValue?["data"]?.objectValue?["capabilities"]?.arrayValue?.compactMap(\.stringValue) ?? []
        switch inv.format {
        case "json": Output.out(Printer.json(.strings(capabilities)))
        case "yaml", "yml": Output.out(Printer.yaml(.strings(capabilities)))
        default: Output.out(capabilities.joined(separator: ", "))
        }
        return 0
    }
}

/// `lease lookup|renew|revoke`.
enum LeaseCommands {
    static let lookup = ClientCommand(usage: "Usage: coffer lease lookup LEASE_ID") { inv in
        try inv.require(1, "LEASE_ID")
        let response = try await inv.client().request("PUT", "sys/leases/lookup", body: ["lease_id": .string(inv.arguments[0])])
        let data = response?.objectValue?["data"]?.objectValue ?? [:]
        try Printer.emit(inv, value: response ?? .null, rows: data.keys.sorted().map { ($0, Printer.plain(data[$0]!)) })
        return 0
    }

    static let renew = ClientCommand(flags: ["increment": .duration], usage: "Usage: coffer lease renew [-increment=D] LEASE_ID") { inv in
        try inv.require(1, "LEASE_ID")
        var body: JSONObject = ["lease_id": .string(inv.arguments[0])]
        if let increment = inv.flags.string("increment") { body["increment"] = .string(increment) }
        let response = try await inv.client().request("PUT", "sys/leases/renew", body: .object(body))
        try Printer.emit(inv, value: response ?? .null, rows: Printer.secretRows(response))
        return 0
    }

    static let revoke = ClientCommand(flags: ["prefix": .bool, "force": .bool, "f": .bool, "sync": .bool], usage: "Usage: coffer lease revoke [-prefix] [-force] ID") { inv in
        try inv.require(1, "ID")
        let id = inv.arguments[0]
        let client = try inv.client()
        let force = inv.flags.bool("force") || inv.flags.bool("f")
        if force {
            guard inv.flags.bool("prefix") else { throw LocalError("Error: -force requires -prefix") }
            _ = try await client.request("PUT", "sys/leases/revoke-force/" + id)
            Output.out("Success! Force revoked any leases with prefix: \(id)")
        } else if inv.flags.bool("prefix") {
            _ = try await client.request("PUT", "sys/leases/revoke-prefix/" + id)
            Output.out("Success! Revoked any leases with prefix: \(id)")
        } else {
            _ = try await client.request("PUT", "sys/leases/revoke", body: ["lease_id": .string(id)])
            Output.out("Success! Revoked lease: \(id)")
        }
        return 0
    }
}
