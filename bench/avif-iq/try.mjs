import fs from 'fs';
import sharp from 'sharp';
import { avifContainer } from './container.mjs';
const mod = new WebAssembly.Module(fs.readFileSync(new URL('../../wasm/dist/av1.wasm', import.meta.url)));
const LONGJMP = Symbol('longjmp');
export function instantiate() {
  let ex; const state = { message: '', source: null };
  const invoke = (index, ...args) => {
    const sp = ex.stackSave();
    try { return ex.__indirect_function_table.get(index)(...args); }
    catch (e) { ex.stackRestore(sp); if (e !== LONGJMP) throw e; ex.setThrew(1, 0); return 0; }
  };
  const env = new Proxy({
    av1_fail: (p) => { const m = new Uint8Array(ex.memory.buffer); let e = p; while (m[e]) e++; state.message = new TextDecoder().decode(m.subarray(p, e)); },
    getTempRet0: () => state.temp ?? 0, setTempRet0: (v) => { state.temp = v; },
    _emscripten_throw_longjmp: () => { throw LONGJMP; },
    emscripten_notify_memory_growth: () => {},
    av1_read_rows: (first, count, out) => { const b = state.width * 4; new Uint8Array(ex.memory.buffer, out, count * b).set(state.source.subarray(first * b, (first + count) * b)); },
  }, { get: (t, k) => t[k] ?? (String(k).startsWith('invoke_') ? invoke : undefined) });
  const wasi = { fd_write: (fd, iov, n, out) => { const v = new DataView(ex.memory.buffer); let s = 0; for (let i = 0; i < n; i++) s += v.getUint32(iov + 8 * i + 4, true); v.setUint32(out, s, true); return 0; }, fd_read: () => 0, fd_close: () => 0, fd_seek: () => 0 };
  const inst = new WebAssembly.Instance(mod, { env, wasi_snapshot_preview1: wasi });
  ex = inst.exports; ex._initialize();
  return { ex, state };
}
export async function encodeAvif(rgba, w, h, cq, speed = 6, layout = 0) {
  const { ex, state } = instantiate();
  state.source = rgba; state.width = w;
  const r = ex.encode(w, h, cq, speed, layout);
  if (!r) throw new Error('encode failed: ' + state.message);
  const v = new DataView(ex.memory.buffer);
  const payload = new Uint8Array(ex.memory.buffer, v.getUint32(r, true), v.getUint32(r + 4, true)).slice();
  const header = new Uint8Array(ex.memory.buffer, v.getUint32(r + 8, true), v.getUint32(r + 12, true)).slice();
  return { avif: avifContainer(payload, header, w, h), payload, header, memory: ex.memory.buffer.byteLength };
}
const s2mod = await WebAssembly.compile(fs.readFileSync(new URL('../../wasm/dist/ssimulacra2.wasm', import.meta.url)));
export async function score(a, b, W, H) {
  let mem; const srcs = [a, b];
  const env = { s2_fail: (c) => { throw new Error('s2 ' + c); }, s2_get_row: (k, y, p) => { new Uint8Array(mem.buffer, p >>> 0, W * 4).set(srcs[k].subarray(y * W * 4, (y + 1) * W * 4)); } };
  const inst = await WebAssembly.instantiate(s2mod, { env }); mem = inst.exports.memory;
  return inst.exports.s2_score(W, H, -1, 21, 0);
}
if (process.argv[1].endsWith('try.mjs')) {
  const DATA = new URL('../.cache', import.meta.url).pathname + '/skimage/usr/lib/python3/dist-packages/skimage/data/';
  const { data, info } = await sharp(DATA + process.argv[2]).removeAlpha().toColourspace('srgb').ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  const cq = +process.argv[3], layout = +(process.argv[4] ?? 0);
  const t = performance.now();
  const out = await encodeAvif(data, info.width, info.height, cq, 6, layout);
  const ms = performance.now() - t;
  fs.writeFileSync('/tmp/av1-out.avif', out.avif);
  const dec = await sharp(out.avif).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  console.log(process.argv[2], 'cq', cq, 'layout', layout, 'payload', out.payload.length, 'avif', out.avif.length, 'ms', ms.toFixed(0), 'mem MB', (out.memory / 1048576).toFixed(1), 'decoded', dec.info.width, dec.info.height, 'score', (await score(data, dec.data, info.width, info.height)).toFixed(2));
}
