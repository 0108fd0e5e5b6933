/// One line of help per flag, as `vault <command> -h` lists them: what `-h` prints under the
/// command's usage, its own flags first, then the HTTP and output options every command takes.
enum FlagHelp {
    static let lines: [String: String] = [
        "accessor": "Treat the argument as a token accessor instead of a token.",
        "address": "Address of the server (VAULT_ADDR), such as http://127.0.0.1:8200.",
        "agent-address": "Address of an agent to send requests through (VAULT_AGENT_ADDR).",
        "ca-cert": "PEM file of the CA that signed the server's certificate (VAULT_CACERT).",
        "ca-path": "Directory of PEM CA certificates (VAULT_CAPATH).",
        "cancel": "Cancel the attempt in progress.",
        "cas": "Check-and-set: write only if the secret's current version is this one (0: only if new).",
        "cas-required": "Require check-and-set on every write to this secret.",
        "client-cert": "PEM client certificate for TLS authentication (VAULT_CLIENT_CERT).",
        "client-key": "PEM private key of the client certificate (VAULT_CLIENT_KEY).",
        "config": "Path to a configuration file (HCL or JSON).",
        "custom-metadata": "A key=value pair of custom metadata; may be given more than once.",
        "decode": "Decode an encoded root token with -otp, and print it.",
        "default-lease-ttl": "Default TTL of leases from this mount, such as 768h.",
        "delete-version-after": "Soft-delete versions this long after they are written.",
        "description": "Human-friendly description.",
        "detailed": "Print more information.",
        "dev": "Start a development server: in memory, unsealed, with a root token.",
        "dev-listen-address": "Address the development server listens on (127.0.0.1:8200).",
        "dev-root-token-id": "Root token id of the development server.",
        "disable-redirects": "Do not follow redirects from the server.",
        "display-name": "Name to associate with the token.",
        "entity-alias": "Name of an entity alias to associate with the token (not supported).",
        "explicit-max-ttl": "Hard limit on the token's lifetime, whatever its renewals.",
        "f": "Same as -force.",
        "field": "Print only the field with this name, without a trailing newline.",
        "files": "Audit files to verify.",
        "force": "Do it even without data, or despite the usual checks.",
        "format": "Output format: table, json or yaml (VAULT_FORMAT).",
        "from": "Source path.",
        "generate-otp": "Print a one-time password of the right length for generate-root.",
        "h": "Show this help.",
        "header": "An HTTP header as key=value to send; may be given more than once.",
        "help": "Show this help.",
        "i": "Same as -increment.",
        "id": "Token id to use instead of a random one (root or sudo only).",
        "increment": "Requested extension of the lease, such as 1h.",
        "init": "Start a new attempt.",
        "key": "The key to use.",
        "key-shares": "Number of key shares to split the root key into.",
        "key-threshold": "Number of key shares needed to reconstruct the root key.",
        "recovery-shares": "Number of recovery key shares, for a server with an auto-unseal seal.",
        "recovery-threshold": "Number of recovery key shares needed to authorise recovery operations.",
        "listing-visibility": "Whether the mount shows in the UI's listing: unauth or hidden.",
        "local": "Mark the mount as local to this cluster.",
        "log-level": "Log level: trace, debug, info, warn or error.",
        "max-lease-ttl": "Longest TTL of leases from this mount, such as 768h.",
        "max-versions": "Number of versions to keep of each secret.",
        "metadata": "A key=value pair of metadata; may be given more than once.",
        "method": "Auth method to log in with, such as approle or jwt (default token).",
        "mfa": "Multi-factor credentials (not supported).",
        "mode": "File mode.",
        "mount": "Mount path of the KV engine; the path argument is then relative to it.",
        "n": "Same as -key-shares.",
        "namespace": "Namespace (Vault Enterprise; not supported).",
        "no-default-policy": "Do not attach the default policy to the token.",
        "no-print": "Do not print the token after logging in.",
        "no-store": "Do not store the token in the token helper (~/.vault-token).",
        "non-interactive": "Never prompt for input.",
        "nonce": "Nonce of the attempt in progress (read from its status when left out).",
        "ns": "Same as -namespace.",
        "num-uses": "Number of requests the token may make; 0 for unlimited.",
        "options": "A key=value option of the mount; may be given more than once.",
        "orphan": "Create the token without a parent.",
        "otp": "One-time password for generate-root.",
        "output-curl-string": "Print the equivalent curl command instead of running it (not supported).",
        "output-policy": "Print the policy the request needs instead of running it (not supported).",
        "path": "Path to mount at, or to act on.",
        "paths": "Paths to act on.",
        "period": "Renewal period of a periodic token, such as 24h.",
        "pgp-key": "PGP key to encrypt the result with (not supported; use an OTP).",
        "policy": "Policy to attach; may be given more than once.",
        "policy-override": "Override a soft-mandatory policy (Vault Enterprise; not supported).",
        "prefix": "Treat the argument as a prefix.",
        "renewable": "Whether the token may be renewed.",
        "reset": "Discard the unseal keys given so far.",
        "role": "Token role to create the token against.",
        "seal-wrap": "Seal-wrap the mount (Vault Enterprise; accepted, no effect).",
        "self": "Act on the calling token itself.",
        "start": "Sequence and tag of the entry before the first file, as SEQ:TAG.",
        "status": "Show the status of the attempt in progress.",
        "sync": "Wait for revocation to finish.",
        "t": "Same as -key-threshold.",
        "tls-server-name": "Name to use as SNI when connecting over TLS (VAULT_TLS_SERVER_NAME).",
        "tls-skip-verify": "Do not verify the server's certificate; for tests only (VAULT_SKIP_VERIFY).",
        "to": "Destination path.",
        "token": "Token to use.",
        "token-only": "Print only the token.",
        "ttl": "Initial time to live, such as 30m or 1h.",
        "type": "Type: of the token (service or batch), or of the engine or auth method.",
        "use-limit": "Number of uses of the token; 0 for unlimited.",
        "version": "Version to act on (0 for the latest), or of the KV engine.",
        "versions": "Version numbers to act on, comma-separated.",
        "wrap-ttl": "Wrap the response in a single-use token with this TTL (VAULT_WRAP_TTL).",
    ]

    /// The flag list that follows a command's usage under `-h`.
    static func text(own: [String: GoFlags.Kind], shared: [String: GoFlags.Kind]) -> String {
        func section(_ title: String, _ flags: [String: GoFlags.Kind]) -> String {
            guard !flags.isEmpty else { return "" }
            var out = "\n\(title):\n"
            for name in flags.keys.sorted() {
                let value: String
                switch flags[name]! {
                case .bool: value = ""
                case .duration: value = "=<duration>"
                case .string, .repeated: value = "=<string>"
                }
                out += "\n  -\(name)\(value)\n      \(lines[name] ?? "See Vault's documentation of this flag.")\n"
            }
            return out
        }
        let common = shared.filter { own[$0.key] == nil && $0.key != "h" && $0.key != "help" }
        return section("Command Options", own) + section("HTTP and Output Options", common)
    }
}
