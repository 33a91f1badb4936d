// One thread that runs jobs in order: document checks and the requests that read their results.
// A thread of our own rather than a dispatch queue so it has a main thread's stack (the
// interpreter bounds its depth by the stack left, `StackGuard`), and checks see the same limits
// as `dcl check`. The checker is single-threaded by design; one worker keeps it so.

import Foundation

final class WorkQueue: @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [() -> Void] = []
    private var thread: Thread?

    init(name: String, stackSize: Int = 16 * 1024 * 1024) {
        // The thread holds its queue for good: a server's worker lives as long as the process,
        // and a queue freed under a thread waiting on its condition would be a use after free.
        let t = Thread { self.loop() }
        t.name = name
        t.stackSize = stackSize
        thread = t
        t.start()
    }

    func async(_ job: @escaping () -> Void) {
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    private func loop() {
        while true {
            condition.lock()
            while jobs.isEmpty { condition.wait() }
            let job = jobs.removeFirst()
            condition.unlock()
            job()
        }
    }
}
