/*
 * A small WebAssembly interface to the MozJPEG encoder: RGBA rows in, a JPEG file out, with the
 * settings the image service uses (MozJPEG's maximum-compression defaults: quantisation table 3
 * "ImageMagick", trellis quantisation, optimised Huffman coding, optimised progressive scans;
 * fixed chroma subsampling).
 *
 * One instance serves one call and is then dropped by its JavaScript owner; the successful path
 * still frees everything except the output, which JavaScript copies and frees. Errors never
 * return: the error manager formats libjpeg's message and hands it to the imported `env.mj_fail`,
 * a JavaScript function that throws, which unwinds through these frames.
 *
 * The pixels are streamed: the encoder asks JavaScript for a band of rows at a time through the
 * imported `env.mj_read_rows`, so the RGBA image is never copied into WebAssembly memory as a
 * whole. (The encoder itself keeps the image's DCT coefficients, 2 bytes per sample, because
 * optimised Huffman tables and progressive scans need a second pass over them.)
 */
#include <emscripten.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jpeglib.h"
#include "jerror.h"

_Static_assert(sizeof(void *) == 4, "the result layout assumes wasm32 pointers");

/* Throws a JavaScript exception carrying `message` (a NUL-terminated string). */
__attribute__((import_module("env"), import_name("mj_fail"), noreturn)) void mj_fail(const char *message);

/* JavaScript copies `count` rows of RGBA pixels (width × 4 bytes each, no padding), starting at
 * row `first`, to `destination`. */
__attribute__((import_module("env"), import_name("mj_read_rows"))) void mj_read_rows(uint32_t first, uint32_t count, uint8_t *destination);

/* libjpeg's message strings (jerror.c); jpeg_std_error is not used, so no stdio is linked. */
extern const char *const jpeg_std_message_table[];

/* Read by JavaScript at these byte offsets; every field is 32 bits. */
struct result {
  uint8_t *data; /* 0: the JPEG file (malloc'd; the caller frees it) */
  uint32_t size; /* 4: its length in bytes */
};

static struct result result;

/* ------------------------------------------------------------------------------------------ */
/* Errors. */

static char *append(char *p, char *end, const char *s) {
  while (*s && p < end) *p++ = *s++;
  return p;
}

/* libjpeg's message with its parameters, for the conversions jerror.h uses: %s, %c and
 * %[0][width](d|u|x). Our own, so that no printf is linked. */
static void format_message(j_common_ptr cinfo, char *buffer) {
  struct jpeg_error_mgr *err = cinfo->err;
  int code = err->msg_code;
  const char *text = NULL;
  if (code > 0 && code <= err->last_jpeg_message) text = err->jpeg_message_table[code];
  if (text == NULL) {
    err->msg_parm.i[0] = code;
    text = err->jpeg_message_table[0]; /* "Bogus message code %d" */
  }
  char *p = buffer, *end = buffer + JMSG_LENGTH_MAX - 1;
  int arg = 0;
  while (*text && p < end) {
    if (*text != '%') {
      *p++ = *text++;
      continue;
    }
    text++;
    char pad = ' ';
    int width = 0;
    if (*text == '0') pad = *text++;
    while (*text >= '0' && *text <= '9') width = width * 10 + (*text++ - '0');
    char conversion = *text ? *text++ : '\0';
    if (conversion == 's') {
      p = append(p, end, err->msg_parm.s);
      continue;
    }
    if (conversion != 'c' && conversion != 'd' && conversion != 'u' && conversion != 'x') {
      *p++ = '%';
      continue;
    }
    int value = arg < 8 ? err->msg_parm.i[arg++] : 0;
    if (conversion == 'c') {
      *p++ = (char)value;
      continue;
    }
    unsigned base = conversion == 'x' ? 16 : 10;
    int negative = conversion == 'd' && value < 0;
    unsigned magnitude = negative ? 0u - (unsigned)value : (unsigned)value;
    char digits[16];
    int n = 0;
    do {
      digits[n++] = "0123456789abcdef"[magnitude % base];
      magnitude /= base;
    } while (magnitude != 0);
    int room = (int)sizeof(digits) - 1;
    if (width > room) width = room;
    if (negative && pad == ' ') digits[n++] = '-';
    while (n < width - (negative && pad == '0')) digits[n++] = pad;
    if (negative && pad == '0') digits[n++] = '-';
    while (n > 0 && p < end) *p++ = digits[--n];
  }
  *p = '\0';
}

static void error_exit(j_common_ptr cinfo) {
  char message[JMSG_LENGTH_MAX];
  format_message(cinfo, message);
  mj_fail(message);
}

/* The compressor's warnings (none are expected for in-memory RGBA input) are counted, not shown. */
static void emit_message(j_common_ptr cinfo, int msg_level) {
  if (msg_level < 0) cinfo->err->num_warnings++;
}

static void output_message(j_common_ptr cinfo) { (void)cinfo; }

static void reset_error_mgr(j_common_ptr cinfo) {
  cinfo->err->num_warnings = 0;
  cinfo->err->msg_code = 0;
}

static struct jpeg_error_mgr *errors(struct jpeg_error_mgr *err) {
  memset(err, 0, sizeof(*err));
  err->error_exit = error_exit;
  err->emit_message = emit_message;
  err->output_message = output_message;
  err->format_message = format_message;
  err->reset_error_mgr = reset_error_mgr;
  err->jpeg_message_table = jpeg_std_message_table;
  err->last_jpeg_message = (int)JMSG_LASTMSGCODE - 1;
  return err;
}

/* ------------------------------------------------------------------------------------------ */
/* Encoding. */

#define BAND_BYTES (128 * 1024)

/*
 * Encodes a width × height RGBA image (alpha ignored: the caller flattens it) as a JFIF JPEG in
 * YCbCr. quality 1-100 (libjpeg's scale, applied to MozJPEG's table 3); progressive 0/1;
 * luma_sampling 2 = 4:2:0, 1 = 4:4:4. The file is in result.data/size.
 */
EMSCRIPTEN_KEEPALIVE const struct result *encode(uint32_t width, uint32_t height, int quality, int progressive, int luma_sampling) {
  if (width == 0 || height == 0 || width > JPEG_MAX_DIMENSION || height > JPEG_MAX_DIMENSION)
    mj_fail("the image size must be from 1 to 65500 pixels on each side");
  if (quality < 1 || quality > 100) mj_fail("the quality must be from 1 to 100");
  if (luma_sampling != 1 && luma_sampling != 2) mj_fail("the luma sampling factor must be 1 or 2");

  struct jpeg_compress_struct cinfo;
  struct jpeg_error_mgr err;
  unsigned char *data = NULL;
  unsigned long size = 0;
  memset(&result, 0, sizeof(result));

  cinfo.err = errors(&err);
  jpeg_create_compress(&cinfo); /* MozJPEG's default profile: JCP_MAX_COMPRESSION */
  jpeg_mem_dest(&cinfo, &data, &size);
  cinfo.image_width = width;
  cinfo.image_height = height;
  cinfo.input_components = 4;
  cinfo.in_color_space = JCS_EXT_RGBA;
  jpeg_set_defaults(&cinfo);
  jpeg_set_colorspace(&cinfo, JCS_YCbCr);

  /* What MozJPEG's defaults already are, stated so that they cannot drift. */
  jpeg_c_set_int_param(&cinfo, JINT_BASE_QUANT_TBL_IDX, 3);
  cinfo.optimize_coding = TRUE;
  cinfo.smoothing_factor = 0;
  jpeg_c_set_bool_param(&cinfo, JBOOLEAN_TRELLIS_QUANT, TRUE);
  jpeg_c_set_bool_param(&cinfo, JBOOLEAN_USE_SCANS_IN_TRELLIS, FALSE);
  jpeg_c_set_bool_param(&cinfo, JBOOLEAN_TRELLIS_EOB_OPT, FALSE);
  jpeg_c_set_bool_param(&cinfo, JBOOLEAN_TRELLIS_Q_OPT, FALSE);
  jpeg_c_set_int_param(&cinfo, JINT_TRELLIS_NUM_LOOPS, 1);
  /* One interleaved DC scan for all three components: MozJPEG 3.3's default, which jSquash's
   * 3.3.1 build uses (3.2 defaults to one DC scan per component, a few hundred bytes larger on
   * a 4:2:0 image and slower to show a first preview). */
  jpeg_c_set_int_param(&cinfo, JINT_DC_SCAN_OPT_MODE, 0);

  /* After the table index: the quality scales the chosen base tables. */
  jpeg_set_quality(&cinfo, quality, FALSE);

  /* Fixed subsampling: Y 2×2 (4:2:0) or 1×1 (4:4:4), Cb and Cr 1×1. */
  cinfo.comp_info[0].h_samp_factor = luma_sampling;
  cinfo.comp_info[0].v_samp_factor = luma_sampling;
  for (int c = 1; c < cinfo.num_components; c++) {
    cinfo.comp_info[c].h_samp_factor = 1;
    cinfo.comp_info[c].v_samp_factor = 1;
  }

  if (progressive) {
    jpeg_simple_progression(&cinfo); /* optimize_scans is on: MozJPEG searches the scan script */
  } else {
    cinfo.num_scans = 0;
    cinfo.scan_info = NULL;
  }

  size_t stride = (size_t)width * 4;
  size_t rows = BAND_BYTES / stride;
  if (rows < 1) rows = 1;
  if (rows > height) rows = height;
  uint8_t *band = malloc(rows * stride);
  JSAMPROW *pointers = malloc(rows * sizeof(JSAMPROW));
  if (band == NULL || pointers == NULL) mj_fail("out of memory for the input rows");
  for (size_t i = 0; i < rows; i++) pointers[i] = band + i * stride;

  jpeg_start_compress(&cinfo, TRUE);
  while (cinfo.next_scanline < cinfo.image_height) {
    uint32_t first = cinfo.next_scanline;
    uint32_t count = (uint32_t)rows;
    if (count > height - first) count = height - first;
    mj_read_rows(first, count, band);
    uint32_t done = 0;
    while (done < count) {
      JDIMENSION wrote = jpeg_write_scanlines(&cinfo, pointers + done, count - done);
      if (wrote == 0) mj_fail("the encoder stopped taking rows");
      done += wrote;
    }
  }
  jpeg_finish_compress(&cinfo);
  jpeg_destroy_compress(&cinfo);
  free(pointers);
  free(band);

  result.data = data;
  result.size = (uint32_t)size;
  return &result;
}
