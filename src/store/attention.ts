/**
 * The attention view's state and its request. The worker keeps the last attention tensor, so
 * clicking other patches of the same image and layer is answered without running the model.
 */
import { create } from 'zustand';
import type { AttentionResult } from '../engine/protocol';
import type { ExplorerError } from '../lib/errors';
import { reachableAttentionLayers, type ModelInfo } from '../model/model-info';
import { useApp } from './app-store';
import { engine } from './controller';

export type ColormapName = 'viridis' | 'inferno' | 'grey';

export interface AttentionState {
  imageId: string | null;
  /** 0-based; null = the last layer. */
  layer: number | null;
  /** Query token: 0 = CLS. */
  query: number;
  colormap: ColormapName;
  opacity: number;
  smooth: boolean;
  /** Share of the attention mass the DINO mask keeps. */
  keep: number;
  showContour: boolean;
  result: AttentionResult | null;
  error: string | null;
  computing: boolean;
}

export const useAttention = create<AttentionState>()(() => ({
  imageId: null,
  layer: null,
  query: 0,
  colormap: 'inferno',
  opacity: 0.7,
  smooth: false,
  keep: 0.6,
  showContour: true,
  result: null,
  error: null,
  computing: false,
}));

let latest = 0;

export function requestAttention(): void {
  const { imageId, layer, query } = useAttention.getState();
  if (!imageId) return;
  const seq = ++latest;
  useAttention.setState({ computing: true });
  engine()
    .call({ type: 'attention', imageId, layer: layer ?? -1, query })
    .promise.then(
      (result) => {
        if (seq === latest) useAttention.setState({ result, error: null, computing: false });
      },
      (err: ExplorerError) => {
        if (seq !== latest) return;
        // The image was removed while its attention computed: nothing went wrong for the user.
        const gone = !useApp.getState().images.some((i) => i.id === imageId);
        useAttention.setState({ result: null, error: gone ? null : err.message, computing: false });
      },
    );
}

export function setAttention(p: Partial<AttentionState>): void {
  useAttention.setState(p);
}

/**
 * Shows an image in the attention view, asked for from another view ("Open in Attention"). Set
 * here, not left to the selection: the selection may not change (the same image opened again),
 * while the attention view may have been switched to another image in between.
 */
export function showInAttention(imageId: string): void {
  useAttention.setState((a) => (a.imageId === imageId ? {} : { imageId, query: 0 }));
}

/** The layers whose attention can be shown (0 when none can: the view says why instead). */
export function attentionLayers(info: ModelInfo): number {
  return reachableAttentionLayers(info);
}

// A new model makes the shown attention stale, and a chosen layer may not exist in it.
useApp.subscribe((s, prev) => {
  // The attention view follows the image picked elsewhere (search results, the 3D view).
  if (s.selectedImageId && s.selectedImageId !== prev.selectedImageId) {
    useAttention.setState({ imageId: s.selectedImageId, query: 0 });
  }
  const info = s.model.info;
  if (info === prev.model.info) return;
  useAttention.setState((a) => ({
    result: null,
    error: null,
    query: 0,
    layer: info && a.layer !== null && a.layer < attentionLayers(info) ? a.layer : null,
  }));
});
