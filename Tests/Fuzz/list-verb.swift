/// Bytes through the agent proxy's LIST framing, split into reads at points the input chooses:
/// the output is the input with only `LIST ` request starts turned into `LINK `, never longer,
/// and nothing traps.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let first = bytes.first else { return 0 }
    let chunk = Int(first % 17) + 1
    var framing = ListVerbFraming()
    var out = [UInt8]()
    var index = 1
    while index < bytes.count {
        let end = min(bytes.count, index + chunk)
        out += framing.feed(Array(bytes[index..<end]))
        index = end
    }
    let input = Array(bytes.dropFirst())
    precondition(out.count <= input.count && input.count - out.count <= 4, "bytes lost")
    // Only the S and T of a request-starting "LIST " change, to N and K.
    for position in out.indices where out[position] != input[position] {
        let sToN = input[position] == UInt8(ascii: "S") && out[position] == UInt8(ascii: "N") && position >= 2
            && out[position - 2] == UInt8(ascii: "L") && out[position - 1] == UInt8(ascii: "I")
        let tToK = input[position] == UInt8(ascii: "T") && out[position] == UInt8(ascii: "K") && position >= 3
            && out[(position - 3)..<position].elementsEqual("LIN".utf8)
        precondition(sToN || tToK, "unexpected rewrite")
    }
    return 0
}
