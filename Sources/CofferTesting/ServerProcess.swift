import CofferSDK
import Foundation
import Synchronization

/// Text collected from a pipe by its reader callback.
final class TextBuffer: Sendable {
    private let text = Mutex("")
    func append(_ data: Data) { text.withLock { $0 += String(decoding: data, as: UTF8.self) } }
    var value: String { text.withLock { $0 } }
}

/// The real `coffer` binary running as a child process, for integration tests over HTTP.
///
/// `@unchecked` because `Process` is not marked `Sendable`; it is only started once and then
/// queried (pid, running, status), which Foundation allows from any thread.
public final class ServerProcess: @unchecked Sendable {
    /// Why the server could not be started or stopped as asked.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    private let process: Process
    private let output: TextBuffer
    private let errors: TextBuffer
    /// `http(s)://127.0.0.1:PORT`, as the banner reports it.
    public let address: String
    /// The dev-mode root token, when the banner shows one.
    public let rootToken: String?
    /// The dev-mode unseal key, when the banner shows one.
    public let unsealKey: String?

    private init(process: Process, output: TextBuffer, errors: TextBuffer, address: String, rootToken: String?, unsealKey: String?) {
        self.process = process
        self.output = output
        self.errors = errors
        self.address = address
        self.rootToken = rootToken
        self.unsealKey = unsealKey
    }

    /// Starts `coffer server -dev` on a free loopback port.
    public static func startDev(arguments: [String] = [], environment: [String: String] = [:]) async throws -> ServerProcess {
        try await start(["server", "-dev", "-dev-listen-address=127.0.0.1:0"] + arguments, environment: environment)
    }

    /// Starts `coffer server -config=PATH`.
    public static func start(configPath: String, environment: [String: String] = [:]) async throws -> ServerProcess {
        try await start(["server", "-config=\(configPath)"], environment: environment)
    }

    /// Starts the binary with `arguments` (in `workingDirectory`, when given) and waits for the
    /// banner that says it is listening.
    public static func start(_ arguments: [String], environment: [String: String] = [:], workingDirectory: String? = nil) async throws -> ServerProcess {
        // A home of its own, so no token helper file is shared between servers.
        let home = NSTemporaryDirectory() + "coffer-home-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        let (process, stdout, stderr) = cofferProcess(arguments, environment: ["HOME": home].merging(environment) { _, given in given })
        if let workingDirectory { process.currentDirectoryURL = URL(fileURLWithPath: workingDirectory) }
        let output = TextBuffer()
        let errors = TextBuffer()
        stdout.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if !data.isEmpty { output.append(data) }
        }
        stderr.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if !data.isEmpty { errors.append(data) }
        }
        try process.run()
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let text = output.value
            if text.contains("==> Coffer server started!"), let address = Self.field("Api Address:", in: text) {
                let dev = text.contains("Development mode should NOT")
                if !dev || text.contains("Root Token:") {
                    return ServerProcess(
                        process: process, output: output, errors: errors, address: address,
                        rootToken: Self.field("Root Token:", in: text), unsealKey: Self.field("Unseal Key:", in: text)
                    )
                }
            }
            if !process.isRunning {
                try await Task.sleep(for: .milliseconds(100))
                let err = errors.value
                throw Failure(description: "coffer exited with status \(process.terminationStatus): \(err)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        process.terminate()
        throw Failure(description: "coffer did not report that it was listening within 30 seconds")
    }

    private static func field(_ label: String, in text: String) -> String? {
        for line in text.split(separator: "\n") {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix(label) {
                return trimmed.dropFirst(label.count).trimmingCharacters(in: .whitespaces)
            }
        }
        return nil
    }

    /// Everything the server wrote to stdout so far.
    public var standardOutput: String { output.value }
    /// Everything the server wrote to stderr so far (its log).
    public var standardError: String { errors.value }
    /// The process id, for sending signals.
    public var pid: Int32 { process.processIdentifier }
    /// True while the process runs.
    public var isRunning: Bool { process.isRunning }

    /// Sends `signal` (SIGTERM by default) and waits for the exit status.
    @discardableResult
    public func stop(signal: Int32 = SIGTERM, timeout: Duration = .seconds(20)) async throws -> Int32 {
        if process.isRunning { kill(process.processIdentifier, signal) }
        let start = ContinuousClock.now
        while process.isRunning {
            if ContinuousClock.now - start > timeout {
                kill(process.processIdentifier, SIGKILL)
                throw Failure(description: "coffer did not stop within \(timeout)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        return process.terminationStatus
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}

/// Runs the binary for a short command (not a server) and returns its exit code and output.
public func runCoffer(_ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, stdout: String, stderr: String) {
    let (process, stdout, stderr) = cofferProcess(arguments, environment: environment)
    try process.run()
    let out = stdout.fileHandleForReading.readDataToEndOfFile()
    let err = stderr.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
}

/// A server on SQLite storage in a directory of its own, initialised with one key share:
/// for tests that restart the process and expect their data back.
public struct SQLiteTestServer: Sendable {
    /// The directory holding `server.hcl` and the database.
    public let directory: String
    /// The configuration file.
    public let configPath: String

    /// Writes a configuration with SQLite storage at `databasePath` (default: in `directory`).
    public init(directory: String, databasePath: String? = nil) throws {
        self.directory = directory
        configPath = directory + "/server.hcl"
        try """
            storage "sqlite" { path = "\(databasePath ?? directory + "/coffer.db")" }
            listener "tcp" {
              address = "127.0.0.1:0"
              tls_disable = true
            }
            """.write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    /// Starts the server process (sealed, or uninitialised the first time).
    public func start() async throws -> ServerProcess {
        try await ServerProcess.start(configPath: configPath)
    }

    /// Initialises with one share and unseals; returns the key and root token.
    public static func initialise(_ server: ServerProcess) async throws -> (key: String, rootToken: String) {
        let http = VaultHTTP(address: server.address)
        let result = try await http.request("PUT", "sys/init", body: ["secret_shares": 1, "secret_threshold": 1])
        guard let object = result.json?.objectValue, let key = object["keys"]?.arrayValue?.first?.stringValue,
            let token = object["root_token"]?.stringValue
        else { throw ServerProcess.Failure(description: "sys/init failed: \(result.text)") }
        try await unseal(server, key: key)
        return (key, token)
    }

    /// Unseals a restarted server.
    public static func unseal(_ server: ServerProcess, key: String) async throws {
        _ = try await VaultHTTP(address: server.address).request("PUT", "sys/unseal", body: ["key": .string(key)])
    }
}

/// The binary as a child process, not yet started: this process's environment with
/// `environment` on top, and pipes for its output.
func cofferProcess(_ arguments: [String], environment: [String: String]) -> (Process, stdout: Pipe, stderr: Pipe) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: CofferBinary.path)
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, given in given }
    let stdout = Pipe()
    let stderr = Pipe()
    process.standardOutput = stdout
    process.standardError = stderr
    return (process, stdout, stderr)
}
