@testable import CofferServer
import HTTPTypes
import Testing

@Suite("Client token headers")
struct TokenHeaderTests {
    @Test("a field read by name gives what HTTPFields' subscript gives, once or repeated or absent")
    func sameAsSubscript() {
        let name = CofferResponder.tokenHeader
        let cases: [HTTPFields] = [
            [:],
            [.contentType: "application/json"],
            [name: "hvs.one"],
            [.accept: "*/*", name: "hvs.one", .userAgent: "test"],
            [name: ""],
        ]
        var repeated = HTTPFields()
        repeated.append(HTTPField(name: name, value: "hvs.one"))
        repeated.append(HTTPField(name: .accept, value: "*/*"))
        repeated.append(HTTPField(name: HTTPField.Name("x-vault-token")!, value: "hvs.two"))
        for headers in cases + [repeated] {
            #expect(CofferResponder.field(name, in: headers) == headers[name])
            #expect(CofferResponder.field(.authorization, in: headers) == headers[.authorization])
        }
        #expect(CofferResponder.field(name, in: repeated) == "hvs.one, hvs.two")
    }

    @Test("the token comes from X-Vault-Token, else from a bearer Authorization")
    func token() {
        #expect(CofferResponder.token(from: [CofferResponder.tokenHeader: "hvs.a"]) == "hvs.a")
        #expect(CofferResponder.token(from: [.authorization: "Bearer  hvs.b "]) == "hvs.b")
        #expect(CofferResponder.token(from: [CofferResponder.tokenHeader: "", .authorization: "bearer hvs.c"]) == "hvs.c")
        #expect(CofferResponder.token(from: [.authorization: "Basic abc"]) == nil)
        #expect(CofferResponder.token(from: [:]) == nil)
    }
}
