import { useId, useState } from 'react';

/**
 * A number typed as text: half-typed values ("0.", "") stay on screen while the parsed value
 * (NaN when unreadable) goes up, so the form can say what is wrong instead of snapping back.
 */
export function NumberField({
  label,
  value,
  onChange,
  suffix,
  prefix,
  step,
  hint,
  error,
  className,
}: {
  label: string;
  value: number;
  onChange: (value: number) => void;
  suffix?: string;
  prefix?: string;
  step?: number;
  hint?: string;
  error?: string;
  className?: string;
}) {
  const id = useId();
  const [typed, setTyped] = useState(() => ({ text: String(value), value }));
  // A value set from outside (a new random seed) replaces what was typed.
  const shown = Object.is(typed.value, value) ? typed.text : String(value);
  const describedBy = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`field ${className ?? ''}`}>
      <label htmlFor={id}>{label}</label>
      <div className="input-with-affixes">
        {prefix ? <span className="input-affix">{prefix}</span> : null}
        <input
          id={id}
          className="input"
          inputMode="decimal"
          value={shown}
          step={step}
          aria-invalid={error ? true : undefined}
          aria-describedby={describedBy}
          onChange={(event) => {
            const trimmed = event.target.value.trim();
            const parsed = trimmed === '' ? Number.NaN : Number(trimmed);
            setTyped({ text: event.target.value, value: parsed });
            onChange(parsed);
          }}
        />
        {suffix ? <span className="input-affix">{suffix}</span> : null}
      </div>
      {hint ? (
        <p id={`${id}-hint`} className="field-hint">
          {hint}
        </p>
      ) : null}
      {error ? (
        <p id={`${id}-error`} className="field-error">
          {error}
        </p>
      ) : null}
    </div>
  );
}
