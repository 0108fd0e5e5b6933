@testable import CofferCLI
import Testing

@Suite("Command help")
struct FlagHelpTests {
    @Test("every flag of every command has a line of help, and -h lists them all")
    func everyFlagIsDescribed() {
        for (name, (command, _)) in CLI.commands {
            let text = FlagHelp.text(own: command.flags, shared: Invocation.sharedFlags)
            for flag in command.flags.keys {
                #expect(FlagHelp.lines[flag] != nil, "coffer \(name) -\(flag) has no help line")
                #expect(text.contains("\n  -\(flag)"), "coffer \(name) -h does not list -\(flag)")
            }
            #expect(text.contains("\n  -address=<string>"), "coffer \(name) -h lists the HTTP options")
        }
        for flag in Invocation.sharedFlags.keys {
            #expect(FlagHelp.lines[flag] != nil, "-\(flag) has no help line")
        }
    }
}
