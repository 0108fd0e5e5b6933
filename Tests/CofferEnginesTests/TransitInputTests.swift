@testable import CofferEngines
import CofferSDK
import Testing

@Suite("Transit's base64 input")
struct TransitInputTests {
    @Test("padded base64, also wrapped across lines as base64(1) writes it; bad bytes named as Go names them")
    func base64() throws {
        let text = String(repeating: "x", count: 100)  // encoded by Python's base64 module
        let encoded = "eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eA=="
        #expect(try TransitInput.base64(encoded) == Array(text.utf8))
        let wrapped = String(encoded.prefix(76)) + "\n" + String(encoded.dropFirst(76)) + "\r\n"
        #expect(try TransitInput.base64(wrapped) == Array(text.utf8))
        #expect(try TransitInput.base64("") == [])
        #expect(try TransitInput.base64("\r\n") == [])
        let error = #expect(throws: CofferError.self) { try TransitInput.base64("not base64!") }
        #expect(error?.messages == ["illegal base64 data at input byte 3"])
    }
}
