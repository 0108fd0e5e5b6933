import CofferSDK
import Foundation
import Yams

/// Renders API answers as the Vault CLI does: aligned tables, indented JSON, YAML, or one raw
/// field (`-field`, printed without a trailing newline).
enum Printer {
    /// Two columns, padded like Vault's `Key    Value` tables.
    static func table(_ rows: [(String, String)], header: (String, String)? = ("Key", "Value")) -> String {
        var all = rows
        if let header { all.insert((header.0, header.1), at: 0); all.insert((String(repeating: "-", count: header.0.count), String(repeating: "-", count: header.1.count)), at: 1) }
        let width = all.map(\.0.count).max() ?? 0
        return all.map { key, value in
            value.isEmpty ? key : key + String(repeating: " ", count: width - key.count + 4) + value
        }.joined(separator: "\n")
    }

    /// Several aligned columns under a header, as `secrets list` prints them.
    static func columns(_ header: [String], _ rows: [[String]]) -> String {
        let all = [header, header.map { String(repeating: "-", count: $0.count) }] + rows
        let widths = header.indices.map { column in all.map { $0.indices.contains(column) ? $0[column].count : 0 }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[index] - cell.count + 4)
            }.joined()
        }.joined(separator: "\n")
    }

    /// Go's `%v` for a JSON value: maps as `map[k:v]`, lists as `[a b]`, null as `<nil>`.
    static func plain(_ value: JSONValue) -> String {
        switch value {
        case .null: "<nil>"
        case .bool(let b): b ? "true" : "false"
        case .int(let i): String(i)
        case .double(let d): JSONWriter.string(.double(d))
        case .string(let s): s
        case .array(let items): "[" + items.map(plain).joined(separator: " ") + "]"
        case .object(let o): "map[" + o.keys.sorted().map { "\($0):\(plain(o[$0]!))" }.joined(separator: " ") + "]"
        }
    }

    /// Indented JSON with sorted keys, as the Vault CLI prints `-format=json`.
    static func json(_ value: JSONValue, indent: String = "") -> String {
        let next = indent + "  "
        switch value {
        case .array(let items):
            if items.isEmpty { return "[]" }
            return "[\n" + items.map { next + json($0, indent: next) }.joined(separator: ",\n") + "\n" + indent + "]"
        case .object(let o):
            if o.isEmpty { return "{}" }
            return "{\n" + o.keys.sorted().map { next + JSONWriter.string(.string($0)) + ": " + json(o[$0]!, indent: next) }.joined(separator: ",\n") + "\n" + indent + "}"
        default:
            return JSONWriter.string(value)
        }
    }

    static func yaml(_ value: JSONValue) -> String {
        (try? Yams.dump(object: foundation(value), sortKeys: true)) ?? json(value)
    }

    private static func foundation(_ value: JSONValue) -> Any {
        switch value {
        case .null: NSNull()
        case .bool(let b): b
        case .int(let i): Int(i)
        case .double(let d): d
        case .string(let s): s
        case .array(let items): items.map(foundation)
        case .object(let o): o.mapValues(foundation)
        }
    }

    /// Prints `value` in the asked format; `rows` is the table form.
    static func emit(_ invocation: Invocation, value: JSONValue, rows: @autoclosure () -> [(String, String)]) throws {
        if let field = invocation.field {
            guard let found = fieldValue(field, in: value, rows: rows()) else {
                throw LocalError("Field \"\(field)\" not present in secret")
            }
            FileHandle.standardOutput.write(Data(found.utf8))
            return
        }
        switch invocation.format {
        case "json": Output.out(json(value))
        case "yaml", "yml": Output.out(yaml(value))
        case "table":
            warn(value)
            let rows = rows()
            if !rows.isEmpty || warnings(value).isEmpty { Output.out(table(rows)) }
        default: throw LocalError("Invalid output format: \(invocation.format)")
        }
    }

    /// The server's warnings in an answer.
    static func warnings(_ value: JSONValue?) -> [String] {
        value?.objectValue?["warnings"]?.arrayValue?.compactMap(\.stringValue) ?? []
    }

    /// Prints the server's warnings as Vault's CLI does in table output, to stderr, so that a
    /// capped TTL or a misspelt parameter does not pass unnoticed.
    static func warn(_ value: JSONValue?) {
        let found = warnings(value)
        guard !found.isEmpty else { return }
        Output.error("WARNING! The following warnings were returned from Vault:\n\n" + found.map { "  * " + $0 }.joined(separator: "\n") + "\n")
    }

    private static func fieldValue(_ field: String, in value: JSONValue, rows: [(String, String)]) -> String? {
        if let row = rows.first(where: { $0.0 == field }) { return row.1 }
        if let data = value.objectValue?["data"]?.objectValue, let found = data[field] { return plain(found) }
        return nil
    }

    /// The table rows for a whole API answer (Vault's "secret" output).
    static func secretRows(_ response: JSONValue?) -> [(String, String)] {
        guard let object = response?.objectValue else { return [] }
        var rows = [(String, String)]()
        if let wrap = object["wrap_info"]?.objectValue {
            rows.append(("wrapping_token", plain(wrap["token"] ?? "")))
            rows.append(("wrapping_accessor", plain(wrap["accessor"] ?? "")))
            rows.append(("wrapping_token_ttl", durationText(wrap["ttl"]?.intValue ?? 0)))
            rows.append(("wrapping_token_creation_time", plain(wrap["creation_time"] ?? "")))
            rows.append(("wrapping_token_creation_path", plain(wrap["creation_path"] ?? "")))
            if let wrapped = wrap["wrapped_accessor"]?.stringValue, !wrapped.isEmpty { rows.append(("wrapped_accessor", wrapped)) }
            return rows
        }
        if let lease = object["lease_id"]?.stringValue, !lease.isEmpty {
            rows.append(("lease_id", lease))
            rows.append(("lease_duration", durationText(object["lease_duration"]?.intValue ?? 0)))
            rows.append(("lease_renewable", plain(object["renewable"] ?? false)))
        } else if let duration = object["lease_duration"]?.intValue, duration > 0 {
            rows.append(("refresh_interval", durationText(duration)))
        }
        if let auth = object["auth"]?.objectValue {
            rows.append(("token", plain(auth["client_token"] ?? "")))
            let accessor = plain(auth["accessor"] ?? "")
            rows.append(("token_accessor", accessor.isEmpty ? "n/a" : accessor))
            rows.append(("token_duration", (auth["lease_duration"]?.intValue ?? 0) == 0 ? "∞" : durationText(auth["lease_duration"]?.intValue ?? 0)))
            rows.append(("token_renewable", plain(auth["renewable"] ?? false)))
            rows.append(("token_policies", plain(auth["token_policies"] ?? .array([]))))
            rows.append(("identity_policies", "[]"))
            rows.append(("policies", plain(auth["policies"] ?? .array([]))))
            if let meta = auth["metadata"]?.objectValue {
                for key in meta.keys.sorted() { rows.append(("token_meta_\(key)", plain(meta[key]!))) }
            }
        }
        if let data = object["data"]?.objectValue {
            for key in data.keys.sorted() { rows.append((key, cell(key, data[key]!))) }
        }
        return rows
    }

    /// A data value as Vault's table prints it: TTL-like fields as Go durations (`768h`,
    /// `14m59s`), empty strings as `n/a`.
    static func cell(_ key: String, _ value: JSONValue) -> String {
        if looksLikeDuration(key), let seconds = value.intValue { return durationText(seconds) }
        if value == .string("") { return "n/a" }
        return plain(value)
    }

    /// Vault's rule for which fields are durations.
    static func looksLikeDuration(_ key: String) -> Bool {
        key == "period" || key.hasSuffix("_period") || key.hasSuffix("ttl") || key.hasSuffix("_duration")
            || key.hasSuffix("lease_max") || key.hasSuffix("ttl_max")
    }

    /// Go's duration text, as Vault prints TTLs (`768h`, `5m`, `1h2m3s`).
    static func durationText(_ seconds: Int64) -> String {
        if seconds == 0 { return "0s" }
        let h = seconds / 3600, m = seconds % 3600 / 60, s = seconds % 60
        var text = ""
        if h > 0 { text += "\(h)h" }
        if m > 0 { text += "\(m)m" }
        if s > 0 { text += "\(s)s" }
        return text
    }
}
