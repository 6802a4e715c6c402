import type { NodeConfigByKind, WaitNodeConfig } from '../../../../shared/graph/nodes';
import { EventNameField, NumberField, Section, SelectField, TimeField } from './fields';
import { unitOptions, weekdays } from './conditionOptions';
import type { ConfigEditorProps } from './types';

type WaitConfig = NodeConfigByKind['wait'];
type WaitType = WaitNodeConfig['type'];

function configFor(type: WaitType): WaitConfig {
  switch (type) {
    case 'duration':
      return { type, amount: 1, unit: 'hours' };
    case 'window':
      return { type, days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '17:00' };
    case 'event':
      return { type, event: '', timeoutAmount: 2, timeoutUnit: 'days' };
  }
}

const waitOptions: ReadonlyArray<{ value: WaitType; label: string }> = [
  { value: 'duration', label: 'For a length of time' },
  { value: 'window', label: 'Until a local time window' },
  { value: 'event', label: 'Until an event, with a timeout' },
];

export function WaitEditor({ config, onChange }: ConfigEditorProps<'wait'>) {
  return (
    <Section title="Wait">
      <SelectField label="Wait" value={config.type} options={waitOptions} onChange={(type) => onChange(() => configFor(type))} />
      {config.type === 'duration' ? (
        <div className="field-row">
          <NumberField
            label="Amount"
            value={config.amount}
            min={0}
            max={100_000}
            onChange={(amount) => onChange((c) => ({ ...c, amount }) as WaitConfig, 'amount')}
          />
          <SelectField label="Unit" value={config.unit} options={unitOptions} onChange={(unit) => onChange((c) => ({ ...c, unit }) as WaitConfig)} />
        </div>
      ) : null}
      {config.type === 'window' ? (
        <>
          <fieldset className="weekday-toggles">
            <legend>Days</legend>
            {weekdays.map((day) => {
              const isOn = config.days.includes(day.value);
              return (
                <button
                  key={day.value}
                  type="button"
                  className={`toggle${isOn ? ' is-on' : ''}`}
                  aria-pressed={isOn}
                  aria-label={day.label}
                  onClick={() =>
                    onChange(
                      (c) =>
                        ({
                          ...c,
                          days: isOn ? config.days.filter((d) => d !== day.value) : weekdays.map((w) => w.value).filter((d) => d === day.value || config.days.includes(d)),
                        }) as WaitConfig,
                    )
                  }
                >
                  {day.short}
                </button>
              );
            })}
          </fieldset>
          <div className="field-row">
            <TimeField label="From" value={config.start} onChange={(start) => onChange((c) => ({ ...c, start }) as WaitConfig)} />
            <TimeField label="Until" value={config.end} onChange={(end) => onChange((c) => ({ ...c, end }) as WaitConfig)} />
          </div>
          <p className="field-hint">Contacts continue at the next moment inside this window, in their own time zone.</p>
        </>
      ) : null}
      {config.type === 'event' ? (
        <>
          <EventNameField
            label="Event name"
            value={config.event}
            placeholder="e.g. purchased"
            onChange={(event) => onChange((c) => ({ ...c, event }) as WaitConfig, 'event')}
          />
          <div className="field-row">
            <NumberField
              label="Timeout after"
              value={config.timeoutAmount}
              min={0}
              max={100_000}
              onChange={(timeoutAmount) => onChange((c) => ({ ...c, timeoutAmount }) as WaitConfig, 'timeout')}
            />
            <SelectField
              label="Timeout unit"
              value={config.timeoutUnit}
              options={unitOptions}
              onChange={(timeoutUnit) => onChange((c) => ({ ...c, timeoutUnit }) as WaitConfig)}
            />
          </div>
          <p className="field-hint">Contacts take the “Event” output when it happens, or “Timeout” when the time runs out.</p>
        </>
      ) : null}
    </Section>
  );
}
