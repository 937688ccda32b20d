import { useApp } from '../../store/app-store';
import { updateSettings } from '../../store/controller';

/**
 * Which block's tokens are the features. Earlier blocks give more local, less semantic features
 * (DINOv2's dense heads read several); each goes through the model's final norm, as
 * `get_intermediate_layers(norm=True)` gives them. Shown once a loaded model's blocks are known.
 */
export function BlockField() {
  const model = useApp((s) => s.model);
  const asked = useApp((s) => s.settings.block);
  const blocks = model.info?.blockOutputs.length ?? 0;
  if (model.status !== 'ready' || blocks < 2) return null;
  const options = Array.from({ length: blocks - 1 }, (_, i) => blocks - 1 - i);
  return (
    <label className="field">
      <span>Features from</span>
      <select
        aria-label="Features from"
        // While a reload runs, the block it loads (the user's pick), not the one it replaces.
        value={(model.loading !== null ? asked : model.block) ?? ''}
        disabled={model.loading !== null}
        onChange={(e) => updateSettings({ block: e.target.value ? Number(e.target.value) : null })}
      >
        <option value="">block {blocks} (the output)</option>
        {options.map((b) => (
          <option key={b} value={b}>
            block {b}
          </option>
        ))}
      </select>
      <small>
        {model.block === null
          ? `The model's output, after its last block. Earlier blocks give more local features.`
          : `Block ${model.block} of ${blocks}, through the model's final norm (as DINOv2's get_intermediate_layers).`}
      </small>
    </label>
  );
}
