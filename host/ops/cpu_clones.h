/* cpu_clones.h - LV_CPU_CLONES: compile a hot CPU loop twice, for the x86-64 baseline (SSE2) and
 * for AVX2, and pick the copy at load time (GCC/clang target_clones, an ifunc).  The library is
 * built for the baseline ISA so that it runs everywhere; the AVX2 copy doubles the width of the
 * double-precision vectors.  "avx2" does not enable FMA, so both copies round every multiply and
 * add the same way (C11 mode also keeps -ffp-contract=off): results do not depend on the CPU.
 *
 * Put it on functions that contain the loops (helpers they call are inlined into each copy) and
 * are called often enough to matter but not per element (the dispatch is an indirect call).
 * Empty where ifuncs are not available (not x86-64 ELF, or LV_NO_TARGET_CLONES defined). */
#ifndef LV_CPU_CLONES_H
#define LV_CPU_CLONES_H

#if defined(__x86_64__) && defined(__ELF__) && defined(__has_attribute) &&                         \
    !defined(LV_NO_TARGET_CLONES) && !defined(__CUDACC__)
#if __has_attribute(target_clones)
#define LV_CPU_CLONES __attribute__((target_clones("avx2", "default")))
#endif
#endif
#ifndef LV_CPU_CLONES
#define LV_CPU_CLONES
#endif

/* LV_CPU_CLONES_FMA: the same for x86-64-v3 (AVX2 + FMA) instead of AVX2 alone, for kernels whose
 * file is compiled with -ffp-contract=fast because their multiply-adds are meant to fuse (a GEMM
 * micro-kernel: host/ops/bayes_fused.c).  Their results then differ by rounding between CPUs with
 * and without FMA.  GCC dispatches "arch=x86-64-v3" from version 12; elsewhere: LV_CPU_CLONES. */
#if defined(__x86_64__) && defined(__ELF__) && !defined(LV_NO_TARGET_CLONES) &&                    \
    !defined(__CUDACC__) && !defined(__clang__) && defined(__GNUC__) && __GNUC__ >= 12
#define LV_CPU_CLONES_FMA __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define LV_CPU_CLONES_FMA LV_CPU_CLONES
#endif

#endif
