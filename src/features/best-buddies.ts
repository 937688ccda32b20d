/**
 * Best buddies: patch pairs that are each other's nearest neighbour (mutual nearest neighbours)
 * by cosine similarity, as in the DINO-ViT correspondence work. Robust where plain nearest
 * neighbours are not: a patch with no true match rarely has a mutual partner.
 */
import { cosineToRows, type PatchSet } from './patch-similarity';

export interface BuddyPairs {
  /** [n, 2]: patch in a, patch in b; strongest first. */
  pairs: Int32Array;
  scores: Float32Array;
  /** All mutual pairs found, before `count` and the masks are applied. */
  mutual: number;
}

/**
 * Mutual nearest neighbours between the patches of `a` and `b`, the `count` strongest. Masks (1 =
 * keep) restrict both sides, e.g. to the foreground.
 */
export function bestBuddies(
  a: PatchSet,
  b: PatchSet,
  count: number,
  maskA?: Uint8Array | null,
  maskB?: Uint8Array | null,
): BuddyPairs {
  const na = a.count;
  const nb = b.count;
  const bestOfA = new Int32Array(na).fill(-1);
  const scoreOfA = new Float32Array(na).fill(-Infinity);
  const bestOfB = new Int32Array(nb).fill(-1);
  const scoreOfB = new Float32Array(nb).fill(-Infinity);
  const q = new Float32Array(a.d);
  for (let i = 0; i < na; i++) {
    if (maskA && !maskA[i]) continue;
    const o = (a.start + i) * a.d;
    q.set(a.tokens.subarray(o, o + a.d));
    const sims = cosineToRows(q, b.tokens, b.d, b.start, nb, b.norms);
    for (let j = 0; j < nb; j++) {
      if (maskB && !maskB[j]) continue;
      const s = sims[j];
      // Strict '>' keeps the lowest index on ties, so an image with itself pairs i with i.
      if (s > scoreOfA[i]) {
        scoreOfA[i] = s;
        bestOfA[i] = j;
      }
      if (s > scoreOfB[j]) {
        scoreOfB[j] = s;
        bestOfB[j] = i;
      }
    }
  }
  const found: { i: number; j: number; s: number }[] = [];
  for (let i = 0; i < na; i++) {
    const j = bestOfA[i];
    if (j >= 0 && bestOfB[j] === i) found.push({ i, j, s: scoreOfA[i] });
  }
  found.sort((x, y) => y.s - x.s || x.i - y.i);
  const kept = found.slice(0, Math.max(0, count));
  const pairs = new Int32Array(kept.length * 2);
  kept.forEach((p, k) => {
    pairs[2 * k] = p.i;
    pairs[2 * k + 1] = p.j;
  });
  return { pairs, scores: Float32Array.from(kept, (p) => p.s), mutual: found.length };
}
