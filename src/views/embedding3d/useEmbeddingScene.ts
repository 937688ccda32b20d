/**
 * Owns the EmbeddingScene of a mounted 3D view: makes it once in the host element, disposes it
 * (and every GPU resource) on unmount, and publishes the read-only `window.__explorer3d` debug
 * hook used by tests and scripts. Hover, click and the keys' steps reach the view through a ref refreshed after
 * every render, so the scene is never re-created and pointer work never goes through React state.
 */
import { useEffect, useRef, useState, type RefObject } from 'react';
import { EmbeddingScene, liveSceneStats } from './scene';

declare global {
  interface Window {
    /** Read-only debug hook of the 3D view (tests and curious users). */
    __explorer3d?: {
      stats: typeof liveSceneStats;
      points: () => { index: number; imageId: string | null; x: number; y: number }[];
      render: () => void;
    };
  }
}

export interface SceneHandlers {
  /** The point under the pointer changed (null: none); x, y are CSS px in the canvas. */
  onHover: (index: number | null, x: number, y: number) => void;
  /** A click on a point, or on empty space (null); Enter on the point the keys stepped to. */
  onClick: (index: number | null) => void;
  /** The keys stepped to a point, the `rank`th of `count` nearest first, or left it (null). */
  onStep: (index: number | null, rank: number, count: number) => void;
  /** The image a point stands for in image mode (null in patch mode), for the debug hook. */
  imageIdAt: (index: number) => string | null;
}

export function useEmbeddingScene(
  host: RefObject<HTMLDivElement | null>,
  handlers: SceneHandlers,
): { scene: EmbeddingScene | null; glError: string | null } {
  const [scene, setScene] = useState<EmbeddingScene | null>(null);
  const [glError, setGlError] = useState<string | null>(null);
  const live = useRef(handlers);
  useEffect(() => {
    live.current = handlers;
  });

  // The scene: made once per mount, disposed with the view.
  useEffect(() => {
    const el = host.current;
    if (!el) return;
    let s: EmbeddingScene;
    try {
      s = new EmbeddingScene(el, {
        onHover: (index, x, y) => live.current.onHover(index, x, y),
        onClick: (index) => live.current.onClick(index),
        onStep: (index, rank, count) => live.current.onStep(index, rank, count),
      });
    } catch (e) {
      setGlError(`WebGL is not available here (${(e as Error).message}).`);
      return;
    }
    setScene(s);
    window.__explorer3d = {
      stats: liveSceneStats,
      points: () =>
        s.screenPositions().map((p) => ({ ...p, imageId: live.current.imageIdAt(p.index) })),
      render: () => s.renderNow(),
    };
    return () => {
      s.dispose();
      setScene(null);
      if (window.__explorer3d) window.__explorer3d.points = () => [];
    };
  }, [host]);

  return { scene, glError };
}
