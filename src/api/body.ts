import { MatrixError } from "../core/errors";

/** Reads the body as text, refusing more than `limit` bytes (checked before and while reading). */
export async function readBodyLimited(req: Request, limit: number): Promise<Uint8Array> {
  const declared = req.headers.get("content-length");
  if (declared !== null && Number(declared) > limit) throw MatrixError.tooLarge();
  if (!req.body) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = req.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      throw MatrixError.tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

/** Parses a JSON request body. An empty body counts as `{}` (clients omit it on bodiless POSTs). */
export async function readJsonBody(req: Request, limit: number): Promise<unknown> {
  const bytes = await readBodyLimited(req, limit);
  if (bytes.byteLength === 0) return {};
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw MatrixError.notJson("Body is not valid UTF-8");
  }
  if (text.trim() === "") return {};
  try {
    return JSON.parse(text);
  } catch {
    throw MatrixError.notJson("Body is not valid JSON");
  }
}
