import CofferSDK

extension ACL {
    /// Checks one request against the ACL; throws 403 for anything not granted. `sudo` says the
    /// path is one Vault reserves for root or sudo holders.
    func authorize(
        path: String, operation: CofferSDK.Operation, data: JSONObject, wrapTTL: Int64?, sudo: Bool
    ) throws(CofferError) {
        if isRoot { return }
        let decision = decide(path, listing: operation == .list)
        guard decision.allows(Capability.needed(for: operation)) else { throw CofferError.permissionDenied }
        if sudo, !decision.allows(.sudo) { throw CofferError.permissionDenied }
        guard let rule = decision.rule else { throw CofferError.permissionDenied }
        if operation == .create || operation == .update || operation == .patch {
            try checkParameters(rule, data)
        }
        if rule.minWrappingTTL > 0 || rule.maxWrappingTTL > 0 {
            guard let wrapTTL else { throw CofferError.permissionDenied }
            if rule.minWrappingTTL > 0, wrapTTL < rule.minWrappingTTL { throw CofferError.permissionDenied }
            if rule.maxWrappingTTL > 0, wrapTTL > rule.maxWrappingTTL { throw CofferError.permissionDenied }
        }
    }

    private func checkParameters(_ rule: PathRule, _ data: JSONObject) throws(CofferError) {
        for name in rule.requiredParameters where data[name] == nil {
            throw CofferError.permissionDenied
        }
        if !rule.deniedParameters.isEmpty {
            if let any = rule.deniedParameters["*"], any.isEmpty, !data.isEmpty { throw CofferError.permissionDenied }
            for (name, value) in data {
                if let denied = rule.deniedParameters[name] ?? rule.deniedParameters["*"] {
                    if denied.isEmpty || Self.valueMatches(value, denied) { throw CofferError.permissionDenied }
                }
            }
        }
        if !rule.allowedParameters.isEmpty {
            for (name, value) in data {
                guard let allowed = rule.allowedParameters[name] ?? rule.allowedParameters["*"] else {
                    throw CofferError.permissionDenied
                }
                if !allowed.isEmpty, !Self.valueMatches(value, allowed) { throw CofferError.permissionDenied }
            }
        }
    }

    /// A value matches a list entry exactly, or by a leading or trailing `*` glob for strings;
    /// a list value matches when each element does.
    static func valueMatches(_ value: JSONValue, _ candidates: [JSONValue]) -> Bool {
        if case .array(let items) = value {
            return items.allSatisfy { valueMatches($0, candidates) }
        }
        for candidate in candidates {
            if candidate == value { return true }
            if case .string(let pattern) = candidate, let text = Self.text(value) {
                if pattern == "*" { return true }
                if pattern.hasSuffix("*"), text.hasPrefix(pattern.dropLast()) { return true }
                if pattern.hasPrefix("*"), text.hasSuffix(pattern.dropFirst()) { return true }
                if pattern == text { return true }
            }
        }
        return false
    }

    private static func text(_ value: JSONValue) -> String? {
        switch value {
        case .string(let s): s
        case .int(let i): String(i)
        case .bool(let b): b ? "true" : "false"
        case .double(let d): JSONWriter.string(.double(d))
        default: nil
        }
    }
}
