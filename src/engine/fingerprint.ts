/**
 * A stable key for a model's bytes, so stored features are only reused with the same model.
 * Hashing gigabytes on every load would cost seconds; the sizes plus the head and tail of every
 * file identify an export in practice (weights differ everywhere between checkpoints).
 */
import { sha256Hex } from '../lib/sha256';
import type { ModelBytes } from './session';

const SPAN = 1 << 20;

export async function modelFingerprint(bytes: ModelBytes): Promise<string> {
  const files = [bytes.model, ...bytes.externalData.map((e) => e.data)];
  const parts: Uint8Array[] = [];
  const sizes = new Float64Array(files.length);
  files.forEach((f, i) => {
    sizes[i] = f.byteLength;
    parts.push(f.subarray(0, SPAN));
    if (f.byteLength > SPAN) parts.push(f.subarray(Math.max(SPAN, f.byteLength - SPAN)));
  });
  parts.push(new Uint8Array(sizes.buffer));
  const total = parts.reduce((n, p) => n + p.byteLength, 0);
  const all = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    all.set(p, o);
    o += p.byteLength;
  }
  return (await sha256Hex(all)).slice(0, 24); // its first 12 bytes
}
