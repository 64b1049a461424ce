/*
 * A small WebAssembly interface to libjpeg-turbo (plain libjpeg API): scaled decoding to RGBA and
 * lossless transcoding (jpegtran -optimize [-progressive] -copy none).
 *
 * One instance serves one call and is then dropped by its JavaScript owner, but every path that
 * succeeds still frees what it allocated. Errors never return: the error manager formats
 * libjpeg's message and hands it to the imported `env.jt_fail`, a JavaScript function that
 * throws, which unwinds through these frames; the instance is then considered dead.
 *
 * Decoding is streamed: `decode_start` reads the headers and sets up a band of a few rows,
 * `decode_rows` fills the band with the next rows (RGBA) and returns how many, 0 once the image
 * is finished. A window of the (scaled) image may be asked for: columns outside it are not
 * inverse-transformed, colour-converted or upsampled, rows outside it are only entropy-decoded.
 * JavaScript copies each band into its own array, so the full-size RGBA image never exists in
 * WebAssembly memory. Shared results are read by JavaScript from `struct result`.
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
__attribute__((import_module("env"), import_name("jt_fail"), noreturn)) void jt_fail(const char *message);

/* libjpeg's message strings (jerror.c); jpeg_std_error is not used, so neither stdio nor exit()
 * is linked. */
extern const char *const jpeg_std_message_table[];

/* Read by JavaScript at these byte offsets; every field is 32 bits. */
struct result {
  uint32_t width;          /*  0: output width (decode) */
  uint32_t height;         /*  4: output height (decode) */
  uint8_t *band;           /*  8: RGBA rows written by decode_rows */
  uint32_t band_rows;      /* 12: capacity of the band in rows */
  uint32_t color_space;    /* 16: J_COLOR_SPACE of the file */
  uint32_t source_width;   /* 20: image size as stored */
  uint32_t source_height;  /* 24 */
  uint8_t *data;           /* 28: transcode output (malloc'd; the caller frees it) */
  uint32_t size;           /* 32: transcode output size */
  uint32_t left;           /* 36: first column of the decoded window in the scaled image */
  uint32_t top;            /* 40: first row of the decoded window */
};

static struct result result;

/* ------------------------------------------------------------------------------------------ */
/* Errors. */

static char *append(char *p, char *end, const char *s) {
  while (*s && p < end) *p++ = *s++;
  return p;
}

/* libjpeg's message with its parameters, for the formats jerror.h uses: %s, %c and
 * %[0][width](d|u|x). Written here so that no printf implementation is linked. */
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
  jt_fail(message);
}

/* Warnings are ignored (libjpeg recovers from them) except a premature end of the file: the
 * missing rows would be filled with grey and the result passed off as the image. */
static void emit_message(j_common_ptr cinfo, int msg_level) {
  if (msg_level >= 0) return;
  if (cinfo->err->msg_code == JWRN_JPEG_EOF) error_exit(cinfo);
  cinfo->err->num_warnings++;
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
/* Decoding. */

#define BAND_BYTES (256 * 1024)

static struct jpeg_decompress_struct dec;
static struct jpeg_error_mgr dec_err;
static int dec_active, dec_cmyk, dec_inverted;
static JDIMENSION dec_end_row; /* the row after the window's last */
static JSAMPROW *dec_rows;

static void decode_end(void) {
  if (!dec_active) return;
  jpeg_destroy_decompress(&dec);
  free(result.band);
  free(dec_rows);
  result.band = NULL;
  dec_rows = NULL;
  dec_active = 0;
}

/* Decodes only the window of `width` x `height` pixels at (x, y) of the scaled image. libjpeg
 * widens it on the left to a whole iMCU column: the window's real left edge is result.left. */
static void set_window(uint32_t x, uint32_t y, uint32_t width, uint32_t height) {
  if ((uint64_t)x + width > dec.output_width || (uint64_t)y + height > dec.output_height || width == 0 || height == 0)
    jt_fail("the window is not inside the image");
  JDIMENSION left = x, columns = width;
  jpeg_crop_scanline(&dec, &left, &columns);
  if (y > 0 && jpeg_skip_scanlines(&dec, y) != y) jt_fail("could not skip to the window's first row");
  result.left = left;
  result.top = y;
  dec_end_row = y + height;
}

/* Reads the headers of the JPEG in src[0..len) and prepares decoding at eighths/8 of its size
 * (1 to 8: libjpeg's scaled inverse DCT turns each 8x8 block into eighths x eighths pixels),
 * of the whole image (width 0) or of the window of width x height pixels at (x, y) of the scaled
 * image. Output size, window position and band are in `result`. */
EMSCRIPTEN_KEEPALIVE const struct result *decode_start(const uint8_t *src, uint32_t len, int eighths, uint32_t x, uint32_t y, uint32_t width, uint32_t height) {
  if (eighths < 1 || eighths > 8)
    jt_fail("the scale must be 1/8, 2/8, ... or 8/8");
  decode_end();
  memset(&result, 0, sizeof(result));
  dec.err = errors(&dec_err);
  jpeg_create_decompress(&dec);
  dec_active = 1;
  jpeg_mem_src(&dec, src, len);
  jpeg_read_header(&dec, TRUE);
  result.color_space = dec.jpeg_color_space;
  result.source_width = dec.image_width;
  result.source_height = dec.image_height;

  /* CMYK and YCCK (libjpeg turns YCCK into CMYK) are converted to RGB here; everything else
   * (grayscale, YCbCr, RGB) libjpeg-turbo writes as RGBA with opaque alpha. */
  dec_cmyk = dec.jpeg_color_space == JCS_CMYK || dec.jpeg_color_space == JCS_YCCK;
  /* Photoshop writes CMYK inverted (0 = full ink) and says so with an Adobe APP14 marker. */
  dec_inverted = dec_cmyk && dec.saw_Adobe_marker;
  dec.out_color_space = dec_cmyk ? JCS_CMYK : JCS_EXT_RGBA;
  dec.scale_num = (unsigned)eighths;
  dec.scale_denom = 8;
  jpeg_start_decompress(&dec);
  if (dec.output_components != 4) jt_fail("unexpected number of output components");
  dec_end_row = dec.output_height;
  if (width > 0) set_window(x, y, width, height);

  result.width = dec.output_width;
  result.height = dec_end_row - result.top;
  size_t stride = (size_t)result.width * 4;
  size_t rows = BAND_BYTES / stride;
  if (rows < 1) rows = 1;
  if (rows > result.height) rows = result.height;
  result.band_rows = (uint32_t)rows;
  result.band = malloc(rows * stride);
  dec_rows = malloc(rows * sizeof(JSAMPROW));
  if (result.band == NULL || dec_rows == NULL) jt_fail("out of memory for the output rows");
  for (size_t i = 0; i < rows; i++) dec_rows[i] = result.band + i * stride;
  return &result;
}

/* (x * y) / 255, rounded. */
static inline uint8_t mul255(unsigned x, unsigned y) {
  unsigned t = x * y + 128;
  return (uint8_t)((t + (t >> 8)) >> 8);
}

static void cmyk_to_rgba(uint8_t *p, size_t pixels, int inverted) {
  for (size_t i = 0; i < pixels; i++, p += 4) {
    unsigned c = p[0], m = p[1], y = p[2], k = p[3];
    if (!inverted) {
      c = 255 - c;
      m = 255 - m;
      y = 255 - y;
      k = 255 - k;
    }
    /* Now 255 = no ink: red = (1 - C)(1 - K), and so on. */
    p[0] = mul255(c, k);
    p[1] = mul255(m, k);
    p[2] = mul255(y, k);
    p[3] = 255;
  }
}

/* After a window: the rows below it are entropy-decoded but not transformed, so that a file cut
 * short still fails as it does for a whole decode. (Skipping to the very end would read nothing:
 * libjpeg-turbo then just marks the image done.) So all but the last row are skipped and the last
 * is decoded, into the band, which JavaScript has already copied. */
static void finish_after_window(void) {
  JDIMENSION rest = dec.output_height - dec.output_scanline;
  if (rest == 0) return;
  if (rest > 1 && jpeg_skip_scanlines(&dec, rest - 1) != rest - 1) jt_fail("could not skip the rows after the window");
  if (jpeg_read_scanlines(&dec, dec_rows, 1) != 1) jt_fail("the decoder stopped producing rows");
}

/* Decodes the next rows into the band; returns how many, or 0 once the image (or window) is
 * complete (the decoder is then finished and freed). */
EMSCRIPTEN_KEEPALIVE uint32_t decode_rows(void) {
  if (!dec_active) return 0;
  if (dec.output_scanline >= dec_end_row) {
    finish_after_window();
    jpeg_finish_decompress(&dec);
    decode_end();
    return 0;
  }
  uint32_t n = 0;
  while (n < result.band_rows && dec.output_scanline < dec_end_row) {
    JDIMENSION room = result.band_rows - n, left = dec_end_row - dec.output_scanline;
    JDIMENSION got = jpeg_read_scanlines(&dec, dec_rows + n, room < left ? room : left);
    if (got == 0) jt_fail("the decoder stopped producing rows");
    n += got;
  }
  if (dec_cmyk) cmyk_to_rgba(result.band, (size_t)n * result.width, dec_inverted);
  return n;
}

/* ------------------------------------------------------------------------------------------ */
/* Lossless transcoding. */

/* Re-encodes the JPEG in src[0..len) from its DCT coefficients: optimised Huffman tables,
 * progressive scans if asked, no markers copied. The output is in result.data/size. */
EMSCRIPTEN_KEEPALIVE const struct result *transcode(const uint8_t *src, uint32_t len, int progressive) {
  struct jpeg_decompress_struct in;
  struct jpeg_compress_struct out;
  struct jpeg_error_mgr in_err, out_err;
  unsigned char *data = NULL;
  unsigned long size = 0;

  memset(&result, 0, sizeof(result));
  in.err = errors(&in_err);
  jpeg_create_decompress(&in);
  jpeg_mem_src(&in, src, len);
  jpeg_read_header(&in, TRUE);
  result.color_space = in.jpeg_color_space;
  result.source_width = in.image_width;
  result.source_height = in.image_height;
  jvirt_barray_ptr *coefficients = jpeg_read_coefficients(&in);

  out.err = errors(&out_err);
  jpeg_create_compress(&out);
  jpeg_copy_critical_parameters(&in, &out);
  out.optimize_coding = TRUE;
  if (progressive) jpeg_simple_progression(&out);
  jpeg_mem_dest(&out, &data, &size);
  jpeg_write_coefficients(&out, coefficients);
  jpeg_finish_compress(&out);
  jpeg_destroy_compress(&out);
  jpeg_finish_decompress(&in);
  jpeg_destroy_decompress(&in);

  result.data = data;
  result.size = (uint32_t)size;
  return &result;
}
