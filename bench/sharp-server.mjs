// A minimal sharp HTTP server for the HTTP section of `npm run bench` (bench/http.mjs): POST / takes
// the same multipart upload as /1.0/upload (`file` + `data` JSON with resize fit and output jpeg
// quality) and answers the JPEG. sharp's defaults (its own thread count, libuv's pool of 4 for
// concurrent requests), no cache. Listens on 127.0.0.1:$PORT and prints "listening on <port>".
import { createServer } from "node:http";
import sharp from "sharp";

sharp.cache(false);

async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks);
}

async function handle(req) {
  const body = await readBody(req);
  const form = await new Request("http://sharp/", { method: "POST", headers: { "content-type": req.headers["content-type"] ?? "" }, body }).formData();
  const file = form.get("file");
  const { resize, output } = JSON.parse(String(form.get("data")));
  const input = Buffer.from(await file.arrayBuffer());
  return sharp(input)
    .resize(resize.width, resize.height, { fit: "cover", kernel: "lanczos3" })
    .jpeg({ quality: output.quality, mozjpeg: true, chromaSubsampling: "4:2:0", progressive: true })
    .toBuffer();
}

const server = createServer((req, res) => {
  handle(req).then(
    (out) => res.writeHead(200, { "content-type": "image/jpeg", "content-length": out.length }).end(out),
    (err) => res.writeHead(500, { "content-type": "text/plain" }).end(String(err)),
  );
});
server.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => console.log(`listening on ${server.address().port} (sharp concurrency ${sharp.concurrency()})`));
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => server.close(() => process.exit(0)));
