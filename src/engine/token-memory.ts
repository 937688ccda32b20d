/**
 * Where each image's tokens live in the worker, so that a large collection stays usable
 * (1,000 ViT-S images at 448 px hold 1.5 GB of float32 tokens).
 *
 * - Every image keeps a float16 copy of its tokens (half the bytes), made when first needed: when
 *   something reads it, or when its exact tokens leave memory. Not when an image is saved, which
 *   happens while the first PCA map of a new image is being asked for (the copy takes ~3 ms).
 *   Patch similarity, region search, correspondences and patch points read only that copy
 *   (decoded to float32 through a bounded cache), so their numbers do not depend on what happens
 *   to be cached. float16 keeps 11 significant bits: cosines move by about 1e-3 at most.
 * - The exact float32 tokens are kept for images that exist only here (not saved: queries, a full
 *   disk) and, for saved ones, in a working set bounded by bytes, least recently used first out.
 *   PCA maps and exports read exact tokens: from the working set, or again from browser storage,
 *   which holds every saved image's float32 tokens bit for bit.
 */
import { rowNorms } from '../features/knn';
import { float16BitsToFloat32, float32ToFloat16Bits } from '../lib/float16';
import type { StoredFeatures } from './embed';

/** Exact tokens of saved images kept in memory: about 40 ViT-S images at 448 px. */
export const EXACT_BUDGET = 64 * 2 ** 20;
/** float16 tokens decoded for reading: the 8 images of a 448 px comparison take 13 MB. */
export const DECODED_BUDGET = 48 * 2 ** 20;

/** The float16 copy and the norms of its decoded rows, made on first use. */
function compact(f: StoredFeatures): { half: Uint16Array; norms: Float32Array } {
  if (!f.compact) {
    if (!f.exact) throw new Error('token memory: an image lost both copies of its tokens');
    const half = float32ToFloat16Bits(f.exact);
    f.compact = { half, norms: rowNorms(float16BitsToFloat32(half), f.tokenCount, f.dim) };
  }
  return f.compact;
}

export class TokenMemory {
  /** Saved images whose exact tokens are held, oldest use first (Map keeps insertion order). */
  private exactHeld = new Map<StoredFeatures, number>();
  private exactBytes = 0;
  private decoded = new Map<StoredFeatures, Float32Array>();
  private decodedBytes = 0;

  constructor(
    /** Reads a saved image's exact tokens back from storage (null when they are gone). */
    private readonly reload: (f: StoredFeatures) => Promise<Float32Array | null>,
    private readonly exactBudget = EXACT_BUDGET,
    private readonly decodedBudget = DECODED_BUDGET,
  ) {}

  /** Tokens decoded from the float16 copy, [T, D], and their row norms. Do not modify them. */
  approx(f: StoredFeatures): { tokens: Float32Array; norms: Float32Array } {
    const { half, norms } = compact(f);
    let tokens = this.decoded.get(f);
    if (tokens) {
      this.decoded.delete(f); // re-inserted below as the most recent
    } else {
      tokens = float16BitsToFloat32(half);
      this.decodedBytes += tokens.byteLength;
    }
    this.decoded.set(f, tokens);
    this.trim(this.decoded, this.decodedBudget, (_, t) => (this.decodedBytes -= t.byteLength));
    return { tokens, norms };
  }

  /** The exact float32 tokens: held, or read back from storage. */
  async exact(f: StoredFeatures): Promise<Float32Array> {
    if (f.exact) {
      this.touch(f);
      return f.exact;
    }
    const tokens = await this.reload(f);
    if (!tokens || tokens.length !== f.tokenCount * f.dim) {
      throw new Error(
        'The saved features of this image could not be read back; remove and re-add it.',
      );
    }
    if (!f.exact) {
      f.exact = tokens;
      this.hold(f);
    }
    return f.exact;
  }

  /** The image's exact tokens are now in storage too: they may leave memory when space is short. */
  saved(f: StoredFeatures): void {
    if (f.saved) return;
    f.saved = true;
    if (f.exact) this.hold(f);
  }

  /** Forgets an image (removed, or its model unloaded). */
  release(f: StoredFeatures): void {
    const held = this.exactHeld.get(f);
    if (held !== undefined) {
      this.exactHeld.delete(f);
      this.exactBytes -= held;
    }
    const d = this.decoded.get(f);
    if (d) {
      this.decoded.delete(f);
      this.decodedBytes -= d.byteLength;
    }
  }

  clear(): void {
    this.exactHeld.clear();
    this.decoded.clear();
    this.exactBytes = 0;
    this.decodedBytes = 0;
  }

  /** Bytes held beyond the per-image float16 copies and descriptors. */
  cacheBytes(): { exact: number; decoded: number } {
    return { exact: this.exactBytes, decoded: this.decodedBytes };
  }

  private touch(f: StoredFeatures): void {
    const held = this.exactHeld.get(f);
    if (held === undefined) return; // pinned: not saved, never evicted
    this.exactHeld.delete(f);
    this.exactHeld.set(f, held);
  }

  private hold(f: StoredFeatures): void {
    if (!f.saved || !f.exact || this.exactHeld.has(f)) return;
    this.exactHeld.set(f, f.exact.byteLength);
    this.exactBytes += f.exact.byteLength;
    this.trim(this.exactHeld, this.exactBudget, (g, bytes) => {
      this.exactBytes -= bytes;
      compact(g); // the copy that stays
      g.exact = null;
    });
  }

  /** Drops the least recently used entries until within budget, always keeping the newest. */
  private trim<V>(
    map: Map<StoredFeatures, V>,
    budget: number,
    drop: (f: StoredFeatures, v: V) => void,
  ): void {
    const total = () => (map === this.decoded ? this.decodedBytes : this.exactBytes);
    while (total() > budget && map.size > 1) {
      const [oldest, v] = map.entries().next().value as [StoredFeatures, V];
      map.delete(oldest);
      drop(oldest, v);
    }
  }
}
