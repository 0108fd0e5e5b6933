import CofferSDK

/// Template text through the lexer, parser and evaluator, against a fixed secret: each input
/// parses and renders or fails with a TemplateError, within the size, depth and step bounds,
/// never trapping or running away.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let template = try? Template(text, name: "fuzz") else { return 0 }
    let secret = TemplateContext.secret(fromResponse: [
        "data": ["data": ["user": "u", "n": 5, "list": ["a", "b"], "map": ["k": 1.5, "z": nil]]], "lease_id": "l", "lease_duration": 10,
    ])
    for strict in [false, true] {
        let context = TemplateContext(secrets: [SecretRequest(path: "secret/data/x"): secret], environment: ["HOME": "/h"], errorOnMissingKey: strict)
        _ = try? template.render(context)
    }
    return 0
}
