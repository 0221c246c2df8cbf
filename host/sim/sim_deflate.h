/* sim_deflate.h - a fast zlib (RFC 1950/1951) encoder for the simulator's binary arrays.
 *
 * Profile m/z (64-bit) and intensity (32-bit) arrays are nearly incompressible by LZ77: their
 * only redundancy is the skewed distribution of exponent and high-mantissa bytes.  General
 * deflate encoders (libdeflate level 1, zlib level 1) spend most of their time looking for
 * matches that barely pay off and run at about 150 MB/s on them, which alone would hold the
 * simulator below its throughput target.  This encoder writes one dynamic-Huffman block of
 * literals only (what zlib's Z_HUFFMAN_ONLY strategy produces, at several times its speed):
 * within ~20% of libdeflate's ratio on these arrays at ~5x the speed.  Any zlib decoder reads
 * it; when Huffman coding would not save space it falls back to stored blocks. */
#ifndef LV_SIM_DEFLATE_H
#define LV_SIM_DEFLATE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Room dst needs for n input bytes. */
size_t sim_zlib_bound(size_t n);

/* Compresses src[0..n) into a complete zlib stream at dst; returns its length. */
size_t sim_zlib_compress(const uint8_t *src, size_t n, uint8_t *dst);

/* The same with code lengths from a quarter of the input (arrays of 16 KiB and more): the
 * histogram was a third of the time, the stream comes out within about 1% of the full
 * histogram's size, and it falls back to stored blocks like the other.  For the mzML writer; the
 * simulator keeps sim_zlib_compress so that its files stay byte for byte what they were. */
size_t sim_zlib_compress_sampled(const uint8_t *src, size_t n, uint8_t *dst);

#ifdef __cplusplus
}
#endif

#endif
