/**
 * Draws image mode into the EmbeddingScene: the layout's points (scaled to the unit box), their
 * category colours, the thumbnails (drawn progressively into one atlas texture, see thumbnails.ts,
 * and kept while the images stay the same)
 * and the selected image with lines to its nearest neighbours. Each part is its own effect, so a
 * new colouring or selection does not rebuild the points or the atlas. Returns the thumbnail
 * progress the legend reports.
 */
import { useEffect, useRef, useState } from 'react';
import { fitToBox } from '../../features/layout3d';
import { isTensorFile } from '../../lib/files';
import type { ImageEntry } from '../../store/app-store';
import type { Embedding3dSettings } from '../../store/embedding3d';
import { categoryRgb } from './palette';
import type { EmbeddingScene } from './scene';
import { buildAtlas, type AtlasBuild } from './thumbnails';
import type { ImageLayout } from './useImageLayout';

/** Thumbnails drawn so far, pictures among the points, and how many the atlas has room for. */
export type ThumbProgress = { drawn: number; total: number; of: number } | null;

export function useImageScene(
  scene: EmbeddingScene | null,
  { desc, shownLayout, categories, neighbours }: ImageLayout,
  settings: Embedding3dSettings,
  byId: Map<string, ImageEntry>,
  selectedId: string | null,
): ThumbProgress {
  const [thumbs, setThumbs] = useState<ThumbProgress>(null);
  const images = settings.mode === 'images';

  // Points into the scene when the layout changes.
  useEffect(() => {
    if (!scene || !images) return;
    if (!shownLayout || !desc) {
      scene.setPoints(new Float32Array(0));
      return;
    }
    const n = desc.ids.length;
    scene.setPoints(fitToBox(shownLayout.coords, n), { flat: shownLayout.dims === 2 });
    scene.setPointSize(10, n > 2000 ? 28 : n > 300 ? 40 : 56);
  }, [scene, shownLayout, desc, images]);

  // Colours.
  useEffect(() => {
    if (!scene || !shownLayout || !desc || !images) return;
    const n = desc.ids.length;
    const colours = new Float32Array(n * 3);
    for (let i = 0; i < n; i++) {
      const rgb = categories ? categoryRgb(categories.of[i]) : [0.43, 0.66, 1];
      colours.set(rgb, i * 3);
    }
    scene.setColours(colours);
  }, [scene, shownLayout, desc, categories, images]);

  // Thumbnails, drawn into one atlas. The atlas belongs to the descriptors (the same images), not
  // to the layout: a new layout or dimension re-attaches it instead of decoding every image again.
  const cache = useRef<{
    key: string;
    scene: EmbeddingScene;
    atlas: AtlasBuild;
    drawn: number;
  } | null>(null);
  useEffect(() => () => cache.current?.atlas.cancel(), []);
  useEffect(() => {
    if (!scene || !shownLayout || !desc || !images) return;
    if (!settings.thumbnails) {
      scene.setThumbnails(null);
      setThumbs(null);
      return;
    }
    const sources = desc.ids.map((id) => {
      const e = byId.get(id);
      const notes = e?.result?.notes;
      return {
        url: e?.url ?? '',
        width: notes?.width ?? 1,
        height: notes?.height ?? 1,
        picture: !!e && !isTensorFile({ name: e.name }),
      };
    });
    const total = sources.filter((s) => s.picture).length;
    let c = cache.current;
    if (!c || c.key !== desc.key || c.scene !== scene) {
      c?.atlas.cancel();
      const atlas = buildAtlas(sources, scene.maxTextureSize());
      const made = { key: desc.key, scene, atlas, drawn: 0 };
      cache.current = c = made;
      void atlas.fill((drawn) => {
        made.drawn = drawn;
        scene.thumbnailsChanged(atlas.rects);
        setThumbs({ drawn, total, of: atlas.layout.count });
      });
    }
    scene.setThumbnails(c.atlas);
    setThumbs({ drawn: c.drawn, total, of: c.atlas.layout.count });
    // byId only supplies URLs, which do not change for a given id.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [scene, shownLayout, desc, settings.thumbnails, images]);

  // The selection and its nearest neighbours.
  useEffect(() => {
    if (!scene || !shownLayout || !desc || !images) return;
    const q = selectedId ? desc.ids.indexOf(selectedId) : -1;
    scene.setSelected(q >= 0 ? q : null);
    scene.setLines(q >= 0 ? neighbours.map((nb) => [q, nb.index] as [number, number]) : []);
    scene.highlight(
      q >= 0 && neighbours.length > 0 ? [q, ...neighbours.map((x) => x.index)] : null,
    );
  }, [scene, shownLayout, desc, selectedId, neighbours, images]);

  return images ? thumbs : null;
}
