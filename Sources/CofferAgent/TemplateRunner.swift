import CofferSDK
import CofferTemplate
import Foundation
import Logging

/// Renders one `template` stanza to its destination and keeps it current: static secrets (KV)
/// are fetched again every `static_secret_render_interval`, leased secrets (database
/// credentials) at two thirds of their lease so the file changes before they expire, and
/// everything again after a new login or a SIGHUP. The file is only written, and the command
/// only run, when the output changed. Failures are retried with backoff; after
/// `vault.retry.num_retries` in a row, `exit_on_retry_failure` stops the agent.
struct TemplateRunner: Sendable {
    let stanza: AgentConfig.TemplateStanza
    let http: AgentHTTP
    let store: TokenStore
    let reload: ReloadSignal
    let staticInterval: Int64
    let numRetries: Int
    let exitOnRetryFailure: Bool
    let environment: [String: String]
    let logger: Logger

    /// A fetched secret and when to fetch it again.
    struct Fetched: Sendable {
        var value: JSONValue
        var refreshAt: ContinuousClock.Instant
    }

    /// The template's name in logs and errors: its source file, or the destination for inline contents.
    var name: String { stanza.source ?? stanza.destination }

    /// Runs until cancelled; when `once`, returns after the first successful render.
    func run(once: Bool) async throws {
        let clock = ContinuousClock()
        var cache = [SecretRequest: Fetched]()
        var tokenVersion = -1
        var reloadGeneration = await reload.generation
        var template: Template?
        var failures = 0
        while !Task.isCancelled {
            // Wait for a token.
            var (version, token) = await store.current
            while token == nil {
                try await Task.sleep(for: .milliseconds(100))
                (version, token) = await store.current
            }
            if version != tokenVersion {
                cache.removeAll()
                tokenVersion = version
            }
            let now = clock.now
            cache = cache.filter { $0.value.refreshAt > now }
            var nextWake: ContinuousClock.Instant
            do {
                if template == nil { template = try load() }
                let changed = try await renderOnce(template!, token: token!, cache: &cache)
                if changed { try await runCommand() }
                failures = 0
                if once { return }
                nextWake = cache.values.map(\.refreshAt).min() ?? clock.now + .seconds(staticInterval)
            } catch let exit as AgentExit {
                throw exit
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                failures += 1
                logger.error("\(error is TemplateError || error is FetchFailure ? "" : "template \(name): ")\(error)", metadata: ["destination": "\(stanza.destination)", "attempt": "\(failures)"])
                if numRetries >= 0, failures > numRetries, exitOnRetryFailure || once {
                    logger.error("template \(name): giving up after \(failures) attempts")
                    throw AgentExit(status: 1)
                }
                // A template that failed to parse is read again on the next attempt.
                template = nil
                let backoff = min(60.0, 0.25 * pow(2.0, Double(min(failures, 10) - 1)))
                nextWake = clock.now + .milliseconds(Int64(backoff * 1000))
            }
            // Sleep until something is due, the token changes, or SIGHUP asks for a reload.
            while clock.now < nextWake {
                try await Task.sleep(for: .milliseconds(200))
                if await store.current.version != tokenVersion { break }
                let generation = await reload.generation
                if generation != reloadGeneration {
                    reloadGeneration = generation
                    logger.info("template \(name): reloading")
                    template = nil
                    cache.removeAll()
                    break
                }
            }
        }
    }

    private func load() throws -> Template {
        if let contents = stanza.contents { return try Template(contents, name: stanza.destination) }
        let source = stanza.source ?? ""
        guard FileManager.default.fileExists(atPath: source) else { throw FileFailure(path: source, reason: "template source does not exist") }
        guard let data = FileManager.default.contents(atPath: source) else { throw FileFailure(path: source, reason: "permission denied") }
        return try Template(String(decoding: data, as: UTF8.self), name: source)
    }

    /// Renders, fetching what is missing, and writes the destination if it changed. Returns
    /// true when it wrote.
    private func renderOnce(_ template: Template, token: String, cache: inout [SecretRequest: Fetched]) async throws -> Bool {
        let clock = ContinuousClock()
        for _ in 0..<16 {
            let context = TemplateContext(secrets: cache.mapValues(\.value), environment: environment, errorOnMissingKey: stanza.errorOnMissingKey)
            let rendering = try template.render(context)
            if let output = rendering.output {
                return try write(output)
            }
            for request in rendering.missing {
                let response: JSONObject
                do {
                    if request.isList {
                        response = try await http.call("LIST", request.path, token: token)
                    } else if request.data.isEmpty {
                        response = try await http.call("GET", request.path, token: token)
                    } else {
                        var body = JSONObject()
                        for pair in request.data {
                            let parts = pair.split(separator: "=", maxSplits: 1)
                            body[String(parts[0])] = .string(parts.count > 1 ? String(parts[1]) : "")
                        }
                        response = try await http.call("PUT", request.path, token: token, body: .object(body))
                    }
                } catch {
                    throw FetchFailure(description: "template: \(name):\(rendering.lines[request] ?? 1): error fetching \(request.path): \(error)")
                }
                let secret = request.isList ? TemplateContext.keys(fromResponse: response) : TemplateContext.secret(fromResponse: response)
                let lease = response["lease_duration"]?.intValue ?? 0
                let leased = !(response["lease_id"]?.stringValue ?? "").isEmpty && lease > 0
                let refresh: Duration = leased ? .milliseconds(max(1000, lease * 667)) : .seconds(staticInterval)
                cache[request] = Fetched(value: secret, refreshAt: clock.now + refresh)
            }
        }
        throw FetchFailure(description: "secrets depend on each other more than 16 levels deep")
    }

    /// Writes `output` when it differs from the file; true when it did.
    private func write(_ output: String) throws -> Bool {
        let bytes = Array(output.utf8)
        if let existing = FileManager.default.contents(atPath: stanza.destination), Array(existing) == bytes {
            logger.debug("template \(name): output unchanged")
            return false
        }
        try AtomicFile.replace(bytes, at: stanza.destination, mode: stanza.perms, createDirectories: stanza.createDestDirs)
        logger.info("template \(name): rendered \(stanza.destination)")
        return true
    }

    private func runCommand() async throws {
        let arguments: [String]
        if let exec = stanza.exec {
            arguments = exec
        } else if let command = stanza.command, !command.isEmpty {
            arguments = ["/bin/sh", "-c", command]
        } else {
            return
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: arguments[0].hasPrefix("/") ? arguments[0] : "/usr/bin/env")
        process.arguments = arguments[0].hasPrefix("/") ? Array(arguments.dropFirst()) : arguments
        do {
            try process.run()
        } catch {
            logger.error("template \(name): command could not start: \(error)")
            return
        }
        let deadline = ContinuousClock.now + .seconds(stanza.commandTimeout)
        while process.isRunning {
            if ContinuousClock.now > deadline {
                process.terminate()
                logger.error("template \(name): command timed out after \(stanza.commandTimeout)s")
                return
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        if process.terminationStatus != 0 {
            logger.error("template \(name): command exited with status \(process.terminationStatus)")
        } else {
            logger.info("template \(name): command ran")
        }
    }
}

/// A secret the template needs could not be read.
struct FetchFailure: Error, Sendable, CustomStringConvertible {
    let description: String
}
