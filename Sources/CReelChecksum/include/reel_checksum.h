// CRC-32C (Castagnoli), the checksum of every reel(5) record.
// Uses the SSE4.2 crc32 instruction when the CPU has it, a table otherwise.
#ifndef REEL_CHECKSUM_H
#define REEL_CHECKSUM_H
#include <stddef.h>
#include <stdint.h>

/// Continues a CRC-32C over `length` bytes at `data`. Start with crc = 0.
uint32_t reel_crc32c(uint32_t crc, const void *data, size_t length);

/// The portable table implementation, exposed so tests can compare the two paths.
uint32_t reel_crc32c_portable(uint32_t crc, const void *data, size_t length);

/// 1 when the hardware path is in use.
int reel_crc32c_is_hardware(void);
#endif
