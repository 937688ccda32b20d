/**
 * A stable key for a model's bytes, so stored features are only reused with the same model.
 * Hashing gigabytes on every load would cost seconds; the sizes plus the head and tail of every
 * file identify an export in practice (weights differ everywhere between checkpoints).
 */
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
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', all));
  return [...digest.subarray(0, 12)].map((b) => b.toString(16).padStart(2, '0')).join('');
}
