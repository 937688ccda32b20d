import { useEffect, useRef, useState } from 'react';
import { useApp } from '../../store/app-store';
import { updateSettings } from '../../store/controller';

/**
 * A pick settles this long after the last change: each block is a model reload, and arrow keys on
 * a closed select change it one option at a time.
 */
const SETTLE_MS = 700;

type Block = number | null;

/**
 * Which block's tokens are the features. Earlier blocks give more local, less semantic features
 * (DINOv2's dense heads read several); each goes through the model's final norm, as
 * `get_intermediate_layers(norm=True)` gives them. Shown once a loaded model's blocks are known.
 * The select stays enabled during the reload (a new pick replaces it), so focus stays on it.
 */
export function BlockField() {
  const model = useApp((s) => s.model);
  const asked = useApp((s) => s.settings.block);
  // A pick not applied yet (undefined: none): shown at once, applied once it settles.
  const [draft, setDraft] = useState<Block | undefined>(undefined);
  const timer = useRef<number | undefined>(undefined);
  const apply = (b: Block) => {
    window.clearTimeout(timer.current);
    timer.current = undefined;
    setDraft(undefined);
    if (b !== useApp.getState().settings.block) updateSettings({ block: b });
  };
  useEffect(() => () => window.clearTimeout(timer.current), []);
  const blocks = model.info?.blockOutputs.length ?? 0;
  if (model.status !== 'ready' || blocks < 2) return null;
  const options = Array.from({ length: blocks - 1 }, (_, i) => blocks - 1 - i);
  // While a reload runs, the block it loads (the user's pick), not the one it replaces.
  const shown = draft !== undefined ? draft : model.loading !== null ? asked : model.block;
  const parse = (v: string): Block => (v ? Number(v) : null);
  return (
    <label className="field">
      <span>Features from</span>
      <select
        aria-label="Features from"
        aria-describedby="block-help"
        value={shown ?? ''}
        onChange={(e) => {
          const b = parse(e.target.value);
          setDraft(b);
          window.clearTimeout(timer.current);
          timer.current = window.setTimeout(() => apply(b), SETTLE_MS);
        }}
        // Leaving the field, or Enter, applies a pick at once.
        onBlur={() => draft !== undefined && apply(draft)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && draft !== undefined) apply(draft);
        }}
      >
        <option value="">block {blocks} (the output)</option>
        {options.map((b) => (
          <option key={b} value={b}>
            block {b}
          </option>
        ))}
      </select>
      <small id="block-help">
        {model.block === null
          ? `The model's output, after its last block. Earlier blocks give more local features.`
          : `Block ${model.block} of ${blocks}, through the model's final norm (as DINOv2's get_intermediate_layers).`}
      </small>
    </label>
  );
}
