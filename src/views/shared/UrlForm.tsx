import { useState } from 'react';

/** A labelled address field with a submit button; relative addresses resolve against the page. */
export function UrlForm(p: {
  label: string;
  button: string;
  placeholder: string;
  onSubmit: (absoluteUrl: string, typed: string) => void;
}) {
  const [value, setValue] = useState('');
  return (
    <form
      className="field"
      onSubmit={(e) => {
        e.preventDefault();
        const typed = value.trim();
        if (!typed) return;
        p.onSubmit(new URL(typed, document.baseURI).href, typed);
        setValue('');
      }}
    >
      <span>{p.label}</span>
      <div className="row">
        <input
          className="grow-input"
          type="url"
          aria-label={p.label}
          placeholder={p.placeholder}
          value={value}
          onChange={(e) => setValue(e.target.value)}
        />
        <button type="submit" disabled={!value.trim()}>
          {p.button}
        </button>
      </div>
    </form>
  );
}
