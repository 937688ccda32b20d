import { useState } from 'react';

/**
 * A labelled number input that only ever reports a value inside [min, max]. While the user
 * types, the text is theirs: an emptied box stays empty (typing "30" over "15" must not pass
 * through the minimum), and a value is reported as soon as the text is one in range. On leaving
 * the box, text out of range is clamped and empty text goes back to the current value.
 */
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
  const [draft, setDraft] = useState<string | null>(null);
  // A whole step (the default, 1) means counts: fractions are never reported, and are rounded on
  // leaving the box ("2.5 results" is not a thing).
  const whole = Number.isInteger(p.step ?? 1);
  const parse = (t: string) => (t.trim() === '' ? NaN : Number(t));
  const commit = () => {
    const n = draft === null ? NaN : parse(draft);
    setDraft(null);
    if (Number.isFinite(n)) {
      const clamped = Math.min(p.max, Math.max(p.min, whole ? Math.round(n) : n));
      if (clamped !== p.value) p.onChange(clamped);
    }
  };
  return (
    <label>
      {p.label}{' '}
      <input
        type="number"
        aria-label={p.name}
        min={p.min}
        max={p.max}
        step={p.step}
        value={draft ?? String(p.value)}
        onChange={(e) => {
          setDraft(e.target.value);
          const n = parse(e.target.value);
          if (n >= p.min && n <= p.max && n !== p.value && (!whole || Number.isInteger(n)))
            p.onChange(n);
        }}
        onBlur={commit}
        onKeyDown={(e) => {
          // Enter commits as leaving would, and keeps focus here (a blur would drop it to <body>).
          if (e.key === 'Enter') commit();
        }}
      />
    </label>
  );
}
