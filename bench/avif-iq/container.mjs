// Minimal AVIF (HEIF) writer: one AV1 image item, opaque.
const enc = new TextEncoder();
function u8(...v) { return Uint8Array.from(v); }
function u16(v) { return u8((v >> 8) & 255, v & 255); }
function u32(v) { return u8((v >>> 24) & 255, (v >> 16) & 255, (v >> 8) & 255, v & 255); }
function concat(parts) { const n = parts.reduce((a, p) => a + p.length, 0); const out = new Uint8Array(n); let o = 0; for (const p of parts) { out.set(p, o); o += p.length; } return out; }
function box(type, ...payload) { const body = concat(payload); return concat([u32(8 + body.length), enc.encode(type), body]); }
function fullBox(type, version, flags, ...payload) { return box(type, u8(version, (flags >> 16) & 255, (flags >> 8) & 255, flags & 255), ...payload); }

// seq_profile, seq_level_idx_0, seq_tier_0, monochrome, subsampling from the sequence header OBU.
export function parseSequenceHeader(obu) {
  let pos = 0;
  const header = obu[pos++];
  const hasExt = (header >> 2) & 1, hasSize = (header >> 1) & 1;
  if (((header >> 3) & 15) !== 1) throw new Error('not a sequence header');
  if (hasExt) pos++;
  if (hasSize) { while (obu[pos++] & 0x80); }
  let bit = pos * 8;
  const read = (n) => { let v = 0; for (let i = 0; i < n; i++, bit++) v = (v << 1) | ((obu[bit >> 3] >> (7 - (bit & 7))) & 1); return v; };
  const profile = read(3), still = read(1), reduced = read(1);
  let level = 0, tier = 0;
  if (reduced) level = read(5);
  else {
    const timing = read(1); if (timing) throw new Error('timing info not handled');
    const delay = read(1); const ops = read(5) + 1;
    for (let i = 0; i < ops; i++) { read(12); const l = read(5); const t = l > 7 ? read(1) : 0; if (delay) { if (read(1)) read(4); } if (i === 0) { level = l; tier = t; } }
  }
  // frame size etc.: we need color_config; skip fields
  const wBits = read(4) + 1, hBits = read(4) + 1; read(wBits); read(hBits);
  let frameIdNumbers = 0; if (!reduced) frameIdNumbers = read(1); if (frameIdNumbers) { read(4); read(3); }
  read(1); read(1); read(1); // use_128x128_superblock, enable_filter_intra, enable_intra_edge_filter
  if (!reduced) {
    read(1); read(1); read(1); read(1); // interintra, masked, warped, dual_filter
    const orderHint = read(1); if (orderHint) { read(1); read(1); }
    const chooseScreen = read(1); let forceScreen = 2; if (!chooseScreen) forceScreen = read(1);
    if (forceScreen > 0) { const chooseMv = read(1); if (!chooseMv) read(1); }
    if (orderHint) read(3);
  }
  read(1); read(1); read(1); // superres, cdef, restoration
  const highBitdepth = read(1); if (profile === 2 && highBitdepth) read(1);
  const mono = profile === 1 ? 0 : read(1);
  const desc = read(1); let cp = 2, tc = 2, mc = 2; if (desc) { cp = read(8); tc = read(8); mc = read(8); }
  let sx = 1, sy = 1, pos2 = 0;
  if (mono) { read(1); }
  else if (cp === 1 && tc === 13 && mc === 0) { sx = sy = 0; }
  else { read(1); if (profile === 0) { sx = sy = 1; } else if (profile === 1) { sx = sy = 0; } else { throw new Error('profile 2'); } if (sx && sy) pos2 = read(2); }
  return { profile, level, tier, still, reduced, mono, sx, sy, chromaPosition: pos2, highBitdepth };
}

export function avifContainer(payload, sequenceHeader, width, height) {
  const s = parseSequenceHeader(sequenceHeader);
  const av1C = box('av1C', u8(0x81, (s.profile << 5) | s.level, (s.tier << 7) | (s.highBitdepth << 6) | (s.mono << 4) | (s.sx << 3) | (s.sy << 2) | s.chromaPosition, 0), sequenceHeader);
  const ftyp = box('ftyp', enc.encode('avif'), u32(0), enc.encode('avifmif1miaf'));
  const ispe = fullBox('ispe', 0, 0, u32(width), u32(height));
  const pixi = s.mono ? fullBox('pixi', 0, 0, u8(1, 8)) : fullBox('pixi', 0, 0, u8(3, 8, 8, 8));
  const colr = box('colr', enc.encode('nclx'), u16(1), u16(13), u16(6), u8(0x80));
  const ipco = box('ipco', ispe, pixi, av1C, colr);
  const ipma = fullBox('ipma', 0, 0, u32(1), u16(1), u8(4, 1, 2, 0x83, 4));
  const iprp = box('iprp', ipco, ipma);
  const hdlr = fullBox('hdlr', 0, 0, u32(0), enc.encode('pict'), u32(0), u32(0), u32(0), u8(0));
  const pitm = fullBox('pitm', 0, 0, u16(1));
  const iinf = fullBox('iinf', 0, 0, u16(1), fullBox('infe', 2, 0, u16(1), u16(0), enc.encode('av01'), u8(0)));
  const build = (offset) => fullBox('iloc', 0, 0, u8(0x44, 0x00), u16(1), u16(1), u16(0), u16(1), u32(offset), u32(payload.length));
  const metaWith = (offset) => fullBox('meta', 0, 0, hdlr, pitm, build(offset), iinf, iprp);
  const head = ftyp.length + metaWith(0).length + 8;
  return concat([ftyp, metaWith(head), u32(8 + payload.length), enc.encode('mdat'), payload]);
}
