import { useId, useState, type HTMLAttributes, type ReactNode } from 'react';

/** Labelled form controls for the inspector: every control has a visible label tied to it. */

export function TextField({
  label,
  value,
  onChange,
  maxLength,
  placeholder,
  hint,
  inputMode,
  isSecret = false,
  visibleLabel,
}: {
  label: string;
  /** A shorter label to show where the surroundings say the rest (a rule's card); `label` stays the accessible name. */
  visibleLabel?: string;
  value: string;
  onChange: (value: string) => void;
  maxLength: number;
  placeholder?: string;
  hint?: ReactNode;
  inputMode?: HTMLAttributes<HTMLInputElement>['inputMode'];
  /** A credential: masked, never autocompleted or spell-checked. */
  isSecret?: boolean;
}) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{visibleLabel ?? label}</label>
      <input
        id={id}
        className="input"
        aria-label={visibleLabel ? label : undefined}
        inputMode={inputMode}
        {...(isSecret && { type: 'password', autoComplete: 'off', spellCheck: false })}
        value={value}
        maxLength={maxLength}
        placeholder={placeholder}
        onChange={(event) => onChange(event.target.value)}
        aria-describedby={hint ? `${id}-hint` : undefined}
      />
      {hint ? (
        <p id={`${id}-hint`} className="field-hint">
          {hint}
        </p>
      ) : null}
    </div>
  );
}

/** Event names are single tokens (`cart_abandoned`): what an event's sender sends has no spaces. */
export const normaliseEventName = (raw: string): string => raw.replace(/\s+/g, '_');

/**
 * A field for an event's name: spaces become underscores as they are typed, and the field says
 * so — an event name with a space would silently never match the events that arrive.
 */
export function EventNameField({
  label,
  value,
  onChange,
  placeholder,
  hint,
  visibleLabel,
}: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  placeholder: string;
  hint?: ReactNode;
  visibleLabel?: string;
}) {
  const [typed, setTyped] = useState<string | null>(null);
  const wasChanged = typed !== null && typed !== value && normaliseEventName(typed) === value;
  return (
    <TextField
      label={label}
      visibleLabel={visibleLabel}
      value={value}
      maxLength={120}
      placeholder={placeholder}
      hint={
        wasChanged ? (
          <span className="field-warning" role="status">
            Event names have no spaces: saved as “{value}”.
          </span>
        ) : (
          hint
        )
      }
      onChange={(raw) => {
        setTyped(raw);
        onChange(normaliseEventName(raw));
      }}
    />
  );
}

export function TextAreaField({
  label,
  value,
  onChange,
  maxLength,
  rows = 5,
  placeholder,
  footer,
}: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  maxLength: number;
  rows?: number;
  placeholder?: string;
  footer?: ReactNode;
}) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <textarea
        id={id}
        className="input textarea"
        value={value}
        rows={rows}
        maxLength={maxLength}
        placeholder={placeholder}
        onChange={(event) => onChange(event.target.value)}
        aria-describedby={footer ? `${id}-footer` : undefined}
      />
      {footer ? (
        <div id={`${id}-footer`} className="field-hint">
          {footer}
        </div>
      ) : null}
    </div>
  );
}

/**
 * A number input that lets the user clear it and type freely; only values inside the schema's
 * range reach the store, so a half-typed field can never make the flow unsavable.
 */
export function NumberField({
  label,
  value,
  onChange,
  min,
  max,
  step = 1,
  isInteger = true,
  suffix,
  hideLabel,
  visibleLabel,
}: {
  label: string;
  visibleLabel?: string;
  value: number;
  onChange: (value: number) => void;
  min: number;
  max: number;
  step?: number;
  isInteger?: boolean;
  suffix?: string;
  hideLabel?: boolean;
}) {
  const id = useId();
  // While focused the field shows what is typed; otherwise it shows the stored value.
  const [draft, setDraft] = useState(String(value));
  const [isFocused, setIsFocused] = useState(false);
  const text = isFocused ? draft : String(value);
  const parsed = Number(text);
  const isValid = text.trim() !== '' && Number.isFinite(parsed) && parsed >= min && parsed <= max && (!isInteger || Number.isInteger(parsed));
  return (
    <div className="field field-number">
      <label htmlFor={id} className={hideLabel ? 'visually-hidden' : undefined}>
        {visibleLabel ?? label}
      </label>
      <span className="input-with-suffix">
        <input
          id={id}
          className="input"
          aria-label={visibleLabel ? label : undefined}
          type="number"
          inputMode={isInteger ? 'numeric' : 'decimal'}
          min={min}
          max={max}
          step={step}
          value={text}
          aria-invalid={!isValid}
          onFocus={() => {
            setDraft(String(value));
            setIsFocused(true);
          }}
          onBlur={() => setIsFocused(false)}
          onChange={(event) => {
            setDraft(event.target.value);
            const next = Number(event.target.value);
            if (event.target.value.trim() !== '' && Number.isFinite(next) && next >= min && next <= max && (!isInteger || Number.isInteger(next))) {
              onChange(next);
            }
          }}
        />
        {suffix ? <span className="input-suffix">{suffix}</span> : null}
      </span>
      {!isValid && isFocused ? (
        <p className="field-error" role="alert">
          Enter {isInteger ? 'a whole number' : 'a number'} from {min} to {max}.
        </p>
      ) : null}
    </div>
  );
}

export function SelectField<T extends string>({
  label,
  value,
  options,
  onChange,
  hideLabel,
  onEngage,
  visibleLabel,
}: {
  label: string;
  visibleLabel?: string;
  value: T;
  options: ReadonlyArray<{ value: T; label: string }>;
  onChange: (value: T) => void;
  hideLabel?: boolean;
  /** Called when the user reaches for the list (focus or press), before it opens. */
  onEngage?: () => void;
}) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id} className={hideLabel ? 'visually-hidden' : undefined}>
        {visibleLabel ?? label}
      </label>
      <select
        id={id}
        className="input select"
        aria-label={visibleLabel ? label : undefined}
        value={value}
        onFocus={onEngage}
        onPointerDown={onEngage}
        onChange={(event) => onChange(event.target.value as T)}
      >
        {options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
    </div>
  );
}

const timePattern = /^([01]\d|2[0-3]):[0-5]\d$/;

export function TimeField({ label, value, onChange }: { label: string; value: string; onChange: (value: string) => void }) {
  const id = useId();
  return (
    <div className="field field-time">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        className="input"
        type="time"
        value={value}
        onChange={(event) => {
          // Browsers may add seconds; the schema stores HH:MM.
          const next = event.target.value.slice(0, 5);
          if (timePattern.test(next)) onChange(next);
        }}
      />
    </div>
  );
}

export function CheckboxField({ label, checked, onChange, hint }: { label: string; checked: boolean; onChange: (value: boolean) => void; hint?: string }) {
  const id = useId();
  return (
    <div className="field field-checkbox">
      <input id={id} type="checkbox" checked={checked} onChange={(event) => onChange(event.target.checked)} />
      <label htmlFor={id}>{label}</label>
      {hint ? <p className="field-hint">{hint}</p> : null}
    </div>
  );
}

export function Section({ title, children, actions }: { title: string; children: ReactNode; actions?: ReactNode }) {
  const id = useId();
  return (
    <section className="inspector-section" aria-labelledby={id}>
      <div className="inspector-section-header">
        <h3 id={id}>{title}</h3>
        {actions}
      </div>
      {children}
    </section>
  );
}
