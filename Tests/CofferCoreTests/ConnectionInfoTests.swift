import CofferSDK
import Synchronization
import Testing

@Suite("Connection facts")
struct ConnectionInfoTests {
    @Test("a deferred address is formatted only when read, and reads like a written one")
    func deferredAddress() {
        let calls = Atomic<Int>(0)
        var deferred = ConnectionInfo(remotePort: 5123, tls: true) {
            calls.add(1, ordering: .relaxed)
            return "192.0.2.7"
        }
        #expect(calls.load(ordering: .relaxed) == 0)
        let written = ConnectionInfo(remoteAddress: "192.0.2.7", remotePort: 5123, tls: true)
        #expect(deferred.remoteAddress == "192.0.2.7")
        #expect(deferred == written && deferred.hashValue == written.hashValue)
        #expect(deferred != ConnectionInfo(remoteAddress: "192.0.2.8", remotePort: 5123, tls: true))
        deferred.remoteAddress = "198.51.100.1"
        let before = calls.load(ordering: .relaxed)
        #expect(deferred.remoteAddress == "198.51.100.1" && calls.load(ordering: .relaxed) == before)
        #expect(ConnectionInfo().remoteAddress == "")
    }
}
