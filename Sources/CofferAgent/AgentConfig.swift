import CofferHCL
import CofferSDK
import Foundation

/// `coffer agent`'s configuration, read from Vault Agent's HCL (or JSON) as tutorials write it.
public struct AgentConfig: Sendable {
    /// The `vault` stanza: where the server is.
    public struct Vault: Sendable {
        /// The server address; `VAULT_ADDR` when absent.
        public var address: String?
        /// A PEM CA bundle for TLS.
        public var caCert: String?
        /// Skips TLS verification (testing only).
        public var tlsSkipVerify = false
        /// `retry { num_retries }`: how often a failing template fetch is retried before it counts as failed.
        public var numRetries = 12
    }

    /// The `method` stanza of `auto_auth`.
    public struct Method: Sendable {
        /// approle, jwt, kubernetes or token_file.
        public var type: String
        /// `mount_path`, default `auth/<type>`.
        public var mountPath: String
        /// The `config` map, as strings.
        public var config: [String: String]
        /// Seconds before the first retry after a failure.
        public var minBackoff: Int64 = 1
        /// The longest wait between retries.
        public var maxBackoff: Int64 = 300
        /// Exit with status 1 on the first failure instead of retrying.
        public var exitOnError = false
        /// Where the stanza is, for runtime errors.
        public var location: String
    }

    /// One `sink` stanza.
    public struct Sink: Sendable {
        /// The file the token goes to.
        public var path: String
        /// Its permissions (default 0640).
        public var mode: Int = 0o640
        /// Seconds; when set the sink holds a wrapping token's info instead of the token.
        public var wrapTTL: Int64?
        /// `curve25519` to encrypt the sink's content for the holder of `dhPath`'s key.
        public var dhType: String?
        /// A file with `{"curve25519_public_key": "<base64>"}`.
        public var dhPath: String?
        /// Additional authenticated data for the encryption.
        public var aad: String?
        /// Derive the AES key from the shared secret with HKDF (salted by both public keys).
        public var deriveKey = false
        /// Where the stanza is.
        public var location: String
    }

    /// One `template` stanza.
    public struct TemplateStanza: Sendable {
        /// The template file (or nil with `contents`).
        public var source: String?
        /// Inline template text.
        public var contents: String?
        /// The rendered file.
        public var destination: String
        /// Its permissions (default 0644).
        public var perms: Int = 0o644
        /// `command`: run through `/bin/sh -c` after the file changed.
        public var command: String?
        /// `exec { command = [...] }`: run directly after the file changed.
        public var exec: [String]?
        /// Seconds the command may run.
        public var commandTimeout: Int64 = 30
        /// Fail on a missing map key instead of printing `<no value>`.
        public var errorOnMissingKey = false
        /// Creates missing parent directories of `destination`.
        public var createDestDirs = true
        /// Where the stanza is.
        public var location: String
    }

    /// `use_auto_auth_token` of `cache` / `api_proxy`.
    public enum UseAutoAuthToken: Sendable, Equatable {
        /// Requests go through with their own token only.
        case no
        /// Requests without a token get the agent's.
        case yes
        /// Every request gets the agent's, replacing its own.
        case force
    }

    /// A `listener "tcp"` stanza for the API proxy.
    public struct Listener: Sendable {
        /// `host:port`.
        public var address: String
        /// Must be true: the proxy listens on plain HTTP.
        public var tlsDisable: Bool
    }

    /// The `vault` stanza.
    public var vault = Vault()
    /// `auto_auth.method`; nil when there is no `auto_auth`.
    public var method: Method?
    /// `auto_auth.sink`s.
    public var sinks: [Sink] = []
    /// `template` stanzas.
    public var templates: [TemplateStanza] = []
    /// `template_config.static_secret_render_interval`, seconds (default 5 minutes).
    public var staticSecretRenderInterval: Int64 = 300
    /// `template_config.exit_on_retry_failure`.
    public var exitOnRetryFailure = false
    /// `cache`/`api_proxy` `use_auto_auth_token`.
    public var useAutoAuthToken: UseAutoAuthToken = .no
    /// Listeners for the API proxy.
    public var listeners: [Listener] = []
    /// Exit 0 once authenticated, sinks written and templates rendered once.
    public var exitAfterAuth = false
    /// Where to write the process id.
    public var pidFile: String?
    /// trace, debug, info, warn or error.
    public var logLevel = "info"

    /// An empty configuration.
    public init() {}
}

/// A configuration problem, naming the file and line.
public struct AgentConfigError: Error, Sendable, CustomStringConvertible {
    /// Ready to print.
    public let description: String
}

extension AgentConfig {
    /// Loads `path`: JSON when it ends in `.json`, HCL otherwise.
    public static func load(path: String) throws(AgentConfigError) -> AgentConfig {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw AgentConfigError(description: "error loading configuration from \(path): cannot read the file")
        }
        return try parse(text, file: path, json: path.hasSuffix(".json"))
    }

    /// Parses configuration text; `file` names the source in errors.
    public static func parse(_ text: String, file: String, json: Bool) throws(AgentConfigError) -> AgentConfig {
        let body: HCLBody
        do {
            body = json ? try HCLBody.fromJSON(text) : try HCLParser.parse(text)
        } catch {
            throw AgentConfigError(description: "error parsing \(file): \(error.line > 0 ? "line \(error.line): " : "")\(error.message)")
        }
        return try AgentConfigDecoder(file: file).decode(body)
    }
}
