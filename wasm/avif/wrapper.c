/*
 * AV1 still-image encoder for the service's AVIF output: libaom (all-intra, tune=iq) over 8-bit
 * RGBA. The AVIF container is written in TypeScript (src/image/codecs/avif-container.ts); this
 * returns the AV1 payload (the sequence header and one key frame) and the sequence header alone
 * (for the container's av1C box).
 *
 * encode(width, height, cq_level, speed, layout) -> pointer to a result, or 0 when libaom failed
 * (its message through av1_fail). The RGBA rows are pulled through the imported av1_read_rows, two
 * at a time, and converted straight into libaom's image: no whole-image copy of the input.
 * layout: 0 = 4:4:4 (profile 1), 1 = 4:2:0 (profile 0), 2 = monochrome (profile 0, luma only). Colour: BT.601 matrix, full range, the same as libavif's
 * default for RGB input; the caller signals sRGB primaries and transfer in the container.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aom/aom_encoder.h"
#include "aom/aomcx.h"

#define EXPORT(name) __attribute__((export_name(#name)))

/* Tells JS why encode returned 0 (a static string of libaom's, or ours). */
extern void av1_fail(const char *message);
/* Copies `count` RGBA rows of the image, from row `first`, to `out` (width * 4 bytes per row). */
extern void av1_read_rows(int first, int count, uint8_t *out);

typedef struct {
  uint8_t *payload;          /*  0 */
  uint32_t payload_size;     /*  4 */
  uint8_t *sequence_header;  /*  8 */
  uint32_t header_size;      /* 12 */
} Result;

static Result result;

static void release(void) {
  free(result.payload);
  free(result.sequence_header);
  memset(&result, 0, sizeof result);
}

static uint8_t clamp255(float v) {
  v += 0.5f;
  return v <= 0.0f ? 0 : v >= 255.0f ? 255 : (uint8_t)v;
}

/* BT.601, full range: Y = 0.299 R + 0.587 G + 0.114 B; Cb, Cr centred on 128. */
#define KR 0.299f
#define KB 0.114f
#define KG (1.0f - KR - KB)

static float luma(const uint8_t *p) { return KR * p[0] + KG * p[1] + KB * p[2]; }

/*
 * Converts the image into `image`'s planes, pulling two RGBA rows at a time (one chroma row of
 * 4:2:0). Chroma is computed per pixel and averaged over each 2 x 2 block in 4:2:0, with the last
 * row and column repeated at odd sizes.
 */
static int convert(aom_image_t *image, int w, int h, int layout) {
  uint8_t *rows = malloc((size_t)w * 8);
  if (!rows) return 0;
  int step = layout == 1 ? 2 : 1;
  for (int y = 0; y < h; y += 2) {
    int count = y + 1 < h ? 2 : 1;
    av1_read_rows(y, count, rows);
    for (int k = 0; k < count; k++) {
      uint8_t *out = image->planes[0] + (size_t)(y + k) * image->stride[0];
      for (int x = 0; x < w; x++) out[x] = clamp255(luma(rows + (size_t)k * w * 4 + 4 * x));
    }
    for (int k = 0; layout != 2 && k < count; k += step) {
      int cy = (y + k) / step, cw = layout == 1 ? (w + 1) / 2 : w;
      uint8_t *u = image->planes[1] + (size_t)cy * image->stride[1], *v = image->planes[2] + (size_t)cy * image->stride[2];
      for (int cx = 0; cx < cw; cx++) {
        float sum_u = 0.0f, sum_v = 0.0f;
        for (int dy = 0; dy < step; dy++) {
          for (int dx = 0; dx < step; dx++) {
            int px = cx * step + dx, row = k + dy < count ? k + dy : count - 1;
            const uint8_t *p = rows + (size_t)row * w * 4 + 4 * (px < w ? px : w - 1);
            float l = luma(p);
            sum_u += (p[2] - l) / (2.0f * (1.0f - KB));
            sum_v += (p[0] - l) / (2.0f * (1.0f - KR));
          }
        }
        u[cx] = clamp255(sum_u / (float)(step * step) + 128.0f);
        v[cx] = clamp255(sum_v / (float)(step * step) + 128.0f);
      }
    }
  }
  if (layout == 2) {
    for (int plane = 1; plane < 3; plane++)
      for (int y = 0; y < h; y++) memset(image->planes[plane] + (size_t)y * image->stride[plane], 128, (size_t)w);
  }
  free(rows);
  return 1;
}

static int failed(aom_codec_ctx_t *codec, const char *what) {
  const char *detail = codec ? aom_codec_error_detail(codec) : NULL;
  av1_fail(detail && *detail ? detail : what);
  return 0;
}

static int append(uint8_t **buf, uint32_t *size, const void *data, size_t n) {
  uint8_t *grown = realloc(*buf, *size + n);
  if (!grown) return 0;
  memcpy(grown + *size, data, n);
  *buf = grown;
  *size += (uint32_t)n;
  return 1;
}

static int control(aom_codec_ctx_t *codec, int id, int value) {
  return aom_codec_control(codec, id, value) == AOM_CODEC_OK;
}

static int configure(aom_codec_ctx_t *codec, int cq_level, int speed) {
  return control(codec, AOME_SET_CPUUSED, speed) && control(codec, AOME_SET_CQ_LEVEL, cq_level) &&
         control(codec, AOME_SET_TUNING, AOM_TUNE_IQ) && control(codec, AV1E_SET_COLOR_RANGE, AOM_CR_FULL_RANGE) &&
         control(codec, AV1E_SET_COLOR_PRIMARIES, AOM_CICP_CP_BT_709) &&
         control(codec, AV1E_SET_TRANSFER_CHARACTERISTICS, AOM_CICP_TC_SRGB) &&
         control(codec, AV1E_SET_MATRIX_COEFFICIENTS, AOM_CICP_MC_BT_601) && control(codec, AV1E_SET_ROW_MT, 0);
}

static int run(aom_codec_ctx_t *codec, aom_image_t *image) {
  for (aom_image_t *frame = image;; frame = NULL) {
    if (aom_codec_encode(codec, frame, 0, 1, 0) != AOM_CODEC_OK) return failed(codec, "aom_codec_encode failed");
    int got = 0;
    aom_codec_iter_t iter = NULL;
    for (const aom_codec_cx_pkt_t *pkt; (pkt = aom_codec_get_cx_data(codec, &iter));) {
      if (pkt->kind != AOM_CODEC_CX_FRAME_PKT) continue;
      const uint8_t *data = pkt->data.frame.buf;
      size_t n = pkt->data.frame.sz;
      /* A temporal delimiter (OBU type 2, empty) starts the temporal unit; AVIF samples carry none. */
      if (n >= 2 && ((data[0] >> 3) & 15) == 2 && data[1] == 0) data += 2, n -= 2;
      if (!append(&result.payload, &result.payload_size, data, n)) return failed(NULL, "out of memory");
      got = 1;
    }
    if (!frame && !got) return 1;
  }
}

EXPORT(encode) Result *encode(int width, int height, int cq_level, int speed, int layout) {
  release();
  if (width < 1 || height < 1 || cq_level < 0 || cq_level > 63 || speed < 0 || speed > 9 || layout < 0 || layout > 2) {
    av1_fail("bad argument");
    return NULL;
  }
  aom_codec_iface_t *iface = aom_codec_av1_cx();
  aom_codec_enc_cfg_t cfg;
  if (aom_codec_enc_config_default(iface, &cfg, AOM_USAGE_ALL_INTRA) != AOM_CODEC_OK) return failed(NULL, "no default configuration"), NULL;
  cfg.g_w = (unsigned)width;
  cfg.g_h = (unsigned)height;
  cfg.g_profile = layout == 0 ? 1 : 0;
  cfg.g_bit_depth = AOM_BITS_8;
  cfg.g_input_bit_depth = 8;
  cfg.g_threads = 1;
  cfg.g_limit = 1;
  cfg.rc_end_usage = AOM_Q;
  cfg.monochrome = layout == 2;

  aom_img_fmt_t fmt = layout == 1 ? AOM_IMG_FMT_I420 : AOM_IMG_FMT_I444;
  aom_image_t *image = aom_img_alloc(NULL, fmt, (unsigned)width, (unsigned)height, 16);
  if (!image) return failed(NULL, "out of memory"), NULL;
  image->range = AOM_CR_FULL_RANGE;
  image->monochrome = layout == 2;
  image->cp = AOM_CICP_CP_BT_709;
  image->tc = AOM_CICP_TC_SRGB;
  image->mc = AOM_CICP_MC_BT_601;
  int ok = convert(image, width, height, layout);
  if (!ok) failed(NULL, "out of memory");

  aom_codec_ctx_t codec;
  int started = ok && aom_codec_enc_init(&codec, iface, &cfg, 0) == AOM_CODEC_OK;
  if (ok && !started) failed(NULL, "aom_codec_enc_init failed");
  ok = started && (configure(&codec, cq_level, speed) || failed(&codec, "aom_codec_control failed")) && run(&codec, image);
  if (ok) {
    aom_fixed_buf_t *header = aom_codec_get_global_headers(&codec);
    ok = header && append(&result.sequence_header, &result.header_size, header->buf, header->sz);
    if (header) free(header->buf), free(header);
    if (!ok) failed(&codec, "no sequence header");
  }
  if (started) aom_codec_destroy(&codec);
  aom_img_free(image);
  if (!ok) release();
  return ok ? &result : NULL;
}
