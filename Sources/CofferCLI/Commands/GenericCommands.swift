import CofferSDK
import Foundation

/// `read`, `write`, `list`, `delete`, `patch`, `unwrap`: the path-level commands.
enum GenericCommands {
    static let read = ClientCommand(usage: "Usage: coffer read [options] PATH [KEY=VALUE…]") { inv in
        try inv.require(1, "PATH")
        var query = [String: String]()
        for (key, value) in try inv.data(after: 1) { query[key] = value.stringValue ?? Printer.plain(value) }
        let path = inv.arguments[0]
        guard let response = try await inv.client().request("GET", path, query: query, allowNotFound: true) else {
            Output.error("No value found at \(path)")
            return 2
        }
        try Printer.emit(inv, value: response, rows: Printer.secretRows(response))
        return 0
    }

    static let write = ClientCommand(flags: ["f": .bool, "force": .bool], usage: "Usage: coffer write [options] PATH [DATA KEY=VALUE…]") { inv in
        try inv.require(1, "PATH")
        let data = try inv.data(after: 1)
        if data.isEmpty, !(inv.flags.bool("f") || inv.flags.bool("force")) {
            throw LocalError("Must supply data or use -force")
        }
        let path = inv.arguments[0]
        let response = try await inv.client().request("PUT", path, body: .object(data))
        guard let response, !(inv.format == "table" && inv.field == nil && Printer.secretRows(response).isEmpty) else {
            // Nothing to show but, perhaps, warnings: Vault prints them before its success line.
            Printer.warn(response)
            Output.out("Success! Data written to: \(path)")
            return 0
        }
        try Printer.emit(inv, value: response, rows: Printer.secretRows(response))
        return 0
    }

    static let patch = ClientCommand(usage: "Usage: coffer patch [options] PATH [DATA KEY=VALUE…]") { inv in
        try inv.require(1, "PATH")
        let path = inv.arguments[0]
        let response = try await inv.client().request("PATCH", path, body: .object(try inv.data(after: 1)))
        guard let response else {
            Output.out("Success! Data patched at: \(path)")
            return 0
        }
        try Printer.emit(inv, value: response, rows: Printer.secretRows(response))
        return 0
    }

    static let list = ClientCommand(usage: "Usage: coffer list [options] PATH") { inv in
        try inv.require(1, "PATH")
        let path = inv.arguments[0]
        guard let response = try await inv.client().request("GET", path, query: ["list": "true"], allowNotFound: true) else {
            Output.error("No value found at \(path)")
            return 2
        }
        try emitKeys(inv, response)
        return 0
    }

    static func emitKeys(_ inv: Invocation, _ response: JSONValue) throws {
        let keys = response.objectValue?["data"]?.objectValue?["keys"]?.arrayValue ?? []
        switch inv.format {
        case "json": Output.out(Printer.json(.array(keys)))
        case "yaml", "yml": Output.out(Printer.yaml(.array(keys)))
        default: Output.out((["Keys", "----"] + keys.map(Printer.plain)).joined(separator: "\n"))
        }
    }

    static let delete = ClientCommand(usage: "Usage: coffer delete [options] PATH [KEY=VALUE…]") { inv in
        try inv.require(1, "PATH")
        let path = inv.arguments[0]
        var query = [String: String]()
        for (key, value) in try inv.data(after: 1) { query[key] = value.stringValue ?? Printer.plain(value) }
        _ = try await inv.client().request("DELETE", path, query: query)
        Output.out("Success! Data deleted (if it existed) at: \(path)")
        return 0
    }

    static let unwrap = ClientCommand(usage: "Usage: coffer unwrap [options] [TOKEN]") { inv in
        var client = try inv.client()
        var body: JSONObject = [:]
        if let token = inv.arguments.first { body["token"] = .string(token) }
        client.wrapTTL = nil
        guard let response = try await client.request("PUT", "sys/wrapping/unwrap", body: .object(body)) else {
            Output.out("Success! Unwrapped (no data)")
            return 0
        }
        try Printer.emit(inv, value: response, rows: Printer.secretRows(response))
        return 0
    }
}
