import Synchronization

/// One timer for every storage call in flight: a call arms it with a deadline and disarms it when
/// it ends, and a single sweeper fires the calls that overran. A timer task per call cost a task,
/// a dispatch timer and two thread wake-ups on every read and write.
final class CallWatchdog: Sendable {
    private struct State {
        var next: UInt64 = 0
        var armed: [UInt64: (deadline: ContinuousClock.Instant, expire: @Sendable () -> Void)] = [:]
        var sweeping = false
    }

    private let state = Mutex(State())
    /// How often the sweeper looks: a call fails at most this much after its deadline.
    private let tick: Duration

    init(tick: Duration = .milliseconds(500)) {
        self.tick = tick
    }

    /// Calls `expire` once `timeout` has passed, unless `disarm` comes first.
    func arm(_ timeout: Duration, expire: @escaping @Sendable () -> Void) -> UInt64 {
        let deadline = ContinuousClock.now + timeout
        let (ticket, start) = state.withLock { state -> (UInt64, Bool) in
            state.next &+= 1
            state.armed[state.next] = (deadline, expire)
            defer { state.sweeping = true }
            return (state.next, !state.sweeping)
        }
        if start { Task { await self.sweep() } }
        return ticket
    }

    func disarm(_ ticket: UInt64) {
        _ = state.withLock { $0.armed.removeValue(forKey: ticket) }
    }

    /// Runs while anything is armed; the next `arm` starts it again.
    private func sweep() async {
        while true {
            try? await Task.sleep(for: tick)
            let now = ContinuousClock.now
            let (due, more) = state.withLock { state -> ([@Sendable () -> Void], Bool) in
                var due = [@Sendable () -> Void]()
                for (ticket, entry) in state.armed where entry.deadline <= now {
                    due.append(entry.expire)
                    state.armed[ticket] = nil
                }
                if state.armed.isEmpty { state.sweeping = false }
                return (due, state.sweeping)
            }
            for expire in due { expire() }
            if !more { return }
        }
    }
}
