import { useImageLabel } from '../../store/app-store';

/** A select of collection images by name (the views that show one image, or pick two). */
export function ImageSelect(p: {
  /** The select's accessible name. */
  name: string;
  images: { id: string; name: string }[];
  value: string;
  onChange: (id: string) => void;
  /** A first, empty choice ("choose…"), for when nothing need be picked. */
  placeholder?: string;
  /** Choices placed before the images (e.g. a query from outside the collection). */
  extra?: { id: string; label: string }[];
}) {
  const label = useImageLabel();
  return (
    <select aria-label={p.name} value={p.value} onChange={(e) => p.onChange(e.target.value)}>
      {p.placeholder !== undefined && <option value="">{p.placeholder}</option>}
      {p.extra?.map((x) => (
        <option key={x.id} value={x.id}>
          {x.label}
        </option>
      ))}
      {p.images.map((i) => (
        <option key={i.id} value={i.id}>
          {label(i)}
        </option>
      ))}
    </select>
  );
}
