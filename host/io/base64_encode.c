/* base64_encode.c - RFC 4648 base64 encoding (standard alphabet, '=' padding, no line breaks).
 *
 * Writers emit every binary array through here, so it is table-driven for speed: a 4096-entry
 * table maps 12 input bits straight to two output characters, and the main loop turns 6 input
 * bytes into 8 characters with one 64-bit load and four table lookups. */
#include "io/base64.h"

#include <string.h>

/* The 8192 characters of the pair table, built by string-literal concatenation at compile time:
 * entry i (characters 2i and 2i+1) is alphabet[i >> 6] followed by alphabet[i & 63]. */
// clang-format off
#define B64_ROW(c) \
    c "A" c "B" c "C" c "D" c "E" c "F" c "G" c "H" c "I" c "J" c "K" c "L" \
    c "M" c "N" c "O" c "P" c "Q" c "R" c "S" c "T" c "U" c "V" c "W" c "X" \
    c "Y" c "Z" c "a" c "b" c "c" c "d" c "e" c "f" c "g" c "h" c "i" c "j" \
    c "k" c "l" c "m" c "n" c "o" c "p" c "q" c "r" c "s" c "t" c "u" c "v" \
    c "w" c "x" c "y" c "z" c "0" c "1" c "2" c "3" c "4" c "5" c "6" c "7" \
    c "8" c "9" c "+" c "/"

static const char b64_pairs[8192 + 1] =
    B64_ROW("A") B64_ROW("B") B64_ROW("C") B64_ROW("D") B64_ROW("E") B64_ROW("F") B64_ROW("G")
    B64_ROW("H") B64_ROW("I") B64_ROW("J") B64_ROW("K") B64_ROW("L") B64_ROW("M") B64_ROW("N")
    B64_ROW("O") B64_ROW("P") B64_ROW("Q") B64_ROW("R") B64_ROW("S") B64_ROW("T") B64_ROW("U")
    B64_ROW("V") B64_ROW("W") B64_ROW("X") B64_ROW("Y") B64_ROW("Z") B64_ROW("a") B64_ROW("b")
    B64_ROW("c") B64_ROW("d") B64_ROW("e") B64_ROW("f") B64_ROW("g") B64_ROW("h") B64_ROW("i")
    B64_ROW("j") B64_ROW("k") B64_ROW("l") B64_ROW("m") B64_ROW("n") B64_ROW("o") B64_ROW("p")
    B64_ROW("q") B64_ROW("r") B64_ROW("s") B64_ROW("t") B64_ROW("u") B64_ROW("v") B64_ROW("w")
    B64_ROW("x") B64_ROW("y") B64_ROW("z") B64_ROW("0") B64_ROW("1") B64_ROW("2") B64_ROW("3")
    B64_ROW("4") B64_ROW("5") B64_ROW("6") B64_ROW("7") B64_ROW("8") B64_ROW("9") B64_ROW("+")
    B64_ROW("/");
// clang-format on

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static inline void put_pair(char *dst, uint32_t twelve_bits)
{
    memcpy(dst, b64_pairs + 2 * twelve_bits, 2);
}

size_t lv_base64_encode(const uint8_t *src, size_t n, char *dst)
{
    char *out = dst;
    size_t i = 0;
    /* 8-byte loads need 8 readable bytes, of which 6 are consumed. */
    for (; n - i >= 8; i += 6, out += 8) {
        uint64_t v;
        memcpy(&v, src + i, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        v = __builtin_bswap64(v);
#elif !(defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__)
#error "unknown byte order"
#endif
        put_pair(out, (uint32_t)(v >> 52) & 0xfff);
        put_pair(out + 2, (uint32_t)(v >> 40) & 0xfff);
        put_pair(out + 4, (uint32_t)(v >> 28) & 0xfff);
        put_pair(out + 6, (uint32_t)(v >> 16) & 0xfff);
    }
    for (; n - i >= 3; i += 3, out += 4) {
        uint32_t v = ((uint32_t)src[i] << 16) | ((uint32_t)src[i + 1] << 8) | src[i + 2];
        put_pair(out, v >> 12);
        put_pair(out + 2, v & 0xfff);
    }
    if (n - i == 1) {
        uint32_t v = (uint32_t)src[i] << 16;
        out[0] = b64_alphabet[v >> 18];
        out[1] = b64_alphabet[(v >> 12) & 63];
        out[2] = '=';
        out[3] = '=';
        out += 4;
    } else if (n - i == 2) {
        uint32_t v = ((uint32_t)src[i] << 16) | ((uint32_t)src[i + 1] << 8);
        out[0] = b64_alphabet[v >> 18];
        out[1] = b64_alphabet[(v >> 12) & 63];
        out[2] = b64_alphabet[(v >> 6) & 63];
        out[3] = '=';
        out += 4;
    }
    return (size_t)(out - dst);
}
