// CRC-32C (polynomial 0x1EDC6F41, reflected 0x82F63B78), as in iSCSI, ext4 and
// Snappy framing. Hardware path: one stream of the SSE4.2 crc32 instruction,
// 8 bytes per 3 cycles (about 10 GB/s here), well above what a pipe moves.
#include "reel_checksum.h"
#include <string.h>
#include <pthread.h>

static uint32_t table[8][256];
static pthread_once_t table_once = PTHREAD_ONCE_INIT;

static void build_table(void) {
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t c = n;
        for (int k = 0; k < 8; k++) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
        table[0][n] = c;
    }
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t c = table[0][n];
        for (int k = 1; k < 8; k++) { c = table[0][c & 0xff] ^ (c >> 8); table[k][n] = c; }
    }
}

uint32_t reel_crc32c_portable(uint32_t crc, const void *data, size_t length) {
    pthread_once(&table_once, build_table);
    const unsigned char *p = (const unsigned char *)data;
    crc = ~crc;
    while (length >= 8) {
        uint64_t v; memcpy(&v, p, 8);
        v ^= crc;
        crc = table[7][v & 0xff] ^ table[6][(v >> 8) & 0xff] ^ table[5][(v >> 16) & 0xff] ^
              table[4][(v >> 24) & 0xff] ^ table[3][(v >> 32) & 0xff] ^ table[2][(v >> 40) & 0xff] ^
              table[1][(v >> 48) & 0xff] ^ table[0][v >> 56];
        p += 8; length -= 8;
    }
    while (length--) crc = table[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return ~crc;
}

#if defined(__x86_64__)
#include <cpuid.h>
__attribute__((target("sse4.2")))
static uint32_t crc32c_hw(uint32_t crc, const void *data, size_t length) {
    const unsigned char *p = (const unsigned char *)data;
    uint64_t c = ~crc;
    while (length && ((uintptr_t)p & 7)) { c = __builtin_ia32_crc32qi((uint32_t)c, *p++); length--; }
    while (length >= 8) {
        uint64_t v; memcpy(&v, p, 8);
        c = __builtin_ia32_crc32di(c, v);
        p += 8; length -= 8;
    }
    while (length--) c = __builtin_ia32_crc32qi((uint32_t)c, *p++);
    return ~(uint32_t)c;
}
static int hw_state = -1;
static int have_hw(void) {
    if (hw_state < 0) {
        unsigned a, b, c, d;
        hw_state = (__get_cpuid(1, &a, &b, &c, &d) && (c & bit_SSE4_2)) ? 1 : 0;
    }
    return hw_state;
}
#else
static int have_hw(void) { return 0; }
#endif

int reel_crc32c_is_hardware(void) { return have_hw(); }

uint32_t reel_crc32c(uint32_t crc, const void *data, size_t length) {
#if defined(__x86_64__)
    if (have_hw()) return crc32c_hw(crc, data, length);
#endif
    return reel_crc32c_portable(crc, data, length);
}
