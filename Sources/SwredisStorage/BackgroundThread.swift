import CMallocInfo

#if canImport(Glibc)
import Glibc
#endif

/// A dedicated thread for one long background job (snapshot writing), run at a lower CPU priority than the
/// event loop, so serving clients wins when the machine has few cores — the role the kernel's scheduler plays
/// for Redis's forked child.
public enum BackgroundThread {
    final class Box {
        let body: () -> Void
        init(_ body: @escaping () -> Void) { self.body = body }
    }

    /// Starts `body` on a new detached thread with niceness `nice` (relative to the process).
    public static func start(nice: Int32 = 10, _ body: @escaping () -> Void) {
        let box = Unmanaged.passRetained(
            Box {
                swredis_renice_current_thread(nice)
                body()
            }
        ).toOpaque()
        var thread = pthread_t()
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        let created = pthread_create(
            &thread, &attributes,
            { argument in
                guard let argument else { return nil }
                let box = Unmanaged<Box>.fromOpaque(argument).takeRetainedValue()
                box.body()
                return nil
            }, box)
        pthread_attr_destroy(&attributes)
        if created != 0 {
            // No thread: run the job here rather than lose it.
            Unmanaged<Box>.fromOpaque(box).takeRetainedValue().body()
        }
    }
}

/// Carries a non-Sendable value to the engine thread that owns it.
package struct UncheckedBox<Value>: @unchecked Sendable {
    package let value: Value
    package init(_ value: Value) { self.value = value }
}
