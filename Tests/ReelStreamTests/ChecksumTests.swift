import XCTest
@testable import ReelStream

final class ChecksumTests: XCTestCase {
    /// Check values from RFC 3720 (iSCSI), appendix B.4, and the common "123456789" check.
    func testKnownVectors() {
        XCTAssertEqual(CRC32C.checksum(Array("123456789".utf8)), 0xE306_9283)
        XCTAssertEqual(CRC32C.checksum([UInt8](repeating: 0, count: 32)), 0x8A91_36AA)
        XCTAssertEqual(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)), 0x62A8_AB43)
        XCTAssertEqual(CRC32C.checksum((0..<32).map { UInt8($0) }), 0x46DD_794E)
    }

    func testHardwareAndPortableAgreeOnOddLengthsAndOffsets() {
        var rng = SystemRandomNumberGenerator()
        let data = (0..<200_000).map { _ in UInt8.random(in: 0...255, using: &rng) }
        data.withUnsafeBytes { all in
            // Lengths below, at and above the three-lane blocks (3 x 8192 bytes), at odd offsets.
            for (start, length) in [(0, 0), (1, 1), (3, 7), (5, 64), (7, 4093), (0, 5000), (0, 24576), (3, 24575),
                                    (1, 24577), (5, 49152 + 13), (0, 200_000), (7, 199_990)] {
                let slice = UnsafeRawBufferPointer(rebasing: all[start..<(start + length)])
                XCTAssertEqual(CRC32C.update(0, slice), CRC32C.portable(0, slice), "at \(start)+\(length)")
            }
            // Incremental equals one-shot.
            let a = UnsafeRawBufferPointer(rebasing: all[0..<1234])
            let b = UnsafeRawBufferPointer(rebasing: all[1234..<200_000])
            XCTAssertEqual(CRC32C.update(CRC32C.update(0, a), b), CRC32C.update(0, all))
            XCTAssertEqual(CRC32C.update(CRC32C.update(0, a), b), CRC32C.portable(0, all))
        }
    }
}
