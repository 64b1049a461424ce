// The model's weights are bundled as a Data module (wrangler's default rule for `*.bin`, also
// applied by @cloudflare/vitest-plugin): the default export is the file's bytes.
declare module "*.bin" {
  const bytes: ArrayBuffer;
  export default bytes;
}
