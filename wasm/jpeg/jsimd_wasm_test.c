/*
 * Checks that jsimd_wasm.c computes exactly what libjpeg-turbo's C code computes (build.sh compiles
 * and runs it under Node after building the library; ours, MIT):
 * - the inverse DCTs against the library's own jpeg_idct_islow, jpeg_idct_4x4 and jpeg_idct_2x2,
 *   on random blocks: JPEG-like sparse ones, DC-only ones and arbitrary 16-bit coefficients with
 *   arbitrary 16-bit quantisation tables (overflowing and wrapping as the C code does);
 * - YCbCr -> RGB on every (y, cb, cr) in seven output layouts, against jdcolor.c's tables and
 *   range-limit lookups (reproduced below, as the C functions are static);
 * - h2v1, h2v2 and h1v2 fancy upsampling on random rows of every width from 3 to 252, against
 *   jdsample.c's loops (reproduced below).
 * Prints one line per check and exits non-zero on any difference.
 */
#define JPEG_INTERNALS
#include "jinclude.h"
#include "jpeglib.h"
#include "jdct.h"
#include "jsimd.h"
#include "jsimddct.h"
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <stdlib.h>

static uint32_t seed = 1;
static uint32_t rnd(void) { seed ^= seed << 13; seed ^= seed >> 17; seed ^= seed << 5; return seed; }

/* jdmaster.c's prepare_range_limit_table */
static JSAMPLE range_table[5 * 256 + 128];
static void prepare_range_limit_table(j_decompress_ptr cinfo) {
  JSAMPLE *table = range_table;
  int i;
  table += 256;
  cinfo->sample_range_limit = table;
  memset(table - 256, 0, 256);
  for (i = 0; i <= 255; i++) table[i] = (JSAMPLE)i;
  table += 128;
  for (i = 128; i < 512; i++) table[i] = 255;
  memset(table + 512, 0, 512 - 128);
  memcpy(table + 1024 - 128, cinfo->sample_range_limit, 128);
}

static int16_t pick_coef(int mode) {
  switch (mode) {
    case 0: return (int16_t)rnd();                       /* anything */
    case 1: return (rnd() & 3) ? 0 : (int16_t)((int)(rnd() % 2047) - 1023); /* sparse, JPEG-like */
    default: return (rnd() & 7) ? 0 : (int16_t)((int)(rnd() % 65) - 32);
  }
}

int main(void) {
  struct jpeg_decompress_struct cinfo;
  jpeg_component_info comp;
  ISLOW_MULT_TYPE quant[64];
  JCOEF block[64];
  JSAMPLE out_c[8][16], out_s[8][16];
  JSAMPROW rows_c[8], rows_s[8];
  long fails = 0, n;
  memset(&cinfo, 0, sizeof cinfo);
  memset(&comp, 0, sizeof comp);
  prepare_range_limit_table(&cinfo);
  comp.dct_table = quant;
  for (int i = 0; i < 8; i++) { rows_c[i] = out_c[i]; rows_s[i] = out_s[i]; }

  for (n = 0; n < 1000000; n++) {
    int mode = n % 3, qmode = (n / 3) % 4;
    for (int i = 0; i < 64; i++) {
      quant[i] = qmode == 0 ? (ISLOW_MULT_TYPE)(1 + rnd() % 255) : qmode == 1 ? (ISLOW_MULT_TYPE)(rnd() & 0xffff)
               : qmode == 2 ? (ISLOW_MULT_TYPE)(1 + rnd() % 16) : (ISLOW_MULT_TYPE)(1 + rnd() % 2000);
      block[i] = pick_coef(mode);
    }
    for (int i = 1; i < 64; i++) {
      switch (n & 15) {
        case 0: block[i] = 0; break;                                 /* DC only */
        case 1: if (i >= 8) block[i] = 0; break;                     /* first row only */
        case 2: if (i & 7) block[i] = 0; break;                      /* first column only */
        case 3: if (i < 32 || i >= 40) block[i] = 0; break;          /* DC and row 4 */
        default: break;
      }
    }
    int col = (int)(rnd() % 9);
    memset(out_c, 0xAA, sizeof out_c); memset(out_s, 0xAA, sizeof out_s);
    int which = (int)(rnd() % 3);
    if (which == 0) {
      jpeg_idct_islow(&cinfo, &comp, block, rows_c, col);
      jsimd_idct_islow(&cinfo, &comp, block, rows_s, col);
    } else if (which == 1) {
      jpeg_idct_4x4(&cinfo, &comp, block, rows_c, col);
      jsimd_idct_4x4(&cinfo, &comp, block, rows_s, col);
    } else {
      jpeg_idct_2x2(&cinfo, &comp, block, rows_c, col);
      jsimd_idct_2x2(&cinfo, &comp, block, rows_s, col);
    }
    if (memcmp(out_c, out_s, sizeof out_c)) { if (fails++ < 5) printf("idct %s mismatch n=%ld mode=%d qmode=%d\n", which == 0 ? "islow" : which == 1 ? "4x4" : "2x2", n, mode, qmode); }
  }
  printf("idct islow/4x4/2x2: %ld random blocks, %ld mismatches\n", n, fails);

  /* YCbCr -> RGBA/RGB/BGRA etc. over every (y, cb, cr), against jdcolor.c's tables. */
  {
    static int Crr[256], Cbb[256]; static JLONG Crg[256], Cbg[256];
#define FIX16(x)  ((JLONG)((x) * (1L << 16) + 0.5))   /* jdcolor.c's FIX() */
    for (JLONG i = 0, x = -128; i < 256; i++, x++) {   /* jdcolor.c's build_ycc_rgb_table */
      Crr[i] = (int)((FIX16(1.40200) * x + (1 << 15)) >> 16);
      Cbb[i] = (int)((FIX16(1.77200) * x + (1 << 15)) >> 16);
      Crg[i] = (-FIX16(0.71414)) * x;
      Cbg[i] = (-FIX16(0.34414)) * x + (1 << 15);
    }
    J_COLOR_SPACE spaces[] = { JCS_EXT_RGBA, JCS_EXT_RGB, JCS_EXT_BGRA, JCS_EXT_ARGB, JCS_EXT_XBGR, JCS_EXT_RGBX, JCS_RGB };
    long cfails = 0;
    static JSAMPLE y[256 * 256 + 64], cb[256 * 256 + 64], cr[256 * 256 + 64], out[4 * (256 * 256 + 64)], ref[4 * (256 * 256 + 64)];
    for (unsigned s = 0; s < sizeof spaces / sizeof spaces[0]; s++) {
      cinfo.out_color_space = spaces[s];
      int size = rgb_pixelsize[spaces[s]], ro = rgb_red[spaces[s]], go = rgb_green[spaces[s]], bo = rgb_blue[spaces[s]];
      for (int yy = 0; yy < 256; yy++) {
        JDIMENSION width = 256 * 256 - (yy % 17);   /* vary the tail */
        for (int i = 0; i < 256 * 256; i++) { y[i] = (JSAMPLE)yy; cb[i] = (JSAMPLE)(i >> 8); cr[i] = (JSAMPLE)i; }
        cinfo.output_width = width;
        JSAMPROW r0 = y, r1 = cb, r2 = cr, o = out;
        JSAMPARRAY c0 = &r0, c1 = &r1, c2 = &r2;
        JSAMPARRAY img[3] = { c0, c1, c2 };
        memset(out, 0x55, sizeof out); memset(ref, 0x55, sizeof ref);
        jsimd_ycc_rgb_convert(&cinfo, img, 0, &o, 1);
        for (JDIMENSION i = 0; i < width; i++) {
          JSAMPLE *p = ref + size * i; JSAMPLE *rl = cinfo.sample_range_limit;
          p[ro] = rl[y[i] + Crr[cr[i]]];
          p[go] = rl[y[i] + (int)((Cbg[cb[i]] + Crg[cr[i]]) >> 16)];
          p[bo] = rl[y[i] + Cbb[cb[i]]];
          if (size == 4) p[6 - ro - go - bo] = 255;
        }
        if (memcmp(out, ref, sizeof out)) { if (cfails++ < 5) printf("color mismatch space=%d y=%d\n", spaces[s], yy); }
      }
    }
    printf("ycc->rgb: every y,cb,cr in %d layouts, %ld mismatching rows\n", (int)(sizeof spaces / sizeof spaces[0]), cfails);
    fails += cfails;
  }

  /* Fancy upsampling against jdsample.c's loops. */
  {
    long ufails = 0;
    static JSAMPLE in[4][300], o_s[4][700], o_c[4][700];
    JSAMPROW inrows[4], os[4], oc[4];
    for (int i = 0; i < 4; i++) { inrows[i] = in[i]; os[i] = o_s[i]; oc[i] = o_c[i]; }
    for (int t = 0; t < 20000; t++) {
      int width = 3 + t % 250;
      for (int r = 0; r < 4; r++) for (int i = 0; i < 300; i++) in[r][i] = (JSAMPLE)((t & 1) ? rnd() : (rnd() & 1) * 255);
      comp.downsampled_width = (JDIMENSION)width;
      for (int kind = 0; kind < 3; kind++) {
        memset(o_s, 0x33, sizeof o_s); memset(o_c, 0x33, sizeof o_c);
        JSAMPARRAY osp = os;
        if (kind == 0) {            /* h2v1, max_v_samp_factor 1 or 2 */
          cinfo.max_v_samp_factor = 1 + (t & 1);
          jsimd_h2v1_fancy_upsample(&cinfo, &comp, inrows, &osp);
          for (int r = 0; r < cinfo.max_v_samp_factor; r++) {
            JSAMPROW ip = in[r], op = o_c[r]; int v = *ip++;
            *op++ = (JSAMPLE)v; *op++ = (JSAMPLE)((v * 3 + ip[0] + 2) >> 2);
            for (int c = width - 2; c > 0; c--) { v = (*ip++) * 3; *op++ = (JSAMPLE)((v + ip[-2] + 1) >> 2); *op++ = (JSAMPLE)((v + ip[0] + 2) >> 2); }
            v = *ip; *op++ = (JSAMPLE)((v * 3 + ip[-1] + 1) >> 2); *op++ = (JSAMPLE)v;
          }
        } else {                    /* h2v2 / h1v2 with max_v_samp_factor 2: rows 1 (above 0, below 2) */
          cinfo.max_v_samp_factor = 2;
          JSAMPARRAY mid = inrows + 1;
          if (kind == 1) jsimd_h2v2_fancy_upsample(&cinfo, &comp, mid, &osp);
          else jsimd_h1v2_fancy_upsample(&cinfo, &comp, mid, &osp);
          for (int v = 0; v < 2; v++) {
            JSAMPROW i0 = in[1], i1 = in[v == 0 ? 0 : 2], op = o_c[v];
            if (kind == 1) {
              int th = (*i0++) * 3 + (*i1++), nx = (*i0++) * 3 + (*i1++), la;
              *op++ = (JSAMPLE)((th * 4 + 8) >> 4); *op++ = (JSAMPLE)((th * 3 + nx + 7) >> 4);
              la = th; th = nx;
              for (int c = width - 2; c > 0; c--) {
                nx = (*i0++) * 3 + (*i1++);
                *op++ = (JSAMPLE)((th * 3 + la + 8) >> 4); *op++ = (JSAMPLE)((th * 3 + nx + 7) >> 4);
                la = th; th = nx;
              }
              *op++ = (JSAMPLE)((th * 3 + la + 8) >> 4); *op++ = (JSAMPLE)((th * 4 + 7) >> 4);
            } else {
              int bias = v == 0 ? 1 : 2;
              for (int c = 0; c < width; c++) { int s = (*i0++) * 3 + (*i1++); *op++ = (JSAMPLE)((s + bias) >> 2); }
            }
          }
        }
        if (memcmp(o_s, o_c, sizeof o_s)) { if (ufails++ < 5) printf("upsample kind %d mismatch width %d\n", kind, width); }
      }
    }
    printf("fancy upsampling (h2v1, h2v2, h1v2): 20000 rows each, %ld mismatches\n", ufails);
    fails += ufails;
  }
  return fails ? 1 : 0;
}
