/**
 * The base of our WGSL kernels (gpu-similarity.ts, gpu-covariance.ts): what they keep on the GPU
 * between calls, one image's uploaded rows (`T`: its buffers) per key, within a byte budget, least
 * recently used first out, never the rows the current call reads.
 */
export abstract class KeptRowsKernel<T> {
  /** Oldest use first (Map keeps insertion order). */
  private kept = new Map<object, { value: T; bytes: number }>();
  private keptBytes = 0;

  constructor(
    protected readonly device: GPUDevice,
    readonly budget: number,
    /** Frees a value's buffers. */
    private readonly release: (value: T) => void,
  ) {}

  protected isKept(key: object): boolean {
    return this.kept.has(key);
  }

  /**
   * The value kept for `key`, or, when there is none, the one `load` uploads (it says its bytes
   * before uploading, so room is made first by dropping the least recently used keys not in
   * `inUse`).
   */
  protected keep(
    key: object,
    inUse: Set<object>,
    load: () => { bytes: number; upload: () => T },
  ): T {
    const hit = this.kept.get(key);
    if (hit) {
      this.kept.delete(key);
      this.kept.set(key, hit);
      return hit.value;
    }
    const { bytes, upload } = load();
    for (const [k] of this.kept) {
      if (this.keptBytes + bytes <= this.budget) break;
      if (!inUse.has(k)) this.forget(k);
    }
    const value = upload();
    this.kept.set(key, { value, bytes });
    this.keptBytes += bytes;
    return value;
  }

  /** Drops what is kept for this key (the image was removed or recomputed). */
  forget(key: object): void {
    const k = this.kept.get(key);
    if (!k) return;
    this.kept.delete(key);
    this.keptBytes -= k.bytes;
    this.release(k.value);
  }

  /** Bytes of rows kept on the GPU, and for how many images. */
  usage(): { bytes: number; images: number } {
    return { bytes: this.keptBytes, images: this.kept.size };
  }

  dispose(): void {
    for (const key of [...this.kept.keys()]) this.forget(key);
  }

  protected buffer(size: number, usage: number, data?: ArrayBufferView): GPUBuffer {
    return gpuBuffer(this.device, size, usage, data);
  }
}

/** A buffer of `size` bytes (rounded up to 4, at least 16), filled with `data` when given. */
export function gpuBuffer(
  device: GPUDevice,
  size: number,
  usage: number,
  data?: ArrayBufferView,
): GPUBuffer {
  const b = device.createBuffer({
    size: Math.max(16, Math.ceil(size / 4) * 4),
    usage,
    mappedAtCreation: data !== undefined,
  });
  if (data) {
    new Uint8Array(b.getMappedRange()).set(
      new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    );
    b.unmap();
  }
  return b;
}

/**
 * A kernel on `device` (null without one, or when its pipelines cannot be made here), handed to
 * `take`; when the device is lost, `lost` is told which kernel went with it.
 */
export function kernelOn<K>(
  device: GPUDevice | null,
  make: (device: GPUDevice) => K,
  take: (kernel: K | null) => void,
  lost: (kernel: K) => void,
): void {
  let kernel: K | null = null;
  try {
    if (device) kernel = make(device);
  } catch {
    kernel = null; // no compute pipeline here: the CPU paths serve
  }
  take(kernel);
  if (device && kernel) void device.lost.then(() => lost(kernel));
}
