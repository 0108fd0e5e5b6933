@testable import CofferServer
import Foundation
import Testing

@Suite("The Date response header")
struct HTTPDateTests {
    @Test("IMF-fixdate for known instants, leap days and the edges of the years it can show")
    func knownInstants() {
        // Expected values from Python's email.utils.formatdate(t, usegmt=True).
        let cases: [(Int64, String)] = [
            (0, "Thu, 01 Jan 1970 00:00:00 GMT"),
            (784_111_777, "Sun, 06 Nov 1994 08:49:37 GMT"),
            (1_709_168_461, "Thu, 29 Feb 2024 01:01:01 GMT"),
            (951_782_400, "Tue, 29 Feb 2000 00:00:00 GMT"),
            (-86_400, "Wed, 31 Dec 1969 00:00:00 GMT"),
            (253_402_300_799, "Fri, 31 Dec 9999 23:59:59 GMT"),
        ]
        for (seconds, expected) in cases { #expect(HTTPDate.format(seconds) == expected, "\(seconds)") }
        #expect(HTTPDate.format(.max) == "Fri, 31 Dec 9999 23:59:59 GMT")
        #expect(HTTPDate.format(.min) == "Mon, 01 Jan 0001 00:00:00 GMT")
    }

    @Test("the cached header is the current second's")
    func current() {
        let dates = HTTPDate()
        let before = Int64(Date().timeIntervalSince1970)
        let header = dates.now()
        let after = Int64(Date().timeIntervalSince1970)
        #expect((before - 1...after).map(HTTPDate.format).contains(header), "\(header)")
        #expect(dates.now() == header || (before...after + 2).map(HTTPDate.format).contains(dates.now()))
    }
}
