import { useState } from 'react';
import { MODEL_ADVICE, modelAddress, type AddressAdvice } from '../../model/model-address';
import { pushAlert } from '../../store/app-store';

/**
 * A labelled address field with a submit button (a text field, not type="url", which refuses
 * relative addresses). What was typed is read by modelAddress: paths on the site resolve against
 * the page, a host name typed without its scheme gets one (and the field then shows the full
 * address, so what is fetched is what is shown), and text that is no address is refused with
 * what to type, before anything is fetched. The field empties only once the address worked, so
 * a typo can be mended in place.
 */
export function UrlForm(p: {
  label: string;
  button: string;
  placeholder: string;
  /** What a refusal says to type instead (the model's field by default). */
  advice?: AddressAdvice;
  onSubmit: (absoluteUrl: string, shown: string) => Promise<boolean>;
}) {
  const [value, setValue] = useState('');
  const submit = () => {
    const typed = value.trim();
    if (!typed) return;
    const address = modelAddress(typed, document.baseURI, p.advice ?? MODEL_ADVICE);
    if (!address.ok) {
      pushAlert({ kind: 'error', message: address.message, subject: typed });
      return;
    }
    const shown = address.completed ? address.url : typed;
    if (address.completed) setValue(shown);
    void p.onSubmit(address.url, shown).then((worked) => {
      // Only if the field still holds what was sent (the user may have typed on).
      if (worked) setValue((now) => (now.trim() === shown ? '' : now));
    });
  };
  return (
    <form
      className="field"
      onSubmit={(e) => {
        e.preventDefault();
        submit();
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
