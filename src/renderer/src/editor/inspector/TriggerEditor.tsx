import { unaryOperators, type NodeConfigByKind, type PropertyFilter, type TriggerType } from '../../../../shared/graph/nodes';
import { SegmentPicker } from '../../segments/SegmentPicker';
import { CloseIcon, PlusIcon } from '../../ui/icons';
import { EventNameField, NumberField, Section, SelectField, TextField, TimeField } from './fields';
import { operatorOptions, triggerOptions } from './conditionOptions';
import type { ConfigEditorProps } from './types';

type TriggerConfig = NodeConfigByKind['trigger'];

function configFor(type: TriggerType): TriggerConfig {
  switch (type) {
    case 'event':
      return { type, event: '', filters: [] };
    case 'segment_entered':
      return { type, segment: '' };
    case 'date_attribute':
      return { type, attribute: '', offsetDays: 0, at: '09:00', isYearly: true };
    case 'keyword':
      return { type, keywords: [] };
    case 'subscribed':
      return { type, channel: 'sms' };
    case 'manual':
      return { type };
  }
}

export function TriggerEditor({ config, onChange }: ConfigEditorProps<'trigger'>) {
  return (
    <Section title="Trigger">
      <SelectField label="Starts when" value={config.type} options={triggerOptions} onChange={(type) => onChange(() => configFor(type))} />
      {config.type === 'event' ? (
        <>
          <EventNameField
            label="Event name"
            value={config.event}
            placeholder="e.g. cart_abandoned"
            onChange={(event) => onChange((c) => ({ ...c, event }) as TriggerConfig, 'event')}
          />
          <FilterRows filters={config.filters} onChange={(filters, merge) => onChange((c) => ({ ...c, filters }) as TriggerConfig, merge)} />
        </>
      ) : null}
      {config.type === 'segment_entered' ? (
        <SegmentPicker label="Segment" value={config.segment} onChange={(segment) => onChange((c) => ({ ...c, segment }) as TriggerConfig)} />
      ) : null}
      {config.type === 'date_attribute' ? (
        <>
          <TextField
            label="Date attribute"
            value={config.attribute}
            maxLength={120}
            placeholder="e.g. birthday"
            onChange={(attribute) => onChange((c) => ({ ...c, attribute }) as TriggerConfig, 'attribute')}
          />
          <div className="field-row">
            <NumberField
              label="Offset in days"
              value={config.offsetDays}
              min={-365}
              max={365}
              onChange={(offsetDays) => onChange((c) => ({ ...c, offsetDays }) as TriggerConfig, 'offset')}
            />
            <TimeField label="At local time" value={config.at} onChange={(at) => onChange((c) => ({ ...c, at }) as TriggerConfig)} />
          </div>
          <p className="field-hint">Negative days start before the date (−3 = three days before), 0 on the day.</p>
        </>
      ) : null}
      {config.type === 'keyword' ? (
        <TextField
          label="Keywords"
          value={config.keywords.join(',')}
          maxLength={20 * 41}
          placeholder="e.g. JOIN, START"
          hint="Separate keywords with commas. Matching ignores case."
          onChange={(text) =>
            onChange(
              (c) => ({ ...c, keywords: text.split(',').slice(0, 20).map((k) => k.slice(0, 40)) }) as TriggerConfig,
              'keywords',
            )
          }
        />
      ) : null}
      {config.type === 'subscribed' ? (
        <SelectField
          label="Channel"
          value={config.channel}
          options={[
            { value: 'sms', label: 'SMS' },
            { value: 'mms', label: 'MMS' },
          ]}
          onChange={(channel) => onChange((c) => ({ ...c, channel }) as TriggerConfig)}
        />
      ) : null}
      {config.type === 'manual' ? <p className="field-hint">Contacts enter when you add them from a list or the CLI.</p> : null}
    </Section>
  );
}

/** Event property filters: the event trigger's, and a segment's event rules' (labelled "<rule> filter 1 …" there). */
export function FilterRows({
  filters,
  onChange,
  labelPrefix = 'Filter',
  max = 20,
}: {
  filters: PropertyFilter[];
  onChange: (filters: PropertyFilter[], merge?: string) => void;
  labelPrefix?: string;
  max?: number;
}) {
  const update = (index: number, patch: Partial<PropertyFilter>, merge?: string): void =>
    onChange(
      filters.map((f, i) => (i === index ? { ...f, ...patch } : f)),
      merge ? `${merge}:${index}` : undefined,
    );
  return (
    <div className="rows">
      <div className="rows-header">
        <span className="rows-title">Property filters</span>
        <button
          type="button"
          className="button button-small"
          disabled={filters.length >= max}
          onClick={() => onChange([...filters, { property: '', operator: 'equals', value: '' }])}
        >
          <PlusIcon /> Add filter
        </button>
      </div>
      {filters.length === 0 ? <p className="field-hint">Every occurrence of the event counts. Add a filter to narrow it.</p> : null}
      {filters.map((filter, index) => (
        <fieldset key={index} className="row-card">
          <legend className="visually-hidden">
            {labelPrefix} {index + 1}
          </legend>
          <TextField label={`${labelPrefix} ${index + 1} property`} value={filter.property} maxLength={120} placeholder="e.g. cart_value" onChange={(property) => update(index, { property }, 'property')} />
          <SelectField label={`${labelPrefix} ${index + 1} operator`} value={filter.operator} options={operatorOptions} onChange={(operator) => update(index, { operator })} />
          {unaryOperators.has(filter.operator) ? null : (
            <TextField label={`${labelPrefix} ${index + 1} value`} value={filter.value} maxLength={500} onChange={(value) => update(index, { value }, 'value')} />
          )}
          <button
            type="button"
            className="icon-button row-remove"
            aria-label={`Remove ${labelPrefix.toLowerCase()} ${index + 1}`}
            onClick={() => onChange(filters.filter((_, i) => i !== index))}
          >
            <CloseIcon />
          </button>
        </fieldset>
      ))}
    </div>
  );
}
