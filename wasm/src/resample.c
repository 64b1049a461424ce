/*
 * resample.c - RGBA8 resampling kernels for the Worker (freestanding C, wasm32 + SIMD128).
 *
 * Two entry points stream the image through this module row by row. rs_resize() pulls source rows
 * (for a whole image in JS memory); rs_begin() + rs_push() is pushed them (for images that arrive as
 * strips from a decoder, see "Push mode" below). Both run the same arithmetic, so the same bytes:
 *
 *   source rows (fetched from JS by env.rs_get_row, straight RGBA8)
 *     -> optional integer box pre-shrink by kx x ky (alpha-weighted unless opaque)
 *     -> premultiplied 16-bit fixed point (7 fractional bits)
 *     -> horizontal Lanczos3 into a small ring of rows
 *     -> vertical Lanczos3, un-premultiply -> output rows (handed to JS by env.rs_put_row).
 *
 * So the module's memory holds the weights, one ring of filtered rows and a few row buffers,
 * never a whole image: each source byte is copied into it once, each result byte out once.
 *
 * Weights are 14-bit fixed point, normalised per output pixel so that they sum to exactly
 * 1 << 14 (a constant image stays exactly constant). Sample centres follow the convention of
 * libvips/pillow: output pixel x sits at (x + 0.5) * scale - 0.5 in input pixels; when reducing,
 * the kernel is widened by the scale. Samples outside the image repeat the edge pixel.
 *
 * Memory: a bump allocator over the exported linear memory, never freed. The JavaScript side
 * creates a fresh instance per call and drops it afterwards, so nothing leaks. Failures call the
 * imported env.rs_fail(code) and trap.
 */
#include <stdint.h>
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(#name)))
#define IMPORT(name) __attribute__((import_module("env"), import_name(#name)))

#define WEIGHT_BITS 14
#define WEIGHT_ONE (1 << WEIGHT_BITS)
#define FRAC_BITS 7                      /* fractional bits of the 16-bit intermediate */
#define FIX_MAX (255 << FRAC_BITS)       /* 32640: 255.0 in the intermediate */
#define MAX_DIM 65535
#define MAX_BOX 255                      /* keeps box sums of c * a within 32 bits */
#define PAGE_BYTES 65536u
#define PI 3.14159265358979323846

/* Failure codes passed to env.rs_fail before trapping. */
enum { FAIL_OUT_OF_MEMORY = 1, FAIL_BAD_ARGUMENT = 2 };

IMPORT(rs_fail) void rs_fail(int32_t code);
/* Copies source row y (width * 4 bytes, straight RGBA8) to `to`. */
IMPORT(rs_get_row) void rs_get_row(int32_t y, uint8_t *to);
/* Takes output row y (width * 4 bytes, straight RGBA8) from `from`. */
IMPORT(rs_put_row) void rs_put_row(int32_t y, const uint8_t *from);

static _Noreturn void fail(int32_t code) {
  rs_fail(code);
  __builtin_trap();
}

/* ------------------------------------------------------------------------------------------- */
/* Memory: bump allocation over linear memory, growing it as needed, up to a limit set by JS.   */

extern unsigned char __heap_base;

static uint32_t heap_top;
static uint64_t heap_limit = 0xFFFF0000u;

/* Caps the total linear memory (bytes) this instance may grow to; 0 leaves the wasm32 maximum. */
EXPORT(rs_set_limit) void rs_set_limit(uint32_t bytes) {
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

static void zero_bytes(void *p, uint64_t size) {
  uint8_t *b = p;
  uint64_t i = 0;
  for (; i + 16 <= size; i += 16) wasm_v128_store(b + i, wasm_i32x4_splat(0));
  for (; i < size; i++) b[i] = 0;
}

static void *alloc_zero(uint64_t size) {
  void *p = alloc_bytes(size);
  zero_bytes(p, size);
  return p;
}

/* ------------------------------------------------------------------------------------------- */
/* Small maths: no libc.                                                                          */

static inline int min_i(int a, int b) { return a < b ? a : b; }
static inline int max_i(int a, int b) { return a > b ? a : b; }
static inline int clamp_i(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }
static inline int ceil_div(int a, int b) { return (a + b - 1) / b; }

/* sin(pi * x): reduce to t in [-0.5, 0.5], then a Taylor series (error < 1e-11). */
static double sin_pi(double x) {
  double r = __builtin_rint(x);
  double z = PI * (x - r);
  double z2 = z * z;
  double s = z * (1.0 + z2 * (-1.0 / 6 + z2 * (1.0 / 120 + z2 * (-1.0 / 5040 + z2 * (1.0 / 362880 +
                 z2 * (-1.0 / 39916800 + z2 * (1.0 / 6227020800.0 + z2 * (-1.0 / 1307674368000.0))))))));
  return ((int64_t)r & 1) ? -s : s;
}

/* The Lanczos kernel with a = 3. */
static double lanczos3(double x) {
  if (x < 0) x = -x;
  if (x < 1e-9) return 1.0;
  if (x >= 3.0) return 0.0;
  return 3.0 * sin_pi(x) * sin_pi(x / 3.0) / (PI * PI * x * x);
}

/* ------------------------------------------------------------------------------------------- */
/* Box pre-shrink: a kx x ky average (edge blocks average what they cover).                      */

/*
 * Adds one source row to the column sums (sw * 4 lanes; `first` starts them). Opaque images sum
 * plain channels in 16 bits (at most 255 rows of 255); others sum c * a, c * a, c * a, a in 32.
 */
static void box_add_opaque(const uint8_t *row, int sw, uint16_t *vsum, int first) {
  const int n = sw * 4;
  int i = 0;
  for (; i + 16 <= n; i += 16) {
    v128_t v = wasm_v128_load(row + i);
    v128_t lo = wasm_u16x8_extend_low_u8x16(v), hi = wasm_u16x8_extend_high_u8x16(v);
    if (!first) {
      lo = wasm_i16x8_add(lo, wasm_v128_load(vsum + i));
      hi = wasm_i16x8_add(hi, wasm_v128_load(vsum + i + 8));
    }
    wasm_v128_store(vsum + i, lo);
    wasm_v128_store(vsum + i + 8, hi);
  }
  for (; i < n; i++) vsum[i] = (uint16_t)((first ? 0 : vsum[i]) + row[i]);
}

static void box_add_alpha(const uint8_t *row, int sw, uint32_t *vsum, int first) {
  const v128_t one = wasm_i32x4_splat(1);
  for (int x = 0; x < sw; x++) {
    v128_t px = wasm_u32x4_extend_low_u16x8(wasm_u16x8_extend_low_u8x16(wasm_v128_load32_zero(row + x * 4)));
    px = wasm_i32x4_mul(px, wasm_i32x4_shuffle(px, one, 3, 3, 3, 4)); /* c*a, c*a, c*a, a */
    if (!first) px = wasm_i32x4_add(px, wasm_v128_load(vsum + x * 4));
    wasm_v128_store(vsum + x * 4, px);
  }
}

/* floor(v / n) for 0 <= v < 2^24, in double precision (exact for n < 2^16). */
static inline v128_t divide_u32x4(v128_t v, double bias, double inv) {
  v128_t lo = wasm_f64x2_convert_low_i32x4(v);
  v128_t hi = wasm_f64x2_convert_low_i32x4(wasm_i32x4_shuffle(v, v, 2, 3, 2, 3));
  const v128_t b = wasm_f64x2_splat(bias), m = wasm_f64x2_splat(inv);
  lo = wasm_i32x4_trunc_sat_f64x2_zero(wasm_f64x2_mul(wasm_f64x2_add(lo, b), m));
  hi = wasm_i32x4_trunc_sat_f64x2_zero(wasm_f64x2_mul(wasm_f64x2_add(hi, b), m));
  return wasm_i32x4_shuffle(lo, hi, 0, 1, 4, 5);
}

static inline void store_pixel(uint8_t *out, v128_t v) {
  v128_t b = wasm_u8x16_narrow_i16x8(wasm_i16x8_narrow_i32x4(v, v), wasm_i16x8_splat(0));
  wasm_v128_store32_lane(out, b, 0);
}

/* Columns [x0, x1) of the 16-bit column sums, as u32 x 4. */
static inline v128_t sum_columns_u16(const uint16_t *vsum, int x0, int x1) {
  v128_t s = wasm_i32x4_splat(0);
  int x = x0;
  for (; x + 2 <= x1; x += 2) {
    v128_t two = wasm_v128_load(vsum + x * 4);
    s = wasm_i32x4_add(s, wasm_i32x4_add(wasm_u32x4_extend_low_u16x8(two), wasm_u32x4_extend_high_u16x8(two)));
  }
  if (x < x1) s = wasm_i32x4_add(s, wasm_u32x4_extend_low_u16x8(wasm_v128_load64_zero(vsum + x * 4)));
  return s;
}

/* One output row of an opaque box shrink: the rounded mean of each block, exactly. */
static void box_emit_opaque(const uint16_t *vsum, uint8_t *out, int sw, int kx, int bw, int rows) {
  for (int ox = 0; ox < bw; ox++) {
    int x0 = ox * kx, x1 = min_i(sw, x0 + kx);
    int n = (x1 - x0) * rows;
    v128_t mean = divide_u32x4(sum_columns_u16(vsum, x0, x1), (double)(n / 2) + 0.5, 1.0 / n);
    store_pixel(out + ox * 4, mean);
  }
}

/* One output row of an alpha box shrink: colour = sum(c * a) / sum(a), alpha = rounded mean. */
static void box_emit_alpha(const uint32_t *vsum, uint8_t *out, int sw, int kx, int bw, int rows) {
  for (int ox = 0; ox < bw; ox++) {
    int x0 = ox * kx, x1 = min_i(sw, x0 + kx);
    uint32_t n = (uint32_t)((x1 - x0) * rows);
    v128_t s = wasm_i32x4_splat(0);
    for (int x = x0; x < x1; x++) s = wasm_i32x4_add(s, wasm_v128_load(vsum + x * 4));
    uint32_t sc[4];
    wasm_v128_store(sc, s);
    uint8_t *o = out + ox * 4;
    uint32_t a = sc[3];
    o[3] = (uint8_t)((a + n / 2) / n);
    for (int c = 0; c < 3; c++) o[c] = a ? (uint8_t)((sc[c] + a / 2) / a) : 0;
  }
}

/* ------------------------------------------------------------------------------------------- */
/* Lanczos3 weights for one axis.                                                                */

typedef struct {
  int taps;        /* taps per output sample, even (pairs feed i32x4.dot_i16x8) */
  int32_t *start;  /* first input index of each output sample's window */
  int32_t *pairs;  /* taps / 2 per output: weight 2i in the low 16 bits, 2i + 1 in the high */
} Axis;

/* Rounds weights that sum to `sum` to integers summing to exactly WEIGHT_ONE. */
static void quantise(const double *w, int32_t *q, int taps, double sum) {
  int32_t total = 0;
  int big = 0;
  for (int j = 0; j < taps; j++) {
    q[j] = (int32_t)__builtin_rint(w[j] / sum * WEIGHT_ONE);
    total += q[j];
    if (q[j] > q[big]) big = j;
  }
  q[big] += WEIGHT_ONE - total;
}

static void pack_pairs(const int32_t *q, int32_t *pairs, int taps) {
  for (int j = 0; j < taps; j += 2) {
    int32_t lo = clamp_i(q[j], -32768, 32767), hi = clamp_i(q[j + 1], -32768, 32767);
    pairs[j / 2] = (int32_t)(((uint32_t)hi << 16) | ((uint32_t)lo & 0xFFFFu));
  }
}

static void identity_axis(Axis *ax, int len) {
  ax->taps = 2;
  for (int o = 0; o < len; o++) {
    ax->start[o] = o;
    ax->pairs[o] = WEIGHT_ONE;
  }
}

/*
 * Output o is centred at c = (o + 0.5) * scale - 0.5 and takes inputs i with |i - c| < support,
 * weighted lanczos3((i - c) / max(scale, 1)). Inputs past an edge fold onto the edge pixel.
 * Every window is `taps` long and lies in [0, max(in_len, taps)); index in_len, when reached, is
 * a zero pad pixel/row with weight 0.
 */
static void build_axis(Axis *ax, int in_len, int out_len, double scale) {
  double stretch = scale > 1.0 ? scale : 1.0;
  double support = 3.0 * stretch;
  int raw = (int)__builtin_ceil(2.0 * support) + 1;
  int taps = min_i(raw, in_len);
  taps += taps & 1;
  ax->taps = taps;
  ax->start = alloc_bytes((uint64_t)out_len * 4);
  ax->pairs = alloc_bytes((uint64_t)out_len * (taps / 2) * 4);
  if (in_len == out_len && scale == 1.0) {
    identity_axis(ax, out_len);
    return;
  }
  int span = max_i(in_len, taps);
  double *w = alloc_bytes((uint64_t)taps * 8);
  int32_t *q = alloc_bytes((uint64_t)taps * 4);
  for (int o = 0; o < out_len; o++) {
    double c = (o + 0.5) * scale - 0.5;
    int lo = (int)__builtin_floor(c - support) + 1;
    int hi = (int)__builtin_ceil(c + support) - 1;
    int s = min_i(clamp_i(lo, 0, in_len - 1), span - taps);
    double sum = 0;
    for (int j = 0; j < taps; j++) w[j] = 0;
    for (int i = lo; i <= hi; i++) {
      double k = lanczos3((i - c) / stretch);
      w[clamp_i(i, 0, in_len - 1) - s] += k;
      sum += k;
    }
    if (sum < 1e-9) { /* cannot happen for Lanczos3; keep the nearest sample */
      for (int j = 0; j < taps; j++) w[j] = 0;
      w[clamp_i((int)__builtin_rint(c), 0, in_len - 1) - s] = 1.0;
      sum = 1.0;
    }
    quantise(w, q, taps, sum);
    ax->start[o] = s;
    pack_pairs(q, ax->pairs + (uint64_t)o * (taps / 2), taps);
  }
}

/* ------------------------------------------------------------------------------------------- */
/* Rows: premultiply into fixed point, filter horizontally, filter vertically, un-premultiply.   */

/*
 * Two straight pixels (u16 x 8) -> premultiplied fixed point: colour * m >> 8 with
 * m = round(a * 128 * 256 / 255) = (a << 7) + round(a * 257 / 512) (exact for every a), and
 * alpha * 32768 >> 8 = alpha << FRAC_BITS.
 */
static inline v128_t premultiply2(v128_t px) {
  v128_t a = wasm_i16x8_shuffle(px, px, 3, 3, 3, 3, 7, 7, 7, 7);
  v128_t half = wasm_u16x8_avgr(wasm_u16x8_shr(wasm_i16x8_mul(a, wasm_i16x8_splat(257)), 8), wasm_i16x8_splat(0));
  v128_t m = wasm_i16x8_add(wasm_i16x8_shl(a, FRAC_BITS), half);
  m = wasm_i16x8_shuffle(m, wasm_i16x8_splat((int16_t)32768), 0, 1, 2, 8, 4, 5, 6, 8);
  v128_t lo = wasm_u32x4_shr(wasm_u32x4_extmul_low_u16x8(px, m), 8);
  v128_t hi = wasm_u32x4_shr(wasm_u32x4_extmul_high_u16x8(px, m), 8);
  return wasm_u16x8_narrow_i32x4(lo, hi);
}

/* Source row (straight RGBA8) -> premultiplied 16-bit fixed point with FRAC_BITS. */
static void load_row(const uint8_t *src, int16_t *out, int w, int opaque) {
  int x = 0;
  for (; x + 4 <= w; x += 4) {
    v128_t v = wasm_v128_load(src + x * 4);
    v128_t lo = wasm_u16x8_extend_low_u8x16(v), hi = wasm_u16x8_extend_high_u8x16(v);
    if (opaque) {
      lo = wasm_i16x8_shl(lo, FRAC_BITS);
      hi = wasm_i16x8_shl(hi, FRAC_BITS);
    } else {
      lo = premultiply2(lo);
      hi = premultiply2(hi);
    }
    wasm_v128_store(out + x * 4, lo);
    wasm_v128_store(out + x * 4 + 8, hi);
  }
  for (; x < w; x++) {
    v128_t px = wasm_u16x8_extend_low_u8x16(wasm_v128_load32_zero(src + x * 4));
    px = opaque ? wasm_i16x8_shl(px, FRAC_BITS) : premultiply2(px);
    wasm_v128_store64_lane(out + x * 4, px, 0);
  }
}

/* Interleaves the channels of two adjacent pixels: r0 r1 g0 g1 b0 b1 a0 a1. */
static inline v128_t interleave_pixels(v128_t two) {
  return wasm_i16x8_shuffle(two, two, 0, 4, 1, 5, 2, 6, 3, 7);
}

/* Rounds, shifts and clamps a horizontal sum to the fixed-point intermediate; stores 1 pixel. */
static inline void store_fixed(int16_t *out, v128_t sum) {
  v128_t v = wasm_i32x4_shr(sum, WEIGHT_BITS);
  v128_t fixed = wasm_i16x8_min(wasm_i16x8_max(wasm_i16x8_narrow_i32x4(v, v), wasm_i16x8_splat(0)), wasm_i16x8_splat(FIX_MAX));
  wasm_v128_store64_lane(out, fixed, 0);
}

/*
 * Four rows at once (they share windows and weights, and four independent sums keep the SIMD
 * units busy): rows of premultiplied fixed point (in_len + 1 pixels, the last zero) -> out_len
 * pixels each.
 */
static void filter_rows_h(const int16_t *const in[4], int16_t *const out[4], const Axis *ax, int out_len) {
  const int npairs = ax->taps / 2;
  const int32_t *wp = ax->pairs;
  for (int o = 0; o < out_len; o++, wp += npairs) {
    const int off = ax->start[o] * 4;
    const int16_t *p0 = in[0] + off, *p1 = in[1] + off, *p2 = in[2] + off, *p3 = in[3] + off;
    v128_t s0 = wasm_i32x4_splat(1 << (WEIGHT_BITS - 1)), s1 = s0, s2 = s0, s3 = s0;
    for (int t = 0; t < npairs; t++) {
      v128_t w = wasm_i32x4_splat(wp[t]);
      s0 = wasm_i32x4_add(s0, wasm_i32x4_dot_i16x8(interleave_pixels(wasm_v128_load(p0 + t * 8)), w));
      s1 = wasm_i32x4_add(s1, wasm_i32x4_dot_i16x8(interleave_pixels(wasm_v128_load(p1 + t * 8)), w));
      s2 = wasm_i32x4_add(s2, wasm_i32x4_dot_i16x8(interleave_pixels(wasm_v128_load(p2 + t * 8)), w));
      s3 = wasm_i32x4_add(s3, wasm_i32x4_dot_i16x8(interleave_pixels(wasm_v128_load(p3 + t * 8)), w));
    }
    store_fixed(out[0] + o * 4, s0);
    store_fixed(out[1] + o * 4, s1);
    store_fixed(out[2] + o * 4, s2);
    store_fixed(out[3] + o * 4, s3);
  }
}

/* Premultiplied fixed point (i32 x 4, FRAC_BITS) -> straight 0..255 (i32 x 4). */
static inline v128_t unpremultiply(v128_t fixed) {
  int32_t a = clamp_i(wasm_i32x4_extract_lane(fixed, 3), 0, FIX_MAX);
  int32_t a8 = (a + (1 << (FRAC_BITS - 1))) >> FRAC_BITS;
  if (a8 == 0) return wasm_i32x4_splat(0);
  v128_t c = wasm_i32x4_min(wasm_i32x4_max(fixed, wasm_i32x4_splat(0)), wasm_i32x4_splat(a));
  v128_t f = wasm_f32x4_mul(wasm_f32x4_convert_i32x4(c), wasm_f32x4_splat(255.0f / (float)a));
  v128_t straight = wasm_i32x4_trunc_sat_f32x4(wasm_f32x4_add(f, wasm_f32x4_splat(0.5f)));
  return wasm_i32x4_replace_lane(straight, 3, a8);
}

/* Four output pixels from their weighted sums (WEIGHT_BITS + FRAC_BITS fractional bits). */
static inline void emit4(uint8_t *out, v128_t s0, v128_t s1, v128_t s2, v128_t s3, int opaque) {
  if (opaque) {
    const v128_t round = wasm_i32x4_splat(1 << (WEIGHT_BITS + FRAC_BITS - 1));
    s0 = wasm_i32x4_shr(wasm_i32x4_add(s0, round), WEIGHT_BITS + FRAC_BITS);
    s1 = wasm_i32x4_shr(wasm_i32x4_add(s1, round), WEIGHT_BITS + FRAC_BITS);
    s2 = wasm_i32x4_shr(wasm_i32x4_add(s2, round), WEIGHT_BITS + FRAC_BITS);
    s3 = wasm_i32x4_shr(wasm_i32x4_add(s3, round), WEIGHT_BITS + FRAC_BITS);
  } else {
    const v128_t round = wasm_i32x4_splat(1 << (WEIGHT_BITS - 1));
    s0 = unpremultiply(wasm_i32x4_shr(wasm_i32x4_add(s0, round), WEIGHT_BITS));
    s1 = unpremultiply(wasm_i32x4_shr(wasm_i32x4_add(s1, round), WEIGHT_BITS));
    s2 = unpremultiply(wasm_i32x4_shr(wasm_i32x4_add(s2, round), WEIGHT_BITS));
    s3 = unpremultiply(wasm_i32x4_shr(wasm_i32x4_add(s3, round), WEIGHT_BITS));
  }
  v128_t lo = wasm_i16x8_narrow_i32x4(s0, s1), hi = wasm_i16x8_narrow_i32x4(s2, s3);
  wasm_v128_store(out, wasm_u8x16_narrow_i16x8(lo, hi));
}

/*
 * One output row from the filtered rows: rows[t] are the taps (padded to a multiple of 4 pixels),
 * wp their weight pairs. Writes whole groups of 4 pixels: up to 3 pixels past `width`, into the
 * output row buffer's 16 spare bytes.
 */
static void filter_row_v(const int16_t *const *rows, const int32_t *wp, int npairs, int width, uint8_t *out,
                         int opaque) {
  for (int x = 0; x < width; x += 4) {
    v128_t s0 = wasm_i32x4_splat(0), s1 = s0, s2 = s0, s3 = s0;
    for (int t = 0; t < npairs; t++) {
      const int16_t *r0 = rows[2 * t] + x * 4, *r1 = rows[2 * t + 1] + x * 4;
      v128_t w = wasm_i32x4_splat(wp[t]);
      v128_t a0 = wasm_v128_load(r0), a1 = wasm_v128_load(r0 + 8);
      v128_t b0 = wasm_v128_load(r1), b1 = wasm_v128_load(r1 + 8);
      s0 = wasm_i32x4_add(s0, wasm_i32x4_dot_i16x8(wasm_i16x8_shuffle(a0, b0, 0, 8, 1, 9, 2, 10, 3, 11), w));
      s1 = wasm_i32x4_add(s1, wasm_i32x4_dot_i16x8(wasm_i16x8_shuffle(a0, b0, 4, 12, 5, 13, 6, 14, 7, 15), w));
      s2 = wasm_i32x4_add(s2, wasm_i32x4_dot_i16x8(wasm_i16x8_shuffle(a1, b1, 0, 8, 1, 9, 2, 10, 3, 11), w));
      s3 = wasm_i32x4_add(s3, wasm_i32x4_dot_i16x8(wasm_i16x8_shuffle(a1, b1, 4, 12, 5, 13, 6, 14, 7, 15), w));
    }
    emit4(out + x * 4, s0, s1, s2, s3, opaque);
  }
}

/* ------------------------------------------------------------------------------------------- */
/* The job.                                                                                      */

typedef struct {
  int sw, sh, kx, ky;   /* source size and box factors */
  int in_w, in_h;       /* the Lanczos input: the source after any box shrink */
  int out_w, out_h, opaque;
  Axis ax, ay;
  uint8_t *raw;         /* one source row as fetched */
  void *vsum;           /* box column sums: u16 (opaque) or u32 per channel */
  uint8_t *boxed;       /* one box-shrunk row */
  int stride;           /* ring row length in int16, a multiple of 4 pixels */
  int16_t *lines[4];    /* premultiplied input rows (a batch), each plus a zero pad pixel */
  int slots;            /* ring size: ay.taps + 3, as a batch may run 3 rows ahead */
  int16_t *ring;        /* horizontally filtered rows; row r lives in slot r % slots */
  int16_t *zero_row;    /* stands for the pad row index in_h */
  int16_t *scratch;     /* where the unused rows of a short batch go */
  const int16_t **rows; /* the taps of the current output row */
  int next_row;         /* first input row not yet filtered horizontally */
  uint8_t *out_row;     /* one output row plus 16 spare bytes (groups of 4 pixels) */
} Job;

/* Row r of the Lanczos input: a source row, or the box average of source rows r*ky.. */
static const uint8_t *input_row(Job *job, int r) {
  if (job->kx == 1 && job->ky == 1) {
    rs_get_row(r, job->raw);
    return job->raw;
  }
  int y0 = r * job->ky, y1 = min_i(job->sh, y0 + job->ky);
  for (int y = y0; y < y1; y++) {
    rs_get_row(y, job->raw);
    if (job->opaque) box_add_opaque(job->raw, job->sw, job->vsum, y == y0);
    else box_add_alpha(job->raw, job->sw, job->vsum, y == y0);
  }
  if (job->opaque) box_emit_opaque(job->vsum, job->boxed, job->sw, job->kx, job->in_w, y1 - y0);
  else box_emit_alpha(job->vsum, job->boxed, job->sw, job->kx, job->in_w, y1 - y0);
  return job->boxed;
}

/* Filters input rows up to `end` (at least) horizontally into the ring, four at a time. */
static void fill_ring(Job *job, int first, int end) {
  if (job->next_row < first) job->next_row = first;
  while (job->next_row < end) {
    const int r = job->next_row, n = min_i(4, job->in_h - r);
    const int16_t *in[4];
    int16_t *out[4];
    for (int i = 0; i < 4; i++) {
      if (i < n) {
        load_row(input_row(job, r + i), job->lines[i], job->in_w, job->opaque);
        in[i] = job->lines[i];
        out[i] = job->ring + (uint64_t)((r + i) % job->slots) * job->stride;
      } else {
        in[i] = job->lines[0];
        out[i] = job->scratch;
      }
    }
    filter_rows_h(in, out, &job->ax, job->out_w);
    job->next_row += n;
  }
}

/* Output row y from the rows now in the ring. */
static void emit_row(Job *job, int y) {
  const int taps = job->ay.taps, s = job->ay.start[y];
  for (int t = 0; t < taps; t++) {
    int r = s + t;
    job->rows[t] = r < job->in_h ? job->ring + (uint64_t)(r % job->slots) * job->stride : job->zero_row;
  }
  filter_row_v(job->rows, job->ay.pairs + (uint64_t)y * (taps / 2), taps / 2, job->out_w, job->out_row, job->opaque);
  rs_put_row(y, job->out_row);
}

static void lanczos_rows(Job *job) {
  const int taps = job->ay.taps;
  for (int y = 0; y < job->out_h; y++) {
    int s = job->ay.start[y];
    fill_ring(job, s, min_i(s + taps, job->in_h));
    emit_row(job, y);
  }
}

static void setup_job(Job *job) {
  build_axis(&job->ax, job->in_w, job->out_w, (double)job->sw / ((double)job->kx * job->out_w));
  build_axis(&job->ay, job->in_h, job->out_h, (double)job->sh / ((double)job->ky * job->out_h));
  job->raw = alloc_bytes((uint64_t)job->sw * 4);
  job->vsum = alloc_bytes((uint64_t)job->sw * (job->opaque ? 8 : 16));
  job->boxed = alloc_bytes((uint64_t)job->in_w * 4);
  job->stride = ((job->out_w + 3) & ~3) * 4;
  for (int i = 0; i < 4; i++) job->lines[i] = alloc_zero((uint64_t)(job->in_w + 1) * 8);
  job->slots = job->ay.taps + 3;
  job->ring = alloc_zero((uint64_t)job->slots * job->stride * 2);
  job->zero_row = alloc_zero((uint64_t)job->stride * 2);
  job->scratch = alloc_bytes((uint64_t)job->stride * 2);
  job->rows = alloc_bytes((uint64_t)job->ay.taps * sizeof(int16_t *));
  job->out_row = alloc_bytes((uint64_t)job->out_w * 4 + 16);
  job->next_row = 0;
}

static int valid_dim(int v) { return v >= 1 && v <= MAX_DIM; }

static void check_job(int sw, int sh, int dw, int dh, int kx, int ky) {
  if (!valid_dim(sw) || !valid_dim(sh) || !valid_dim(dw) || !valid_dim(dh)) fail(FAIL_BAD_ARGUMENT);
  if (kx < 1 || ky < 1 || kx > MAX_BOX || ky > MAX_BOX || kx > sw || ky > sh) fail(FAIL_BAD_ARGUMENT);
}

static void init_job(Job *job, int sw, int sh, int dw, int dh, int opaque, int kx, int ky) {
  job->sw = sw;
  job->sh = sh;
  job->kx = kx;
  job->ky = ky;
  job->in_w = ceil_div(sw, kx);
  job->in_h = ceil_div(sh, ky);
  job->out_w = dw;
  job->out_h = dh;
  job->opaque = opaque != 0;
  setup_job(job);
}

/*
 * Resizes a straight-alpha RGBA8 image of sw x sh, read row by row through env.rs_get_row, to
 * dw x dh, written row by row (in order) through env.rs_put_row. opaque != 0 skips all alpha work
 * (every alpha must be 255). kx, ky >= 1: box pre-shrink factors (1 = none).
 */
EXPORT(rs_resize) void rs_resize(int sw, int sh, int dw, int dh, int opaque, int kx, int ky) {
  check_job(sw, sh, dw, dh, kx, ky);
  Job job;
  init_job(&job, sw, sh, dw, dh, opaque, kx, ky);
  lanczos_rows(&job);
}

/* ------------------------------------------------------------------------------------------- */
/*
 * Push mode: the source rows arrive in order, a batch at a time, and each output row is handed to
 * env.rs_put_row as soon as every row of its window has been filtered. Input rows are filtered in
 * batches of four, as in rs_resize; per row the arithmetic is the same, so the output is too.
 *
 * Why the ring of taps + 3 rows is enough: before a batch overwrites the slots of rows
 * [next - slots, next + 4 - slots), every output whose window ends at or before `next` has been
 * emitted; a pending one needs rows from start >= next - taps + 1 = next + 4 - slots onwards.
 */

static Job push_job;
static int push_src_row;   /* next source row expected */
static int push_pending;   /* Lanczos input rows loaded into lines[] but not yet filtered */
static int push_out_row;   /* next output row to emit */
static uint8_t *push_input; /* where JS writes a batch of source rows */
static int push_capacity;  /* rows that fit in push_input */

/* Emits every output row whose window is filtered. */
static void emit_ready(Job *job) {
  while (push_out_row < job->out_h) {
    int s = job->ay.start[push_out_row];
    if (job->next_row < min_i(s + job->ay.taps, job->in_h)) return;
    emit_row(job, push_out_row++);
  }
}

/* Filters the loaded lines into the ring, after emitting what the ring's old rows still owe. */
static void flush_lines(Job *job) {
  emit_ready(job);
  const int r = job->next_row, n = push_pending;
  const int16_t *in[4];
  int16_t *out[4];
  for (int i = 0; i < 4; i++) {
    in[i] = i < n ? job->lines[i] : job->lines[0];
    out[i] = i < n ? job->ring + (uint64_t)((r + i) % job->slots) * job->stride : job->scratch;
  }
  filter_rows_h(in, out, &job->ax, job->out_w);
  job->next_row += n;
  push_pending = 0;
  emit_ready(job);
}

/* Takes Lanczos input row (next_row + pending). */
static void take_line(Job *job, const uint8_t *row) {
  load_row(row, job->lines[push_pending++], job->in_w, job->opaque);
  if (push_pending == 4 || job->next_row + push_pending == job->in_h) flush_lines(job);
}

/* Takes source row push_src_row (straight RGBA8, sw pixels). */
static void take_source_row(Job *job, const uint8_t *row) {
  const int y = push_src_row++;
  if (job->kx == 1 && job->ky == 1) {
    take_line(job, row);
    return;
  }
  const int y0 = (y / job->ky) * job->ky, y1 = min_i(job->sh, y0 + job->ky);
  if (job->opaque) box_add_opaque(row, job->sw, job->vsum, y == y0);
  else box_add_alpha(row, job->sw, job->vsum, y == y0);
  if (y + 1 < y1) return;
  if (job->opaque) box_emit_opaque(job->vsum, job->boxed, job->sw, job->kx, job->in_w, y1 - y0);
  else box_emit_alpha(job->vsum, job->boxed, job->sw, job->kx, job->in_w, y1 - y0);
  take_line(job, job->boxed);
}

/*
 * Starts a push-mode resize (arguments as rs_resize's) and returns where JS writes source rows:
 * room for `capacity` rows of sw * 4 bytes. Only one push job per instance.
 */
EXPORT(rs_begin) uint8_t *rs_begin(int sw, int sh, int dw, int dh, int opaque, int kx, int ky, int capacity) {
  check_job(sw, sh, dw, dh, kx, ky);
  if (capacity < 1 || capacity > sh) fail(FAIL_BAD_ARGUMENT);
  init_job(&push_job, sw, sh, dw, dh, opaque, kx, ky);
  push_src_row = push_pending = push_out_row = 0;
  push_capacity = capacity;
  push_input = alloc_bytes((uint64_t)capacity * sw * 4);
  return push_input;
}

/* Takes the next `rows` source rows from the input buffer; returns output rows emitted so far. */
EXPORT(rs_push) int rs_push(int rows) {
  if (rows < 1 || rows > push_capacity || push_src_row + rows > push_job.sh) fail(FAIL_BAD_ARGUMENT);
  for (int i = 0; i < rows; i++) take_source_row(&push_job, push_input + (uint64_t)i * push_job.sw * 4);
  return push_out_row;
}
