// One object per thread, made on first use and released when the thread exits — the storage
// behind the kernels' scratch buffers (`ThreadScratch`) and the executor's run arenas
// (`RunArena` in DCLGraph). One mechanism, so thread-exit cleanup is written and reviewed once.

#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// A per-thread instance of `T`, reached through `value`. Keep one `PerThread` per kind of
/// object for the life of the process (a global): its pthread key is never deleted.
public final class PerThread<T: AnyObject>: @unchecked Sendable {
    private var key = pthread_key_t()
    private let make: () -> T

    public init(_ make: @escaping () -> T) {
        self.make = make
        // The destructor is a C function pointer and cannot capture `T`: it releases through
        // `AnyObject`, which is how `value` retains.
        pthread_key_create(&key) { raw in
            #if canImport(Glibc)
            if let raw { Unmanaged<AnyObject>.fromOpaque(raw).release() }
            #else
            Unmanaged<AnyObject>.fromOpaque(raw).release()
            #endif
        }
    }

    /// The calling thread's instance.
    public var value: T {
        if let p = pthread_getspecific(key) {
            return unsafeDowncast(Unmanaged<AnyObject>.fromOpaque(p).takeUnretainedValue(), to: T.self)
        }
        let object = make()
        pthread_setspecific(key, Unmanaged<AnyObject>.passRetained(object).toOpaque())
        return object
    }
}
