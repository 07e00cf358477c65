// PipedStream: two stages of one process joined by a pipe (reel-encode and reel-decode
// run their model stage this way).

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import XCTest
@testable import ReelStream

final class PipedStreamTests: XCTestCase {
    struct Stop: Error, Equatable { let who: String }

    /// A header and `frames` frames of 64x64 RGB: more than a pipe's buffer, so both threads must run.
    func produce(_ w: StreamWriter, frames: Int) throws {
        let h = ClipHeader(clip: 0, kind: .pixels, dtype: .u8, channels: 3, width: 64, height: 64, fps: Rational(8),
                           frameCount: frames)
        try w.write(h.record)
        for t in 0..<frames {
            let f = Frame(clip: 0, index: t, byteCount: h.frameBytes)
            for i in 0..<h.frameBytes { f.mutableData[i] = UInt8((i + t) & 0xFF) }
            try w.write(f.record)
        }
    }

    func testRecordsFlowFromProducerToConsumer() throws {
        var types: [String] = []
        try PipedStream.run(producer: { try self.produce($0, frames: 40) }, consumer: { r in
            while let rec = try r.next() { types.append(rec.type.description) }
        })
        XCTAssertEqual(types, ["HEAD"] + Array(repeating: "FRAM", count: 40))
    }

    func testProducerErrorReachesTheCaller() {
        XCTAssertThrowsError(try PipedStream.run(producer: { w in
            try self.produce(w, frames: 1)
            throw Stop(who: "producer")
        }, consumer: { r in _ = try r.readAll() })) { XCTAssertEqual($0 as? Stop, Stop(who: "producer")) }
    }

    func testConsumerStoppingEarlyDecidesTheOutcome() {
        let old = signal(SIGPIPE, SIG_IGN)  // as every tool does (ReelCLI): EPIPE instead of the signal
        defer { signal(SIGPIPE, old) }
        // The producer's broken pipe is not an error of its own: the consumer's outcome decides.
        XCTAssertNoThrow(try PipedStream.run(producer: { try self.produce($0, frames: 200) }, consumer: { r in
            _ = try r.next()
        }))
        XCTAssertThrowsError(try PipedStream.run(producer: { try self.produce($0, frames: 200) }, consumer: { r in
            _ = try r.next()
            throw Stop(who: "consumer")
        })) { XCTAssertEqual($0 as? Stop, Stop(who: "consumer")) }
    }
}
