// Two stream stages in one process, joined by a pipe: `producer` writes a reel(5)
// stream on one thread while `consumer` reads it on the calling thread, so a long
// clip flows through both in bounded memory (reel-encode: media -> pixel frames ->
// latent frames; reel-decode: latent frames -> pixel frames -> media).

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import ReelStream

public enum PipedStream {
    /// Holds what crosses to the producer thread; the two threads hand it over once,
    /// through Thread.start() and the semaphore, so no access overlaps.
    final class Handoff: @unchecked Sendable {
        var producer: ((StreamWriter) throws -> Void)?
        var error: Error?
        let finished = DispatchSemaphore(value: 0)
    }

    /// Runs `producer` (its stream is finished with DONE for it) and `consumer` together.
    /// The producer's error wins unless it is only the broken pipe the consumer caused.
    public static func run(producer: @escaping (StreamWriter) throws -> Void,
                           consumer: (StreamReader) throws -> Void) throws {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw StreamError.io(operation: "pipe", name: "a pipe between stages", errno: errno) }
        let readEnd = fds[0], writeEnd = fds[1]
        let handoff = Handoff()
        handoff.producer = producer
        let thread = Thread {
            let writer = StreamWriter(fileDescriptor: writeEnd, name: "pipe")
            do {
                try handoff.producer?(writer)
                try writer.finish()
            } catch {
                handoff.error = error
            }
            close(writeEnd)
            handoff.finished.signal()
        }
        thread.stackSize = 16 << 20
        thread.start()
        var consumerError: Error?
        do {
            try consumer(StreamReader(fileDescriptor: readEnd, name: "pipe"))
        } catch {
            consumerError = error
        }
        close(readEnd)  // a producer still writing now gets EPIPE and stops
        handoff.finished.wait()
        if let e = handoff.error {
            // A broken pipe only means the consumer stopped reading: its own outcome decides.
            if case StreamError.brokenPipe = e {} else { throw e }
        }
        if let consumerError { throw consumerError }
    }
}
