// CRC-32C (polynomial 0x1EDC6F41, reflected 0x82F63B78), as in iSCSI, ext4 and
// Snappy framing. Hardware path: the SSE4.2 crc32 instruction, three lanes at
// a time on long buffers; table path (slicing by 8) elsewhere.
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

// GF(2) arithmetic on reflected 32-bit polynomials modulo P (as zlib's
// crc32_combine does), to join CRCs computed over adjacent pieces.
static uint32_t multmodp(uint32_t a, uint32_t b) {
    uint32_t m = 1u << 31, p = 0;
    for (;;) {
        if (a & m) { p ^= b; if ((a & (m - 1)) == 0) break; }
        m >>= 1;
        b = (b & 1) ? (b >> 1) ^ 0x82F63B78u : b >> 1;
    }
    return p;
}

/// x^(8 * bytes) mod P: multiplying a raw CRC register by it advances the
/// register over `bytes` zero bytes.
static uint32_t shift_for_bytes(uint64_t bytes) {
    uint32_t p = 1u << 31;          // x^0
    uint32_t x2k = 1u << 30;        // x^1, squared as k grows: x^(2^k)
    uint64_t n = bytes * 8;
    while (n) {
        if (n & 1) p = multmodp(x2k, p);
        x2k = multmodp(x2k, x2k);
        n >>= 1;
    }
    return p;
}

#define LANE 8192
static uint32_t shift_lane, shift_two_lanes;
static pthread_once_t shift_once = PTHREAD_ONCE_INIT;
static void build_shifts(void) {
    shift_lane = shift_for_bytes(LANE);
    shift_two_lanes = shift_for_bytes(2 * LANE);
}

__attribute__((target("sse4.2")))
static uint32_t crc32c_hw(uint32_t crc, const void *data, size_t length) {
    const unsigned char *p = (const unsigned char *)data;
    uint64_t c = ~crc;
    while (length && ((uintptr_t)p & 7)) { c = __builtin_ia32_crc32qi((uint32_t)c, *p++); length--; }
    // Long buffers: three independent lanes of LANE bytes hide the crc32
    // instruction's 3-cycle latency (one lane runs at a third of its
    // throughput); their registers are joined with GF(2) multiplications.
    if (length >= 3 * LANE) {
        pthread_once(&shift_once, build_shifts);
        while (length >= 3 * LANE) {
            uint64_t c1 = 0, c2 = 0;
            const unsigned char *q1 = p + LANE, *q2 = p + 2 * LANE;
            for (size_t i = 0; i < LANE; i += 8) {
                uint64_t v0, v1, v2;
                memcpy(&v0, p + i, 8); memcpy(&v1, q1 + i, 8); memcpy(&v2, q2 + i, 8);
                c = __builtin_ia32_crc32di(c, v0);
                c1 = __builtin_ia32_crc32di(c1, v1);
                c2 = __builtin_ia32_crc32di(c2, v2);
            }
            c = multmodp(shift_two_lanes, (uint32_t)c) ^ multmodp(shift_lane, (uint32_t)c1) ^ (uint32_t)c2;
            p += 3 * LANE; length -= 3 * LANE;
        }
    }
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
