/* The wide part of the WebSocket mask (RFC 6455 §5.3) for _ws_mask_c.pyx: XOR the
 * leading multiple of 64 bytes of a buffer with a repeated 8-byte key, using AVX2
 * (32-byte unaligned loads and stores) when the running CPU has it.
 *
 * ws_mask_wide() returns how many leading bytes it masked (a multiple of 64, or 0
 * where AVX2 is unavailable or the compiler cannot target it); the caller masks the
 * rest word by word.  Release wheels are built for the x86-64 baseline (SSE2), so the
 * AVX2 body is compiled with a function-level target attribute and chosen at run
 * time with __builtin_cpu_supports, never assumed.
 */
#ifndef AIOHTTP_CLIENT_WS_MASK_WIDE_H
#define AIOHTTP_CLIENT_WS_MASK_WIDE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__)) && !defined(_MSC_VER)
#define WS_MASK_HAVE_AVX2 1
#include <immintrin.h>

__attribute__((target("avx2")))
static size_t ws_mask_avx2(uint8_t *buf, size_t n, uint64_t k64)
{
    const __m256i key = _mm256_set1_epi64x((long long)k64);
    size_t i = 0;
    for (; i + 64 <= n; i += 64) {
        __m256i a = _mm256_loadu_si256((const __m256i *)(const void *)(buf + i));
        __m256i b = _mm256_loadu_si256((const __m256i *)(const void *)(buf + i + 32));
        _mm256_storeu_si256((__m256i *)(void *)(buf + i), _mm256_xor_si256(a, key));
        _mm256_storeu_si256((__m256i *)(void *)(buf + i + 32), _mm256_xor_si256(b, key));
    }
    return i;
}

static int ws_mask_avx2_usable = -1;  /* -1: not probed yet */
#endif

static size_t ws_mask_wide(uint8_t *buf, size_t n, uint64_t k64)
{
#ifdef WS_MASK_HAVE_AVX2
    if (ws_mask_avx2_usable < 0) {
        __builtin_cpu_init();
        ws_mask_avx2_usable = __builtin_cpu_supports("avx2") ? 1 : 0;
    }
    if (ws_mask_avx2_usable)
        return ws_mask_avx2(buf, n, k64);
#endif
    (void)buf; (void)n; (void)k64;
    return 0;
}

#endif
