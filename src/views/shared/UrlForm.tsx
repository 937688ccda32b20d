import { useState } from 'react';

/**
 * A labelled address field with a submit button; relative addresses resolve against the page (a
 * text field, not type="url", which refuses them). The field empties only once the address
 * worked, so a typo can be mended in place.
 */
export function UrlForm(p: {
  label: string;
  button: string;
  placeholder: string;
  onSubmit: (absoluteUrl: string, typed: string) => Promise<boolean>;
}) {
  const [value, setValue] = useState('');
  return (
    <form
      className="field"
      onSubmit={(e) => {
        e.preventDefault();
        const typed = value.trim();
        if (!typed) return;
        let url = typed;
        try {
          url = new URL(typed, document.baseURI).href;
        } catch {
          // Not an address at all: the loader says so, naming what was typed.
        }
        void p.onSubmit(url, typed).then((worked) => {
          // Only if the field still holds what was sent (the user may have typed on).
          if (worked) setValue((now) => (now.trim() === typed ? '' : now));
        });
      }}
    >
      <span>{p.label}</span>
      <div className="row">
        <input
          className="grow-input"
          type="text"
          inputMode="url"
          autoComplete="url"
          spellCheck={false}
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
