import CofferSDK
import Logging
import Synchronization

/// Runs each mounted backend's scheduled work while the core is unsealed, as Vault's rollback
/// manager runs periodic functions: Transit's key auto-rotation, the Database engine's static
/// role rotation. One pass a second; each backend at most once per its own interval, one
/// backend at a time, so scheduled work never competes with itself. What a backend stores
/// (last rotation times) decides what is due, so the schedule survives restarts.
final class PeriodicRunner: Sendable {
    private let loop = Mutex<Task<Void, Never>?>(nil)

    /// Starts the passes; `state` yields the live mounts, or nil once sealed.
    func start(now: @escaping @Sendable () -> Double, barrier: any Storage, logger: Logger, state: @escaping @Sendable () -> Router?) {
        let task = Task {
            var lastRun = [String: Double]()
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                guard let router = state() else { continue }
                for route in router.mounted {
                    guard let interval = route.backend.periodicInterval, !Task.isCancelled else { continue }
                    let path = route.entry.path
                    let at = now()
                    if let last = lastRun[path], at - last < interval { continue }
                    lastRun[path] = at
                    do {
                        try await route.backend.periodic(
                            PeriodicContext(storage: StorageView(barrier, prefix: route.entry.storagePrefix), mount: route.entry.info, now: at)
                        )
                    } catch {
                        logger.error("scheduled backend work failed; it runs again at its next interval", metadata: ["mount": "\(path)", "error": "\(error)"])
                    }
                }
            }
        }
        loop.withLock { previous in
            previous?.cancel()
            previous = task
        }
    }

    /// Stops the passes (at seal); a pass under way finishes its current backend.
    func stop() {
        loop.withLock { task in
            task?.cancel()
            task = nil
        }
    }
}
