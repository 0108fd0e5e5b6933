// Seeds a stopped server's SQLite storage with many leased tokens for scripts/bench: creating a
// million of them over HTTP would take longer than the whole benchmark may. The core stores
// them a thousand to a commit, each token, accessor, parent link and lease exactly as
// `auth/token/create` stores them.
//
//   coffer-bench-seed <database> <unseal key (hex)> <root token> <count> <expire at (unix s)>
//
// Every token expires at the given instant, so the whole set falls due at once. Prints the
// seconds taken and the creation rate as JSON.
//
//   coffer-bench-seed metrics-cost [reads per round]
//
// measures what metrics add to a KV read (see MetricsCost.swift).
@_spi(Benchmarks) import CofferCore
import CofferStorage
import Foundation
import Logging

let arguments = CommandLine.arguments
if arguments.count >= 2, arguments[1] == "metrics-cost" {
    try await MetricsCost.run(reads: arguments.count > 2 ? max(1, Int(arguments[2]) ?? 20_000) : 20_000)
    exit(0)
}
guard arguments.count == 6, let count = Int(arguments[4]), let expireAt = Double(arguments[5]) else {
    FileHandle.standardError.write(Data("usage: coffer-bench-seed <database> <unseal key> <root token> <count> <expire at>\n".utf8))
    exit(2)
}
let rootToken = arguments[3]
var options = CoreOptions(clock: { Date().timeIntervalSince1970 })
options.runExpirationLoop = false
let storage = try SQLiteStorage(path: arguments[1])
let core = Core(physical: storage, options: options, logger: Logger(label: "coffer-bench-seed"))
guard try await core.unseal(key: arguments[2], reset: false).sealed == false else {
    FileHandle.standardError.write(Data("the unseal key did not unseal the storage\n".utf8))
    exit(1)
}

let started = Date()
try await core.seedTokens(count: count, parentToken: rootToken, expireAt: expireAt)
let seconds = Date().timeIntervalSince(started)
await core.shutdown()
try await storage.close()
print("{\"seconds\": \(seconds), \"rate\": \(Double(count) / seconds)}")
