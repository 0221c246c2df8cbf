/* lv_hd.h - macros that let one per-element math header compile as C11 and as CUDA.
 *
 * The CPU fallbacks (host/ops/<op>.c, plain C11) and the kernels (kernels/<op>.cu, nvcc) include
 * the same small headers of per-element functions, so both backends run exactly the same
 * arithmetic and the CPU tests exercise the kernels' math.  Under nvcc these functions must be
 * callable from host and device code; under a C compiler the CUDA keywords do not exist. */
#ifndef LV_HD_H
#define LV_HD_H

#if defined(__CUDACC__)
#define LV_HD __host__ __device__
#else
#define LV_HD
#endif

/* Declares a per-element function that lives in a header: one private copy per translation unit
 * (no symbol ever leaves the core or the backend), inlined at the call site. */
#define LV_INLINE LV_HD static inline

#endif
