import CofferHCL
import CofferSDK
import Foundation

/// Walks the parsed agent configuration, rejecting unknown keys and bad values with the file
/// and line (JSON input, which has no lines, names the key instead).
struct AgentConfigDecoder {
    let file: String

    func fail(_ item: HCLItem, _ message: String) -> AgentConfigError {
        AgentConfigError(description: "error in configuration \(location(item)): \(message)")
    }

    func location(_ item: HCLItem) -> String { item.line > 0 ? "\(file):\(item.line)" : "\(file) (key \"\(item.key)\")" }

    func decode(_ body: HCLBody) throws(AgentConfigError) -> AgentConfig {
        var config = AgentConfig()
        for item in body.items {
            switch item.key {
            case "vault":
                for (_, stanza, _) in try stanzas(item, typed: false) { config.vault = try vault(stanza) }
            case "auto_auth":
                for (_, stanza, at) in try stanzas(item, typed: false) { try autoAuth(stanza, at: at, into: &config) }
            case "template":
                for (_, stanza, at) in try stanzas(item, typed: false) { config.templates.append(try template(stanza, at: at)) }
            case "template_config":
                for (_, stanza, _) in try stanzas(item, typed: false) {
                    for field in stanza.items {
                        switch field.key {
                        case "static_secret_render_interval": config.staticSecretRenderInterval = max(1, try duration(field))
                        case "exit_on_retry_failure": config.exitOnRetryFailure = try bool(field)
                        case "max_connections_per_host", "lease_renewal_threshold": _ = try number(field)
                        default: throw fail(field, "unknown template_config option \"\(field.key)\"")
                        }
                    }
                }
            case "cache", "api_proxy":
                for (_, stanza, _) in try stanzas(item, typed: false) {
                    for field in stanza.items {
                        switch field.key {
                        case "use_auto_auth_token":
                            if case .string(let s) = field.value, s.lowercased() == "force" {
                                config.useAutoAuthToken = .force
                            } else {
                                config.useAutoAuthToken = try bool(field) ? .yes : .no
                            }
                        case "enforce_consistency", "when_inconsistent": _ = try string(field)
                        case "cache_static_secrets", "disable_caching_dynamic_secrets": _ = try bool(field)
                        default: throw fail(field, "unknown \(item.key) option \"\(field.key)\"")
                        }
                    }
                }
            case "listener":
                for (type, stanza, at) in try stanzas(item, typed: true) {
                    guard type == "tcp" else { throw fail(at, "unsupported listener type \"\(type)\"; coffer agent supports \"tcp\"") }
                    config.listeners.append(try listener(stanza, at: at))
                }
            case "exit_after_auth": config.exitAfterAuth = try bool(item)
            case "pid_file": config.pidFile = try string(item)
            case "log_level":
                let level = try string(item).lowercased()
                guard ["trace", "debug", "info", "warn", "warning", "error", "err"].contains(level) else {
                    throw fail(item, "unknown log_level \"\(level)\"; use trace, debug, info, warn or error")
                }
                config.logLevel = level
            case "log_file", "log_format": _ = try string(item)
            case "disable_mlock": _ = try bool(item)
            default:
                throw fail(item, "unknown configuration key \"\(item.key)\"")
            }
        }
        if config.useAutoAuthToken != .no, config.method == nil {
            throw AgentConfigError(description: "error in configuration \(file): use_auto_auth_token needs an auto_auth stanza")
        }
        if config.method == nil, !config.templates.isEmpty {
            throw AgentConfigError(description: "error in configuration \(file): templates need an auto_auth stanza to read secrets with")
        }
        if config.method == nil, config.listeners.isEmpty {
            throw AgentConfigError(description: "error in configuration \(file): nothing to do; give an auto_auth stanza or a listener")
        }
        return config
    }

    /// A stanza's type and body from any of the spellings Vault Agent accepts: HCL
    /// `name "type" { … }`, `name { type = "type" … }`, and JSON `{"name": {"type": {…}}}`,
    /// `{"name": {"type": "type", …}}` or a list of either.
    func stanzas(_ item: HCLItem, typed: Bool) throws(AgentConfigError) -> [(String, HCLBody, HCLItem)] {
        if item.isBlock {
            guard case .object(let body) = item.value else { throw fail(item, "\(item.key) must be a block") }
            guard typed else {
                guard item.labels.isEmpty else { throw fail(item, "\(item.key) takes no label") }
                return [("", body, item)]
            }
            if item.labels.count == 1 { return [(item.labels[0], body, item)] }
            guard item.labels.isEmpty else { throw fail(item, "\(item.key) takes one type label") }
            return [try typeAttribute(body, at: item)]
        }
        let outers: [HCLValue]
        if case .list(let elements) = item.value { outers = elements } else { outers = [item.value] }
        var out = [(String, HCLBody, HCLItem)]()
        for outer in outers {
            guard case .object(let body) = outer else { throw fail(item, "\(item.key) must be a block") }
            if !typed {
                out.append(("", body, item))
            } else if body.items.contains(where: { $0.key == "type" }) {
                out.append(try typeAttribute(body, at: item))
            } else {
                for inner in body.items {
                    guard case .object(let innerBody) = inner.value else { throw fail(inner, "\(item.key) \"\(inner.key)\" must be an object") }
                    out.append((inner.key, innerBody, HCLItem(key: item.key, value: inner.value, line: inner.line > 0 ? inner.line : item.line)))
                }
            }
        }
        return out
    }

    /// The older `method { type = "approle" … }` form.
    private func typeAttribute(_ body: HCLBody, at item: HCLItem) throws(AgentConfigError) -> (String, HCLBody, HCLItem) {
        guard let typeItem = body.items.first(where: { $0.key == "type" }) else {
            throw fail(item, "\(item.key) needs a type, as \(item.key) \"\(item.key == "sink" ? "file" : "approle")\" { … } or type = \"…\"")
        }
        return (try string(typeItem), HCLBody(items: body.items.filter { $0.key != "type" }), item)
    }

    private func vault(_ body: HCLBody) throws(AgentConfigError) -> AgentConfig.Vault {
        var vault = AgentConfig.Vault()
        for field in body.items {
            switch field.key {
            case "address": vault.address = try string(field)
            case "ca_cert": vault.caCert = try string(field)
            case "tls_skip_verify": vault.tlsSkipVerify = try bool(field)
            case "ca_path", "client_cert", "client_key", "tls_server_name": _ = try string(field)
            case "retry":
                for (_, retry, _) in try stanzas(field, typed: false) {
                    for option in retry.items {
                        guard option.key == "num_retries" else { throw fail(option, "unknown retry option \"\(option.key)\"") }
                        vault.numRetries = try integer(option, in: -1...1000)
                    }
                }
            default: throw fail(field, "unknown vault option \"\(field.key)\"")
            }
        }
        return vault
    }

    private func autoAuth(_ body: HCLBody, at: HCLItem, into config: inout AgentConfig) throws(AgentConfigError) {
        for item in body.items {
            switch item.key {
            case "method":
                guard config.method == nil else { throw fail(item, "only one auto_auth method may be given") }
                for (type, stanza, methodAt) in try stanzas(item, typed: true) { config.method = try method(type, stanza, at: methodAt) }
            case "sink":
                for (type, stanza, sinkAt) in try stanzas(item, typed: true) { config.sinks.append(try sink(type, stanza, at: sinkAt)) }
            case "enable_reauth_on_new_credentials": _ = try bool(item)
            default: throw fail(item, "unknown auto_auth option \"\(item.key)\"")
            }
        }
        guard config.method != nil else { throw fail(at, "auto_auth needs a method stanza") }
    }

    static let methodOptions: [String: (required: [String], optional: [String])] = [
        "approle": (["role_id_file_path"], ["secret_id_file_path", "remove_secret_id_file_after_reading", "secret_id_response_wrapping_path"]),
        "jwt": (["path", "role"], ["remove_jwt_after_reading", "remove_jwt_follows_symlinks"]),
        "kubernetes": (["role"], ["token_path"]),
        "token_file": (["token_file_path"], []),
    ]

    private func method(_ type: String, _ body: HCLBody, at: HCLItem) throws(AgentConfigError) -> AgentConfig.Method {
        guard let options = Self.methodOptions[type] else {
            throw fail(at, "unknown auto_auth method \"\(type)\"; coffer agent supports \(Self.methodOptions.keys.sorted().map { "\"\($0)\"" }.joined(separator: ", "))")
        }
        var method = AgentConfig.Method(type: type, mountPath: "auth/" + type, config: [:], location: location(at))
        var configItem: HCLItem?
        for field in body.items {
            switch field.key {
            case "mount_path": method.mountPath = try string(field).trimmingCharacters(in: CharacterSet(charactersIn: "/"))
            case "config":
                configItem = field
                for (_, stanza, _) in try stanzas(field, typed: false) {
                    for option in stanza.items {
                        guard options.required.contains(option.key) || options.optional.contains(option.key) else {
                            throw fail(option, "unknown \(type) option \"\(option.key)\"")
                        }
                        method.config[option.key] = try scalar(option)
                    }
                }
            case "min_backoff": method.minBackoff = max(1, try duration(field))
            case "max_backoff": method.maxBackoff = max(1, try duration(field))
            case "exit_on_err": method.exitOnError = try bool(field)
            case "namespace": _ = try string(field)
            case "wrap_ttl": throw fail(field, "wrap_ttl on the method is not supported; set wrap_ttl on a sink")
            default: throw fail(field, "unknown method option \"\(field.key)\"")
            }
        }
        for required in options.required where method.config[required] == nil {
            throw fail(configItem ?? at, "auto_auth method \"\(type)\" needs config option \"\(required)\"")
        }
        if method.maxBackoff < method.minBackoff { method.maxBackoff = method.minBackoff }
        return method
    }

    private func sink(_ type: String, _ body: HCLBody, at: HCLItem) throws(AgentConfigError) -> AgentConfig.Sink {
        guard type == "file" else { throw fail(at, "unsupported sink type \"\(type)\"; coffer agent supports \"file\"") }
        var sink = AgentConfig.Sink(path: "", location: location(at))
        for field in body.items {
            switch field.key {
            case "config":
                for (_, stanza, _) in try stanzas(field, typed: false) {
                    for option in stanza.items {
                        switch option.key {
                        case "path": sink.path = try string(option)
                        case "mode": sink.mode = try mode(option)
                        default: throw fail(option, "unknown file sink option \"\(option.key)\"")
                        }
                    }
                }
            case "wrap_ttl": sink.wrapTTL = try duration(field)
            case "dh_type":
                let value = try string(field)
                guard value == "curve25519" else { throw fail(field, "unsupported dh_type \"\(value)\"; only \"curve25519\" is supported") }
                sink.dhType = value
            case "dh_path": sink.dhPath = try string(field)
            case "aad": sink.aad = try string(field)
            case "aad_env_var": sink.aad = ProcessInfo.processInfo.environment[try string(field)]
            case "derive_key": sink.deriveKey = try bool(field)
            default: throw fail(field, "unknown sink option \"\(field.key)\"")
            }
        }
        guard !sink.path.isEmpty else { throw fail(at, "sink \"file\" needs config = { path = \"…\" }") }
        if sink.dhType != nil, sink.dhPath == nil { throw fail(at, "dh_type needs dh_path") }
        if sink.dhPath != nil, sink.dhType == nil { throw fail(at, "dh_path needs dh_type = \"curve25519\"") }
        return sink
    }

    private func template(_ body: HCLBody, at: HCLItem) throws(AgentConfigError) -> AgentConfig.TemplateStanza {
        var stanza = AgentConfig.TemplateStanza(destination: "", location: location(at))
        for field in body.items {
            switch field.key {
            case "source": stanza.source = try string(field)
            case "contents": stanza.contents = try string(field)
            case "destination": stanza.destination = try string(field)
            case "perms": stanza.perms = try mode(field)
            case "command":
                switch field.value {
                case .list(let parts):
                    var words = [String]()
                    for part in parts {
                        guard case .string(let s) = part else { throw fail(field, "\"command\" must be a string or a list of strings") }
                        words.append(s)
                    }
                    stanza.command = words.joined(separator: " ")
                default: stanza.command = try string(field)
                }
            case "command_timeout": stanza.commandTimeout = try duration(field)
            case "exec":
                for (_, exec, _) in try stanzas(field, typed: false) {
                    for option in exec.items {
                        switch option.key {
                        case "command":
                            switch option.value {
                            case .string(let s): stanza.exec = ["/bin/sh", "-c", s]
                            case .list(let parts):
                                var words = [String]()
                                for part in parts {
                                    guard case .string(let s) = part else { throw fail(option, "exec command must be a list of strings") }
                                    words.append(s)
                                }
                                guard !words.isEmpty else { throw fail(option, "exec command is empty") }
                                stanza.exec = words
                            default: throw fail(option, "exec command must be a list of strings")
                            }
                        case "timeout": stanza.commandTimeout = try duration(option)
                        default: throw fail(option, "unknown exec option \"\(option.key)\"")
                        }
                    }
                }
            case "error_on_missing_key": stanza.errorOnMissingKey = try bool(field)
            case "create_dest_dirs": stanza.createDestDirs = try bool(field)
            case "backup", "wait": break
            case "left_delimiter", "right_delimiter":
                let value = try string(field)
                guard value == (field.key == "left_delimiter" ? "{{" : "}}") else { throw fail(field, "custom delimiters are not supported") }
            default: throw fail(field, "unknown template option \"\(field.key)\"")
            }
        }
        guard (stanza.source == nil) != (stanza.contents == nil) else {
            throw fail(at, "a template needs exactly one of source or contents")
        }
        guard !stanza.destination.isEmpty else { throw fail(at, "a template needs a destination") }
        return stanza
    }

    private func listener(_ body: HCLBody, at: HCLItem) throws(AgentConfigError) -> AgentConfig.Listener {
        var listener = AgentConfig.Listener(address: "127.0.0.1:8100", tlsDisable: false)
        for field in body.items {
            switch field.key {
            case "address": listener.address = try string(field)
            case "tls_disable": listener.tlsDisable = try bool(field)
            case "require_request_header": _ = try bool(field)
            default: throw fail(field, "unknown listener option \"\(field.key)\"")
            }
        }
        guard listener.tlsDisable else { throw fail(at, "coffer agent's listener speaks plain HTTP; set tls_disable = true") }
        guard Self.hostPort(listener.address) != nil else { throw fail(at, "invalid listener address \"\(listener.address)\"; expected host:port") }
        return listener
    }

    /// `host:port`, with IPv6 in brackets.
    static func hostPort(_ text: String) -> (host: String, port: Int)? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host.isEmpty ? "0.0.0.0" : host, port)
    }

    // MARK: values

    func string(_ item: HCLItem) throws(AgentConfigError) -> String {
        guard case .string(let s) = item.value else { throw fail(item, "\"\(item.key)\" must be a string, not a \(item.value.typeName)") }
        return s
    }

    private func scalar(_ item: HCLItem) throws(AgentConfigError) -> String {
        switch item.value {
        case .string(let s): return s
        case .bool(let b): return b ? "true" : "false"
        case .number(let n) where n.rounded() == n && abs(n) < 1e15: return String(Int64(n))
        case .number(let n): return String(n)
        default: throw fail(item, "\"\(item.key)\" must be a string, number or boolean")
        }
    }

    private func number(_ item: HCLItem) throws(AgentConfigError) -> Double {
        switch item.value {
        case .number(let n): return n
        case .string(let s): if let n = Double(s), n.isFinite { return n }
        default: break
        }
        throw fail(item, "\"\(item.key)\" must be a number")
    }

    private func integer(_ item: HCLItem, in range: ClosedRange<Int>) throws(AgentConfigError) -> Int {
        let n = try number(item)
        guard n.rounded() == n, n >= Double(range.lowerBound), n <= Double(range.upperBound) else {
            throw fail(item, "\"\(item.key)\" must be a whole number between \(range.lowerBound) and \(range.upperBound)")
        }
        return Int(n)
    }

    func bool(_ item: HCLItem) throws(AgentConfigError) -> Bool {
        guard let value = item.value.flexibleBool else { throw fail(item, "\"\(item.key)\" must be a boolean") }
        return value
    }

    func duration(_ item: HCLItem) throws(AgentConfigError) -> Int64 {
        switch item.value.duration {
        case .seconds(let seconds): return seconds
        case .outOfRange: throw fail(item, DurationParser.rangeMessage(item.key))
        case .invalid: throw fail(item, "\"\(item.key)\" must be a duration such as \"30s\" or a number of seconds")
        }
    }

    /// File permissions as Vault's HCL reads them: `0640` is octal (our HCL parser reads the
    /// digits as decimal, so the digits are taken as octal), and strings such as `"0640"`.
    func mode(_ item: HCLItem) throws(AgentConfigError) -> Int {
        let digits: String
        switch item.value {
        case .number(let n) where n.rounded() == n && n >= 0 && n <= 7777: digits = String(Int(n))
        case .string(let s): digits = s.hasPrefix("0o") ? String(s.dropFirst(2)) : s
        default: throw fail(item, "\"\(item.key)\" must be an octal file mode such as 0640")
        }
        guard !digits.isEmpty, digits.count <= 5, let value = Int(digits, radix: 8), value <= 0o7777 else {
            throw fail(item, "\"\(item.key)\" must be an octal file mode such as 0640")
        }
        return value
    }
}
