import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Bytes over a plain TCP connection, for what URLSession will not send: malformed framing,
/// half-written requests, connections left open.
public struct RawHTTP: Sendable {
    /// What came back: the bytes read until the server closed the connection or `timeout`
    /// passed, and whether (and after how long) it closed.
    public struct Outcome: Sendable {
        /// Everything read.
        public var bytes: [UInt8]
        /// Seconds until the server closed the connection; nil if it was still open at the timeout.
        public var closedAfter: Double?
        /// The status code of the first response, if one arrived.
        public var status: Int? {
            let text = String(decoding: bytes.prefix(64), as: UTF8.self)
            guard text.hasPrefix("HTTP/1.1 ") else { return nil }
            return Int(text.dropFirst(9).prefix(3))
        }
        /// The response as text.
        public var text: String { String(decoding: bytes, as: UTF8.self) }
    }

    /// Connects to `address` (`http://127.0.0.1:PORT`), writes `request`, and reads until the
    /// server closes or `timeout` seconds pass, on a thread of its own (see `offThePool`).
    public static func exchange(_ address: String, _ request: [UInt8], timeout: Double) async throws -> Outcome {
        try await offThePool { try blockingExchange(address, request, timeout: timeout) }
    }

    static func blockingExchange(_ address: String, _ request: [UInt8], timeout: Double) throws -> Outcome {
        let fd = try connect(address)
        defer { close(fd) }
        var offset = 0
        while offset < request.count {
            let written = request[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard written > 0 else { break }
            offset += written
        }
        let started = Date()
        var bytes = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let left = timeout - Date().timeIntervalSince(started)
            if left <= 0 { return Outcome(bytes: bytes, closedAfter: nil) }
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, Int32(max(1, left * 1000)))
            if ready <= 0 { continue }
            let count = recv(fd, &buffer, buffer.count, 0)
            if count <= 0 { return Outcome(bytes: bytes, closedAfter: Date().timeIntervalSince(started)) }
            bytes += buffer[0..<count]
        }
    }

    /// A connected socket to `http://HOST:PORT`.
    static func connect(_ address: String) throws -> Int32 {
        let hostPort = address.replacingOccurrences(of: "http://", with: "")
        guard let colon = hostPort.lastIndex(of: ":"), let port = UInt16(hostPort[hostPort.index(after: colon)...]) else {
            throw ServerProcess.Failure(description: "not an http://host:port address: \(address)")
        }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var ipv4 = sockaddr_in()
        ipv4.sin_family = sa_family_t(AF_INET)
        ipv4.sin_port = port.bigEndian
        ipv4.sin_addr.s_addr = inet_addr(String(hostPort[..<colon]))
        let result = withUnsafePointer(to: &ipv4) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            close(fd)
            throw ServerProcess.Failure(description: "cannot connect to \(address)")
        }
        return fd
    }
}
