/**
 * A read-only measurement hook for `npm run bench`, installed only when the page was opened with
 * `?bench=1`. It records every engine request's send and answer times and the timings the worker
 * reports (EmbedResult.timings, PcaResult.ms), when a file input changed, and when a PCA map was
 * first drawn. It changes no request, result or state.
 */
import type { EngineClient } from '../engine/client';
import type { RequestBody } from '../engine/protocol';

export interface BenchRecord {
  type: RequestBody['type'];
  imageIds: string[];
  sentAt: number;
  doneAt: number;
  ok: boolean;
  /** EmbedResult.timings, for embeds. */
  timings?: { decodeMs: number; preprocessMs: number; inferenceMs: number };
  /** EmbedResult.sizedSession, for embeds. */
  sizedSession?: boolean;
  /** PcaResult.ms (and the like), for jobs that report it. */
  ms?: number;
  /** PcaResult.startedEarly, for PCA maps. */
  startedEarly?: boolean;
  /** EmbedResult.tokens and dim, for embeds. */
  tokens?: number;
  dim?: number;
  /** The file an embed was for. */
  fileName?: string;
  /** For an embed whose answer brought the PCA maps too (EmbedResult.pca): their PcaResult.ms. */
  pcaMs?: number;
  /** The backend and WASM threads a loaded model runs on, and whether it sizes sessions. */
  backend?: { backend: string; threads: number; sizedSessions: boolean };
}

export interface BenchHook {
  records: BenchRecord[];
  /** performance.now() of each change of a file input, with its label and file names. */
  inputs: { label: string; names: string[]; at: number }[];
  /** Resolves with performance.now() when `PCA map: <name>` is first drawn at the input's size. */
  whenPcaDrawn(name: string, width: number, height: number): Promise<number>;
}

declare global {
  interface Window {
    __dinov2Bench?: BenchHook;
  }
}

export function installBenchHook(client: EngineClient): void {
  const hook: BenchHook = {
    records: [],
    inputs: [],
    whenPcaDrawn(name, width, height) {
      const selector = `canvas[aria-label="PCA map: ${CSS.escape(name)}"]`;
      const drawn = () => {
        const c = document.querySelector<HTMLCanvasElement>(selector);
        return c !== null && c.width === width && c.height === height;
      };
      return new Promise((resolve) => {
        if (drawn()) return resolve(performance.now());
        // The canvas gets its size in the same effect that draws it: the attribute change marks
        // the end of the first draw.
        const obs = new MutationObserver(() => {
          if (!drawn()) return;
          const at = performance.now();
          obs.disconnect();
          resolve(at);
        });
        obs.observe(document.body, {
          subtree: true,
          childList: true,
          attributes: true,
          attributeFilter: ['width', 'height'],
        });
      });
    },
  };
  window.__dinov2Bench = hook;

  document.addEventListener(
    'change',
    (ev) => {
      const el = ev.target;
      if (el instanceof HTMLInputElement && el.type === 'file') {
        hook.inputs.push({
          label: el.getAttribute('aria-label') ?? '',
          names: [...(el.files ?? [])].map((f) => f.name),
          at: performance.now(),
        });
      }
    },
    true,
  );

  const call = client.call.bind(client);
  client.call = ((req: RequestBody, opts?: Parameters<EngineClient['call']>[1]) => {
    const sentAt = performance.now();
    const c = call(req, opts);
    const imageIds = 'imageIds' in req ? [...req.imageIds] : 'imageId' in req ? [req.imageId] : [];
    const record = (ok: boolean, r?: unknown) => {
      const res = (r ?? {}) as Partial<Omit<BenchRecord, 'backend'>> & {
        backend?: { backend: string; threads: number; sizedSessions: boolean } | string;
        pca?: { ms: number };
      };
      hook.records.push({
        type: req.type,
        imageIds,
        sentAt,
        doneAt: performance.now(),
        ok,
        ...(res.timings && { timings: res.timings }),
        ...(typeof res.sizedSession === 'boolean' && { sizedSession: res.sizedSession }),
        ...(typeof res.ms === 'number' && { ms: res.ms }),
        ...(typeof res.startedEarly === 'boolean' && { startedEarly: res.startedEarly }),
        ...(typeof res.tokens === 'number' && { tokens: res.tokens, dim: res.dim }),
        ...(req.type === 'embed' && { fileName: req.fileName }),
        ...(req.type === 'embed' && res.pca ? { pcaMs: res.pca.ms } : {}),
        ...(res.backend &&
          typeof res.backend === 'object' && {
            backend: {
              backend: res.backend.backend,
              threads: res.backend.threads,
              sizedSessions: res.backend.sizedSessions,
            },
          }),
      });
    };
    c.promise.then(
      (r) => record(true, r),
      () => record(false),
    );
    return c;
  }) as EngineClient['call'];
}
