// Two stream stages in one process, joined by a pipe: `producer` writes a reel(5)
// stream on one thread while `consumer` reads it on the calling thread, so a long
// clip flows through both in bounded memory (reel-encode: media -> pixel frames ->
// latent frames; reel-decode: latent frames -> pixel frames -> media).
//
// The producer runs on a POSIX thread of its own (no Foundation: the stream layer
// links only the C library).

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public enum PipedStream {
    /// Holds what crosses to the producer thread; the two threads hand it over once,
    /// through pthread_create and pthread_join, so no access overlaps.
    final class Handoff: @unchecked Sendable {
        var producer: ((StreamWriter) throws -> Void)?
        var error: Error?
        let writeEnd: Int32

        init(producer: @escaping (StreamWriter) throws -> Void, writeEnd: Int32) {
            self.producer = producer
            self.writeEnd = writeEnd
        }

        /// The producer thread's body: the stream, finished with DONE, then the write end closed.
        func produce() {
            let writer = StreamWriter(fileDescriptor: writeEnd, name: "pipe")
            do {
                try producer?(writer)
                try writer.finish()
            } catch {
                self.error = error
            }
            producer = nil
            close(writeEnd)
        }
    }

    /// Stack size of the producer thread.
    static let producerStackSize = 16 << 20

    /// Runs `producer` (its stream is finished with DONE for it) and `consumer` together.
    /// The producer's error wins unless it is only the broken pipe the consumer caused.
    public static func run(producer: @escaping (StreamWriter) throws -> Void,
                           consumer: (StreamReader) throws -> Void) throws {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw StreamError.io(operation: "pipe", name: "a pipe between stages", errno: errno) }
        let readEnd = fds[0], writeEnd = fds[1]
        let handoff = Handoff(producer: producer, writeEnd: writeEnd)

        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        pthread_attr_setstacksize(&attributes, producerStackSize)
        let context = Unmanaged.passRetained(handoff).toOpaque()
        #if canImport(Darwin)
        var thread: pthread_t?
        let started = pthread_create(&thread, &attributes, { context in
            Unmanaged<Handoff>.fromOpaque(context).takeRetainedValue().produce()
            return nil
        }, context)
        #else
        var thread = pthread_t()
        let started = pthread_create(&thread, &attributes, { context in
            Unmanaged<Handoff>.fromOpaque(context!).takeRetainedValue().produce()
            return nil
        }, context)
        #endif
        guard started == 0 else {
            Unmanaged<Handoff>.fromOpaque(context).release()
            close(readEnd)
            close(writeEnd)
            throw StreamError.io(operation: "pthread_create", name: "a pipe between stages", errno: started)
        }

        var consumerError: Error?
        do {
            try consumer(StreamReader(fileDescriptor: readEnd, name: "pipe"))
        } catch {
            consumerError = error
        }
        close(readEnd)  // a producer still writing now gets EPIPE and stops
        #if canImport(Darwin)
        pthread_join(thread!, nil)
        #else
        pthread_join(thread, nil)
        #endif
        if let e = handoff.error {
            // A broken pipe only means the consumer stopped reading: its own outcome decides.
            if case StreamError.brokenPipe = e {} else { throw e }
        }
        if let consumerError { throw consumerError }
    }
}
