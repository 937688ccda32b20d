/** A labelled number input that only ever reports a value inside [min, max] (empty: min). */
export function NumberField(p: {
  /** The visible text before the input. */
  label: string;
  /** The input's accessible name. */
  name: string;
  min: number;
  max: number;
  step?: number;
  value: number;
  onChange: (value: number) => void;
}) {
  return (
    <label>
      {p.label}{' '}
      <input
        type="number"
        aria-label={p.name}
        min={p.min}
        max={p.max}
        step={p.step}
        value={p.value}
        onChange={(e) =>
          p.onChange(Math.min(p.max, Math.max(p.min, Number(e.target.value) || p.min)))
        }
      />
    </label>
  );
}
