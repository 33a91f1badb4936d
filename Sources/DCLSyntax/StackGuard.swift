// A backstop for the nesting limit.
//
// Every pass over the tree (the parser itself, the AST printer, the span check, the formatter,
// the checker) recurses once or more per level of nesting. At the full limit of 256 levels that
// takes around a megabyte of stack in a release build and several in a debug build — fine for the
// 8 MB stacks of Linux threads and of every main thread, too much for, say, the 512 KB of a macOS
// secondary thread. So each parse also bounds the depth by the stack its thread has left, at a
// generous allowance per level, and reports "nesting too deep" at whichever bound comes first.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

#if os(Linux)
// A GNU extension the Glibc module does not export; the symbol is in every glibc.
@_silgen_name("pthread_getattr_np")
private func pthreadGetAttr(_ thread: pthread_t, _ attr: UnsafeMutablePointer<pthread_attr_t>) -> Int32

/// Per-thread cache of the stack's lowest address (a thread's stack never moves).
private let stackLowKey: pthread_key_t = {
    var key = pthread_key_t()
    precondition(pthread_key_create(&key, nil) == 0, "pthread_key_create failed")
    return key
}()
#endif

/// The nesting depth the current thread's stack can afford.
public enum StackGuard {
    /// Stack allowed per level of nesting for the deepest-recursing pass, measured: a debug
    /// build's formatter takes up to ~16 KB per nested block, a release build's parser ~3 KB per
    /// level of parentheses.
    #if DEBUG
    static let bytesPerLevel = 20 * 1024
    #else
    static let bytesPerLevel = 5 * 1024
    #endif

    /// Room kept free for everything above and around the recursion.
    static let reserve = 128 * 1024

    /// Stack an interpreter keeps free below its deepest call: what one more call level, a
    /// built-in and a kernel called from it may take in a debug or sanitizer build.
    public static let interpreterReserve = 512 * 1024

    /// False when the current thread has less than `interpreterReserve` of stack left, so a
    /// recursive interpreter stops with an error instead of overflowing the stack (its depth
    /// limit alone assumes a main thread's 8 MB; a service's or a test runner's threads have less).
    public static func interpreterHasRoom() -> Bool {
        guard let room = remainingStack() else { return true }
        return room >= interpreterReserve
    }

    /// `SyntaxLimits.maxNesting`, or less on a thread whose remaining stack cannot hold that many
    /// levels (never below 16).
    static func depthLimit() -> Int {
        guard let room = remainingStack() else { return SyntaxLimits.maxNesting }
        return min(SyntaxLimits.maxNesting, max(16, (room - reserve) / bytesPerLevel))
    }

    /// Bytes between the caller's frame and the end of the current thread's stack, if known.
    public static func remainingStack() -> Int? {
        guard let low = lowestAddress() else { return nil }
        var marker: UInt8 = 0
        let here = withUnsafeMutablePointer(to: &marker) { UInt(bitPattern: $0) }
        return here > low ? Int(here - low) : 0
    }

    /// The lowest address of the current thread's stack, found once per thread: on the main
    /// thread glibc's `pthread_getattr_np` reads and parses /proc/self/maps, which cost about a
    /// tenth of `dcl check`'s time when it ran on every interpreter call.
    static func lowestAddress() -> UInt? {
        #if os(Linux)
        if let cached = pthread_getspecific(stackLowKey) { return UInt(bitPattern: cached) }
        guard let low = queryLowestAddress() else { return nil }
        pthread_setspecific(stackLowKey, UnsafeRawPointer(bitPattern: low))
        return low
        #else
        return queryLowestAddress()
        #endif
    }

    /// Asks the thread library for the current thread's stack bounds.
    private static func queryLowestAddress() -> UInt? {
        #if os(Linux)
        var attr = pthread_attr_t()
        guard pthreadGetAttr(pthread_self(), &attr) == 0 else { return nil }
        defer { pthread_attr_destroy(&attr) }
        var address: UnsafeMutableRawPointer?
        var size = 0
        guard pthread_attr_getstack(&attr, &address, &size) == 0, let a = address else { return nil }
        return UInt(bitPattern: a)
        #elseif canImport(Darwin)
        let top = UInt(bitPattern: pthread_get_stackaddr_np(pthread_self()))
        return top - UInt(pthread_get_stacksize_np(pthread_self()))
        #else
        return nil
        #endif
    }
}
