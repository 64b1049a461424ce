// WebAssembly modules imported at build time (wrangler's default `CompiledWasm` rule, also applied
// by @cloudflare/vitest-plugin): the default export is an already compiled module. workerd refuses
// to compile bytes at run time, so this is the only way codecs get their code.
declare module "*.wasm" {
  const module: WebAssembly.Module;
  export default module;
}
