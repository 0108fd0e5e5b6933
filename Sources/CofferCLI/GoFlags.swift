import CofferSDK

/// Flag parsing with the rules of Go's `flag` package, which Vault's CLI follows: `-name` and
/// `--name` are the same, values come as `-name=value` or `-name value`, booleans only take
/// `=value`, and parsing stops at the first argument that is not a flag (or after `--`).
///
/// Hand-written because swift-argument-parser's conventions differ on exactly these points, and
/// commands copied from Vault's docs rely on them.
struct GoFlags {
    /// What a flag takes.
    enum Kind {
        case bool
        case string
        /// May be given several times (`-policy=a -policy=b`).
        case repeated
        /// A duration (`30s`, `1h`, or seconds), checked here so a typo fails before any request.
        case duration
    }

    /// A parse failure, worded as Go's flag package words it.
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    private let kinds: [String: Kind]
    private(set) var values: [String: [String]] = [:]
    private(set) var positional: [String] = []

    init(_ kinds: [String: Kind]) {
        self.kinds = kinds
    }

    mutating func parse(_ arguments: [String]) throws(Failure) {
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            if argument == "--" {
                positional += arguments[(index + 1)...]
                return
            }
            guard argument.hasPrefix("-"), argument != "-" else {
                positional += arguments[index...]
                return
            }
            var name = Substring(argument.dropFirst(argument.hasPrefix("--") ? 2 : 1))
            var inlineValue: String?
            if let equals = name.firstIndex(of: "=") {
                inlineValue = String(name[name.index(after: equals)...])
                name = name[..<equals]
            }
            let key = String(name)
            guard let kind = kinds[key] else { throw Failure(description: "flag provided but not defined: -\(key)") }
            switch kind {
            case .bool:
                let text = inlineValue ?? "true"
                guard ["true", "false", "1", "0", "t", "f", "TRUE", "FALSE", "True", "False"].contains(text) else {
                    throw Failure(description: "invalid boolean value \"\(text)\" for -\(key)")
                }
                values[key, default: []].append(["true", "1", "t", "TRUE", "True"].contains(text) ? "true" : "false")
            case .string, .repeated, .duration:
                let value: String
                if let inlineValue {
                    value = inlineValue
                } else {
                    guard index + 1 < arguments.count else { throw Failure(description: "flag needs an argument: -\(key)") }
                    index += 1
                    value = arguments[index]
                }
                if kind == .duration, DurationParser.seconds(value) == nil {
                    throw Failure(description: "invalid value \"\(value)\" for flag -\(key): not a duration such as \"30s\", \"1h\" or a number of seconds")
                }
                values[key, default: []].append(value)
            }
            index += 1
        }
    }

    /// The last value given for `name`.
    func string(_ name: String) -> String? { values[name]?.last }
    /// Every value given for `name`.
    func strings(_ name: String) -> [String] { values[name] ?? [] }
    /// True when the boolean flag was set to true.
    func bool(_ name: String) -> Bool { values[name]?.last == "true" }
    /// True when given at all.
    func has(_ name: String) -> Bool { values[name] != nil }
}

extension GoFlags {
    /// True when `-h` or `-help` was given.
    var wantsHelp: Bool { bool("h") || bool("help") }

    /// Parses a command's arguments as Vault's commands do: a bad flag prints the error and
    /// `usage` (exit 1), `-h`/`-help` prints the usage (exit 0). Returns the status to exit
    /// with, or nil to go on.
    mutating func parseCommand(_ arguments: [String], usage: String) -> Int32? {
        do {
            try parse(arguments)
        } catch {
            Output.error("\(error)\n\n\(usage)")
            return 1
        }
        if wantsHelp {
            Output.out(usage)
            return 0
        }
        return nil
    }
}
