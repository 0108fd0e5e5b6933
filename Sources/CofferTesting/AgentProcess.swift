import Foundation

/// `coffer agent` as a child process, for integration tests: started with a configuration file,
/// its output collected, stopped with a signal.
///
/// `@unchecked` for the same reason as `ServerProcess`: `Process` is only started once, then queried.
public final class AgentProcess: @unchecked Sendable {
    private let process: Process
    private let output = TextBuffer()
    private let errors = TextBuffer()

    /// Starts `coffer agent -config=PATH`; does not wait for anything.
    public init(configPath: String, environment: [String: String] = [:]) throws {
        let (process, stdout, stderr) = cofferProcess(["agent", "-config=\(configPath)"], environment: environment)
        self.process = process
        let output = self.output
        let errors = self.errors
        stdout.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if !data.isEmpty { output.append(data) }
        }
        stderr.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if !data.isEmpty { errors.append(data) }
        }
        try process.run()
    }

    /// Everything the agent printed on stdout.
    public var standardOutput: String { output.value }
    /// The agent's log (stderr).
    public var log: String { errors.value }
    /// The process id.
    public var pid: Int32 { process.processIdentifier }
    /// True while it runs.
    public var isRunning: Bool { process.isRunning }

    /// The API proxy's address, once the agent has printed it.
    public func proxyAddress(timeout: Duration = .seconds(30)) async throws -> String {
        let start = ContinuousClock.now
        while ContinuousClock.now - start < timeout {
            for line in output.value.split(separator: "\n") where line.hasPrefix("==> API proxy listening on ") {
                return String(line.dropFirst("==> API proxy listening on ".count))
            }
            if !process.isRunning { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw ServerProcess.Failure(description: "the agent did not start its proxy: \(log)")
    }

    /// Sends `signal` without waiting.
    public func send(_ signal: Int32) {
        if process.isRunning { kill(process.processIdentifier, signal) }
    }

    /// Waits for the agent to exit on its own and returns its status.
    public func waitForExit(timeout: Duration = .seconds(30)) async throws -> Int32 {
        let start = ContinuousClock.now
        while process.isRunning {
            if ContinuousClock.now - start > timeout {
                kill(process.processIdentifier, SIGKILL)
                throw ServerProcess.Failure(description: "the agent did not exit within \(timeout): \(log)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        return process.terminationStatus
    }

    /// Sends `signal` (SIGTERM by default) and waits for the exit status.
    @discardableResult
    public func stop(signal: Int32 = SIGTERM, timeout: Duration = .seconds(20)) async throws -> Int32 {
        send(signal)
        return try await waitForExit(timeout: timeout)
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}

/// Polls `condition` every 100 ms until it holds or `seconds` pass; answers whether it held.
public func eventually(_ seconds: Double, _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(100))
    }
    return try await condition()
}
