import CofferSDK

/// A compiled set of policies: every pattern merged across policies, checked by Vault's
/// priority rules. Immutable; cached per policy set by the policy store.
struct ACL: Sendable {
    /// What the best-matching rule allows.
    struct Decision: Sendable {
        let rule: PathRule?
        let isRoot: Bool

        var capabilities: Set<Capability> {
            guard let rule else { return [] }
            return rule.capabilities.contains(.deny) ? [.deny] : rule.capabilities
        }

        func allows(_ capability: Capability) -> Bool {
            if isRoot { return true }
            let granted = capabilities
            return !granted.contains(.deny) && granted.contains(capability)
        }
    }

    let isRoot: Bool
    private let rules: [PathRule]

    init(policies: [Policy]) {
        isRoot = policies.contains { $0.name == "root" }
        var merged = [String: PathRule]()
        var order = [String]()
        for policy in policies {
            for rule in policy.rules {
                if merged[rule.pattern] == nil {
                    merged[rule.pattern] = rule
                    order.append(rule.pattern)
                } else {
                    merged[rule.pattern]!.merge(rule)
                }
            }
        }
        rules = order.map { merged[$0]! }
    }

    /// The highest-priority rule that matches `path`. List requests carry a trailing slash, and
    /// also match a rule written without it, as Vault allows.
    func decide(_ path: String, listing: Bool = false) -> Decision {
        if isRoot { return Decision(rule: nil, isRoot: true) }
        var best: PathRule?
        let alternate = listing && path.hasSuffix("/") ? String(path.dropLast()) : nil
        for rule in rules where rule.matches(path) || (alternate.map(rule.matches) ?? false) {
            if let current = best, !current.ranksBelow(rule) { continue }
            best = rule
        }
        return Decision(rule: best, isRoot: false)
    }

    /// Sorted capability names for `sys/capabilities`: `root`, `deny`, or what is granted.
    func capabilityNames(_ path: String) -> [String] {
        if isRoot { return ["root"] }
        let granted = decide(path).capabilities
        if granted.isEmpty || granted.contains(.deny) { return ["deny"] }
        return granted.map(\.rawValue).sorted()
    }
}

extension ACL {
    /// True when any rule could grant something at or below `mountPath` (Vault's mount
    /// visibility rule for the UI endpoints).
    func hasAccess(toMount mountPath: String) -> Bool {
        if isRoot { return true }
        return rules.contains { rule in
            guard !rule.capabilities.isEmpty, !rule.capabilities.contains(.deny) else { return false }
            if rule.segments != nil {
                let prefix = rule.stem.prefix { $0 != "+" }
                return mountPath.hasPrefix(prefix) || prefix.hasPrefix(mountPath)
            }
            return rule.stem.hasPrefix(mountPath) || (rule.isGlob && mountPath.hasPrefix(rule.stem))
                || rule.stem == String(mountPath.dropLast())
        }
    }
}
