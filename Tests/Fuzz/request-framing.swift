/// The HTTP/1.1 framing in front of NIO's parser (the LIST rewriter): any bytes, split at any
/// point, pass through with only `LIST ` turned into `LINK `, and nothing is lost or invented.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let cut = bytes.first else { return 0 }
    let input = Array(bytes.dropFirst())
    let split = min(Int(cut), input.count)
    var framing = RequestFraming()
    var out = framing.feed(Array(input[..<split])).bytes
    out += framing.feed(Array(input[split...])).bytes
    var whole = RequestFraming()
    let once = whole.feed(input).bytes
    // A trailing partial "LIST" may be held back; everything else comes out, rewritten alike.
    precondition(out.count <= input.count && input.count - out.count < 5, "bytes were lost")
    precondition(once.count <= input.count && input.count - once.count < 5, "bytes were lost")
    precondition(out.count == once.count, "the split changed the result's length")
    for (a, b) in zip(out, input) where a != b {
        precondition((a == UInt8(ascii: "N") && b == UInt8(ascii: "S")) || (a == UInt8(ascii: "K") && b == UInt8(ascii: "T")), "a byte other than LIST's was changed")
    }
    return 0
}
