/* noise_mad.c - MAD noise by two quickselects on a scratch copy.  The CUDA kernel computes the
 * same two order statistics by radix selection; both return exact order statistics, so the two
 * backends agree to the bit on the noise level. */
#include "ops/noise_mad.h"

#include "peak_math.h"

static void swap(double *a, double *b)
{
    double t = *a;
    *a = *b;
    *b = t;
}

/* Rearranges v[0..n) so that v[k] is the k-th smallest, smaller or equal values before it and
 * larger or equal after it (Hoare partition around a median of three). */
static void select_kth(double *v, uint64_t n, uint64_t k)
{
    uint64_t lo = 0, hi = n - 1;
    while (hi > lo) {
        const uint64_t mid = lo + (hi - lo) / 2;
        if (v[mid] < v[lo]) swap(&v[mid], &v[lo]);
        if (v[hi] < v[lo]) swap(&v[hi], &v[lo]);
        if (v[hi] < v[mid]) swap(&v[hi], &v[mid]);
        const double pivot = v[mid];
        uint64_t i = lo, j = hi;
        while (i <= j) {
            while (v[i] < pivot)
                i++;
            while (pivot < v[j])
                j--;
            if (i <= j) {
                swap(&v[i], &v[j]);
                i++;
                if (j == 0) break;
                j--;
            }
        }
        if (k <= j && j != (uint64_t)-1)
            hi = j;
        else if (k >= i)
            lo = i;
        else
            return; /* lo..hi between j and i hold the pivot */
    }
}

/* Median of v[0..n), n >= 1 (v is reordered). */
static double median(double *v, uint64_t n)
{
    const uint64_t k = (n - 1) / 2;
    select_kth(v, n, k);
    const double lo = v[k];
    if (n % 2) return lo;
    double hi = v[k + 1];
    for (uint64_t i = k + 2; i < n; i++)
        if (v[i] < hi) hi = v[i];
    return 0.5 * (lo + hi);
}

double lv_mad_noise(const float *x, uint64_t n, double *scratch)
{
    uint64_t m = 0;
    for (uint64_t i = 0; i < n; i++)
        if (x[i] == x[i]) scratch[m++] = x[i];
    if (m == 0) return 0.0;
    const double med = median(scratch, m);
    for (uint64_t i = 0; i < m; i++)
        scratch[i] = fabs(scratch[i] - med);
    return LV_MAD_TO_SIGMA * median(scratch, m);
}
