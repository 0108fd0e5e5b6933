import CofferSDK

/// One `path "…" { … }` stanza: a pattern and what it grants.
struct PathRule: Sendable, Equatable {
    /// The pattern as written, including a trailing `*`.
    let pattern: String
    /// The pattern without the trailing `*`.
    let stem: String
    /// True when the pattern ends in `*` (a prefix match).
    let isGlob: Bool
    /// Segments of `stem`, when it contains a `+`; nil for plain patterns.
    let segments: [Substring]?
    var capabilities: Set<Capability>
    /// Parameter name → allowed values; an empty list allows any value. `*` names every parameter.
    var allowedParameters: [String: [JSONValue]]
    var deniedParameters: [String: [JSONValue]]
    var requiredParameters: Set<String>
    var minWrappingTTL: Int64
    var maxWrappingTTL: Int64

    init(pattern: String, capabilities: Set<Capability>) {
        self.pattern = pattern
        isGlob = pattern.hasSuffix("*")
        stem = isGlob ? String(pattern.dropLast()) : pattern
        segments = stem.contains("+") ? stem.split(separator: "/", omittingEmptySubsequences: false) : nil
        self.capabilities = capabilities
        allowedParameters = [:]
        deniedParameters = [:]
        requiredParameters = []
        minWrappingTTL = 0
        maxWrappingTTL = 0
    }

    func matches(_ path: String) -> Bool {
        guard let segments else {
            return isGlob ? path.hasPrefix(stem) : path == stem
        }
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        if isGlob {
            guard parts.count >= segments.count else { return false }
            for (index, segment) in segments.enumerated() {
                let part = parts[index]
                if segment == "+" { if part.isEmpty { return false } else { continue } }
                if index == segments.count - 1 {
                    if !part.hasPrefix(segment) { return false }
                } else if part != segment {
                    return false
                }
            }
            return true
        }
        guard parts.count == segments.count else { return false }
        for (segment, part) in zip(segments, parts) {
            if segment == "+" {
                if part.isEmpty { return false }
            } else if segment != part {
                return false
            }
        }
        return true
    }

    /// Vault's priority order between two matching rules: true when `self` ranks below `other`.
    func ranksBelow(_ other: PathRule) -> Bool {
        let mine = firstWildcard, theirs = other.firstWildcard
        if mine != theirs { return mine < theirs }
        if isGlob != other.isGlob { return isGlob }
        let myPluses = plusCount, theirPluses = other.plusCount
        if myPluses != theirPluses { return myPluses > theirPluses }
        if pattern.count != other.pattern.count { return pattern.count < other.pattern.count }
        return pattern < other.pattern
    }

    private var firstWildcard: Int {
        var index = 0
        for c in pattern {
            if c == "+" || c == "*" { return index }
            index += 1
        }
        return Int.max
    }

    private var plusCount: Int { segments?.filter { $0 == "+" }.count ?? 0 }

    /// Combines the same pattern from several policies: capabilities add up (deny wins at check
    /// time), parameter lists merge, wrapping bounds widen.
    mutating func merge(_ other: PathRule) {
        capabilities.formUnion(other.capabilities)
        for (name, values) in other.allowedParameters {
            if let existing = allowedParameters[name] {
                allowedParameters[name] = existing.isEmpty || values.isEmpty ? [] : existing + values
            } else {
                allowedParameters[name] = values
            }
        }
        for (name, values) in other.deniedParameters {
            deniedParameters[name] = (deniedParameters[name] ?? []) + values
        }
        requiredParameters.formUnion(other.requiredParameters)
        if other.minWrappingTTL > 0 { minWrappingTTL = minWrappingTTL == 0 ? other.minWrappingTTL : min(minWrappingTTL, other.minWrappingTTL) }
        if other.maxWrappingTTL > 0 { maxWrappingTTL = max(maxWrappingTTL, other.maxWrappingTTL) }
    }
}
