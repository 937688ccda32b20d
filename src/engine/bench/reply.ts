/** Shared by the bench workers: run one job per message and answer with its result or error. */
import type { WorkerReply } from './bench-protocol';

export function serve<C, R>(handler: (cfg: C) => Promise<R>): void {
  self.onmessage = (ev: MessageEvent<C>) => {
    handler(ev.data).then(
      (result) => self.postMessage({ ok: true, result } satisfies WorkerReply<R>),
      (e: unknown) =>
        self.postMessage({
          ok: false,
          error: e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e),
        } satisfies WorkerReply<R>),
    );
  };
}

/**
 * A stateful job: `init` (load the model once) answers with its info; then each `step` message runs
 * one timed repeat, so the runner can interleave repeats of several paths under the same load.
 */
export interface Stepper<I, S> {
  info: I;
  step(): Promise<S>;
}

export function serveSteps<C, I, S>(init: (cfg: C) => Promise<Stepper<I, S>>): void {
  let stepper: Stepper<I, S> | null = null;
  const reply = (p: Promise<unknown>) =>
    p.then(
      (result) => self.postMessage({ ok: true, result } satisfies WorkerReply<unknown>),
      (e: unknown) =>
        self.postMessage({
          ok: false,
          error: e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e),
        } satisfies WorkerReply<unknown>),
    );
  self.onmessage = (ev: MessageEvent<{ op: 'init'; cfg: C } | { op: 'step' }>) => {
    const msg = ev.data;
    if (msg.op === 'init') {
      void reply(
        init(msg.cfg).then((s) => {
          stepper = s;
          return s.info;
        }),
      );
    } else {
      void reply(stepper ? stepper.step() : Promise.reject(new Error('step before init')));
    }
  };
}

export async function fetchBytes(url: string): Promise<Uint8Array> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

/** Seeded normal values (Box-Muller over mulberry32), for synthetic inputs. */
export function normals(n: number, seed: number, std = 1): Float32Array {
  let s = seed >>> 0;
  const rand = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const r = std * Math.sqrt(-2 * Math.log(rand()));
    const th = 2 * Math.PI * rand();
    out[i] = r * Math.cos(th);
    if (i + 1 < n) out[i + 1] = r * Math.sin(th);
  }
  return out;
}
