/*
 * WebAssembly SIMD (simd128) versions of libjpeg-turbo's hottest decoding routines, plugged into
 * its jsimd_* dispatch (the interface jsimd_none.c implements for builds without SIMD). Ours
 * (MIT, like the rest of the repository); see wasm/jpeg/README.md.
 *
 * Every routine computes exactly what the C code it replaces computes, in the same 32-bit (or, for
 * the upsamplers, exact 16-bit) integer arithmetic, lane by lane, including the C code's shortcuts
 * and its range-limit table, so the decoded output is byte-for-byte the same as without SIMD, for
 * any input:
 *
 * - jsimd_idct_islow: jpeg_idct_islow (jidctint.c), 8x8 blocks, 4 columns / rows per vector
 * - jsimd_idct_4x4, jsimd_idct_2x2: jpeg_idct_4x4, jpeg_idct_2x2 (jidctred.c), used at 1/2 and
 *   1/4 scale
 * - jsimd_ycc_rgb_convert: ycc_rgb_convert (jdcolext.c) for the 4-byte RGBX/RGBA orders
 *   (3-byte orders go through the same formulas one pixel at a time)
 * - jsimd_h2v1_fancy_upsample, jsimd_h2v2_fancy_upsample, jsimd_h1v2_fancy_upsample (jdsample.c)
 *
 * Everything else comes from jsimd_none.c (no SIMD), included below with the names of the routines
 * implemented here moved out of the way.
 *
 * The library is compiled with WITH_SIMD defined (build.sh), as libjpeg-turbo's SIMD builds are:
 * quantisation tables are then 16-bit (ISLOW_MULT_TYPE short) and sample rows are allocated with
 * 64-byte padding. This file only reads and writes the samples the C code reads and writes.
 */

#define jsimd_can_ycc_rgb              jsimd_none_can_ycc_rgb
#define jsimd_ycc_rgb_convert          jsimd_none_ycc_rgb_convert
#define jsimd_can_h2v1_fancy_upsample  jsimd_none_can_h2v1_fancy_upsample
#define jsimd_h2v1_fancy_upsample      jsimd_none_h2v1_fancy_upsample
#define jsimd_can_h2v2_fancy_upsample  jsimd_none_can_h2v2_fancy_upsample
#define jsimd_h2v2_fancy_upsample      jsimd_none_h2v2_fancy_upsample
#define jsimd_can_h1v2_fancy_upsample  jsimd_none_can_h1v2_fancy_upsample
#define jsimd_h1v2_fancy_upsample      jsimd_none_h1v2_fancy_upsample
#define jsimd_can_idct_islow           jsimd_none_can_idct_islow
#define jsimd_idct_islow               jsimd_none_idct_islow
#define jsimd_can_idct_4x4             jsimd_none_can_idct_4x4
#define jsimd_idct_4x4                 jsimd_none_idct_4x4
#define jsimd_can_idct_2x2             jsimd_none_can_idct_2x2
#define jsimd_idct_2x2                 jsimd_none_idct_2x2
#include "jsimd_none.c"
#undef jsimd_can_ycc_rgb
#undef jsimd_ycc_rgb_convert
#undef jsimd_can_h2v1_fancy_upsample
#undef jsimd_h2v1_fancy_upsample
#undef jsimd_can_h2v2_fancy_upsample
#undef jsimd_h2v2_fancy_upsample
#undef jsimd_can_h1v2_fancy_upsample
#undef jsimd_h1v2_fancy_upsample
#undef jsimd_can_idct_islow
#undef jsimd_idct_islow
#undef jsimd_can_idct_4x4
#undef jsimd_idct_4x4
#undef jsimd_can_idct_2x2
#undef jsimd_idct_2x2

#include <stdint.h>
#include <wasm_simd128.h>

#if !defined(__wasm_simd128__)
#error "compile with -msimd128"
#endif

_Static_assert(BITS_IN_JSAMPLE == 8 && sizeof(JSAMPLE) == 1, "8-bit samples only");
_Static_assert(DCTSIZE == 8 && sizeof(JCOEF) == 2, "8x8 blocks of 16-bit coefficients only");
_Static_assert(sizeof(ISLOW_MULT_TYPE) == 2, "build the library with WITH_SIMD (16-bit quantisation tables)");
_Static_assert(sizeof(JLONG) == 4 && sizeof(int) == 4, "the C code's arithmetic is 32-bit here");
_Static_assert(RANGE_MASK == 1023 && CENTERJSAMPLE == 128 && MAXJSAMPLE == 255, "8-bit range limit");

GLOBAL(int) jsimd_can_idct_islow(void) { return 1; }
GLOBAL(int) jsimd_can_idct_4x4(void) { return 1; }
GLOBAL(int) jsimd_can_idct_2x2(void) { return 1; }
GLOBAL(int) jsimd_can_ycc_rgb(void) { return 1; }
GLOBAL(int) jsimd_can_h2v1_fancy_upsample(void) { return 1; }
GLOBAL(int) jsimd_can_h2v2_fancy_upsample(void) { return 1; }
GLOBAL(int) jsimd_can_h1v2_fancy_upsample(void) { return 1; }

/* --- Inverse DCT --------------------------------------------------------------------------- */

/* The constants of jidctint.c and jidctred.c (CONST_BITS 13, PASS1_BITS 2). */
#define CONST_BITS  13
#define PASS1_BITS  2
#define FIX_0_211164243  1730
#define FIX_0_720959822  5906
#define FIX_0_850430095  6967
#define FIX_1_272758580  10426
#define FIX_3_624509785  29692
#define FIX_0_298631336  2446
#define FIX_0_390180644  3196
#define FIX_0_509795579  4176
#define FIX_0_541196100  4433
#define FIX_0_601344887  4926
#define FIX_0_765366865  6270
#define FIX_0_899976223  7373
#define FIX_1_061594337  8697
#define FIX_1_175875602  9633
#define FIX_1_451774981  11893
#define FIX_1_501321110  12299
#define FIX_1_847759065  15137
#define FIX_1_961570560  16069
#define FIX_2_053119869  16819
#define FIX_2_172734803  17799
#define FIX_2_562915447  20995
#define FIX_3_072711026  25172

#define ADD(a, b)   wasm_i32x4_add(a, b)
#define SUB(a, b)   wasm_i32x4_sub(a, b)
#define MUL(a, c)   wasm_i32x4_mul(a, wasm_i32x4_splat(c))
#define SHL(a, n)   wasm_i32x4_shl(a, n)
/* DESCALE(x, n): (x + (1 << (n - 1))) >> n, arithmetic shift */
#define DESCALE4(a, n)  wasm_i32x4_shr(wasm_i32x4_add(a, wasm_i32x4_splat(1 << ((n) - 1))), n)

/* range_limit[x & RANGE_MASK] of the IDCT (jdmaster.c's table): x wrapped to 10 bits as a signed
 * value, plus CENTERJSAMPLE, clamped to 0..255. This gives the 32-bit value before the final
 * clamp; the saturating narrowings (i32 -> i16 -> u8) do the clamp. */
static inline v128_t range_limit4(v128_t x) {
  return wasm_i32x4_sub(wasm_v128_and(wasm_i32x4_add(x, wasm_i32x4_splat(512)), wasm_i32x4_splat(1023)),
                        wasm_i32x4_splat(512 - CENTERJSAMPLE));
}

static inline void transpose4(v128_t *a, v128_t *b, v128_t *c, v128_t *d) {
  v128_t t0 = wasm_i32x4_shuffle(*a, *b, 0, 4, 1, 5);
  v128_t t1 = wasm_i32x4_shuffle(*a, *b, 2, 6, 3, 7);
  v128_t t2 = wasm_i32x4_shuffle(*c, *d, 0, 4, 1, 5);
  v128_t t3 = wasm_i32x4_shuffle(*c, *d, 2, 6, 3, 7);
  *a = wasm_i32x4_shuffle(t0, t2, 0, 1, 4, 5);
  *b = wasm_i32x4_shuffle(t0, t2, 2, 3, 6, 7);
  *c = wasm_i32x4_shuffle(t1, t3, 0, 1, 4, 5);
  *d = wasm_i32x4_shuffle(t1, t3, 2, 3, 6, 7);
}

/* The 8-point butterfly of jpeg_idct_islow (both passes): in[0..7] -> out[0..7] before descaling,
 * out[k] being tmp10 + tmp3, tmp11 + tmp2, ... in the C code's order (outputs 0..7). */
static inline void islow_butterfly(const v128_t in[8], v128_t out[8]) {
  v128_t z1, z2, z3, z4, z5, tmp0, tmp1, tmp2, tmp3, tmp10, tmp11, tmp12, tmp13;

  z2 = in[2];
  z3 = in[6];
  z1 = MUL(ADD(z2, z3), FIX_0_541196100);
  tmp2 = ADD(z1, MUL(z3, -FIX_1_847759065));
  tmp3 = ADD(z1, MUL(z2, FIX_0_765366865));

  z2 = in[0];
  z3 = in[4];
  tmp0 = SHL(ADD(z2, z3), CONST_BITS);
  tmp1 = SHL(SUB(z2, z3), CONST_BITS);

  tmp10 = ADD(tmp0, tmp3);
  tmp13 = SUB(tmp0, tmp3);
  tmp11 = ADD(tmp1, tmp2);
  tmp12 = SUB(tmp1, tmp2);

  tmp0 = in[7];
  tmp1 = in[5];
  tmp2 = in[3];
  tmp3 = in[1];

  z1 = ADD(tmp0, tmp3);
  z2 = ADD(tmp1, tmp2);
  z3 = ADD(tmp0, tmp2);
  z4 = ADD(tmp1, tmp3);
  z5 = MUL(ADD(z3, z4), FIX_1_175875602);

  tmp0 = MUL(tmp0, FIX_0_298631336);
  tmp1 = MUL(tmp1, FIX_2_053119869);
  tmp2 = MUL(tmp2, FIX_3_072711026);
  tmp3 = MUL(tmp3, FIX_1_501321110);
  z1 = MUL(z1, -FIX_0_899976223);
  z2 = MUL(z2, -FIX_2_562915447);
  z3 = MUL(z3, -FIX_1_961570560);
  z4 = MUL(z4, -FIX_0_390180644);

  z3 = ADD(z3, z5);
  z4 = ADD(z4, z5);

  tmp0 = ADD(tmp0, ADD(z1, z3));
  tmp1 = ADD(tmp1, ADD(z2, z4));
  tmp2 = ADD(tmp2, ADD(z2, z3));
  tmp3 = ADD(tmp3, ADD(z1, z4));

  out[0] = ADD(tmp10, tmp3);
  out[7] = SUB(tmp10, tmp3);
  out[1] = ADD(tmp11, tmp2);
  out[6] = SUB(tmp11, tmp2);
  out[2] = ADD(tmp12, tmp1);
  out[5] = SUB(tmp12, tmp1);
  out[3] = ADD(tmp13, tmp0);
  out[4] = SUB(tmp13, tmp0);
}

/* Stores 8 columns (each a vector over 4 rows, already range-limited as 32-bit values) as 4 rows
 * of 8 samples. */
static inline void store_8x4(const v128_t col[8], JSAMPARRAY output_buf, int row0, JDIMENSION output_col) {
  v128_t b0 = wasm_u8x16_narrow_i16x8(wasm_i16x8_narrow_i32x4(col[0], col[1]),
                                      wasm_i16x8_narrow_i32x4(col[2], col[3]));
  v128_t b1 = wasm_u8x16_narrow_i16x8(wasm_i16x8_narrow_i32x4(col[4], col[5]),
                                      wasm_i16x8_narrow_i32x4(col[6], col[7]));
  /* b0 = col0 rows 0-3, col1 rows 0-3, col2 ..., col3 ...; b1 the same for columns 4-7 */
  v128_t r01 = wasm_i8x16_shuffle(b0, b1, 0, 4, 8, 12, 16, 20, 24, 28, 1, 5, 9, 13, 17, 21, 25, 29);
  v128_t r23 = wasm_i8x16_shuffle(b0, b1, 2, 6, 10, 14, 18, 22, 26, 30, 3, 7, 11, 15, 19, 23, 27, 31);
  wasm_v128_store64_lane(output_buf[row0 + 0] + output_col, r01, 0);
  wasm_v128_store64_lane(output_buf[row0 + 1] + output_col, r01, 1);
  wasm_v128_store64_lane(output_buf[row0 + 2] + output_col, r23, 0);
  wasm_v128_store64_lane(output_buf[row0 + 3] + output_col, r23, 1);
}

GLOBAL(void)
jsimd_idct_islow(j_decompress_ptr cinfo, jpeg_component_info *compptr, JCOEFPTR coef_block,
                 JSAMPARRAY output_buf, JDIMENSION output_col)
{
  const ISLOW_MULT_TYPE *quantptr = (const ISLOW_MULT_TYPE *)compptr->dct_table;
  v128_t coef[8], ac = wasm_i64x2_const(0, 0);
  int k;
  (void)cinfo;

  for (k = 0; k < 8; k++) {
    coef[k] = wasm_v128_load(coef_block + DCTSIZE * k);
    if (k > 0) ac = wasm_v128_or(ac, coef[k]);
  }

  /* Only the DC coefficient (the common case for chroma and smooth areas): pass 1 takes its
   * shortcut in column 0 and leaves zeros elsewhere, pass 2 its shortcut in every row, so all 64
   * samples are range_limit[DESCALE(DEQUANTIZE(dc) << PASS1_BITS, PASS1_BITS + 3)]. */
  if (!wasm_v128_any_true(wasm_v128_or(ac, wasm_i16x8_replace_lane(coef[0], 0, 0)))) {
    int32_t dc = (int32_t)((uint32_t)((int32_t)coef_block[0] * quantptr[0]) << PASS1_BITS);
    v128_t v = range_limit4(DESCALE4(wasm_i32x4_splat(dc), PASS1_BITS + 3));
    v = wasm_u8x16_narrow_i16x8(wasm_i16x8_narrow_i32x4(v, v), wasm_i16x8_narrow_i32x4(v, v));
    for (k = 0; k < 8; k++) wasm_v128_store64_lane(output_buf[k] + output_col, v, 0);
    return;
  }

  /* Pass 1: columns 0-3 (lo) and 4-7 (hi), a vector over 4 columns per coefficient row. A column
   * whose AC terms are all zero takes the C code's shortcut: DEQUANTIZE(dc) << PASS1_BITS. */
  v128_t zero_lo = wasm_i32x4_extend_low_i16x8(wasm_i16x8_eq(ac, wasm_i16x8_splat(0)));
  v128_t zero_hi = wasm_i32x4_extend_high_i16x8(wasm_i16x8_eq(ac, wasm_i16x8_splat(0)));
  v128_t in_lo[8], in_hi[8], out_lo[8], out_hi[8];
  for (k = 0; k < 8; k++) {
    v128_t q = wasm_v128_load(quantptr + DCTSIZE * k);
    in_lo[k] = wasm_i32x4_extmul_low_i16x8(coef[k], q);
    in_hi[k] = wasm_i32x4_extmul_high_i16x8(coef[k], q);
  }
  islow_butterfly(in_lo, out_lo);
  islow_butterfly(in_hi, out_hi);
  v128_t dc_lo = SHL(in_lo[0], PASS1_BITS), dc_hi = SHL(in_hi[0], PASS1_BITS);
  for (k = 0; k < 8; k++) {
    out_lo[k] = wasm_v128_bitselect(dc_lo, DESCALE4(out_lo[k], CONST_BITS - PASS1_BITS), zero_lo);
    out_hi[k] = wasm_v128_bitselect(dc_hi, DESCALE4(out_hi[k], CONST_BITS - PASS1_BITS), zero_hi);
  }

  /* Workspace row r, column c is out_{lo,hi}[r] lane c. Transpose so that for rows 0-3 (then
   * 4-7) in[c] holds column c of those rows. */
  transpose4(&out_lo[0], &out_lo[1], &out_lo[2], &out_lo[3]);
  transpose4(&out_hi[0], &out_hi[1], &out_hi[2], &out_hi[3]);
  transpose4(&out_lo[4], &out_lo[5], &out_lo[6], &out_lo[7]);
  transpose4(&out_hi[4], &out_hi[5], &out_hi[6], &out_hi[7]);

  for (int half = 0; half < 2; half++) {
    v128_t in[8], out[8];
    const v128_t *lo = half ? out_lo + 4 : out_lo, *hi = half ? out_hi + 4 : out_hi;
    for (k = 0; k < 4; k++) {
      in[k] = lo[k];
      in[k + 4] = hi[k];
    }
    /* Pass 2: rows whose AC terms are all zero take the shortcut DESCALE(ws[0], PASS1_BITS + 3). */
    v128_t nz = wasm_v128_or(wasm_v128_or(wasm_v128_or(in[1], in[2]), wasm_v128_or(in[3], in[4])),
                             wasm_v128_or(wasm_v128_or(in[5], in[6]), in[7]));
    v128_t zero = wasm_i32x4_eq(nz, wasm_i32x4_splat(0));
    v128_t dc = DESCALE4(in[0], PASS1_BITS + 3);
    islow_butterfly(in, out);
    for (k = 0; k < 8; k++)
      out[k] = range_limit4(wasm_v128_bitselect(dc, DESCALE4(out[k], CONST_BITS + PASS1_BITS + 3), zero));
    store_8x4(out, output_buf, half * 4, output_col);
  }
}

/* jpeg_idct_4x4's odd/even parts for one pass: in[0..7] (in[4] unused) -> out[0..3] before
 * descaling. */
static inline void idct4_butterfly(const v128_t in[8], v128_t out[4]) {
  v128_t tmp0, tmp2, tmp10, tmp12, z1, z2, z3, z4;

  tmp0 = SHL(in[0], CONST_BITS + 1);
  tmp2 = ADD(MUL(in[2], FIX_1_847759065), MUL(in[6], -FIX_0_765366865));
  tmp10 = ADD(tmp0, tmp2);
  tmp12 = SUB(tmp0, tmp2);

  z1 = in[7];
  z2 = in[5];
  z3 = in[3];
  z4 = in[1];
  tmp0 = ADD(ADD(ADD(MUL(z1, -FIX_0_211164243), MUL(z2, FIX_1_451774981)), MUL(z3, -FIX_2_172734803)),
             MUL(z4, FIX_1_061594337));
  tmp2 = ADD(ADD(ADD(MUL(z1, -FIX_0_509795579), MUL(z2, -FIX_0_601344887)), MUL(z3, FIX_0_899976223)),
             MUL(z4, FIX_2_562915447));

  out[0] = ADD(tmp10, tmp2);
  out[3] = SUB(tmp10, tmp2);
  out[1] = ADD(tmp12, tmp0);
  out[2] = SUB(tmp12, tmp0);
}

GLOBAL(void)
jsimd_idct_4x4(j_decompress_ptr cinfo, jpeg_component_info *compptr, JCOEFPTR coef_block,
               JSAMPARRAY output_buf, JDIMENSION output_col)
{
  const ISLOW_MULT_TYPE *quantptr = (const ISLOW_MULT_TYPE *)compptr->dct_table;
  v128_t coef[8], ac = wasm_i64x2_const(0, 0);
  int k;
  (void)cinfo;

  for (k = 0; k < 8; k++) {
    coef[k] = wasm_v128_load(coef_block + DCTSIZE * k);
    if (k > 0 && k != 4) ac = wasm_v128_or(ac, coef[k]);   /* row 4 plays no part */
  }

  /* Only the DC coefficient among those that play a part: as in jsimd_idct_islow, every sample is
   * range_limit[DESCALE(DEQUANTIZE(dc) << PASS1_BITS, PASS1_BITS + 3)]. */
  if (!wasm_v128_any_true(wasm_v128_or(ac, wasm_i16x8_replace_lane(coef[0], 0, 0)))) {
    int32_t dc = (int32_t)((uint32_t)((int32_t)coef_block[0] * quantptr[0]) << PASS1_BITS);
    v128_t v = range_limit4(DESCALE4(wasm_i32x4_splat(dc), PASS1_BITS + 3));
    v = wasm_u8x16_narrow_i16x8(wasm_i16x8_narrow_i32x4(v, v), wasm_i16x8_narrow_i32x4(v, v));
    for (k = 0; k < 4; k++) wasm_v128_store32_lane(output_buf[k] + output_col, v, 0);
    return;
  }

  /* Pass 1 on columns 0-3 and 4-7 (column 4 is computed but, as in C, never used). */
  v128_t zero_lo = wasm_i32x4_extend_low_i16x8(wasm_i16x8_eq(ac, wasm_i16x8_splat(0)));
  v128_t zero_hi = wasm_i32x4_extend_high_i16x8(wasm_i16x8_eq(ac, wasm_i16x8_splat(0)));
  v128_t in_lo[8], in_hi[8], out_lo[4], out_hi[4];
  for (k = 0; k < 8; k++) {
    v128_t q = wasm_v128_load(quantptr + DCTSIZE * k);
    in_lo[k] = wasm_i32x4_extmul_low_i16x8(coef[k], q);
    in_hi[k] = wasm_i32x4_extmul_high_i16x8(coef[k], q);
  }
  idct4_butterfly(in_lo, out_lo);
  idct4_butterfly(in_hi, out_hi);
  v128_t dc_lo = SHL(in_lo[0], PASS1_BITS), dc_hi = SHL(in_hi[0], PASS1_BITS);
  for (k = 0; k < 4; k++) {
    out_lo[k] = wasm_v128_bitselect(dc_lo, DESCALE4(out_lo[k], CONST_BITS - PASS1_BITS + 1), zero_lo);
    out_hi[k] = wasm_v128_bitselect(dc_hi, DESCALE4(out_hi[k], CONST_BITS - PASS1_BITS + 1), zero_hi);
  }
  transpose4(&out_lo[0], &out_lo[1], &out_lo[2], &out_lo[3]);
  transpose4(&out_hi[0], &out_hi[1], &out_hi[2], &out_hi[3]);

  /* Pass 2 on the 4 rows at once. */
  v128_t in[8], out[4];
  for (k = 0; k < 4; k++) {
    in[k] = out_lo[k];
    in[k + 4] = out_hi[k];
  }
  v128_t nz = wasm_v128_or(wasm_v128_or(wasm_v128_or(in[1], in[2]), in[3]),
                           wasm_v128_or(wasm_v128_or(in[5], in[6]), in[7]));
  v128_t zero = wasm_i32x4_eq(nz, wasm_i32x4_splat(0));
  v128_t dc = DESCALE4(in[0], PASS1_BITS + 3);
  idct4_butterfly(in, out);
  for (k = 0; k < 4; k++)
    out[k] = range_limit4(wasm_v128_bitselect(dc, DESCALE4(out[k], CONST_BITS + PASS1_BITS + 3 + 1), zero));
  v128_t b = wasm_u8x16_narrow_i16x8(wasm_i16x8_narrow_i32x4(out[0], out[1]),
                                     wasm_i16x8_narrow_i32x4(out[2], out[3]));
  b = wasm_i8x16_shuffle(b, b, 0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
  wasm_v128_store32_lane(output_buf[0] + output_col, b, 0);
  wasm_v128_store32_lane(output_buf[1] + output_col, b, 1);
  wasm_v128_store32_lane(output_buf[2] + output_col, b, 2);
  wasm_v128_store32_lane(output_buf[3] + output_col, b, 3);
}

/* jpeg_idct_2x2: the odd part of one pass, in[1], in[3], in[5], in[7] -> tmp0. */
static inline v128_t idct2_odd(const v128_t in[8]) {
  return ADD(ADD(ADD(MUL(in[7], -FIX_0_720959822), MUL(in[5], FIX_0_850430095)), MUL(in[3], -FIX_1_272758580)),
             MUL(in[1], FIX_3_624509785));
}

GLOBAL(void)
jsimd_idct_2x2(j_decompress_ptr cinfo, jpeg_component_info *compptr, JCOEFPTR coef_block,
               JSAMPARRAY output_buf, JDIMENSION output_col)
{
  const ISLOW_MULT_TYPE *quantptr = (const ISLOW_MULT_TYPE *)compptr->dct_table;
  v128_t coef[8], ac;
  int k;
  (void)cinfo;

  /* Only rows 0, 1, 3, 5, 7 and columns 0, 1, 3, 5, 7 play a part; the other columns are computed
   * and never used, as in C. */
  for (k = 0; k < 8; k++) coef[k] = wasm_v128_load(coef_block + DCTSIZE * k);
  ac = wasm_v128_or(wasm_v128_or(coef[1], coef[3]), wasm_v128_or(coef[5], coef[7]));
  v128_t zero_lo = wasm_i32x4_extend_low_i16x8(wasm_i16x8_eq(ac, wasm_i16x8_splat(0)));
  v128_t zero_hi = wasm_i32x4_extend_high_i16x8(wasm_i16x8_eq(ac, wasm_i16x8_splat(0)));
  v128_t in_lo[8], in_hi[8];
  for (k = 0; k < 8; k++) {
    if (k != 0 && !(k & 1)) { in_lo[k] = in_hi[k] = wasm_i32x4_splat(0); continue; }
    v128_t q = wasm_v128_load(quantptr + DCTSIZE * k);
    in_lo[k] = wasm_i32x4_extmul_low_i16x8(coef[k], q);
    in_hi[k] = wasm_i32x4_extmul_high_i16x8(coef[k], q);
  }
  v128_t t10_lo = SHL(in_lo[0], CONST_BITS + 2), t10_hi = SHL(in_hi[0], CONST_BITS + 2);
  v128_t t0_lo = idct2_odd(in_lo), t0_hi = idct2_odd(in_hi);
  v128_t dc_lo = SHL(in_lo[0], PASS1_BITS), dc_hi = SHL(in_hi[0], PASS1_BITS);
  /* workspace rows 0 and 1, columns 0-3 and 4-7 */
  v128_t w0_lo = wasm_v128_bitselect(dc_lo, DESCALE4(ADD(t10_lo, t0_lo), CONST_BITS - PASS1_BITS + 2), zero_lo);
  v128_t w1_lo = wasm_v128_bitselect(dc_lo, DESCALE4(SUB(t10_lo, t0_lo), CONST_BITS - PASS1_BITS + 2), zero_lo);
  v128_t w0_hi = wasm_v128_bitselect(dc_hi, DESCALE4(ADD(t10_hi, t0_hi), CONST_BITS - PASS1_BITS + 2), zero_hi);
  v128_t w1_hi = wasm_v128_bitselect(dc_hi, DESCALE4(SUB(t10_hi, t0_hi), CONST_BITS - PASS1_BITS + 2), zero_hi);

  /* Pass 2 on both rows at once (lanes 0 and 1; lanes 2 and 3 are zero and unused). */
  v128_t in[8], z2 = wasm_i32x4_splat(0), z3 = wasm_i32x4_splat(0);
  in[0] = w0_lo; in[1] = w1_lo; in[2] = z2; in[3] = z3;
  transpose4(&in[0], &in[1], &in[2], &in[3]);
  in[4] = w0_hi; in[5] = w1_hi; in[6] = z2; in[7] = z3;
  transpose4(&in[4], &in[5], &in[6], &in[7]);
  v128_t nz = wasm_v128_or(wasm_v128_or(in[1], in[3]), wasm_v128_or(in[5], in[7]));
  v128_t zero = wasm_i32x4_eq(nz, wasm_i32x4_splat(0));
  v128_t dc = DESCALE4(in[0], PASS1_BITS + 3);
  v128_t tmp10 = SHL(in[0], CONST_BITS + 2), tmp0 = idct2_odd(in);
  v128_t out0 = range_limit4(wasm_v128_bitselect(dc, DESCALE4(ADD(tmp10, tmp0), CONST_BITS + PASS1_BITS + 3 + 2), zero));
  v128_t out1 = range_limit4(wasm_v128_bitselect(dc, DESCALE4(SUB(tmp10, tmp0), CONST_BITS + PASS1_BITS + 3 + 2), zero));
  v128_t b = wasm_u8x16_narrow_i16x8(wasm_i16x8_narrow_i32x4(out0, out1), wasm_i16x8_narrow_i32x4(out0, out1));
  /* b: column 0 rows 0-1 at bytes 0-1, column 1 rows 0-1 at bytes 4-5 */
  b = wasm_i8x16_shuffle(b, b, 0, 4, 1, 5, 0, 4, 1, 5, 0, 4, 1, 5, 0, 4, 1, 5);
  wasm_v128_store16_lane(output_buf[0] + output_col, b, 0);
  wasm_v128_store16_lane(output_buf[1] + output_col, b, 1);
}

/* --- YCbCr -> RGB ---------------------------------------------------------------------------- */

/* jdcolor.c's build_ycc_rgb_table, computed instead of looked up (same 32-bit values):
 *   R = y + ((FIX(1.40200) * (cr - 128) + ONE_HALF) >> 16)
 *   G = y + ((-FIX(0.34414) * (cb - 128) + ONE_HALF + -FIX(0.71414) * (cr - 128)) >> 16)
 *   B = y + ((FIX(1.77200) * (cb - 128) + ONE_HALF) >> 16)
 * each range-limited to 0..255 (sample_range_limit). */
#define SCALEBITS  16
#define ONE_HALF   ((int32_t)1 << (SCALEBITS - 1))
/* FIX(x) = (JLONG)(x * 65536 + 0.5) */
#define FIX_1_40200  91881
#define FIX_1_77200  116130
#define FIX_0_34414  22554
#define FIX_0_71414  46802

static inline JSAMPLE clamp255(int32_t v) { return (JSAMPLE)(v < 0 ? 0 : v > 255 ? 255 : v); }

static inline void ycc_rgb_pixel(int y, int cb, int cr, JSAMPROW out, int r, int g, int b) {
  int32_t x_cb = cb - CENTERJSAMPLE, x_cr = cr - CENTERJSAMPLE;
  out[r] = clamp255(y + ((FIX_1_40200 * x_cr + ONE_HALF) >> SCALEBITS));
  out[g] = clamp255(y + ((-FIX_0_34414 * x_cb + ONE_HALF + -FIX_0_71414 * x_cr) >> SCALEBITS));
  out[b] = clamp255(y + ((FIX_1_77200 * x_cb + ONE_HALF) >> SCALEBITS));
}

/* The multipliers above don't fit in 16 bits; split each as k * 65536 + m with |m| < 32768 so
 * that (c * x + ONE_HALF) >> 16 == k * x + ((m * x + ONE_HALF) >> 16) exactly (k * x * 65536 is
 * a multiple of 65536), the 16x16->32 products being wasm extmul. */
#define R_K  1
#define R_M  (FIX_1_40200 - 65536)
#define B_K  2
#define B_M  (FIX_1_77200 - 131072)
#define G_KR (-1)
#define G_MR (65536 - FIX_0_71414)
#define G_MB (-FIX_0_34414)
_Static_assert(R_M > 0 && R_M < 32768 && B_M > -32768 && B_M < 0 && G_MR > 0 && G_MR < 32768 &&
               G_MB > -32768, "16-bit multipliers");

/* (m * x + ONE_HALF) >> 16 for 8 lanes of 16-bit x, as 16-bit lanes. */
static inline v128_t mulhi_round(v128_t x, int32_t m) {
  v128_t c = wasm_i16x8_splat((int16_t)m), h = wasm_i32x4_splat(ONE_HALF);
  v128_t lo = wasm_i32x4_shr(wasm_i32x4_add(wasm_i32x4_extmul_low_i16x8(x, c), h), SCALEBITS);
  v128_t hi = wasm_i32x4_shr(wasm_i32x4_add(wasm_i32x4_extmul_high_i16x8(x, c), h), SCALEBITS);
  return wasm_i16x8_narrow_i32x4(lo, hi);
}

/* (mb * xb + mr * xr + ONE_HALF) >> 16, 16-bit lanes. */
static inline v128_t mulhi2_round(v128_t xb, int32_t mb, v128_t xr, int32_t mr) {
  v128_t cb = wasm_i16x8_splat((int16_t)mb), cr = wasm_i16x8_splat((int16_t)mr), h = wasm_i32x4_splat(ONE_HALF);
  v128_t lo = wasm_i32x4_add(wasm_i32x4_extmul_low_i16x8(xb, cb), wasm_i32x4_extmul_low_i16x8(xr, cr));
  v128_t hi = wasm_i32x4_add(wasm_i32x4_extmul_high_i16x8(xb, cb), wasm_i32x4_extmul_high_i16x8(xr, cr));
  lo = wasm_i32x4_shr(wasm_i32x4_add(lo, h), SCALEBITS);
  hi = wasm_i32x4_shr(wasm_i32x4_add(hi, h), SCALEBITS);
  return wasm_i16x8_narrow_i32x4(lo, hi);
}

/* R, G, B of 8 pixels as 16-bit lanes (before the clamp); y, cb, cr are 16-bit lanes. */
static inline void ycc_rgb8(v128_t y, v128_t cb, v128_t cr, v128_t *r, v128_t *g, v128_t *b) {
  v128_t center = wasm_i16x8_splat(CENTERJSAMPLE);
  v128_t xb = wasm_i16x8_sub(cb, center), xr = wasm_i16x8_sub(cr, center);
  *r = wasm_i16x8_add(y, wasm_i16x8_add(wasm_i16x8_mul(xr, wasm_i16x8_splat(R_K)), mulhi_round(xr, R_M)));
  *b = wasm_i16x8_add(y, wasm_i16x8_add(wasm_i16x8_mul(xb, wasm_i16x8_splat(B_K)), mulhi_round(xb, B_M)));
  *g = wasm_i16x8_add(y, wasm_i16x8_add(wasm_i16x8_mul(xr, wasm_i16x8_splat(G_KR)), mulhi2_round(xb, G_MB, xr, G_MR)));
}

GLOBAL(void)
jsimd_ycc_rgb_convert(j_decompress_ptr cinfo, JSAMPIMAGE input_buf, JDIMENSION input_row,
                      JSAMPARRAY output_buf, int num_rows)
{
  const int r = rgb_red[cinfo->out_color_space], g = rgb_green[cinfo->out_color_space];
  const int b = rgb_blue[cinfo->out_color_space], size = rgb_pixelsize[cinfo->out_color_space];
  const int a = 6 - r - g - b;   /* the fourth byte of a 4-byte pixel: MAXJSAMPLE, as in C */
  const JDIMENSION num_cols = cinfo->output_width;

  while (--num_rows >= 0) {
    JSAMPROW inptr0 = input_buf[0][input_row], inptr1 = input_buf[1][input_row];
    JSAMPROW inptr2 = input_buf[2][input_row], outptr = *output_buf++;
    JDIMENSION col = 0;
    input_row++;
    if (size == 4) {
      for (; col + 16 <= num_cols; col += 16) {
        v128_t y = wasm_v128_load(inptr0 + col), cb = wasm_v128_load(inptr1 + col), cr = wasm_v128_load(inptr2 + col);
        v128_t r0, g0, b0, r1, g1, b1, ch[4];
        ycc_rgb8(wasm_u16x8_extend_low_u8x16(y), wasm_u16x8_extend_low_u8x16(cb), wasm_u16x8_extend_low_u8x16(cr), &r0, &g0, &b0);
        ycc_rgb8(wasm_u16x8_extend_high_u8x16(y), wasm_u16x8_extend_high_u8x16(cb), wasm_u16x8_extend_high_u8x16(cr), &r1, &g1, &b1);
        ch[r] = wasm_u8x16_narrow_i16x8(r0, r1);
        ch[g] = wasm_u8x16_narrow_i16x8(g0, g1);
        ch[b] = wasm_u8x16_narrow_i16x8(b0, b1);
        ch[a] = wasm_i8x16_splat((int8_t)MAXJSAMPLE);
        v128_t p01l = wasm_i8x16_shuffle(ch[0], ch[1], 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
        v128_t p01h = wasm_i8x16_shuffle(ch[0], ch[1], 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
        v128_t p23l = wasm_i8x16_shuffle(ch[2], ch[3], 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
        v128_t p23h = wasm_i8x16_shuffle(ch[2], ch[3], 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
        wasm_v128_store(outptr + 4 * col, wasm_i16x8_shuffle(p01l, p23l, 0, 8, 1, 9, 2, 10, 3, 11));
        wasm_v128_store(outptr + 4 * col + 16, wasm_i16x8_shuffle(p01l, p23l, 4, 12, 5, 13, 6, 14, 7, 15));
        wasm_v128_store(outptr + 4 * col + 32, wasm_i16x8_shuffle(p01h, p23h, 0, 8, 1, 9, 2, 10, 3, 11));
        wasm_v128_store(outptr + 4 * col + 48, wasm_i16x8_shuffle(p01h, p23h, 4, 12, 5, 13, 6, 14, 7, 15));
      }
    }
    for (; col < num_cols; col++) {
      ycc_rgb_pixel(inptr0[col], inptr1[col], inptr2[col], outptr + size * col, r, g, b);
      if (size == 4) outptr[size * col + a] = MAXJSAMPLE;
    }
  }
}

/* --- Fancy upsampling (jdsample.c) ----------------------------------------------------------- */

/* h2v1: out[2i] = (3 in[i] + in[i-1] + 1) >> 2, out[2i+1] = (3 in[i] + in[i+1] + 2) >> 2, the
 * first and last columns as in C. 16 input columns per step, inside the row only. */
GLOBAL(void)
jsimd_h2v1_fancy_upsample(j_decompress_ptr cinfo, jpeg_component_info *compptr,
                          JSAMPARRAY input_data, JSAMPARRAY *output_data_ptr)
{
  JSAMPARRAY output_data = *output_data_ptr;
  const JDIMENSION width = compptr->downsampled_width;   /* > 2 (jdsample.c checks) */
  const v128_t one = wasm_i16x8_splat(1), two = wasm_i16x8_splat(2), three = wasm_i16x8_splat(3);

  for (int inrow = 0; inrow < cinfo->max_v_samp_factor; inrow++) {
    JSAMPROW inptr = input_data[inrow], outptr = output_data[inrow];
    JDIMENSION i;
    outptr[0] = inptr[0];
    outptr[1] = (JSAMPLE)((inptr[0] * 3 + inptr[1] + 2) >> 2);
    for (i = 1; i + 17 <= width; i += 16) {
      v128_t cur = wasm_v128_load(inptr + i), prev = wasm_v128_load(inptr + i - 1), next = wasm_v128_load(inptr + i + 1);
      v128_t c3l = wasm_i16x8_mul(wasm_u16x8_extend_low_u8x16(cur), three);
      v128_t c3h = wasm_i16x8_mul(wasm_u16x8_extend_high_u8x16(cur), three);
      v128_t el = wasm_u16x8_shr(wasm_i16x8_add(wasm_i16x8_add(c3l, wasm_u16x8_extend_low_u8x16(prev)), one), 2);
      v128_t eh = wasm_u16x8_shr(wasm_i16x8_add(wasm_i16x8_add(c3h, wasm_u16x8_extend_high_u8x16(prev)), one), 2);
      v128_t ol = wasm_u16x8_shr(wasm_i16x8_add(wasm_i16x8_add(c3l, wasm_u16x8_extend_low_u8x16(next)), two), 2);
      v128_t oh = wasm_u16x8_shr(wasm_i16x8_add(wasm_i16x8_add(c3h, wasm_u16x8_extend_high_u8x16(next)), two), 2);
      v128_t e = wasm_u8x16_narrow_i16x8(el, eh), o = wasm_u8x16_narrow_i16x8(ol, oh);
      wasm_v128_store(outptr + 2 * i, wasm_i8x16_shuffle(e, o, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23));
      wasm_v128_store(outptr + 2 * i + 16, wasm_i8x16_shuffle(e, o, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31));
    }
    for (; i < width - 1; i++) {
      int invalue = inptr[i] * 3;
      outptr[2 * i] = (JSAMPLE)((invalue + inptr[i - 1] + 1) >> 2);
      outptr[2 * i + 1] = (JSAMPLE)((invalue + inptr[i + 1] + 2) >> 2);
    }
    outptr[2 * i] = (JSAMPLE)((inptr[i] * 3 + inptr[i - 1] + 1) >> 2);
    outptr[2 * i + 1] = inptr[i];
  }
}

/* h2v2: column sums s[i] = 3 in0[i] + in1[i] (in1 the row above, then below), then
 * out[2i] = (3 s[i] + s[i-1] + 8) >> 4, out[2i+1] = (3 s[i] + s[i+1] + 7) >> 4, the first and last
 * columns as in C. */
GLOBAL(void)
jsimd_h2v2_fancy_upsample(j_decompress_ptr cinfo, jpeg_component_info *compptr,
                          JSAMPARRAY input_data, JSAMPARRAY *output_data_ptr)
{
  JSAMPARRAY output_data = *output_data_ptr;
  const JDIMENSION width = compptr->downsampled_width;   /* > 2 (jdsample.c checks) */
  const v128_t three = wasm_i16x8_splat(3), seven = wasm_i16x8_splat(7), eight = wasm_i16x8_splat(8);
  int inrow = 0, outrow = 0;

  while (outrow < cinfo->max_v_samp_factor) {
    for (int v = 0; v < 2; v++) {
      JSAMPROW inptr0 = input_data[inrow], inptr1 = input_data[v == 0 ? inrow - 1 : inrow + 1];
      JSAMPROW outptr = output_data[outrow++];
      JDIMENSION i;
#define COLSUM(j)  (inptr0[j] * 3 + inptr1[j])
      int thiscolsum = COLSUM(0), nextcolsum = COLSUM(1), lastcolsum;
      outptr[0] = (JSAMPLE)((thiscolsum * 4 + 8) >> 4);
      outptr[1] = (JSAMPLE)((thiscolsum * 3 + nextcolsum + 7) >> 4);
      for (i = 1; i + 17 <= width; i += 16) {
#define SUMS(off, half) \
  wasm_i16x8_add(wasm_i16x8_mul(wasm_u16x8_extend_##half##_u8x16(wasm_v128_load(inptr0 + i + (off))), three), \
                 wasm_u16x8_extend_##half##_u8x16(wasm_v128_load(inptr1 + i + (off))))
        v128_t sl = wasm_i16x8_mul(SUMS(0, low), three), sh = wasm_i16x8_mul(SUMS(0, high), three);
        v128_t el = wasm_u16x8_shr(wasm_i16x8_add(wasm_i16x8_add(sl, SUMS(-1, low)), eight), 4);
        v128_t eh = wasm_u16x8_shr(wasm_i16x8_add(wasm_i16x8_add(sh, SUMS(-1, high)), eight), 4);
        v128_t ol = wasm_u16x8_shr(wasm_i16x8_add(wasm_i16x8_add(sl, SUMS(1, low)), seven), 4);
        v128_t oh = wasm_u16x8_shr(wasm_i16x8_add(wasm_i16x8_add(sh, SUMS(1, high)), seven), 4);
#undef SUMS
        v128_t e = wasm_u8x16_narrow_i16x8(el, eh), o = wasm_u8x16_narrow_i16x8(ol, oh);
        wasm_v128_store(outptr + 2 * i, wasm_i8x16_shuffle(e, o, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23));
        wasm_v128_store(outptr + 2 * i + 16, wasm_i8x16_shuffle(e, o, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31));
      }
      for (; i < width - 1; i++) {
        thiscolsum = COLSUM(i);
        outptr[2 * i] = (JSAMPLE)((thiscolsum * 3 + COLSUM(i - 1) + 8) >> 4);
        outptr[2 * i + 1] = (JSAMPLE)((thiscolsum * 3 + COLSUM(i + 1) + 7) >> 4);
      }
      thiscolsum = COLSUM(i);
      lastcolsum = COLSUM(i - 1);
      outptr[2 * i] = (JSAMPLE)((thiscolsum * 3 + lastcolsum + 8) >> 4);
      outptr[2 * i + 1] = (JSAMPLE)((thiscolsum * 4 + 7) >> 4);
#undef COLSUM
    }
    inrow++;
  }
}

/* h1v2: out[i] = (3 in0[i] + in1[i] + bias) >> 2, bias 1 with the row above, 2 with the one
 * below. */
GLOBAL(void)
jsimd_h1v2_fancy_upsample(j_decompress_ptr cinfo, jpeg_component_info *compptr,
                          JSAMPARRAY input_data, JSAMPARRAY *output_data_ptr)
{
  JSAMPARRAY output_data = *output_data_ptr;
  const JDIMENSION width = compptr->downsampled_width;
  const v128_t three = wasm_i16x8_splat(3);
  int inrow = 0, outrow = 0;

  while (outrow < cinfo->max_v_samp_factor) {
    for (int v = 0; v < 2; v++) {
      JSAMPROW inptr0 = input_data[inrow], inptr1 = input_data[v == 0 ? inrow - 1 : inrow + 1];
      JSAMPROW outptr = output_data[outrow++];
      const int bias = v == 0 ? 1 : 2;
      const v128_t vbias = wasm_i16x8_splat((int16_t)bias);
      JDIMENSION i = 0;
      for (; i + 16 <= width; i += 16) {
        v128_t a = wasm_v128_load(inptr0 + i), b = wasm_v128_load(inptr1 + i);
        v128_t lo = wasm_i16x8_add(wasm_i16x8_mul(wasm_u16x8_extend_low_u8x16(a), three), wasm_u16x8_extend_low_u8x16(b));
        v128_t hi = wasm_i16x8_add(wasm_i16x8_mul(wasm_u16x8_extend_high_u8x16(a), three), wasm_u16x8_extend_high_u8x16(b));
        lo = wasm_u16x8_shr(wasm_i16x8_add(lo, vbias), 2);
        hi = wasm_u16x8_shr(wasm_i16x8_add(hi, vbias), 2);
        wasm_v128_store(outptr + i, wasm_u8x16_narrow_i16x8(lo, hi));
      }
      for (; i < width; i++) outptr[i] = (JSAMPLE)((inptr0[i] * 3 + inptr1[i] + bias) >> 2);
    }
    inrow++;
  }
}
