/*
 * ssimulacra2.c - the SSIMULACRA2 perceptual metric for the Worker (freestanding C, wasm32).
 *
 * SSIMULACRA2 was designed by Jon Sneyers (Cloudinary); its reference is libjxl's
 * tools/ssimulacra2.cc (BSD-3-Clause, Copyright (c) the JPEG XL Project Authors), ported to Rust as
 * rust-av/ssimulacra2 (BSD-2-Clause). This file is an independent implementation of the published
 * algorithm; only the metric's constants (the opsin matrix and bias, the XYB offsets, SSIM's C2,
 * the 108 weights and the final polynomial) are taken from those sources, because they define it.
 *
 * Entry points: s2_score(width, height, background, version, exact) pulls both images in row by
 * row (from JS, env.s2_get_row) and returns the score; s2_reference(width, height, background) then
 * s2_compare(background) any number of times do the same for a scorer that keeps its instance
 * (version 2.1, streaming path). The metric:
 *
 *   8-bit sRGB (alpha composited over a grey background when asked) -> linear RGB (LUT)
 *   for each of up to 6 scales (2x box downscale in linear RGB between scales):
 *     for each XYB channel (X, Y, B - Y, with the metric's offsets):
 *       mu = blur(x), sigma = blur(x * y) for both images (recursive Gaussian, sigma 1.5)
 *       SSIM error map (without the luminance denominator), "artifact" and "detail lost" maps
 *       -> 1-norm and 4-norm of each map
 *   108 weighted norms -> cubic polynomial -> 100 - 10 * x^0.6276   (2.0: its own weights/mapping)
 *
 * Faithfulness: the reference's recursive blur runs in float with poles on the unit circle, so its
 * rounding noise is part of the reference's scores (an exact 9-tap FIR version of the same filter
 * scored up to 4.5 points off near 100; the same recursion in plain float, without the fused
 * multiply-adds, up to 0.6 points off at JPEG q90). We run the same recursion with the same
 * operation order, fused multiply-adds included (emulated exactly in double), and a correctly
 * rounded cube root. Version 2.0 also replays calc-s2-rust's approximate sRGB decoding and XYB
 * round trip; it then matches that package to 1e-9 on real photos (test/worker/ssimulacra2.test.ts).
 *
 * Two paths compute the same numbers:
 *
 * - The exact path (version 2.0 always, 2.1 when asked) works one scale and one channel at a time
 *   over whole planes: the two images stay as packed 8-bit RGB at full size (6 bytes/px), the
 *   smaller scales as linear float RGB (6 planes at 1/4, 1/16 ... size: under 8 bytes/px of the
 *   full image), and the work area holds 7 float planes of the current scale (28 bytes/px). Blurs
 *   run in place with a few rows of scratch. Peak: about 42 bytes per pixel of the (padded)
 *   full-size image plus about 200 KiB (measured in workerd: 42,205,184 bytes of linear memory for
 *   a 1000 x 1000 pair).
 * - The streaming path (version 2.1 by default; see its section) makes one pass over the rows of
 *   both images and runs all scales and channels side by side, keeping 215 to 323 rows per scale
 *   (by the quantities it blurs there): about 2.3 KB per image column whatever the height
 *   (1,755,360 bytes of heap for 768 x 768; 2,424,832 bytes of linear memory measured in workerd
 *   for 1000 x 1000). For images under about 50 rows that is more than the exact path needs, so
 *   s2_score takes the exact path there (the same score). Its recursions run the same
 *   operations in the same order, so its blurred values are bit for bit the exact path's; it only
 *   sums the norms in another order, and skips the maps that 2.1 weighs 0. Its 2.1 scores equal
 *   the exact path's on all 63 test pairs. Speed for a 768 x 768 photo pair in workerd (medians
 *   of interleaved runs on the shared 2-core test machine): 254 ms before (the exact path), 91 ms
 *   streaming, 83 ms for a scorer's later scores; in Node (CPU time, six pairs) 290, 80 and 69 ms.
 *
 * s2_bytes_needed gives either path's bound. Images under 8 pixels on a side are padded to 8 by
 * repeating their last row/column (the metric needs 8). Smaller scales are dropped exactly as the
 * reference does: a scale is computed as long as the previous one was at least 8 x 8.
 *
 * Memory: a bump allocator over the exported linear memory, never freed; the JS side creates a
 * fresh instance per call (or per scorer). Failures call the imported env.s2_fail(code) and trap.
 */
#include <stdint.h>
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(#name)))
#define IMPORT(name) __attribute__((import_module("env"), import_name(#name)))

#define NUM_SCALES 6
#define MIN_SIZE 8
#define MAX_DIM 65535
#define BLUR_N 5                 /* the recursive Gaussian's N = round(3.2795 * 1.5 + 0.2546) */
#define PAGE_BYTES 65536u

enum { FAIL_OUT_OF_MEMORY = 1, FAIL_BAD_ARGUMENT = 2 };

IMPORT(s2_fail) void s2_fail(int32_t code);
/* Copies row y (width * 4 bytes, straight RGBA8) of image `which` (0 reference, 1 distorted) to `to`. */
IMPORT(s2_get_row) void s2_get_row(int32_t which, int32_t y, uint8_t *to);

static _Noreturn void fail(int32_t code) {
  s2_fail(code);
  __builtin_trap();
}

/* ------------------------------------------------------------------------------------------- */
/* Memory: bump allocation over linear memory, growing it as needed, up to a limit set by JS.   */

extern unsigned char __heap_base;

static uint32_t heap_top;
static uint64_t heap_limit = 0xFFFF0000u;

/* Caps the total linear memory (bytes) this instance may grow to; 0 leaves the wasm32 maximum. */
EXPORT(s2_set_limit) void s2_set_limit(uint32_t bytes) {
  heap_limit = bytes ? bytes : 0xFFFF0000u;
}

static void *alloc_bytes(uint64_t size) {
  if (!heap_top) heap_top = ((uint32_t)(uintptr_t)&__heap_base + 15u) & ~15u;
  uint64_t end = ((uint64_t)heap_top + size + 15u) & ~(uint64_t)15u;
  if (end > heap_limit) fail(FAIL_OUT_OF_MEMORY);
  uint64_t pages = (end + PAGE_BYTES - 1) / PAGE_BYTES;
  uint64_t have = __builtin_wasm_memory_size(0);
  if (pages > have && __builtin_wasm_memory_grow(0, (uint32_t)(pages - have)) == (uint32_t)-1) {
    fail(FAIL_OUT_OF_MEMORY);
  }
  void *p = (void *)(uintptr_t)heap_top;
  heap_top = (uint32_t)end;
  return p;
}

static float *alloc_floats(uint64_t n) {
  return alloc_bytes(n * sizeof(float));
}

static float *alloc_zero_floats(uint64_t n) {
  float *p = alloc_floats(n);
  for (uint64_t i = 0; i < n; i++) p[i] = 0.0f;
  return p;
}

/* ------------------------------------------------------------------------------------------- */
/* Small maths in double precision (no libc): only used for tables and the final mapping.        */

static double abs_d(double x) { return x < 0 ? -x : x; }

/* sin and cos by their Taylor series; |x| <= 2 pi here, where 40 terms are exact to ~1e-15. */
static double series_sin(double x) {
  double term = x, sum = x;
  for (int n = 1; n < 40; n++) {
    term *= -x * x / ((2.0 * n) * (2.0 * n + 1.0));
    sum += term;
  }
  return sum;
}

static double series_cos(double x) {
  double term = 1.0, sum = 1.0;
  for (int n = 1; n < 40; n++) {
    term *= -x * x / ((2.0 * n - 1.0) * (2.0 * n));
    sum += term;
  }
  return sum;
}

/* e^x: x = k ln2 + r with |r| <= ln2 / 2, Taylor series for e^r, 2^k built in the exponent bits. */
static double exp_d(double x) {
  const double ln2 = 0.69314718055994530942;
  if (x < -700.0) return 0.0;
  double kf = x / ln2;
  int k = (int)(kf < 0 ? kf - 0.5 : kf + 0.5);
  double r = x - k * ln2, term = 1.0, sum = 1.0;
  for (int n = 1; n < 25; n++) {
    term *= r / n;
    sum += term;
  }
  union { double d; uint64_t u; } scale = { .u = (uint64_t)(k + 1023) << 52 };
  return sum * scale.d;
}

/* ln x for x > 0: x = m 2^e with m in [1, 2), ln m = 2 atanh((m - 1) / (m + 1)) by its series. */
static double log_d(double x) {
  const double ln2 = 0.69314718055994530942;
  union { double d; uint64_t u; } v = { .d = x };
  int e = (int)((v.u >> 52) & 0x7ff) - 1023;
  v.u = (v.u & 0x000fffffffffffffull) | 0x3ff0000000000000ull;
  double s = (v.d - 1.0) / (v.d + 1.0), s2 = s * s, term = s, sum = 0.0;
  for (int n = 1; n < 60; n += 2) {
    sum += term / n;
    term *= s2;
  }
  return 2.0 * sum + e * ln2;
}

static double pow_d(double x, double y) {
  return x <= 0.0 ? 0.0 : exp_d(y * log_d(x));
}

/* Cube root of a float, correctly rounded in practice: a guess from the exponent bits (a third
 * of the biased exponent, offset to centre its error), then two Halley steps
 * t (t^3 + 2x) / (2 t^3 + x) in double precision. Negative inputs give negative roots. */
static float cbrt_f(float x) {
  union { float f; uint32_t u; } v = { .f = x };
  uint32_t sign = v.u & 0x80000000u, mag = v.u & 0x7fffffffu;
  if (mag == 0) return x;
  v.u = sign | (mag / 3u + 709958130u);
  double t = v.f, xd = x, r;
  r = t * t * t;
  t = t * (xd + xd + r) / (xd + r + r);
  r = t * t * t;
  t = t * (xd + xd + r) / (xd + r + r);
  return (float)t;
}

/* ------------------------------------------------------------------------------------------- */
/* Tables: sRGB -> linear for 8-bit values, and the Gaussian blur's coefficients.               */

static float srgb_to_linear[256];
/* The recursive Gaussian's three cosine terms: input gain n2 and feedback d1 (see build_kernel). */
static float blur_n2[3], blur_d1[3];

/*
 * SSIMULACRA 2.0 compatibility (see compat20): the Rust port that tools like calc-s2-rust build
 * on (rust-av/yuvxyb, MIT/BSD) decodes sRGB with a fast approximate pow (a 5th-degree polynomial
 * for log2 and one for exp2, after jrfonseca's "Fast SSE2 pow") and slightly adjusted constants.
 * Its errors (~1e-5) are small but show in the metric's 4-norms near 100, so the 2.0 mode
 * reproduces them to compare like with like. 2.1 uses the exact sRGB curve.
 */
static inline float fma_f(float a, float b, float c) {
  return (float)((double)a * (double)b + (double)c);  /* the product is exact in double */
}

static float poly5_f(float x, const float k[6]) {
  float v = k[5];
  for (int i = 4; i >= 0; i--) v = fma_f(x, v, k[i]);
  return v;
}

static float fast_pow_f(float x, float y) {
  static const float log_k[6] = { 3.11579f, -3.324199f, 2.5988452f, -1.2315303f, 3.1821337e-1f, -3.4436006e-2f };
  static const float exp_k[6] = { 9.9999994e-1f, 6.931531e-1f, 2.4015361e-1f, 5.5826318e-2f, 8.98934e-3f, 1.8775767e-3f };
  union { float f; uint32_t u; } v = { .f = x }, one = { .f = 1.0f }, mant;
  float exponent = (float)((int32_t)((v.u & 0x7f800000u) >> 23) - 127);
  mant.u = (v.u & 0x007fffffu) | one.u;
  float l = poly5_f(mant.f, log_k) * (mant.f - 1.0f) + exponent;
  float e = l * y;
  e = e < -126.99999f ? -126.99999f : e > 129.0f ? 129.0f : e;
  int32_t ipart = (int32_t)(e - 0.5f);
  float fpart = e - (float)ipart;
  union { float f; uint32_t u; } scale = { .u = (uint32_t)(ipart + 127) << 23 };
  return scale.f * poly5_f(fpart, exp_k);
}

static void build_srgb_table(int version) {
  for (int v = 0; v < 256; v++) {
    if (version == 20) {
      const float alpha = 1.0550107f, beta = 0.0030412825f;
      float c = (float)v / 255.0f;
      srgb_to_linear[v] = c < 12.92f * beta ? c / 12.92f : fast_pow_f((c + (alpha - 1.0f)) / alpha, 2.4f);
    } else {
      double c = v / 255.0;
      srgb_to_linear[v] = (float)(c <= 0.04045 ? c / 12.92 : pow_d((c + 0.055) / 1.055, 2.4));
    }
  }
}

static double det3(const double m[3][3]) {
  return m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
         m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
}

/*
 * The blur is libjxl's recursive Gaussian (sigma 1.5): Charalampidis 2016, "Recursive
 * Implementation of the Gaussian Filter Using Truncated Cosine Functions", three cosine terms,
 * N = 5, zero outside the image. In exact arithmetic it equals a 9-tap FIR with taps
 * sum_k beta_k cos(omega_k t), |t| <= 4. But the reference runs it as a float recursion whose poles
 * sit on the unit circle, so rounding errors accumulate along rows and columns. That noise differs
 * between the two images and shows in the 4-norms (a first FIR version scored up to 4.5 points
 * higher than the reference near 100). So we run the same recursion, in the same order.
 * beta solves the paper's equations (52)-(56), here by Cramer's rule.
 */
static void build_kernel(void) {
  const double sigma = 1.5, pi = 3.14159265358979323846;
  const double n = BLUR_N;
  double omega[3], p[3], r[3], rho[3];
  for (int i = 0; i < 3; i++) {
    omega[i] = (2 * i + 1) * pi / (2.0 * n);
    double half = 0.5 * omega[i];
    double cot = series_cos(half) / series_sin(half);
    p[i] = (i == 1 ? -cot : cot);
    r[i] = (i == 1 ? -1.0 : 1.0) * p[i] * p[i] / series_sin(omega[i]);
    rho[i] = exp_d(-0.5 * sigma * sigma * omega[i] * omega[i]) / n;
  }
  double d13 = p[0] * r[1] - r[0] * p[1];
  double d35 = p[1] * r[2] - r[1] * p[2];
  double d51 = p[2] * r[0] - r[2] * p[0];
  double zeta15 = d35 / d13, zeta35 = d51 / d13;
  double a[3][3] = { { p[0], p[1], p[2] }, { r[0], r[1], r[2] }, { zeta15, zeta35, 1.0 } };
  double gamma[3] = { 1.0, n * n - sigma * sigma, zeta15 * rho[0] + zeta35 * rho[1] + rho[2] };
  double det = det3(a);
  for (int i = 0; i < 3; i++) {
    double m[3][3];
    for (int row = 0; row < 3; row++)
      for (int col = 0; col < 3; col++) m[row][col] = col == i ? gamma[row] : a[row][col];
    double beta = det3(m) / det;
    /* omega (N + 1) reaches 3 pi: reduce by 2 pi for the series. */
    double phase = omega[i] * (n + 1.0);
    while (phase > pi) phase -= 2.0 * pi;
    blur_n2[i] = (float)(-beta * series_cos(phase));
    blur_d1[i] = (float)(-2.0 * series_cos(omega[i]));
  }
}

/* ------------------------------------------------------------------------------------------- */
/* Colour: linear RGB -> one channel of the metric's XYB.                                        */

/* Opsin absorbance matrix and bias of JPEG XL's XYB (libjxl lib/jxl/cms/opsin_params.h, BSD-3),
 * spelt as the Rust port spells them (each row sums to 1 in float arithmetic). */
#define M00 0.30f
#define M02 0.078f
#define M01 (1.0f - M02 - M00)
#define M10 0.23f
#define M12 0.078f
#define M11 (1.0f - M12 - M10)
#define M20 0.24342269f
#define M21 0.20476745f
#define M22 (1.0f - M20 - M21)
#define OPSIN_BIAS 0.0037930734f

static float cbrt_bias;

/* Version 2.0 (1) or 2.1 (0): set by s2_score. */
static int compat20;

/* One row of the opsin matrix applied to (r, g, b), plus the bias, as fused multiply-adds. */
static inline float opsin(float m0, float m1, float m2, float r, float g, float b) {
  return fma_f(m0, r, fma_f(m1, g, fma_f(m2, b, OPSIN_BIAS)));
}

static inline float mixed_cbrt(float v) {
  return cbrt_f(v > 0.0f ? v : 0.0f) - cbrt_bias;
}

/* Row buffers for the three opsin mixtures (L, M, S) of one row. */
static float *mix[3];

/*
 * v[x] = cbrt(max(v[x], 0)) - cbrt(bias) over a row: cbrt_f in a form the compiler vectorises
 * (the guess's division by 3 is done in float; the Halley steps make the result the same).
 */
static void mixed_cbrt_row(float *restrict v, int n) {
  const float bias = cbrt_bias;
  for (int x = 0; x < n; x++) {
    float f = v[x] > 0.0f ? v[x] : 0.0f;
    union { float f; uint32_t u; } g = { .f = f };
    g.u = (uint32_t)((float)g.u * (1.0f / 3.0f)) + 709958130u;
    double t = g.f, xd = f, r;
    r = t * t * t;
    t = t * (xd + xd + r) / (xd + r + r);
    r = t * t * t;
    t = t * (xd + xd + r) / (xd + r + r);
    v[x] = (f == 0.0f ? 0.0f : (float)t) - bias;
  }
}

/*
 * Channel c of the metric's XYB for n pixels of linear RGB, scaled to about 0..1:
 * version 2.1: 14 X + 0.42, Y + 0.01, (B - Y) + 0.55; version 2.0: X + 0.5, Y + 0.05, B + (1.1 - Y).
 */
static void xyb_row(int c, const float *restrict r, const float *restrict g, const float *restrict b, int n,
                    float *restrict out) {
  float *restrict l = mix[0], *restrict m = mix[1], *restrict s = mix[2];
  for (int x = 0; x < n; x++) {
    l[x] = opsin(M00, M01, M02, r[x], g[x], b[x]);
    m[x] = opsin(M10, M11, M12, r[x], g[x], b[x]);
  }
  mixed_cbrt_row(l, n);
  mixed_cbrt_row(m, n);
  if (c == 0) {
    for (int x = 0; x < n; x++) {
      float xx = 0.5f * (l[x] - m[x]);
      out[x] = compat20 ? xx + 0.5f : fma_f(xx, 14.0f, 0.42f);
    }
  } else if (c == 1) {
    const float offset = compat20 ? 0.05f : 0.01f;
    for (int x = 0; x < n; x++) out[x] = 0.5f * (l[x] + m[x]) + offset;
  } else {
    for (int x = 0; x < n; x++) s[x] = opsin(M20, M21, M22, r[x], g[x], b[x]);
    mixed_cbrt_row(s, n);
    for (int x = 0; x < n; x++) {
      float yy = 0.5f * (l[x] + m[x]);
      out[x] = compat20 ? s[x] + (1.1f - yy) : (s[x] - yy) + 0.55f;
    }
  }
}

/*
 * 2.0 compatibility: calc-s2-rust converts 8-bit sRGB to XYB, and the metric converts that back to
 * linear RGB (rust-av/yuvxyb's inverse, with its rounded inverse matrix) before starting. This
 * replays that round trip on a row of linear RGB.
 */
static void xyb_round_trip(float *restrict r, float *restrict g, float *restrict b, int n) {
  static const float inv[9] = { 11.031567f, -9.866944f, -0.16462299f, -3.2541473f, 4.4187703f,
                                -0.16462299f, -3.6588514f, 2.712923f, 1.9459282f };
  float neg_bias_cbrt = cbrt_f(-OPSIN_BIAS);
  for (int x = 0; x < n; x++) {
    float l = mixed_cbrt(opsin(M00, M01, M02, r[x], g[x], b[x]));
    float m = mixed_cbrt(opsin(M10, M11, M12, r[x], g[x], b[x]));
    float s = mixed_cbrt(opsin(M20, M21, M22, r[x], g[x], b[x]));
    float xx = 0.5f * (l - m), yy = 0.5f * (l + m);
    float v[3] = { yy + xx, yy - xx, s };
    for (int i = 0; i < 3; i++) {
      v[i] -= neg_bias_cbrt;
      v[i] = fma_f(v[i] * v[i], v[i], -OPSIN_BIAS);
    }
    float o[3];
    for (int i = 0; i < 3; i++) {
      o[i] = inv[3 * i] * v[0];
      o[i] = fma_f(inv[3 * i + 1], v[1], o[i]);
      o[i] = fma_f(inv[3 * i + 2], v[2], o[i]);
    }
    r[x] = o[0];
    g[x] = o[1];
    b[x] = o[2];
  }
}

/* ------------------------------------------------------------------------------------------- */
/* Images: full size as packed 8-bit RGB, smaller scales as linear float planes.                 */

typedef struct {
  int w, h;
  const uint8_t *rgb8;   /* scale 0 only: w * h * 3 bytes */
  float *plane[3];       /* scales >= 1: linear R, G, B */
} Image;

/* Linear R, G, B of row y into r, g, b. */
static void linear_row(const Image *im, int y, float *r, float *g, float *b) {
  if (im->rgb8) {
    const uint8_t *src = im->rgb8 + (uint64_t)y * im->w * 3;
    for (int x = 0; x < im->w; x++) {
      r[x] = srgb_to_linear[src[3 * x]];
      g[x] = srgb_to_linear[src[3 * x + 1]];
      b[x] = srgb_to_linear[src[3 * x + 2]];
    }
    if (compat20) xyb_round_trip(r, g, b, im->w);
  } else {
    uint64_t at = (uint64_t)y * im->w;
    for (int x = 0; x < im->w; x++) {
      r[x] = im->plane[0][at + x];
      g[x] = im->plane[1][at + x];
      b[x] = im->plane[2][at + x];
    }
  }
}

/* Scratch rows of the scale-0 width: three for linear RGB, two for downscaling. */
static float *row_r, *row_g, *row_b, *row_r2, *row_g2, *row_b2;

/*
 * Halves `in` into `out` (already sized) by averaging 2 x 2 blocks in linear RGB. Blocks cut by
 * the right or bottom edge average the pixels they cover (rust-av/ssimulacra2); in 2.0 mode they
 * repeat the edge pixel and divide by 4 (the same value up to rounding, as calc-s2-rust does it).
 */
/* Row oy of the halved image (out_w wide) from input rows 2 oy (top) and 2 oy + 1 (bottom; the same
 * row when `single`, at the bottom edge) of width in_w. Whole blocks four at a time. */
static void downscale_row(const float *const top[3], const float *const bottom[3], int single, int in_w, int out_w,
                          float *const dst[3]) {
  const v128_t quarter = wasm_f32x4_splat(0.25f);
  for (int c = 0; c < 3; c++) {
    const float *t = top[c], *b = bottom[c];
    int ox = 0;
    if (!single) {
      for (; 2 * ox + 8 <= in_w; ox += 4) {
        v128_t t0 = wasm_v128_load(t + 2 * ox), t1 = wasm_v128_load(t + 2 * ox + 4);
        v128_t b0 = wasm_v128_load(b + 2 * ox), b1 = wasm_v128_load(b + 2 * ox + 4);
        v128_t sum = wasm_f32x4_add(wasm_i32x4_shuffle(t0, t1, 0, 2, 4, 6), wasm_i32x4_shuffle(t0, t1, 1, 3, 5, 7));
        sum = wasm_f32x4_add(sum, wasm_i32x4_shuffle(b0, b1, 0, 2, 4, 6));
        sum = wasm_f32x4_add(sum, wasm_i32x4_shuffle(b0, b1, 1, 3, 5, 7));
        wasm_v128_store(dst[c] + ox, wasm_f32x4_mul(sum, quarter));
      }
    }
    for (; ox < out_w; ox++) {
      int x0 = 2 * ox, x1 = x0 + 1 < in_w ? x0 + 1 : x0;
      int whole = x1 != x0 && !single;
      if (whole || compat20) {
        dst[c][ox] = (t[x0] + t[x1] + b[x0] + b[x1]) * 0.25f;
        continue;
      }
      float sum = t[x0], count = 1.0f;
      if (x1 != x0) sum += t[x1], count += 1.0f;
      if (!single) sum += b[x0], count += 1.0f;
      dst[c][ox] = sum * (1.0f / count);
    }
  }
}

static void downscale(const Image *in, Image *out) {
  for (int oy = 0; oy < out->h; oy++) {
    int y0 = 2 * oy, y1 = y0 + 1 < in->h ? y0 + 1 : y0;
    linear_row(in, y0, row_r, row_g, row_b);
    linear_row(in, y1, row_r2, row_g2, row_b2);
    float *dst[3] = { out->plane[0] + (uint64_t)oy * out->w, out->plane[1] + (uint64_t)oy * out->w,
                      out->plane[2] + (uint64_t)oy * out->w };
    const float *top[3] = { row_r, row_g, row_b }, *bottom[3] = { row_r2, row_g2, row_b2 };
    downscale_row(top, bottom, y1 == y0, in->w, out->w, dst);
  }
}

/* ------------------------------------------------------------------------------------------- */
/* The blur: the recursive Gaussian along rows, then along columns, in place.                  */

static float *pad_rows[4];         /* each: 2N zeros, a row, N zeros */
static float *saved[BLUR_N + 1];   /* the last N + 1 original rows, already overwritten in the plane */
static float *zero_row, *out_row;
static float *state[6];            /* per column: the previous and second previous outputs, per term */

/* Copies `row` into pad_rows[k] and returns where the row starts: p[-2N .. w + N - 1] readable. */
static float *padded(int k, const float *row, int w) {
  float *p = pad_rows[k] + 2 * BLUR_N;
  for (int i = -2 * BLUR_N; i < 0; i++) p[i] = 0.0f;
  for (int x = 0; x < w; x++) p[x] = row[x];
  for (int i = 0; i < BLUR_N; i++) p[w + i] = 0.0f;
  return p;
}

/* One row: output n = sum over terms of y_k(n), y_k(n) = n2_k (in[n - N - 1] + in[n + N - 1])
 * - d1_k y_k(n - 1) - y_k(n - 2), starting at n = 1 - N (operations in the reference's order). */
static void blur_row(float *row, int w) {
  const float n1 = blur_n2[0], n3 = blur_n2[1], n5 = blur_n2[2];
  const float m1 = -blur_d1[0], m3 = -blur_d1[1], m5 = -blur_d1[2];
  const float *p = padded(0, row, w);
  float prev1 = 0, prev3 = 0, prev5 = 0, prev21 = 0, prev23 = 0, prev25 = 0;
  for (int x = 1 - BLUR_N; x < w; x++) {
    float sum = p[x - BLUR_N - 1] + p[x + BLUR_N - 1];
    float o1 = sum * n1, o3 = sum * n3, o5 = sum * n5;
    o1 -= prev21;
    o3 -= prev23;
    o5 -= prev25;
    prev21 = prev1;
    prev23 = prev3;
    prev25 = prev5;
    o1 = fma_f(m1, prev1, o1);
    o3 = fma_f(m3, prev3, o3);
    o5 = fma_f(m5, prev5, o5);
    prev1 = o1;
    prev3 = o3;
    prev5 = o5;
    if (x >= 0) row[x] = o1 + o3 + o5;
  }
}

/*
 * m p + o on four lanes, fused (relaxed SIMD's madd: fused on x86-64 with FMA and on arm64, the
 * machines that run Workers), as fma_f computes it in double. The two round the same way except
 * where the exact result lies within 2^-53 of a point halfway between two floats; no score of the
 * test pairs changed.
 */
static inline v128_t fma4(v128_t m, v128_t p, v128_t o) {
  return __builtin_wasm_relaxed_madd_f32x4(m, p, o);
}

/* blur_row on four rows at once, one row per SIMD lane (the recursion is serial along a row). */
static void blur_4_rows(float *rows[4], int w) {
  const v128_t n1 = wasm_f32x4_splat(blur_n2[0]), n3 = wasm_f32x4_splat(blur_n2[1]), n5 = wasm_f32x4_splat(blur_n2[2]);
  const v128_t m1 = wasm_f32x4_splat(-blur_d1[0]), m3 = wasm_f32x4_splat(-blur_d1[1]), m5 = wasm_f32x4_splat(-blur_d1[2]);
  const float *p0 = padded(0, rows[0], w), *p1 = padded(1, rows[1], w), *p2 = padded(2, rows[2], w),
              *p3 = padded(3, rows[3], w);
  v128_t prev1 = wasm_f32x4_splat(0), prev3 = prev1, prev5 = prev1, prev21 = prev1, prev23 = prev1, prev25 = prev1;
  for (int x = 1 - BLUR_N; x < w; x++) {
    int l = x - BLUR_N - 1, r = x + BLUR_N - 1;
    v128_t sum = wasm_f32x4_add(wasm_f32x4_make(p0[l], p1[l], p2[l], p3[l]), wasm_f32x4_make(p0[r], p1[r], p2[r], p3[r]));
    v128_t o1 = wasm_f32x4_sub(wasm_f32x4_mul(sum, n1), prev21);
    v128_t o3 = wasm_f32x4_sub(wasm_f32x4_mul(sum, n3), prev23);
    v128_t o5 = wasm_f32x4_sub(wasm_f32x4_mul(sum, n5), prev25);
    prev21 = prev1;
    prev23 = prev3;
    prev25 = prev5;
    prev1 = o1 = fma4(m1, prev1, o1);
    prev3 = o3 = fma4(m3, prev3, o3);
    prev5 = o5 = fma4(m5, prev5, o5);
    if (x >= 0) {
      v128_t out = wasm_f32x4_add(wasm_f32x4_add(o1, o3), o5);
      rows[0][x] = wasm_f32x4_extract_lane(out, 0);
      rows[1][x] = wasm_f32x4_extract_lane(out, 1);
      rows[2][x] = wasm_f32x4_extract_lane(out, 2);
      rows[3][x] = wasm_f32x4_extract_lane(out, 3);
    }
  }
}

static void blur_rows(float *plane, int w, int h) {
  int y = 0;
  for (; y + 4 <= h; y += 4) {
    float *rows[4];
    for (int k = 0; k < 4; k++) rows[k] = plane + (uint64_t)(y + k) * w;
    blur_4_rows(rows, w);
  }
  for (; y < h; y++) blur_row(plane + (uint64_t)y * w, w);
}

/* All columns at once, row by row, four columns per SIMD step:
 * y_k = n2_k * sum - (d1_k * y_k(n - 1) + y_k(n - 2)). Rows are 16-byte aligned only when w is a
 * multiple of 4, so loads and stores are unaligned (v128.load allows it). */
static void blur_columns(float *plane, int w, int h) {
  const float n1 = blur_n2[0], n3 = blur_n2[1], n5 = blur_n2[2];
  const float d1 = blur_d1[0], d3 = blur_d1[1], d5 = blur_d1[2];
  const v128_t n1_v = wasm_f32x4_splat(n1), n3_v = wasm_f32x4_splat(n3), n5_v = wasm_f32x4_splat(n5);
  const v128_t d1_v = wasm_f32x4_splat(d1), d3_v = wasm_f32x4_splat(d3), d5_v = wasm_f32x4_splat(d5);
  for (int k = 0; k < 6; k++)
    for (int x = 0; x < w; x++) state[k][x] = 0.0f;
  float *restrict a1 = state[0], *restrict a3 = state[1], *restrict a5 = state[2];   /* y(n - 1) */
  float *restrict b1 = state[3], *restrict b3 = state[4], *restrict b5 = state[5];   /* y(n - 2) */
  for (int n = 1 - BLUR_N; n < h; n++) {
    int top = n - BLUR_N - 1, bottom = n + BLUR_N - 1;
    const float *restrict t = top >= 0 ? saved[top % (BLUR_N + 1)] : zero_row;
    const float *restrict b = bottom < h ? plane + (uint64_t)bottom * w : zero_row;
    float *restrict o = out_row;
    int x = 0;
    for (; x + 4 <= w; x += 4) {
      v128_t sum = wasm_f32x4_add(wasm_v128_load(t + x), wasm_v128_load(b + x));
      v128_t p1 = wasm_v128_load(a1 + x), p3 = wasm_v128_load(a3 + x), p5 = wasm_v128_load(a5 + x);
      v128_t y1 = fma4(n1_v, sum, wasm_f32x4_neg(fma4(d1_v, p1, wasm_v128_load(b1 + x))));
      v128_t y3 = fma4(n3_v, sum, wasm_f32x4_neg(fma4(d3_v, p3, wasm_v128_load(b3 + x))));
      v128_t y5 = fma4(n5_v, sum, wasm_f32x4_neg(fma4(d5_v, p5, wasm_v128_load(b5 + x))));
      wasm_v128_store(b1 + x, p1);
      wasm_v128_store(b3 + x, p3);
      wasm_v128_store(b5 + x, p5);
      wasm_v128_store(a1 + x, y1);
      wasm_v128_store(a3 + x, y3);
      wasm_v128_store(a5 + x, y5);
      wasm_v128_store(o + x, wasm_f32x4_add(wasm_f32x4_add(y1, y3), y5));
    }
    for (; x < w; x++) {
      float sum = t[x] + b[x];
      float y1 = fma_f(sum, n1, -fma_f(a1[x], d1, b1[x]));
      float y3 = fma_f(sum, n3, -fma_f(a3[x], d3, b3[x]));
      float y5 = fma_f(sum, n5, -fma_f(a5[x], d5, b5[x]));
      b1[x] = a1[x];
      b3[x] = a3[x];
      b5[x] = a5[x];
      a1[x] = y1;
      a3[x] = y3;
      a5[x] = y5;
      o[x] = y1 + y3 + y5;
    }
    if (n < 0) continue;
    /* Row n - N - 1 has been read for the last time: its slot keeps the original row n. */
    float *row = plane + (uint64_t)n * w;
    float *keep = saved[n % (BLUR_N + 1)];
    for (int x = 0; x < w; x++) keep[x] = row[x];
    for (int x = 0; x < w; x++) row[x] = o[x];
  }
}

static void blur(float *plane, int w, int h) {
  blur_rows(plane, w, h);
  blur_columns(plane, w, h);
}

/* ------------------------------------------------------------------------------------------- */
/* One scale: error maps and their norms.                                                        */

/* Per scale: for c in X, Y, B: ssim[c][1-norm, 4-norm], edge[c][artifact 1, 4, detail lost 1, 4]. */
typedef struct {
  double ssim[3][2];
  double edge[3][4];
} ScaleNorms;

static float *work[7];   /* x1, x2, mu1, mu2, s11, s22, s12: planes of the scale-0 size */

static void channel_planes(int c, const Image *ref, const Image *dist) {
  int w = ref->w, h = ref->h;
  float *x1 = work[0], *x2 = work[1];
  for (int y = 0; y < h; y++) {
    linear_row(ref, y, row_r, row_g, row_b);
    xyb_row(c, row_r, row_g, row_b, w, x1 + (uint64_t)y * w);
    linear_row(dist, y, row_r, row_g, row_b);
    xyb_row(c, row_r, row_g, row_b, w, x2 + (uint64_t)y * w);
  }
  uint64_t n = (uint64_t)w * h;
  float *restrict mu1 = work[2], *restrict mu2 = work[3], *restrict s11 = work[4], *restrict s22 = work[5],
                  *restrict s12 = work[6];
  for (uint64_t i = 0; i < n; i++) {
    mu1[i] = x1[i];
    mu2[i] = x2[i];
    s11[i] = x1[i] * x1[i];
    s22[i] = x2[i] * x2[i];
    s12[i] = x1[i] * x2[i];
  }
  for (int i = 2; i < 7; i++) blur(work[i], w, h);
}

static inline double fourth(double v) {
  v *= v;
  return v * v;
}

/* The per-pixel terms of one pixel, added to sum[0..5] (see channel_norms). */
static inline void pixel_terms(float m1, float m2, float v11, float v22, float v12, float p1, float p2, double sum[6]) {
  const float c2 = 0.0009f;
  float diff = m1 - m2;
  /* SSIM without the luminance term's denominator (as in the reference). */
  float num_m = 1.0f - diff * diff;
  float num_s = 2.0f * (v12 - m1 * m2) + c2;
  float den_s = (v11 - m1 * m1) + (v22 - m2 * m2) + c2;
  double err = 1.0 - (double)((num_m * num_s) / den_s);
  if (err < 0.0) err = 0.0;
  sum[0] += err;
  sum[1] += fourth(err);
  float e1 = p1 - m1, e2 = p2 - m2;
  double d = (1.0 + (double)(e2 < 0 ? -e2 : e2)) / (1.0 + (double)(e1 < 0 ? -e1 : e1)) - 1.0;
  double artifact = d > 0.0 ? d : 0.0, lost = d < 0.0 ? -d : 0.0;
  sum[2] += artifact;
  sum[3] += fourth(artifact);
  sum[4] += lost;
  sum[5] += fourth(lost);
}

static inline v128_t fourth2(v128_t v) {
  v = wasm_f64x2_mul(v, v);
  return wasm_f64x2_mul(v, v);
}

/* Adds two lanes' error (1 - ssim) and edge ratio d to the six sums (pixel_terms, two at a time). */
static inline void add_terms2(v128_t err, v128_t d, v128_t acc[6]) {
  const v128_t zero = wasm_f64x2_splat(0.0);
  err = wasm_f64x2_max(err, zero);
  v128_t artifact = wasm_f64x2_max(d, zero), lost = wasm_f64x2_max(wasm_f64x2_neg(d), zero);
  acc[0] = wasm_f64x2_add(acc[0], err);
  acc[1] = wasm_f64x2_add(acc[1], fourth2(err));
  acc[2] = wasm_f64x2_add(acc[2], artifact);
  acc[3] = wasm_f64x2_add(acc[3], fourth2(artifact));
  acc[4] = wasm_f64x2_add(acc[4], lost);
  acc[5] = wasm_f64x2_add(acc[5], fourth2(lost));
}

static inline v128_t high_half(v128_t v) {
  return wasm_i32x4_shuffle(v, v, 2, 3, 2, 3);
}

/* pixel_terms for four pixels at once, added to two-lane sums (the order of the sums aside, the
 * same values). */
static inline void terms4(const float *x1, const float *x2, const float *mu1, const float *mu2, const float *s11,
                          const float *s22, const float *s12, v128_t acc[6]) {
  const v128_t one = wasm_f64x2_splat(1.0), one_f = wasm_f32x4_splat(1.0f), two_f = wasm_f32x4_splat(2.0f);
  const v128_t c2 = wasm_f32x4_splat(0.0009f);
  v128_t m1 = wasm_v128_load(mu1), m2 = wasm_v128_load(mu2), diff = wasm_f32x4_sub(m1, m2);
  v128_t num_m = wasm_f32x4_sub(one_f, wasm_f32x4_mul(diff, diff));
  v128_t num_s = wasm_f32x4_add(wasm_f32x4_mul(two_f, wasm_f32x4_sub(wasm_v128_load(s12), wasm_f32x4_mul(m1, m2))), c2);
  v128_t den_s = wasm_f32x4_add(wasm_f32x4_add(wasm_f32x4_sub(wasm_v128_load(s11), wasm_f32x4_mul(m1, m1)),
                                               wasm_f32x4_sub(wasm_v128_load(s22), wasm_f32x4_mul(m2, m2))), c2);
  v128_t ssim = wasm_f32x4_div(wasm_f32x4_mul(num_m, num_s), den_s);
  v128_t e1 = wasm_f32x4_abs(wasm_f32x4_sub(wasm_v128_load(x1), m1));
  v128_t e2 = wasm_f32x4_abs(wasm_f32x4_sub(wasm_v128_load(x2), m2));
  for (int half = 0; half < 2; half++) {
    v128_t s = half ? high_half(ssim) : ssim, a = half ? high_half(e1) : e1, b = half ? high_half(e2) : e2;
    v128_t err = wasm_f64x2_sub(one, wasm_f64x2_promote_low_f32x4(s));
    v128_t d = wasm_f64x2_sub(wasm_f64x2_div(wasm_f64x2_add(one, wasm_f64x2_promote_low_f32x4(b)),
                                             wasm_f64x2_add(one, wasm_f64x2_promote_low_f32x4(a))), one);
    add_terms2(err, d, acc);
  }
}

/* The SSIM, artifact and detail-lost maps of the current channel, pooled: 1-norms and 4-norms. */
static void channel_norms(int c, int w, int h, ScaleNorms *out) {
  const float *x1 = work[0], *x2 = work[1], *mu1 = work[2], *mu2 = work[3], *s11 = work[4], *s22 = work[5],
              *s12 = work[6];
  v128_t acc[6];
  for (int k = 0; k < 6; k++) acc[k] = wasm_f64x2_splat(0.0);
  uint64_t n = (uint64_t)w * h, i = 0;
  for (; i + 4 <= n; i += 4) terms4(x1 + i, x2 + i, mu1 + i, mu2 + i, s11 + i, s22 + i, s12 + i, acc);
  double sum[6];
  for (int k = 0; k < 6; k++) sum[k] = wasm_f64x2_extract_lane(acc[k], 0) + wasm_f64x2_extract_lane(acc[k], 1);
  for (; i < n; i++) pixel_terms(mu1[i], mu2[i], s11[i], s22[i], s12[i], x1[i], x2[i], sum);
  double per = 1.0 / (double)n;
  out->ssim[c][0] = per * sum[0];
  out->ssim[c][1] = __builtin_sqrt(__builtin_sqrt(per * sum[1]));
  out->edge[c][0] = per * sum[2];
  out->edge[c][1] = __builtin_sqrt(__builtin_sqrt(per * sum[3]));
  out->edge[c][2] = per * sum[4];
  out->edge[c][3] = __builtin_sqrt(__builtin_sqrt(per * sum[5]));
}

/* ------------------------------------------------------------------------------------------- */
/* The streaming path (version 2.1 by default): the same arithmetic, row by row.                */

/*
 * The exact path above keeps both images, their smaller scales and seven planes of the current
 * scale, and blurs the planes one after the other. This path computes the same numbers from a few
 * rows per quantity and scale, in one pass over the input: row y of both images is fetched
 * (env.s2_get_row), composited and converted to linear RGB, and push_row(0, y)
 *   - converts the row of both images to XYB (all three channels: 3 cube roots per pixel instead
 *     of 7), forms the blur inputs (per channel x1, x2, x1 x1, x2 x2, x1 x2) and blurs them along
 *     the row, up to 16 at a time in four SIMD vectors of four quantities (one per lane, from an
 *     interleaved buffer: contiguous loads and stores), into a ring of 2N + 1 rows;
 *   - when y is odd (or the last row), averages rows y - 1 and y into row y / 2 of the next scale
 *     and pushes that row there, so every scale runs alongside scale 0;
 *   - advances the column recursions by one row (four columns per SIMD vector), which completes
 *     blurred row y - N + 1 of every quantity, and pools that row into the channel's sums.
 * Every recursion runs the same operations in the same order as blur_rows / blur_columns (a lane
 * or a row does not change a value), so the blurred values are bit for bit those of the exact
 * path; only the order of the final sums differs (rows of 4 pixels instead of the flat plane).
 *
 * Maps whose weights are all zero are skipped: at scale 0, for instance, 2.1 weighs only the edge
 * maps of X and B, which need the means but not the variances, so 9 of the 15 quantities are
 * blurred there (30 % fewer blurs over all scales). The skipped terms would add 0 * norm = 0 to
 * the weighted sum, so the score does not change.
 */
#define RING (2 * BLUR_N + 1)    /* rows blurred along x: step n reads rows n - N - 1 .. n + N - 1 */
#define XYB_RING BLUR_N          /* XYB rows: row n arrives N - 1 rows before step n pools it */
#define QUANTITIES 15            /* per channel c: 5c + (mu1, mu2, s11, s22, s12) */

enum { MAP_SSIM = 1, MAP_EDGE = 2 };

typedef struct {
  int w, h;
  int next_step;                        /* the next column step n (from 1 - N to h - 1) */
  float *linear[2][2][3];               /* linear R, G, B of rows y and y - 1 (by y % 2), both images */
  float *xyb[2][3][XYB_RING];           /* XYB rows of both images, by row index mod XYB_RING */
  /* Per active quantity (the others stay null): */
  float *across[QUANTITIES + 1][RING];  /* rows blurred along x, by row index mod RING (+ a dummy) */
  float *state[QUANTITIES][6];          /* per column: y(n - 1) and y(n - 2) of the three terms */
  float *out[QUANTITIES];               /* the fully blurred row n */
  int maps[3];                          /* per channel: MAP_SSIM | MAP_EDGE, the maps that count */
  int active[QUANTITIES], active_count; /* the quantities blurred */
  v128_t acc[3][6];                     /* per channel: the six sums (two lanes) ... */
  double tail[3][6];                    /* ... and those of the last w % 4 columns */
} Scale;

static Scale scale[NUM_SCALES];
static int scale_count;
static struct {
  float *product[9];               /* x1 x1, x2 x2, x1 x2 of the row being blurred, per channel */
  float *lanes_in, *lanes_out;     /* 16 interleaved rows (lanes_in: 2N zeros, w values, N zeros) */
  float *zero;                     /* a row of zeros */
} st;

static Image level[2][NUM_SCALES];   /* the exact path's images */
static int level_count, job_width, job_height;
static int image_background[2];
static uint8_t *rgba_row;

static const double WEIGHTS_21[108];
static double final_score(int version, const ScaleNorms *scales, int count);

/* Which maps of channel c count at scale s of `count` (weights indexed as final_score does). */
static int maps_needed(int c, int s, int count) {
  const double *w = WEIGHTS_21 + (c * count + s) * 6;   /* n = 1, 4: ssim, artifact, detail lost */
  int need = 0;
  if (w[0] != 0.0 || w[3] != 0.0) need |= MAP_SSIM;
  if (w[1] != 0.0 || w[2] != 0.0 || w[4] != 0.0 || w[5] != 0.0) need |= MAP_EDGE;
  return need;
}

static uint64_t align16(uint64_t n) { return (n + 15u) & ~(uint64_t)15u; }

static inline int at_least(int v, int lo) { return v < lo ? lo : v; }

/* Rows of the widest scale that alloc_pipeline takes once; per scale it takes scale_rows(). */
#define SHARED_ROWS (9 + 1 + 3 + 16 + 16)

/* The quantities scale s of `count` blurs (into active[], if given): 5 for a channel whose SSIM map
 * counts, 2 (the means) for one whose edge maps alone count, 0 otherwise. */
static int active_quantities(int s, int count, int maps[3], int active[QUANTITIES]) {
  int n = 0;
  for (int c = 0; c < 3; c++) {
    int need = maps_needed(c, s, count);
    if (maps) maps[c] = need;
    int quantities = need & MAP_SSIM ? 5 : need ? 2 : 0;
    for (int k = 0; k < quantities; k++, n++)
      if (active) active[n] = 5 * c + k;
  }
  return n;
}

static uint64_t scale_rows(int active_count) {
  return 2 * 2 * 3 + 2 * 3 * XYB_RING + (uint64_t)(active_count + 1) * RING + (uint64_t)active_count * 7;
}

/* The scales of a pw x ph job (padded): the reference's rule, each while the previous is >= 8 x 8. */
static int scale_sizes(int pw, int ph, int w[NUM_SCALES], int h[NUM_SCALES]) {
  int count = 1;
  w[0] = pw;
  h[0] = ph;
  while (count < NUM_SCALES && w[count - 1] >= MIN_SIZE && h[count - 1] >= MIN_SIZE) {
    w[count] = (w[count - 1] + 1) / 2;
    h[count] = (h[count - 1] + 1) / 2;
    count++;
  }
  return count;
}

/* Heap bytes alloc_pipeline takes (s2_bytes_needed). */
static uint64_t pipeline_bytes(int width, int height) {
  int w[NUM_SCALES], h[NUM_SCALES];
  int count = scale_sizes(at_least(width, MIN_SIZE), at_least(height, MIN_SIZE), w, h);
  uint64_t bytes = align16((uint64_t)width * 4) + SHARED_ROWS * align16((uint64_t)w[0] * 4) + align16(16 * 3 * BLUR_N * 4);
  for (int s = 0; s < count; s++) bytes += scale_rows(active_quantities(s, count, 0, 0)) * align16((uint64_t)w[s] * 4);
  return bytes;
}

static void alloc_pipeline(int width, int height) {
  int w[NUM_SCALES], h[NUM_SCALES];
  job_width = width;
  job_height = height;
  scale_count = scale_sizes(at_least(width, MIN_SIZE), at_least(height, MIN_SIZE), w, h);
  uint64_t n = (uint64_t)w[0];
  rgba_row = alloc_bytes((uint64_t)width * 4);
  for (int k = 0; k < 9; k++) st.product[k] = alloc_floats(n);
  st.zero = alloc_zero_floats(n);
  for (int k = 0; k < 3; k++) mix[k] = alloc_floats(n);
  st.lanes_in = alloc_floats(16 * (n + 3 * BLUR_N));
  st.lanes_out = alloc_floats(16 * n);
  for (int s = 0; s < scale_count; s++) {
    Scale *sc = &scale[s];
    uint64_t sw = (uint64_t)w[s];
    sc->w = w[s];
    sc->h = h[s];
    for (int k = 0; k < 2; k++)
      for (int i = 0; i < 2; i++)
        for (int c = 0; c < 3; c++) sc->linear[k][i][c] = alloc_floats(sw);
    for (int k = 0; k < 2; k++)
      for (int c = 0; c < 3; c++)
        for (int r = 0; r < XYB_RING; r++) sc->xyb[k][c][r] = alloc_floats(sw);
    sc->active_count = active_quantities(s, scale_count, sc->maps, sc->active);
    for (int i = 0; i <= sc->active_count; i++) {
      int q = i < sc->active_count ? sc->active[i] : QUANTITIES;
      for (int r = 0; r < RING; r++) sc->across[q][r] = alloc_floats(sw);
      if (q == QUANTITIES) continue;
      for (int k = 0; k < 6; k++) sc->state[q][k] = alloc_floats(sw);
      sc->out[q] = alloc_floats(sw);
    }
  }
}

/* Before each pass: the recursions start from zero, the sums too. */
static void reset_pipeline(void) {
  for (int s = 0; s < scale_count; s++) {
    Scale *sc = &scale[s];
    sc->next_step = 1 - BLUR_N;
    for (int i = 0; i < sc->active_count; i++)
      for (int k = 0; k < 6; k++)
        for (int x = 0; x < sc->w; x++) sc->state[sc->active[i]][k][x] = 0.0f;
    for (int c = 0; c < 3; c++)
      for (int k = 0; k < 6; k++) sc->acc[c][k] = wasm_f64x2_splat(0.0), sc->tail[c][k] = 0.0;
  }
}

static inline void transpose4(v128_t *a, v128_t *b, v128_t *c, v128_t *d) {
  v128_t t0 = wasm_i32x4_shuffle(*a, *b, 0, 4, 1, 5), t1 = wasm_i32x4_shuffle(*a, *b, 2, 6, 3, 7);
  v128_t t2 = wasm_i32x4_shuffle(*c, *d, 0, 4, 1, 5), t3 = wasm_i32x4_shuffle(*c, *d, 2, 6, 3, 7);
  *a = wasm_i32x4_shuffle(t0, t2, 0, 1, 4, 5);
  *b = wasm_i32x4_shuffle(t0, t2, 2, 3, 6, 7);
  *c = wasm_i32x4_shuffle(t1, t3, 0, 1, 4, 5);
  *d = wasm_i32x4_shuffle(t1, t3, 2, 3, 6, 7);
}

/*
 * blur_4_rows on up to 16 rows at once, in groups of 4 lanes: lanes[16 x + 4 g + k] = in[4 g + k][x],
 * so every load and store is one contiguous vector. Each lane runs blur_row's operations in the
 * same order. The four groups are independent recursions that the CPU overlaps: one step of one
 * group is a chain of dependent instructions (the emulated fused multiply-add), so a single group
 * per step would leave it waiting; their state stays in memory (kept in registers, the 24 vectors
 * spill in worse places). 1.7-1.8x faster per row than one group at a time in V8.
 */
static v128_t across_state[6][4];

static void blur_across(const float *const in[16], float *const out[16], int groups, int w) {
  float *lanes = st.lanes_in + 16 * 2 * BLUR_N;
  for (int i = -16 * 2 * BLUR_N; i < 0; i++) lanes[i] = 0.0f;
  for (int i = 16 * w; i < 16 * (w + BLUR_N); i++) lanes[i] = 0.0f;
  for (int g = 0; g < groups; g++) {
    const float *const *row = in + 4 * g;
    int x = 0;
    for (; x + 4 <= w; x += 4) {
      v128_t a = wasm_v128_load(row[0] + x), b = wasm_v128_load(row[1] + x), c = wasm_v128_load(row[2] + x),
             d = wasm_v128_load(row[3] + x);
      transpose4(&a, &b, &c, &d);
      wasm_v128_store(lanes + 16 * x + 4 * g, a);
      wasm_v128_store(lanes + 16 * x + 16 + 4 * g, b);
      wasm_v128_store(lanes + 16 * x + 32 + 4 * g, c);
      wasm_v128_store(lanes + 16 * x + 48 + 4 * g, d);
    }
    for (; x < w; x++)
      for (int k = 0; k < 4; k++) lanes[16 * x + 4 * g + k] = row[k][x];
  }

  const v128_t n1 = wasm_f32x4_splat(blur_n2[0]), n3 = wasm_f32x4_splat(blur_n2[1]), n5 = wasm_f32x4_splat(blur_n2[2]);
  const v128_t m1 = wasm_f32x4_splat(-blur_d1[0]), m3 = wasm_f32x4_splat(-blur_d1[1]), m5 = wasm_f32x4_splat(-blur_d1[2]);
  for (int k = 0; k < 6; k++)
    for (int g = 0; g < groups; g++) across_state[k][g] = wasm_f32x4_splat(0);
  v128_t *restrict p1 = across_state[0], *restrict p3 = across_state[1], *restrict p5 = across_state[2];  /* y(n - 1) */
  v128_t *restrict q1 = across_state[3], *restrict q3 = across_state[4], *restrict q5 = across_state[5];  /* y(n - 2) */
  float *res = st.lanes_out;
  for (int x = 1 - BLUR_N; x < w; x++) {
    const float *l = lanes + 16 * (x - BLUR_N - 1), *r = lanes + 16 * (x + BLUR_N - 1);
#pragma clang loop unroll(disable)
    for (int g = 0; g < groups; g++) {
      v128_t sum = wasm_f32x4_add(wasm_v128_load(l + 4 * g), wasm_v128_load(r + 4 * g));
      v128_t a1 = p1[g], a3 = p3[g], a5 = p5[g];
      v128_t o1 = fma4(m1, a1, wasm_f32x4_sub(wasm_f32x4_mul(sum, n1), q1[g]));
      v128_t o3 = fma4(m3, a3, wasm_f32x4_sub(wasm_f32x4_mul(sum, n3), q3[g]));
      v128_t o5 = fma4(m5, a5, wasm_f32x4_sub(wasm_f32x4_mul(sum, n5), q5[g]));
      q1[g] = a1, q3[g] = a3, q5[g] = a5;
      p1[g] = o1, p3[g] = o3, p5[g] = o5;
      if (x >= 0) wasm_v128_store(res + 16 * x + 4 * g, wasm_f32x4_add(wasm_f32x4_add(o1, o3), o5));
    }
  }

  for (int g = 0; g < groups; g++) {
    float *const *row = out + 4 * g;
    int x = 0;
    for (; x + 4 <= w; x += 4) {
      v128_t a = wasm_v128_load(res + 16 * x + 4 * g), b = wasm_v128_load(res + 16 * x + 16 + 4 * g),
             c = wasm_v128_load(res + 16 * x + 32 + 4 * g), d = wasm_v128_load(res + 16 * x + 48 + 4 * g);
      transpose4(&a, &b, &c, &d);
      wasm_v128_store(row[0] + x, a);
      wasm_v128_store(row[1] + x, b);
      wasm_v128_store(row[2] + x, c);
      wasm_v128_store(row[3] + x, d);
    }
    for (; x < w; x++)
      for (int k = 0; k < 4; k++) row[k][x] = res[16 * x + 4 * g + k];
  }
}

/* mixed_cbrt_row's value for four lanes, with the same operations (clang does not vectorise the
 * double -> float conversions itself). */
static inline v128_t mixed_cbrt4(v128_t v) {
  const v128_t zero = wasm_f32x4_splat(0.0f);
  v128_t f = wasm_v128_and(v, wasm_f32x4_gt(v, zero));   /* v > 0 ? v : 0 (NaN gives 0) */
  v128_t g = wasm_i32x4_add(wasm_u32x4_trunc_sat_f32x4(wasm_f32x4_mul(wasm_f32x4_convert_u32x4(f), wasm_f32x4_splat(1.0f / 3.0f))),
                            wasm_i32x4_splat(709958130));
  v128_t out[2];
  for (int half = 0; half < 2; half++) {
    v128_t t = wasm_f64x2_promote_low_f32x4(half ? high_half(g) : g), xd = wasm_f64x2_promote_low_f32x4(half ? high_half(f) : f);
    v128_t xx = wasm_f64x2_add(xd, xd);
    for (int i = 0; i < 2; i++) {
      v128_t r = wasm_f64x2_mul(wasm_f64x2_mul(t, t), t);
      t = wasm_f64x2_div(wasm_f64x2_mul(t, wasm_f64x2_add(xx, r)), wasm_f64x2_add(wasm_f64x2_add(xd, r), r));
    }
    out[half] = wasm_f32x4_demote_f64x2_zero(t);
  }
  v128_t root = wasm_i32x4_shuffle(out[0], out[1], 0, 1, 4, 5);
  root = wasm_v128_andnot(root, wasm_f32x4_eq(f, zero));  /* f == 0 ? 0 : root */
  return wasm_f32x4_sub(root, wasm_f32x4_splat(cbrt_bias));
}

/* The three XYB channels of n pixels of linear RGB: xyb_row's values, each cube root taken once,
 * four pixels per step. */
static void xyb3_row(const float *restrict r, const float *restrict g, const float *restrict b, int n,
                     float *restrict out0, float *restrict out1, float *restrict out2) {
  const v128_t m00 = wasm_f32x4_splat(M00), m01 = wasm_f32x4_splat(M01), m02 = wasm_f32x4_splat(M02);
  const v128_t m10 = wasm_f32x4_splat(M10), m11 = wasm_f32x4_splat(M11), m12 = wasm_f32x4_splat(M12);
  const v128_t m20 = wasm_f32x4_splat(M20), m21 = wasm_f32x4_splat(M21), m22 = wasm_f32x4_splat(M22);
  const v128_t bias = wasm_f32x4_splat(OPSIN_BIAS), half = wasm_f32x4_splat(0.5f);
  const v128_t fourteen = wasm_f32x4_splat(14.0f), x_offset = wasm_f32x4_splat(0.42f);
  const v128_t y_offset = wasm_f32x4_splat(0.01f), b_offset = wasm_f32x4_splat(0.55f);
  int x = 0;
  for (; x + 4 <= n; x += 4) {
    v128_t rr = wasm_v128_load(r + x), gg = wasm_v128_load(g + x), bb = wasm_v128_load(b + x);
    v128_t l = mixed_cbrt4(fma4(m00, rr, fma4(m01, gg, fma4(m02, bb, bias))));
    v128_t m = mixed_cbrt4(fma4(m10, rr, fma4(m11, gg, fma4(m12, bb, bias))));
    v128_t s = mixed_cbrt4(fma4(m20, rr, fma4(m21, gg, fma4(m22, bb, bias))));
    v128_t xx = wasm_f32x4_mul(half, wasm_f32x4_sub(l, m)), yy = wasm_f32x4_mul(half, wasm_f32x4_add(l, m));
    wasm_v128_store(out0 + x, fma4(fourteen, xx, x_offset));
    wasm_v128_store(out1 + x, wasm_f32x4_add(yy, y_offset));
    wasm_v128_store(out2 + x, wasm_f32x4_add(wasm_f32x4_sub(s, yy), b_offset));
  }
  if (x == n) return;
  float *restrict l = mix[0], *restrict m = mix[1], *restrict s = mix[2];
  int rest = n - x;
  for (int i = 0; i < rest; i++) {
    l[i] = opsin(M00, M01, M02, r[x + i], g[x + i], b[x + i]);
    m[i] = opsin(M10, M11, M12, r[x + i], g[x + i], b[x + i]);
    s[i] = opsin(M20, M21, M22, r[x + i], g[x + i], b[x + i]);
  }
  mixed_cbrt_row(l, rest);
  mixed_cbrt_row(m, rest);
  mixed_cbrt_row(s, rest);
  for (int i = 0; i < rest; i++) {
    float xx = 0.5f * (l[i] - m[i]), yy = 0.5f * (l[i] + m[i]);
    out0[x + i] = fma_f(xx, 14.0f, 0.42f);
    out1[x + i] = yy + 0.01f;
    out2[x + i] = (s[i] - yy) + 0.55f;
  }
}

/* Linear RGB of row y (padded) of image k at scale 0 into scale[0].linear[k][y % 2]: fetched
 * through env.s2_get_row and composited over the image's background (read_image and linear_row in
 * one step, without keeping the image). */
static void fetch_linear_row(int k, int y) {
  int w = job_width, pw = scale[0].w, background = image_background[k];
  float *const *rgb = scale[0].linear[k][y & 1];
  float *restrict r = rgb[0], *restrict g = rgb[1], *restrict b = rgb[2];
  s2_get_row(k, y < job_height ? y : job_height - 1, rgba_row);
  for (int x = 0; x < pw; x++) {
    const uint8_t *p = rgba_row + 4 * (x < w ? x : w - 1);
    uint32_t v[3] = { p[0], p[1], p[2] };
    if (background >= 0) {
      for (int c = 0; c < 3; c++) v[c] = (v[c] * p[3] + (uint32_t)background * (255u - p[3]) + 127u) / 255u;
    }
    r[x] = srgb_to_linear[v[0]];
    g[x] = srgb_to_linear[v[1]];
    b[x] = srgb_to_linear[v[2]];
  }
}

/* One step n of blur_columns for quantity q of scale sc: sc->out[q] = the blurred row n (n >= 0). */
static void column_step(Scale *sc, int q, int n) {
  const v128_t n1_v = wasm_f32x4_splat(blur_n2[0]), n3_v = wasm_f32x4_splat(blur_n2[1]), n5_v = wasm_f32x4_splat(blur_n2[2]);
  const v128_t d1_v = wasm_f32x4_splat(blur_d1[0]), d3_v = wasm_f32x4_splat(blur_d1[1]), d5_v = wasm_f32x4_splat(blur_d1[2]);
  int w = sc->w, top = n - BLUR_N - 1, bottom = n + BLUR_N - 1;
  const float *restrict t = top >= 0 ? sc->across[q][top % RING] : st.zero;
  const float *restrict b = bottom < sc->h ? sc->across[q][bottom % RING] : st.zero;
  float *restrict a1 = sc->state[q][0], *restrict a3 = sc->state[q][1], *restrict a5 = sc->state[q][2];
  float *restrict b1 = sc->state[q][3], *restrict b3 = sc->state[q][4], *restrict b5 = sc->state[q][5];
  float *restrict o = sc->out[q];
  int x = 0;
  for (; x + 4 <= w; x += 4) {
    v128_t sum = wasm_f32x4_add(wasm_v128_load(t + x), wasm_v128_load(b + x));
    v128_t p1 = wasm_v128_load(a1 + x), p3 = wasm_v128_load(a3 + x), p5 = wasm_v128_load(a5 + x);
    v128_t y1 = fma4(n1_v, sum, wasm_f32x4_neg(fma4(d1_v, p1, wasm_v128_load(b1 + x))));
    v128_t y3 = fma4(n3_v, sum, wasm_f32x4_neg(fma4(d3_v, p3, wasm_v128_load(b3 + x))));
    v128_t y5 = fma4(n5_v, sum, wasm_f32x4_neg(fma4(d5_v, p5, wasm_v128_load(b5 + x))));
    wasm_v128_store(b1 + x, p1);
    wasm_v128_store(b3 + x, p3);
    wasm_v128_store(b5 + x, p5);
    wasm_v128_store(a1 + x, y1);
    wasm_v128_store(a3 + x, y3);
    wasm_v128_store(a5 + x, y5);
    wasm_v128_store(o + x, wasm_f32x4_add(wasm_f32x4_add(y1, y3), y5));
  }
  const float n1 = blur_n2[0], n3 = blur_n2[1], n5 = blur_n2[2], d1 = blur_d1[0], d3 = blur_d1[1], d5 = blur_d1[2];
  for (; x < w; x++) {
    float sum = t[x] + b[x];
    float y1 = fma_f(sum, n1, -fma_f(a1[x], d1, b1[x]));
    float y3 = fma_f(sum, n3, -fma_f(a3[x], d3, b3[x]));
    float y5 = fma_f(sum, n5, -fma_f(a5[x], d5, b5[x]));
    b1[x] = a1[x];
    b3[x] = a3[x];
    b5[x] = a5[x];
    a1[x] = y1;
    a3[x] = y3;
    a5[x] = y5;
    o[x] = y1 + y3 + y5;
  }
}

/* The edge maps' part of terms4 (the SSIM sums stay 0). */
static inline void edge_terms4(const float *x1, const float *x2, const float *mu1, const float *mu2, v128_t acc[6]) {
  const v128_t one = wasm_f64x2_splat(1.0), zero = wasm_f64x2_splat(0.0);
  v128_t e1 = wasm_f32x4_abs(wasm_f32x4_sub(wasm_v128_load(x1), wasm_v128_load(mu1)));
  v128_t e2 = wasm_f32x4_abs(wasm_f32x4_sub(wasm_v128_load(x2), wasm_v128_load(mu2)));
  for (int half = 0; half < 2; half++) {
    v128_t a = half ? high_half(e1) : e1, b = half ? high_half(e2) : e2;
    v128_t d = wasm_f64x2_sub(wasm_f64x2_div(wasm_f64x2_add(one, wasm_f64x2_promote_low_f32x4(b)),
                                             wasm_f64x2_add(one, wasm_f64x2_promote_low_f32x4(a))), one);
    v128_t artifact = wasm_f64x2_max(d, zero), lost = wasm_f64x2_max(wasm_f64x2_neg(d), zero);
    acc[2] = wasm_f64x2_add(acc[2], artifact);
    acc[3] = wasm_f64x2_add(acc[3], fourth2(artifact));
    acc[4] = wasm_f64x2_add(acc[4], lost);
    acc[5] = wasm_f64x2_add(acc[5], fourth2(lost));
  }
}

/* Column step n of every active quantity of scale sc, then row n (if n >= 0) into the sums. */
static void step(Scale *sc, int n) {
  for (int i = 0; i < sc->active_count; i++) column_step(sc, sc->active[i], n);
  if (n < 0) return;
  int w = sc->w;
  for (int c = 0; c < 3; c++) {
    if (!sc->maps[c]) continue;
    const float *x1 = sc->xyb[0][c][n % XYB_RING], *x2 = sc->xyb[1][c][n % XYB_RING];
    const float *mu1 = sc->out[5 * c], *mu2 = sc->out[5 * c + 1];
    int x = 0;
    if (sc->maps[c] & MAP_SSIM) {
      const float *s11 = sc->out[5 * c + 2], *s22 = sc->out[5 * c + 3], *s12 = sc->out[5 * c + 4];
      for (; x + 4 <= w; x += 4) terms4(x1 + x, x2 + x, mu1 + x, mu2 + x, s11 + x, s22 + x, s12 + x, sc->acc[c]);
      for (; x < w; x++) pixel_terms(mu1[x], mu2[x], s11[x], s22[x], s12[x], x1[x], x2[x], sc->tail[c]);
    } else {
      /* pixel_terms with the variances of a flat patch: its SSIM sums are dropped in finish(). */
      for (; x + 4 <= w; x += 4) edge_terms4(x1 + x, x2 + x, mu1 + x, mu2 + x, sc->acc[c]);
      for (; x < w; x++) pixel_terms(mu1[x], mu2[x], mu1[x] * mu1[x], mu2[x] * mu2[x], mu1[x] * mu2[x], x1[x], x2[x], sc->tail[c]);
    }
  }
}

/*
 * Row y of scale s has arrived in scale[s].linear[.][y % 2] (rows must arrive in order 0, 1, 2 ...):
 * XYB, the blur inputs, the blur along the row; the next scale's row when y completes one; then the
 * column step that row y completes.
 */
static void push_row(int s, int y) {
  Scale *sc = &scale[s];
  int w = sc->w, slot = y % RING, xyb_slot = y % XYB_RING;
  for (int k = 0; k < 2; k++) {
    float *const *rgb = sc->linear[k][y & 1];
    xyb3_row(rgb[0], rgb[1], rgb[2], w, sc->xyb[k][0][xyb_slot], sc->xyb[k][1][xyb_slot], sc->xyb[k][2][xyb_slot]);
  }
  const float *source[QUANTITIES];
  for (int c = 0; c < 3; c++) {
    const float *restrict x1 = sc->xyb[0][c][xyb_slot], *restrict x2 = sc->xyb[1][c][xyb_slot];
    source[5 * c] = x1;
    source[5 * c + 1] = x2;
    if (!(sc->maps[c] & MAP_SSIM)) continue;
    float *restrict p11 = st.product[3 * c], *restrict p22 = st.product[3 * c + 1], *restrict p12 = st.product[3 * c + 2];
    for (int x = 0; x < w; x++) {
      p11[x] = x1[x] * x1[x];
      p22[x] = x2[x] * x2[x];
      p12[x] = x1[x] * x2[x];
    }
    source[5 * c + 2] = p11;
    source[5 * c + 3] = p22;
    source[5 * c + 4] = p12;
  }
  const float *in[QUANTITIES + 1];
  float *out[QUANTITIES + 1];
  int i = 0;
  for (; i < sc->active_count; i++) in[i] = source[sc->active[i]], out[i] = sc->across[sc->active[i]][slot];
  for (; i % 4; i++) in[i] = st.zero, out[i] = sc->across[QUANTITIES][slot];  /* unused lanes */
  if (i) blur_across(in, out, i / 4, w);

  /* Rows 2 oy and 2 oy + 1 (or 2 oy alone, at an odd bottom edge) make row oy of scale s + 1. */
  int single = !(y & 1);
  if (s + 1 < scale_count && (!single || y == sc->h - 1)) {
    Scale *next = &scale[s + 1];
    int oy = y / 2;
    for (int k = 0; k < 2; k++) {
      float *const *bottom = sc->linear[k][y & 1];
      float *const *top = single ? bottom : sc->linear[k][(y - 1) & 1];
      downscale_row((const float *const *)top, (const float *const *)bottom, single, w, next->w, next->linear[k][oy & 1]);
    }
    push_row(s + 1, oy);
  }
  /* Step n reads rows n - N - 1 to n + N - 1; row y completes step y - N + 1. */
  for (; sc->next_step <= y - BLUR_N + 1; sc->next_step++) step(sc, sc->next_step);
}

/* After the last row of scale s: the remaining steps (rows past the bottom are zero) and the norms. */
static void finish(int s, ScaleNorms *out) {
  Scale *sc = &scale[s];
  for (; sc->next_step < sc->h; sc->next_step++) step(sc, sc->next_step);
  double per = 1.0 / ((double)sc->w * sc->h);
  for (int c = 0; c < 3; c++) {
    double sum[6];
    for (int k = 0; k < 6; k++) sum[k] = wasm_f64x2_extract_lane(sc->acc[c][k], 0) + wasm_f64x2_extract_lane(sc->acc[c][k], 1) + sc->tail[c][k];
    if (!(sc->maps[c] & MAP_SSIM)) sum[0] = sum[1] = 0.0;
    out->ssim[c][0] = per * sum[0];
    out->ssim[c][1] = __builtin_sqrt(__builtin_sqrt(per * sum[1]));
    out->edge[c][0] = per * sum[2];
    out->edge[c][1] = __builtin_sqrt(__builtin_sqrt(per * sum[3]));
    out->edge[c][2] = per * sum[4];
    out->edge[c][3] = __builtin_sqrt(__builtin_sqrt(per * sum[5]));
  }
}

/* One streaming pass over both images: the 2.1 score. */
static double stream_score(void) {
  reset_pipeline();
  for (int y = 0; y < scale[0].h; y++) {
    fetch_linear_row(0, y);
    fetch_linear_row(1, y);
    push_row(0, y);
  }
  ScaleNorms norms[NUM_SCALES];
  for (int s = 0; s < scale_count; s++) finish(s, &norms[s]);
  return final_score(21, norms, scale_count);
}

/* ------------------------------------------------------------------------------------------- */
/* The final score.                                                                              */

/*
 * The 108 weights of SSIMULACRA 2.1: libjxl tools/ssimulacra2.cc (BSD-3-Clause, Copyright (c) the
 * JPEG XL Project Authors), the same values as rust-av/ssimulacra2 src/lib.rs (BSD-2-Clause).
 * Order: for c in X, Y, B; for each computed scale; for norm in 1, 4: ssim, artifact, detail lost.
 */
static const double WEIGHTS_21[108] = {
  0.0, 0.0007376606707406586, 0.0, 0.0, 0.0007793481682867309, 0.0, 0.0, 0.0004371155730107379, 0.0,
  1.1041726426657346, 0.00066284834129271, 0.00015231632783718752, 0.0, 0.0016406437456599754, 0.0,
  1.8422455520539298, 11.441172603757666, 0.0, 0.0007989109436015163, 0.000176816438078653, 0.0,
  1.8787594979546387, 10.94906990605142, 0.0, 0.0007289346991508072, 0.9677937080626833, 0.0,
  0.00014003424285435884, 0.9981766977854967, 0.00031949755934435053, 0.0004550992113792063, 0.0, 0.0,
  0.0013648766163243398, 0.0, 0.0, 0.0, 0.0, 0.0, 7.466890328078848, 0.0, 17.445833984131262,
  0.0006235601634041466, 0.0, 0.0, 6.683678146179332, 0.00037724407979611296, 1.027889937768264,
  225.20515300849274, 0.0, 0.0, 19.213238186143016, 0.0011401524586618361, 0.001237755635509985,
  176.39317598450694, 0.0, 0.0, 24.43300999870476, 0.28520802612117757, 0.0004485436923833408, 0.0, 0.0,
  0.0, 34.77906344483772, 44.835625328877896, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
  0.0008680556573291698, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0005313191874358747, 0.0, 0.00016533814161379112,
  0.0, 0.0, 0.0, 0.0, 0.0, 0.0004179171803251336, 0.0017290828234722833, 0.0, 0.0020827005846636437,
  0.0, 0.0, 8.826982764996862, 23.19243343998926, 0.0, 95.1080498811086, 0.9863978034400682,
  0.9834382792465353, 0.0012286405048278493, 171.2667255897307, 0.9807858872435379, 0.0, 0.0, 0.0,
  0.0005130064588990679, 0.0, 0.00010854057858411537,
};

/*
 * SSIMULACRA 2.0 (the first release, kept for comparison with tools that still compute it, such
 * as the calc-s2-rust package used by our tests): its 108 weights, from the libjxl version of
 * tools/ssimulacra2.cc of that release as forked in iola1999/calc-s2-rust src/ssimulacra2.rs
 * (BSD-3-Clause / BSD-2-Clause). Same order as WEIGHTS_21.
 */
static const double WEIGHTS_20[108] = {
  0.0, 0.0, 0.0, 1.0035479352512353, 0.00011322061110474735, 0.00040442991823685936,
  0.0018953834105783773, 0.0, 0.0, 8.982542997575905, 0.9899785796045556, 0.0,
  0.9748315131207942, 0.9581575169937973, 0.0, 0.5133611777952946, 1.0423189317331243, 0.000308010928520841,
  12.149584966240063, 0.9565577248115467, 0.0, 1.0406668123136824, 81.51139046057362, 0.30593391895330946,
  1.0752214433626779, 1.1039042369464611, 0.0, 1.021911638819618, 1.1141823296855722, 0.9730845751441705,
  0.0, 0.0, 0.0, 0.9833918426095505, 0.7920385137059867, 0.9710740411514053,
  0.0, 0.0, 0.0, 0.5387077903152638, 0.0, 3.4036945601155804,
  0.0, 0.0, 0.0, 2.337569295661117, 0.0, 5.707946510901609,
  37.83086423878157, 0.0, 0.0, 3.8258200594305185, 0.0, 0.0,
  24.073659674271497, 0.0, 0.0, 13.181871265286068, 0.0, 0.0,
  0.0, 0.0, 0.0, 10.00750121262895, 0.0, 0.0,
  0.0, 0.0, 0.0, 52.51428385603891, 0.0, 0.0,
  0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
  0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
  0.0, 0.9946464267894417, 0.0, 0.0, 0.0006040447715934816, 0.0,
  0.0, 0.9945171491374072, 0.0, 2.8260043809454376, 1.0052642766534516, 8.201441997546244e-05,
  12.154041855876695, 32.292928706201266, 0.992837130387521, 0.0, 30.71925517844603, 0.00012309907022278743,
  0.0, 0.9826260237051734, 0.0, 0.0, 0.9980928367837651, 0.012142430067163312,
};

static double weighted_sum(const double *weights, const ScaleNorms *scales, int count) {
  double x = 0.0;
  int i = 0;
  for (int c = 0; c < 3; c++) {
    for (int s = 0; s < count; s++) {
      for (int n = 0; n < 2; n++) {
        x += weights[i++] * abs_d(scales[s].ssim[c][n]);
        x += weights[i++] * abs_d(scales[s].edge[c][n]);
        x += weights[i++] * abs_d(scales[s].edge[c][n + 2]);
      }
    }
  }
  return x;
}

/* The weighted sum mapped to the score: 100 for no error, lower is worse (can go below 0). */
static double final_score(int version, const ScaleNorms *scales, int count) {
  if (version == 20) {
    double x = weighted_sum(WEIGHTS_20, scales, count) * 17.829717797575952 - 1.634169143917183;
    return x > 0.0 ? 100.0 - 10.0 * pow_d(x, 0.5453261009510213) : 100.0;
  }
  double x = weighted_sum(WEIGHTS_21, scales, count) * 0.9562382616834844;
  x = 2.326765642916932 * x - 0.020884521182843837 * x * x + 6.248496625763138e-05 * x * x * x;
  return x > 0.0 ? 100.0 - 10.0 * pow_d(x, 0.6276336467831387) : 100.0;
}

/* ------------------------------------------------------------------------------------------- */
/* Entry points.                                                                                 */


/* The exact path's smaller scales: 2 images x 3 float planes each. */
static uint64_t scales_bytes(uint64_t w, uint64_t h) {
  uint64_t bytes = 0;
  for (int s = 1; s < NUM_SCALES && w >= MIN_SIZE && h >= MIN_SIZE; s++) {
    w = (w + 1) / 2;
    h = (h + 1) / 2;
    bytes += 6 * align16(w * h * 4);
  }
  return bytes;
}

/* Heap bytes of the exact path (score_exact). */
static uint64_t exact_bytes(int width, int height) {
  uint64_t w = (uint64_t)at_least(width, MIN_SIZE), h = (uint64_t)at_least(height, MIN_SIZE);
  uint64_t bytes = align16(w * 4) + scales_bytes(w, h);
  bytes += 2 * align16(w * h * 3) + 7 * align16(w * h * 4);
  bytes += 6 * align16(w * 4) + 4 * align16((w + 3 * BLUR_N) * 4) + (BLUR_N + 1 + 6 + 2 + 3) * align16(w * 4);
  return bytes;
}

/* The streaming path needs about 2 KB per column whatever the height, the exact path about
 * 42 bytes per pixel: for images under about 50 rows, s2_score takes the exact path (same score). */
static int exact_is_smaller(int width, int height) {
  return exact_bytes(width, height) < pipeline_bytes(width, height);
}

/*
 * Bytes of heap a width x height job allocates (after padding to 8): the caller can add the
 * module's static area (the heap base) to get the linear memory it needs. mode: 0 for s2_score
 * on version 2.1 (the smaller of the two paths), 1 for the exact path (version 2.0, exact 2.1),
 * 2 for a scorer (s2_reference + s2_compare: the streaming path).
 */
EXPORT(s2_bytes_needed) double s2_bytes_needed(int32_t width, int32_t height, int32_t mode) {
  uint64_t exact = exact_bytes(width, height), streaming = pipeline_bytes(width, height);
  return (double)(mode == 1 ? exact : mode == 2 ? streaming : exact < streaming ? exact : streaming);
}

/* Reads image `which` into `out` (pw x ph packed 8-bit RGB), padded by repeating the last
 * row/column. With background >= 0, colour is composited over that grey level (0-255) in sRGB
 * values. */
static void read_image(int which, int w, int h, int pw, int ph, int background, uint8_t *rgba_row, uint8_t *out) {
  for (int y = 0; y < ph; y++) {
    uint8_t *dst = out + (uint64_t)y * pw * 3;
    s2_get_row(which, y < h ? y : h - 1, rgba_row);
    for (int x = 0; x < pw; x++) {
      const uint8_t *p = rgba_row + 4 * (x < w ? x : w - 1);
      for (int c = 0; c < 3; c++) {
        uint32_t v = p[c];
        if (background >= 0) v = (v * p[3] + (uint32_t)background * (255u - p[3]) + 127u) / 255u;
        dst[3 * x + c] = (uint8_t)v;
      }
    }
  }
}

static void alloc_rows(int w) {
  row_r = alloc_floats((uint64_t)w);
  row_g = alloc_floats((uint64_t)w);
  row_b = alloc_floats((uint64_t)w);
  row_r2 = alloc_floats((uint64_t)w);
  for (int i = 0; i < 3; i++) mix[i] = alloc_floats((uint64_t)w);
  row_g2 = alloc_floats((uint64_t)w);
  row_b2 = alloc_floats((uint64_t)w);
}

static void alloc_work(int w) {
  alloc_rows(w);
  for (int i = 0; i < 4; i++) pad_rows[i] = alloc_floats((uint64_t)w + 3 * BLUR_N);
  for (int i = 0; i < BLUR_N + 1; i++) saved[i] = alloc_floats((uint64_t)w);
  for (int i = 0; i < 6; i++) state[i] = alloc_floats((uint64_t)w);
  zero_row = alloc_zero_floats((uint64_t)w);
  out_row = alloc_floats((uint64_t)w);
}

static void check_args(int32_t width, int32_t height, int32_t background) {
  if (width < 1 || height < 1 || width > MAX_DIM || height > MAX_DIM || background > 255) fail(FAIL_BAD_ARGUMENT);
}

static void setup(int version) {
  compat20 = version == 20;
  build_srgb_table(version);
  build_kernel();
  cbrt_bias = cbrt_f(OPSIN_BIAS);
}

/* Allocates both images' storage for a width x height job, padded to at least 8 x 8: level[k][s]
 * ([0] reference, [1] distorted), scale 0 as 8-bit RGB. */
static void alloc_levels(int width, int height) {
  int pw = at_least(width, MIN_SIZE), ph = at_least(height, MIN_SIZE);
  job_width = width;
  job_height = height;
  rgba_row = alloc_bytes((uint64_t)width * 4);
  for (int k = 0; k < 2; k++) level[k][0] = (Image){ .w = pw, .h = ph, .rgb8 = alloc_bytes((uint64_t)pw * ph * 3) };
  /* Allocate every smaller scale up front, so the work area is the last (largest) block. */
  int count = 1;
  while (count < NUM_SCALES && level[0][count - 1].w >= MIN_SIZE && level[0][count - 1].h >= MIN_SIZE) {
    for (int k = 0; k < 2; k++) {
      Image *im = &level[k][count];
      im->w = (level[k][count - 1].w + 1) / 2;
      im->h = (level[k][count - 1].h + 1) / 2;
      for (int c = 0; c < 3; c++) im->plane[c] = alloc_floats((uint64_t)im->w * im->h);
    }
    count++;
  }
  level_count = count;
}

static void read_level0(int which, int background) {
  Image *im = &level[which][0];
  read_image(which, job_width, job_height, im->w, im->h, background, rgba_row, (uint8_t *)im->rgb8);
}

/* The exact path: seven planes of the scale-0 size, each blurred on its own (version 2.0 always). */
static double score_exact(int32_t width, int32_t height, int32_t background, int32_t version) {
  setup(version);
  alloc_levels(width, height);
  read_level0(0, background);
  read_level0(1, background);
  int pw = level[0][0].w, ph = level[0][0].h;
  for (int i = 0; i < 7; i++) work[i] = alloc_floats((uint64_t)pw * ph);
  alloc_work(pw);
  ScaleNorms norms[NUM_SCALES];
  for (int s = 0; s < level_count; s++) {
    if (s > 0) {
      downscale(&level[0][s - 1], &level[0][s]);
      downscale(&level[1][s - 1], &level[1][s]);
    }
    for (int c = 0; c < 3; c++) {
      channel_planes(c, &level[0][s], &level[1][s]);
      channel_norms(c, level[0][s].w, level[0][s].h, &norms[s]);
    }
  }
  return final_score(version, norms, level_count);
}

static int reference_ready;

/*
 * Starts a scorer (version 2.1, streaming path) for a width x height reference (which 0, straight
 * RGBA8) composited over grey `background` (-1: alpha ignored): allocates everything s2_compare
 * needs. Once per instance.
 */
EXPORT(s2_reference) void s2_reference(int32_t width, int32_t height, int32_t background) {
  check_args(width, height, background);
  if (reference_ready) fail(FAIL_BAD_ARGUMENT);
  setup(21);
  alloc_pipeline(width, height);
  image_background[0] = background;
  reference_ready = 1;
}

/*
 * SSIMULACRA 2.1 of the distorted image (which 1) against the reference given to s2_reference,
 * composited over grey `background` (-1: alpha ignored). Both images are fetched again on every
 * call (row by row, nothing of them is kept); any number of calls, each in the same memory.
 */
EXPORT(s2_compare) double s2_compare(int32_t background) {
  if (reference_ready != 1 || background > 255) fail(FAIL_BAD_ARGUMENT);
  image_background[1] = background;
  return stream_score();
}

/*
 * Scores the distorted image (which 1) against the reference (which 0), both width x height
 * straight RGBA8 fetched row by row through env.s2_get_row. background: -1 to ignore alpha, or a
 * grey level 0-255 to composite both images over. version: 21 for SSIMULACRA 2.1 (the current
 * metric), 20 for 2.0. exact: 1 runs 2.1 on the exact path (2.0 always does, and so does 2.1
 * when that takes less memory: images under about 50 rows). Returns the score (100 = identical).
 * Once per instance.
 */
EXPORT(s2_score) double s2_score(int32_t width, int32_t height, int32_t background, int32_t version, int32_t exact) {
  check_args(width, height, background);
  if ((version != 20 && version != 21) || reference_ready) fail(FAIL_BAD_ARGUMENT);
  if (version == 20 || exact || exact_is_smaller(width, height)) {
    reference_ready = -1;  /* once per instance; s2_compare refuses */
    return score_exact(width, height, background, version);
  }
  s2_reference(width, height, background);
  return s2_compare(background);
}

/* The linear memory this instance uses now (bytes), for measurements. */
EXPORT(s2_memory_bytes) double s2_memory_bytes(void) {
  return (double)__builtin_wasm_memory_size(0) * PAGE_BYTES;
}
