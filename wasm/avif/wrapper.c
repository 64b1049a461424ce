/*
 * AV1 still-image encoder for the service's AVIF output: libaom (all-intra, tune=iq) over 8-bit
 * RGBA. The AVIF container is written in TypeScript (src/image/codecs/avif-container.ts); this
 * returns the AV1 payload (the sequence header and one key frame) and the sequence header alone
 * (for the container's av1C box).
 *
 * encode(rgba, width, height, cq_level, speed, layout) -> pointer to a result, or 0 when libaom
 * failed (its message through av1_fail). layout: 0 = 4:4:4 (profile 1), 1 = 4:2:0 (profile 0),
 * 2 = monochrome (profile 0, luma only). Colour: BT.601 matrix, full range, the same as libavif's
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
static void to_yuv(const uint8_t *rgba, int w, int h, int layout, uint8_t *y, uint8_t *u, uint8_t *v) {
  const float kr = 0.299f, kb = 0.114f, kg = 1.0f - kr - kb;
  int cw = layout == 1 ? (w + 1) / 2 : w;
  for (int row = 0; row < h; row++) {
    for (int x = 0; x < w; x++) {
      const uint8_t *p = rgba + 4 * ((size_t)row * w + x);
      y[(size_t)row * w + x] = clamp255(kr * p[0] + kg * p[1] + kb * p[2]);
    }
  }
  if (layout == 2) return;
  int ch = layout == 1 ? (h + 1) / 2 : h, step = layout == 1 ? 2 : 1;
  for (int cy = 0; cy < ch; cy++) {
    for (int cx = 0; cx < cw; cx++) {
      float sum_u = 0.0f, sum_v = 0.0f;
      int n = 0;
      for (int dy = 0; dy < step; dy++) {
        for (int dx = 0; dx < step; dx++) {
          int px = cx * step + dx, py = cy * step + dy;
          if (px >= w) px = w - 1;
          if (py >= h) py = h - 1;
          const uint8_t *p = rgba + 4 * ((size_t)py * w + px);
          float luma = kr * p[0] + kg * p[1] + kb * p[2];
          sum_u += (p[2] - luma) / (2.0f * (1.0f - kb));
          sum_v += (p[0] - luma) / (2.0f * (1.0f - kr));
          n++;
        }
      }
      u[(size_t)cy * cw + cx] = clamp255(sum_u / n + 128.0f);
      v[(size_t)cy * cw + cx] = clamp255(sum_v / n + 128.0f);
    }
  }
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

EXPORT(encode) Result *encode(const uint8_t *rgba, int width, int height, int cq_level, int speed, int layout) {
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
  uint8_t *y = malloc((size_t)width * height), *u = malloc((size_t)width * height), *v = malloc((size_t)width * height);
  int ok = y && u && v;
  if (ok) {
    to_yuv(rgba, width, height, layout, y, u, v);
    int cw = layout == 1 ? (width + 1) / 2 : width, ch = layout == 1 ? (height + 1) / 2 : height;
    for (int row = 0; row < height; row++) memcpy(image->planes[0] + (size_t)row * image->stride[0], y + (size_t)row * width, (size_t)width);
    for (int row = 0; row < ch; row++) {
      memset(image->planes[1] + (size_t)row * image->stride[1], 128, (size_t)cw);
      memset(image->planes[2] + (size_t)row * image->stride[2], 128, (size_t)cw);
      if (layout != 2) {
        memcpy(image->planes[1] + (size_t)row * image->stride[1], u + (size_t)row * cw, (size_t)cw);
        memcpy(image->planes[2] + (size_t)row * image->stride[2], v + (size_t)row * cw, (size_t)cw);
      }
    }
  } else {
    failed(NULL, "out of memory");
  }
  free(y), free(u), free(v);

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
