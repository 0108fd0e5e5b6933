@testable import CofferCore
import CofferCrypto
import CofferSDK
import Foundation
import Logging
import Testing

@Suite("File audit device: grouped appends")
struct FileAuditDeviceTests {
    static let key = HMACKey(SecureBytes(copying: Array(repeating: 7, count: 32)))

    static func device(_ path: String) throws -> FileAuditDevice {
        let config = try AuditDeviceConfig.parse(path: "file", type: "file", description: "", options: ["file_path": path], protectedDirectories: [])
        return try FileAuditDevice(config: config, salt: SecureBytes(copying: Array(repeating: 1, count: 32)), chainKey: key, head: .start, logger: Logger(label: "test"))
    }

    static func entry(_ writer: Int, _ part: Int) -> [AuditMember] {
        [AuditMember(name: "part", encoded: Array(String(part).utf8)), AuditMember(name: "writer", encoded: Array(String(writer).utf8))]
    }

    @Test("concurrent requests' entries all reach the file, in chain order, each request's together")
    func concurrentWrites() async throws {
        let path = NSTemporaryDirectory() + "coffer-audit-group-\(UUID().uuidString).log"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let device = try Self.device(path)
        let writers = 400
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<writers {
                group.addTask { try await device.write([Self.entry(writer, 1), Self.entry(writer, 2)]) }
            }
            try await group.waitForAll()
        }
        #expect(device.head.sequence == Int64(2 * writers))
        let bytes = try Array(Data(contentsOf: URL(fileURLWithPath: path)))
        let report = AuditChain.verify(files: [("f", bytes)], prefixLength: 0, key: Self.key, deviceHead: device.head)
        #expect(report.failure == nil)
        #expect(report.entries == 2 * writers)
        // Each request's two entries are adjacent, its first before its second.
        let lines = bytes.split(separator: UInt8(ascii: "\n")).map { try? JSONParser.parse(Array($0)).objectValue }
        var seen = Set<Int64>()
        for pair in stride(from: 0, to: lines.count, by: 2) {
            let first = lines[pair], second = lines[pair + 1]
            #expect(first?["writer"]?.intValue != nil && first?["writer"] == second?["writer"])
            #expect(first?["part"]?.intValue == 1 && second?["part"]?.intValue == 2)
            if let writer = first?["writer"]?.intValue { seen.insert(writer) }
        }
        #expect(seen.count == writers)
        device.close()
    }

    @Test("when appends fail, every waiting request fails and the chain stays where the file ends")
    func failedWrites() async throws {
        // /dev/full takes the open and refuses every write (ENOSPC).
        let device = try Self.device("/dev/full")
        let failures = try await withThrowingTaskGroup(of: Bool.self) { group in
            for writer in 0..<50 {
                group.addTask {
                    do { try await device.write([Self.entry(writer, 1)]); return false } catch { return true }
                }
            }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(failures == 50)
        #expect(device.head == .start)
        #expect(!device.headDirty)
        device.close()
    }
}
