/* sim_rng.h - the simulator's own pseudo-random numbers: xoshiro256** seeded by splitmix64.
 *
 * The simulator must write byte-identical files for a seed on every platform and libc, so it
 * cannot use rand() or any library generator.  Independent streams (model, scans, calibration,
 * one per compound's fragments) come from hashing (seed, stream) through splitmix64. */
#ifndef LV_SIM_RNG_H
#define LV_SIM_RNG_H

#include <math.h>
#include <stdint.h>

typedef struct sim_rng {
    uint64_t s[4];
} sim_rng;

static inline uint64_t sim_splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* A 64-bit hash of (a, b), used to derive stream seeds. */
static inline uint64_t sim_mix(uint64_t a, uint64_t b)
{
    uint64_t x = a ^ (b * 0xd6e8feb86659fd93ull);
    sim_splitmix64(&x);
    return sim_splitmix64(&x);
}

static inline void sim_rng_seed(sim_rng *r, uint64_t seed, uint64_t stream)
{
    uint64_t x = sim_mix(seed, stream);
    for (int i = 0; i < 4; i++)
        r->s[i] = sim_splitmix64(&x);
}

static inline uint64_t sim_rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static inline uint64_t sim_next(sim_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = sim_rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = sim_rotl(s[3], 45);
    return result;
}

/* Uniform in [0, 1). */
static inline double sim_uniform(sim_rng *r)
{
    return (double)(sim_next(r) >> 11) * 0x1.0p-53;
}

static inline double sim_range(sim_rng *r, double lo, double hi)
{
    return lo + (hi - lo) * sim_uniform(r);
}

/* Uniform integer in [0, n) (n > 0), by the multiply-shift method. */
static inline uint32_t sim_below(sim_rng *r, uint32_t n)
{
    return (uint32_t)(((sim_next(r) >> 32) * (uint64_t)n) >> 32);
}

/* Log-uniform in [lo, hi) (both > 0). */
static inline double sim_log_range(sim_rng *r, double lo, double hi)
{
    return lo * exp(log(hi / lo) * sim_uniform(r));
}

/* Standard normal by Box-Muller: exact, for the model and per-spectrum quantities. */
static inline double sim_gauss(sim_rng *r)
{
    double u = 1.0 - sim_uniform(r); /* (0, 1]: log stays finite */
    double v = sim_uniform(r);
    return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

/* Approximately standard normal: the Irwin-Hall sum of four 16-bit uniforms, rescaled to unit
 * variance.  It runs once per profile point, where Box-Muller's log/sqrt/cos would cost more than
 * everything else per point; its tails end at +-3.46 sigma, which electronic noise never shows. */
static inline double sim_noise(sim_rng *r)
{
    uint64_t x = sim_next(r);
    uint32_t sum = (uint32_t)(x & 0xffff) + (uint32_t)((x >> 16) & 0xffff) +
                   (uint32_t)((x >> 32) & 0xffff) + (uint32_t)(x >> 48);
    /* mean 4 * 32767.5, variance 4 * (65536^2 - 1) / 12 */
    return ((double)sum - 131070.0) * (1.7320508075688772 / 65536.0);
}

#endif
