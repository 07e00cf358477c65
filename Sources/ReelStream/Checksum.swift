import CReelChecksum

/// CRC-32C (Castagnoli) of a byte range, as every reel(5) record carries it.
public enum CRC32C {
    /// Continues `crc` over `bytes`; start with 0.
    @inlinable
    public static func update(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return crc }
        return reel_crc32c(crc, base, bytes.count)
    }

    public static func checksum(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBytes { update(0, $0) }
    }

    /// The table implementation, for tests that check both paths agree.
    public static func portable(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return crc }
        return reel_crc32c_portable(crc, base, bytes.count)
    }

    public static var isHardware: Bool { reel_crc32c_is_hardware() != 0 }
}
