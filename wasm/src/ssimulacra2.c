/*
 * ssimulacra2.c - the SSIMULACRA2 perceptual metric for the Worker (freestanding C, wasm32).
 *
 * SSIMULACRA2 was designed by Jon Sneyers (Cloudinary); its reference is libjxl's
 * tools/ssimulacra2.cc (BSD-3-Clause, Copyright (c) the JPEG XL Project Authors), ported to Rust as
 * rust-av/ssimulacra2 (BSD-2-Clause). This file is an independent implementation of the published
 * algorithm; only the metric's constants (the opsin matrix and bias, the XYB offsets, SSIM's C2,
 * the 108 weights and the final polynomial) are taken from those sources, because they define it.
 *
 * One entry point, s2_score(width, height, background, version), pulls both images in row by row
 * (from JS, env.s2_get_row) and returns the score:
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
 * scored up to 4.5 points off near 100). We run the same recursion with the same operation order,
 * fused multiply-adds included (emulated exactly in double), and a correctly rounded cube root.
 * Version 2.0 also replays calc-s2-rust's approximate sRGB decoding and XYB round trip; it then
 * matches that package to 1e-9 on real photos (test/worker/ssimulacra2.test.ts).
 *
 * Memory is bounded by working one channel at a time: the two images stay as packed 8-bit RGB at
 * full size (6 bytes/px), the smaller scales as linear float RGB (6 planes at 1/4, 1/16 ... size:
 * under 8 bytes/px of the full image), and the work area holds 7 float planes of the current scale
 * (28 bytes/px). Blurs run in place with a few rows of scratch. Peak: about 42 bytes per pixel of
 * the (padded) full-size image plus about 200 KiB (s2_bytes_needed gives the bound; measured in
 * workerd: 42,205,184 bytes of linear memory for a 1000 x 1000 pair, 42.2 bytes/px).
 *
 * Images under 8 pixels on a side are padded to 8 by repeating their last row/column (the metric
 * needs 8). Smaller scales are dropped exactly as the reference does: a scale is computed as long
 * as the previous one was at least 8 x 8.
 *
 * Memory: a bump allocator over the exported linear memory, never freed; the JS side creates a
 * fresh instance per call. Failures call the imported env.s2_fail(code) and trap.
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
static void downscale(const Image *in, Image *out) {
  for (int oy = 0; oy < out->h; oy++) {
    int y0 = 2 * oy, y1 = y0 + 1 < in->h ? y0 + 1 : y0;
    linear_row(in, y0, row_r, row_g, row_b);
    linear_row(in, y1, row_r2, row_g2, row_b2);
    float *dst[3] = { out->plane[0] + (uint64_t)oy * out->w, out->plane[1] + (uint64_t)oy * out->w,
                      out->plane[2] + (uint64_t)oy * out->w };
    const float *top[3] = { row_r, row_g, row_b }, *bottom[3] = { row_r2, row_g2, row_b2 };
    for (int c = 0; c < 3; c++) {
      for (int ox = 0; ox < out->w; ox++) {
        int x0 = 2 * ox, x1 = x0 + 1 < in->w ? x0 + 1 : x0;
        int whole = x1 != x0 && y1 != y0;
        if (whole || compat20) {
          dst[c][ox] = (top[c][x0] + top[c][x1] + bottom[c][x0] + bottom[c][x1]) * 0.25f;
          continue;
        }
        float sum = top[c][x0], count = 1.0f;
        if (x1 != x0) sum += top[c][x1], count += 1.0f;
        if (y1 != y0) sum += bottom[c][x0], count += 1.0f;
        dst[c][ox] = sum * (1.0f / count);
      }
    }
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

/* fma_f on four lanes (m given in double): the same roundings as the scalar version. */
static inline v128_t fma4(v128_t m_d, v128_t p, v128_t o) {
  v128_t p_hi = wasm_i32x4_shuffle(p, p, 2, 3, 2, 3), o_hi = wasm_i32x4_shuffle(o, o, 2, 3, 2, 3);
  v128_t lo = wasm_f64x2_add(wasm_f64x2_mul(m_d, wasm_f64x2_promote_low_f32x4(p)), wasm_f64x2_promote_low_f32x4(o));
  v128_t hi = wasm_f64x2_add(wasm_f64x2_mul(m_d, wasm_f64x2_promote_low_f32x4(p_hi)), wasm_f64x2_promote_low_f32x4(o_hi));
  return wasm_i32x4_shuffle(wasm_f32x4_demote_f64x2_zero(lo), wasm_f32x4_demote_f64x2_zero(hi), 0, 1, 4, 5);
}

/* blur_row on four rows at once, one row per SIMD lane (the recursion is serial along a row). */
static void blur_4_rows(float *rows[4], int w) {
  const v128_t n1 = wasm_f32x4_splat(blur_n2[0]), n3 = wasm_f32x4_splat(blur_n2[1]), n5 = wasm_f32x4_splat(blur_n2[2]);
  const v128_t m1 = wasm_f64x2_splat(-blur_d1[0]), m3 = wasm_f64x2_splat(-blur_d1[1]), m5 = wasm_f64x2_splat(-blur_d1[2]);
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
  const v128_t n1_d = wasm_f64x2_splat(n1), n3_d = wasm_f64x2_splat(n3), n5_d = wasm_f64x2_splat(n5);
  const v128_t d1_d = wasm_f64x2_splat(d1), d3_d = wasm_f64x2_splat(d3), d5_d = wasm_f64x2_splat(d5);
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
      v128_t y1 = fma4(n1_d, sum, wasm_f32x4_neg(fma4(d1_d, p1, wasm_v128_load(b1 + x))));
      v128_t y3 = fma4(n3_d, sum, wasm_f32x4_neg(fma4(d3_d, p3, wasm_v128_load(b3 + x))));
      v128_t y5 = fma4(n5_d, sum, wasm_f32x4_neg(fma4(d5_d, p5, wasm_v128_load(b5 + x))));
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

/* The SSIM, artifact and detail-lost maps of the current channel, pooled: 1-norms and 4-norms. */
static void channel_norms(int c, int w, int h, ScaleNorms *out) {
  const float *x1 = work[0], *x2 = work[1], *mu1 = work[2], *mu2 = work[3], *s11 = work[4], *s22 = work[5],
              *s12 = work[6];
  const v128_t one = wasm_f64x2_splat(1.0), one_f = wasm_f32x4_splat(1.0f), two_f = wasm_f32x4_splat(2.0f);
  const v128_t c2 = wasm_f32x4_splat(0.0009f);
  v128_t acc[6];
  for (int k = 0; k < 6; k++) acc[k] = wasm_f64x2_splat(0.0);
  uint64_t n = (uint64_t)w * h, i = 0;
  for (; i + 4 <= n; i += 4) {
    v128_t m1 = wasm_v128_load(mu1 + i), m2 = wasm_v128_load(mu2 + i), diff = wasm_f32x4_sub(m1, m2);
    v128_t num_m = wasm_f32x4_sub(one_f, wasm_f32x4_mul(diff, diff));
    v128_t num_s = wasm_f32x4_add(wasm_f32x4_mul(two_f, wasm_f32x4_sub(wasm_v128_load(s12 + i), wasm_f32x4_mul(m1, m2))), c2);
    v128_t den_s = wasm_f32x4_add(wasm_f32x4_add(wasm_f32x4_sub(wasm_v128_load(s11 + i), wasm_f32x4_mul(m1, m1)),
                                                 wasm_f32x4_sub(wasm_v128_load(s22 + i), wasm_f32x4_mul(m2, m2))), c2);
    v128_t ssim = wasm_f32x4_div(wasm_f32x4_mul(num_m, num_s), den_s);
    v128_t e1 = wasm_f32x4_abs(wasm_f32x4_sub(wasm_v128_load(x1 + i), m1));
    v128_t e2 = wasm_f32x4_abs(wasm_f32x4_sub(wasm_v128_load(x2 + i), m2));
    for (int half = 0; half < 2; half++) {
      v128_t s = half ? high_half(ssim) : ssim, a = half ? high_half(e1) : e1, b = half ? high_half(e2) : e2;
      v128_t err = wasm_f64x2_sub(one, wasm_f64x2_promote_low_f32x4(s));
      v128_t d = wasm_f64x2_sub(wasm_f64x2_div(wasm_f64x2_add(one, wasm_f64x2_promote_low_f32x4(b)),
                                               wasm_f64x2_add(one, wasm_f64x2_promote_low_f32x4(a))), one);
      add_terms2(err, d, acc);
    }
  }
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

static inline int at_least(int v, int lo) { return v < lo ? lo : v; }

static uint64_t align16(uint64_t n) { return (n + 15u) & ~(uint64_t)15u; }

/*
 * Bytes of heap s2_score allocates for a width x height job (after padding to 8): the caller can
 * add the module's static area (the heap base) to get the linear memory it needs.
 */
EXPORT(s2_bytes_needed) double s2_bytes_needed(int32_t width, int32_t height) {
  uint64_t w = (uint64_t)at_least(width, MIN_SIZE), h = (uint64_t)at_least(height, MIN_SIZE);
  uint64_t bytes = align16(w * 4) + 2 * align16(w * h * 3);
  uint64_t sw = w, sh = h;
  for (int s = 1; s < NUM_SCALES && sw >= MIN_SIZE && sh >= MIN_SIZE; s++) {
    sw = (sw + 1) / 2;
    sh = (sh + 1) / 2;
    bytes += 6 * align16(sw * sh * 4);
  }
  bytes += 7 * align16(w * h * 4);
  bytes += 6 * align16(w * 4) + 4 * align16((w + 3 * BLUR_N) * 4) + (BLUR_N + 1 + 6 + 2 + 3) * align16(w * 4);
  return (double)bytes;
}

/* Reads image `which` as packed 8-bit RGB, padded to pw x ph by repeating the last row/column.
 * With background >= 0, colour is composited over that grey level (0-255) in sRGB values. */
static uint8_t *read_image(int which, int w, int h, int pw, int ph, int background, uint8_t *rgba_row) {
  uint8_t *out = alloc_bytes((uint64_t)pw * ph * 3);
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
  return out;
}

static void alloc_work(int w) {
  row_r = alloc_floats((uint64_t)w);
  row_g = alloc_floats((uint64_t)w);
  row_b = alloc_floats((uint64_t)w);
  row_r2 = alloc_floats((uint64_t)w);
  for (int i = 0; i < 3; i++) mix[i] = alloc_floats((uint64_t)w);
  row_g2 = alloc_floats((uint64_t)w);
  row_b2 = alloc_floats((uint64_t)w);
  for (int i = 0; i < 4; i++) pad_rows[i] = alloc_floats((uint64_t)w + 3 * BLUR_N);
  for (int i = 0; i < BLUR_N + 1; i++) saved[i] = alloc_floats((uint64_t)w);
  for (int i = 0; i < 6; i++) state[i] = alloc_floats((uint64_t)w);
  zero_row = alloc_zero_floats((uint64_t)w);
  out_row = alloc_floats((uint64_t)w);
}

/*
 * Scores the distorted image (which 1) against the reference (which 0), both width x height
 * straight RGBA8 fetched row by row through env.s2_get_row. background: -1 to ignore alpha, or a
 * grey level 0-255 to composite both images over. version: 21 for SSIMULACRA 2.1 (the current
 * metric), 20 for 2.0. Returns the score (100 = identical).
 */
EXPORT(s2_score) double s2_score(int32_t width, int32_t height, int32_t background, int32_t version) {
  if (width < 1 || height < 1 || width > MAX_DIM || height > MAX_DIM || background > 255) fail(FAIL_BAD_ARGUMENT);
  if (version != 20 && version != 21) fail(FAIL_BAD_ARGUMENT);
  compat20 = version == 20;
  build_srgb_table(version);
  build_kernel();
  cbrt_bias = cbrt_f(OPSIN_BIAS);
  int pw = at_least(width, MIN_SIZE), ph = at_least(height, MIN_SIZE);
  uint8_t *rgba_row = alloc_bytes((uint64_t)width * 4);
  static Image level[2][NUM_SCALES];  /* zeroed: the instance runs once */
  for (int k = 0; k < 2; k++) {
    level[k][0] = (Image){ .w = pw, .h = ph, .rgb8 = read_image(k, width, height, pw, ph, background, rgba_row) };
  }
  /* Allocate every smaller scale up front, so the work area below is the last (largest) block. */
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
  for (int i = 0; i < 7; i++) work[i] = alloc_floats((uint64_t)pw * ph);
  alloc_work(pw);

  ScaleNorms norms[NUM_SCALES];
  for (int s = 0; s < count; s++) {
    if (s > 0) {
      downscale(&level[0][s - 1], &level[0][s]);
      downscale(&level[1][s - 1], &level[1][s]);
    }
    for (int c = 0; c < 3; c++) {
      channel_planes(c, &level[0][s], &level[1][s]);
      channel_norms(c, level[0][s].w, level[0][s].h, &norms[s]);
    }
  }
  return final_score(version, norms, count);
}

/* The linear memory this instance uses now (bytes), for measurements. */
EXPORT(s2_memory_bytes) double s2_memory_bytes(void) {
  return (double)__builtin_wasm_memory_size(0) * PAGE_BYTES;
}
