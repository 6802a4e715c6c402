import { createContext, useContext, useId, useState } from 'react';
import type { AudienceCatalog } from '../../../shared/api/audience';
import { knownStates } from '../../../shared/audience/areaCodes';
import {
  attributeTypes,
  isGroup,
  operatorsByType,
  valueCountOf,
  type AttributeOperator,
  type AttributeType,
  type EventCount,
  type EventWindow,
  type Match,
  type SegmentDefinition,
  type SegmentNode,
  type SegmentRule,
  type SegmentRuleType,
} from '../../../shared/audience/segment';
import { EventNameField, NumberField, SelectField, TextField } from '../editor/inspector/fields';
import { FilterRows } from '../editor/inspector/TriggerEditor';
import { CloseIcon, PlusIcon } from '../ui/icons';
import { canNestGroupIn, defaultRule, labelOf, splitList, withAttribute, withOperator, type Path, type RuleEdit } from './ruleEditing';

/** The rule builder: groups of rules (all / any), nested, each rule with fields fitting its kind. */

interface Builder {
  catalog: AudienceCatalog;
  /** Messages per rule, keyed by path ("1.0"). */
  problems: ReadonlyMap<string, string[]>;
  isReadOnly: boolean;
  edit: (edit: RuleEdit) => void;
  declareAttribute: (name: string, type: AttributeType) => Promise<string | null>;
}

const BuilderContext = createContext<Builder | null>(null);
const useBuilder = (): Builder => {
  const builder = useContext(BuilderContext);
  if (!builder) throw new Error('rule editors need a <RuleBuilder> above them');
  return builder;
};

const ruleKindOptions: ReadonlyArray<{ value: SegmentRuleType; label: string }> = [
  { value: 'attribute', label: 'Contact attribute' },
  { value: 'event', label: 'Event' },
  { value: 'engagement', label: 'Message engagement' },
  { value: 'consent', label: 'Consent' },
  { value: 'subscription', label: 'Subscription' },
  { value: 'paused', label: 'Paused' },
  { value: 'mms_capable', label: 'Phone takes MMS' },
  { value: 'location', label: 'Location' },
];

const matchOptions: ReadonlyArray<{ value: Match; label: string }> = [
  { value: 'all', label: 'all of these (AND)' },
  { value: 'any', label: 'any of these (OR)' },
];

export function operatorLabel(operator: AttributeOperator, type: AttributeType | undefined): string {
  switch (operator) {
    case 'equals':
      return type === 'date' ? 'is on' : 'equals';
    case 'not_equals':
      return 'does not equal';
    case 'contains':
      return 'contains';
    case 'in':
      return 'is one of';
    case 'not_in':
      return 'is none of';
    case 'between':
      return 'is between';
    case 'greater_than':
      return type === 'date' ? 'is after' : 'is greater than';
    case 'less_than':
      return type === 'date' ? 'is before' : 'is less than';
    case 'is_set':
      return 'is set';
    case 'is_not_set':
      return 'is not set';
  }
}

export function RuleBuilder({
  definition,
  onEdit,
  ...rest
}: Omit<Builder, 'edit'> & { definition: SegmentDefinition; onEdit: (edit: RuleEdit) => void }) {
  const builder: Builder = { ...rest, edit: onEdit };
  return (
    <BuilderContext.Provider value={builder}>
      <GroupEditor path={[]} match={definition.match} rules={definition.rules} />
    </BuilderContext.Provider>
  );
}

function GroupEditor({ path, match, rules }: { path: Path; match: Match; rules: readonly SegmentNode[] }) {
  const { catalog, edit, isReadOnly, problems } = useBuilder();
  const isTop = path.length === 0;
  const label = isTop ? 'Segment' : labelOf(path, true);
  const messages = problems.get(path.join('.')) ?? [];
  const body = (
    <>
      <div className="segment-group-header">
        <SelectField
          label={isTop ? 'Contacts match' : `${label} matches`}
          value={match}
          options={matchOptions}
          onChange={(next) => edit({ type: 'setMatch', group: path, match: next })}
        />
        {isTop ? null : (
          <button
            type="button"
            className="icon-button icon-button-danger"
            aria-label={`Remove ${label.toLowerCase()}`}
            disabled={isReadOnly}
            onClick={() => edit({ type: 'remove', path })}
          >
            <CloseIcon />
          </button>
        )}
      </div>
      <ProblemList messages={messages} />
      {rules.length === 0 && isTop ? <p className="field-hint">No rules yet: every contact matches. Add a rule to narrow the segment.</p> : null}
      {rules.map((node, index) => {
        const child = [...path, index];
        return isGroup(node) ? <GroupEditor key={index} path={child} match={node.match} rules={node.rules} /> : <RuleEditor key={index} path={child} rule={node} />;
      })}
      <div className="segment-group-actions">
        <button
          type="button"
          className="button button-small"
          disabled={isReadOnly || rules.length >= 50}
          aria-label={isTop ? 'Add rule' : `Add rule to ${label.toLowerCase()}`}
          onClick={() => edit({ type: 'addRule', group: path, rule: defaultRule('attribute', catalog) })}
        >
          <PlusIcon /> Add rule
        </button>
        {canNestGroupIn(path) ? (
          <button
            type="button"
            className="button button-small"
            disabled={isReadOnly || rules.length >= 50}
            aria-label={isTop ? 'Add group' : `Add group to ${label.toLowerCase()}`}
            onClick={() => edit({ type: 'addGroup', group: path, match: match === 'all' ? 'any' : 'all' })}
          >
            <PlusIcon /> Add group
          </button>
        ) : null}
      </div>
    </>
  );
  if (isTop) return <div className="segment-rules">{body}</div>;
  return (
    <fieldset className={`segment-group is-${match}`} disabled={isReadOnly}>
      <legend className="row-legend">
        {label} <span className="muted">· {match === 'all' ? 'all must match' : 'any may match'}</span>
      </legend>
      {body}
    </fieldset>
  );
}

function ProblemList({ messages }: { messages: readonly string[] }) {
  if (messages.length === 0) return null;
  return (
    <ul className="segment-rule-problems">
      {messages.map((message) => (
        <li key={message} className="field-error">
          {message.charAt(0).toUpperCase() + message.slice(1)}
        </li>
      ))}
    </ul>
  );
}

function RuleEditor({ path, rule }: { path: Path; rule: SegmentRule }) {
  const { catalog, edit, isReadOnly, problems } = useBuilder();
  const label = labelOf(path, false);
  const messages = problems.get(path.join('.')) ?? [];
  const set = (next: SegmentRule): void => edit({ type: 'replaceRule', path, rule: next });
  return (
    <fieldset className={`segment-rule row-card${messages.length ? ' has-problems' : ''}`} disabled={isReadOnly}>
      <legend className="row-legend">{label}</legend>
      <button type="button" className="icon-button row-remove" aria-label={`Remove ${label.toLowerCase()}`} onClick={() => edit({ type: 'remove', path })}>
        <CloseIcon />
      </button>
      <div className="segment-rule-fields">
        <SelectField label={`${label} checks`} visibleLabel="Checks" value={rule.type} options={ruleKindOptions} onChange={(type) => set(defaultRule(type, catalog))} />
        <RuleFields label={label} rule={rule} set={set} />
      </div>
      <ProblemList messages={messages} />
    </fieldset>
  );
}

function RuleFields({ label, rule, set }: { label: string; rule: SegmentRule; set: (rule: SegmentRule) => void }) {
  const { catalog } = useBuilder();
  switch (rule.type) {
    case 'attribute':
      return <AttributeFields label={label} rule={rule} set={set} />;
    case 'event':
      return (
        <>
          <EventNameField label={`${label} event`} visibleLabel="Event" value={rule.event} placeholder="e.g. cart_abandoned" onChange={(event) => set({ ...rule, event })} />
          <CountFields label={label} count={rule.count} onChange={(count) => set({ ...rule, count })} />
          <WindowFields label={label} window={rule.window} onChange={(window) => set({ ...rule, window })} />
          <div className="segment-rule-wide">
            <FilterRows labelPrefix={`${label} filter`} filters={rule.properties} max={10} onChange={(properties) => set({ ...rule, properties })} />
          </div>
        </>
      );
    case 'engagement':
      return (
        <>
          <SelectField
            label={`${label} activity`}
            visibleLabel="Activity"
            value={rule.activity}
            options={[
              { value: 'received', label: 'received a message' },
              { value: 'replied', label: 'replied' },
            ]}
            onChange={(activity) => set({ ...rule, activity })}
          />
          <CountFields label={label} count={rule.count} onChange={(count) => set({ ...rule, count })} />
          <WindowFields label={label} window={rule.window} onChange={(window) => set({ ...rule, window })} />
        </>
      );
    case 'consent':
      return (
        <>
          <SelectField
            label={`${label} channel`}
            visibleLabel="Channel"
            value={rule.channel}
            options={[
              { value: 'sms', label: 'SMS' },
              { value: 'mms', label: 'MMS' },
            ]}
            onChange={(channel) => set({ ...rule, channel })}
          />
          <SelectField
            label={`${label} consent`}
            visibleLabel="Consent"
            value={rule.state}
            options={[
              { value: 'opted_in', label: 'opted in' },
              { value: 'opted_out', label: 'opted out' },
              { value: 'none', label: 'no record' },
            ]}
            onChange={(state) => set({ ...rule, state })}
          />
        </>
      );
    case 'subscription':
      return (
        <>
          <SelectField
            label={`${label} category`}
            visibleLabel="Category"
            value={rule.category}
            options={[
              ...(rule.category && !catalog.categories.some((c) => c.id === rule.category) ? [{ value: rule.category, label: `${rule.category} (not a category)` }] : []),
              ...(rule.category ? [] : [{ value: '', label: 'Choose a category' }]),
              ...catalog.categories.map((c) => ({ value: c.id, label: c.label })),
            ]}
            onChange={(category) => set({ ...rule, category })}
          />
          <SelectField
            label={`${label} state`}
            visibleLabel="State"
            value={rule.state}
            options={[
              { value: 'subscribed', label: 'subscribed' },
              { value: 'unsubscribed', label: 'unsubscribed' },
            ]}
            onChange={(state) => set({ ...rule, state })}
          />
        </>
      );
    case 'paused':
      return (
        <SelectField
          label={`${label} pause`}
          visibleLabel="Pause"
          value={rule.isPaused ? 'yes' : 'no'}
          options={[
            { value: 'yes', label: 'is paused now' },
            { value: 'no', label: 'is not paused' },
          ]}
          onChange={(value) => set({ ...rule, isPaused: value === 'yes' })}
        />
      );
    case 'mms_capable':
      return (
        <CheckboxGroup
          legend={`${label} phone takes MMS`}
          visibleLegend="Phone takes MMS"
          options={[
            { value: 'yes', label: 'yes' },
            { value: 'no', label: 'no' },
            { value: 'unknown', label: 'not known' },
          ]}
          values={rule.values}
          onChange={(values) => set({ ...rule, values: values as Array<'yes' | 'no' | 'unknown'> })}
        />
      );
    case 'location':
      return (
        <>
          <SelectField
            label={`${label} place`}
            visibleLabel="Place"
            value={rule.field}
            options={[
              { value: 'state', label: 'US state (by area code)' },
              { value: 'area_code', label: 'area code' },
              { value: 'time_zone', label: 'time zone' },
            ]}
            onChange={(field) => set({ ...rule, field, values: [] })}
          />
          <SelectField
            label={`${label} operator`}
            visibleLabel="Operator"
            value={rule.operator}
            options={[
              { value: 'in', label: 'is one of' },
              { value: 'not_in', label: 'is none of' },
            ]}
            onChange={(operator) => set({ ...rule, operator })}
          />
          {rule.field === 'state' ? (
            <CheckboxGroup
              legend={`${label} states`}
              visibleLegend="States"
              options={knownStates.map((state) => ({ value: state, label: state }))}
              values={rule.values}
              onChange={(values) => set({ ...rule, values })}
            />
          ) : (
            <ListField
              label={rule.field === 'area_code' ? `${label} area codes` : `${label} time zones`}
              visibleLabel={rule.field === 'area_code' ? 'Area codes' : 'Time zones'}
              values={rule.values}
              placeholder={rule.field === 'area_code' ? 'e.g. 305, 786' : 'e.g. America/New_York'}
              onChange={(values) => set({ ...rule, values })}
            />
          )}
        </>
      );
  }
}

function AttributeFields({ label, rule, set }: { label: string; rule: Extract<SegmentRule, { type: 'attribute' }>; set: (rule: SegmentRule) => void }) {
  const { catalog } = useBuilder();
  const [isDeclaring, setIsDeclaring] = useState(false);
  const typeOf = (name: string): AttributeType | undefined => catalog.attributes.find((a) => a.name === name)?.type;
  const type = typeOf(rule.attribute);
  const operators = type ? operatorsByType[type] : [rule.operator];
  const options = [
    ...(rule.attribute === '' ? [{ value: '', label: 'Choose an attribute' }] : []),
    ...(rule.attribute && !type ? [{ value: rule.attribute, label: `${rule.attribute} (not declared)` }] : []),
    ...catalog.attributes.map((a) => ({ value: a.name, label: `${a.name} (${a.type})` })),
  ];
  const count = valueCountOf(rule.operator);
  const setValue = (index: number, value: string): void => set({ ...rule, values: rule.values.map((v, i) => (i === index ? value : v)) });
  return (
    <>
      <div className="segment-attribute-pick">
        <SelectField label={`${label} attribute`} visibleLabel="Attribute" value={rule.attribute} options={options} onChange={(name) => set(withAttribute(rule, name, typeOf(name)))} />
        <button type="button" className="link-button" aria-expanded={isDeclaring} onClick={() => setIsDeclaring((v) => !v)}>
          Declare an attribute…
        </button>
      </div>
      <SelectField
        label={`${label} operator`}
        visibleLabel="Operator"
        value={rule.operator}
        options={operators.map((op) => ({ value: op, label: operatorLabel(op, type) }))}
        onChange={(operator) => set(withOperator(rule, operator))}
      />
      {count.max === 0 ? null : count.max > 2 ? (
        <ListField label={`${label} values`} visibleLabel="Values" values={rule.values} placeholder="e.g. gold, platinum" onChange={(values) => set({ ...rule, values })} />
      ) : count.max === 2 ? (
        <div className="field-row">
          <ValueInput label={`${label} from`} visibleLabel="From" type={type} value={rule.values[0] ?? ''} onChange={(v) => setValue(0, v)} />
          <ValueInput label={`${label} to`} visibleLabel="To" type={type} value={rule.values[1] ?? ''} onChange={(v) => setValue(1, v)} />
        </div>
      ) : (
        <ValueInput label={`${label} value`} visibleLabel="Value" type={type} value={rule.values[0] ?? ''} onChange={(v) => setValue(0, v)} />
      )}
      {isDeclaring ? (
        <DeclareAttribute
          label={label}
          onDeclared={(name, declared) => {
            setIsDeclaring(false);
            set(withAttribute(rule, name, declared));
          }}
        />
      ) : null}
    </>
  );
}

function ValueInput({
  label,
  visibleLabel,
  type,
  value,
  onChange,
}: {
  label: string;
  visibleLabel: string;
  type: AttributeType | undefined;
  value: string;
  onChange: (value: string) => void;
}) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{visibleLabel}</label>
      <input
        id={id}
        className="input"
        aria-label={label}
        type={type === 'date' ? 'date' : 'text'}
        inputMode={type === 'number' ? 'decimal' : undefined}
        value={value}
        maxLength={200}
        placeholder={type === 'number' ? 'e.g. 100' : type === 'date' ? '' : 'e.g. vip'}
        onChange={(event) => onChange(event.target.value)}
      />
    </div>
  );
}

/** A comma-separated list: what is typed stays as typed while the field has focus. */
function ListField({
  label,
  visibleLabel,
  values,
  placeholder,
  onChange,
}: {
  label: string;
  visibleLabel: string;
  values: readonly string[];
  placeholder: string;
  onChange: (values: string[]) => void;
}) {
  const [draft, setDraft] = useState<string | null>(null);
  return (
    <div className="segment-rule-wide">
      <TextField
        label={label}
        visibleLabel={visibleLabel}
        value={draft ?? values.join(', ')}
        maxLength={4000}
        placeholder={placeholder}
        hint="Separate values with commas."
        onChange={(text) => {
          setDraft(text);
          onChange(splitList(text).slice(0, 200));
        }}
      />
    </div>
  );
}

function CheckboxGroup({
  legend,
  visibleLegend,
  options,
  values,
  onChange,
}: {
  legend: string;
  visibleLegend: string;
  options: ReadonlyArray<{ value: string; label: string }>;
  values: readonly string[];
  onChange: (values: string[]) => void;
}) {
  return (
    <fieldset className="segment-checks" aria-label={legend}>
      <legend className="field-label">{visibleLegend}</legend>
      {options.map((option) => (
        <label key={option.value} className="segment-check">
          <input
            type="checkbox"
            checked={values.includes(option.value)}
            onChange={(event) =>
              onChange(event.target.checked ? [...values, option.value] : values.filter((v) => v !== option.value))
            }
          />
          {option.label}
        </label>
      ))}
    </fieldset>
  );
}

const countOptions: ReadonlyArray<{ value: EventCount['operator']; label: string }> = [
  { value: 'at_least', label: 'at least' },
  { value: 'at_most', label: 'at most' },
  { value: 'exactly', label: 'exactly' },
];

function CountFields({ label, count, onChange }: { label: string; count: EventCount; onChange: (count: EventCount) => void }) {
  return (
    <div className="field-row">
      <SelectField label={`${label} how often`} visibleLabel="How often" value={count.operator} options={countOptions} onChange={(operator) => onChange({ ...count, operator })} />
      <NumberField label={`${label} times`} visibleLabel="Count" value={count.value} min={0} max={100_000} suffix="times" onChange={(value) => onChange({ ...count, value })} />
    </div>
  );
}

function WindowFields({ label, window, onChange }: { label: string; window: EventWindow; onChange: (window: EventWindow) => void }) {
  const id = useId();
  return (
    <div className="field-row">
      <SelectField
        label={`${label} when`}
        visibleLabel="When"
        value={window.type}
        options={[
          { value: 'ever', label: 'ever' },
          { value: 'last', label: 'in the last' },
          { value: 'since', label: 'since' },
        ]}
        onChange={(type) =>
          onChange(type === 'ever' ? { type } : type === 'last' ? { type, amount: 7, unit: 'days' } : { type, date: new Date().toISOString().slice(0, 10) })
        }
      />
      {window.type === 'last' ? (
        <>
          <NumberField label={`${label} window length`} visibleLabel="Window length" value={window.amount} min={1} max={3650} onChange={(amount) => onChange({ ...window, amount })} />
          <SelectField
            label={`${label} window unit`}
            visibleLabel="Window unit"
            value={window.unit}
            options={[
              { value: 'days', label: 'days' },
              { value: 'hours', label: 'hours' },
            ]}
            onChange={(unit) => onChange({ ...window, unit })}
          />
        </>
      ) : null}
      {window.type === 'since' ? (
        <div className="field">
          <label htmlFor={id}>Since</label>
          <input id={id} aria-label={`${label} since date`} className="input" type="date" value={window.date.slice(0, 10)} onChange={(event) => onChange({ ...window, date: event.target.value })} />
        </div>
      ) : null}
    </div>
  );
}

const typeOptions = attributeTypes.map((type) => ({ value: type, label: type }));

function DeclareAttribute({ label, onDeclared }: { label: string; onDeclared: (name: string, type: AttributeType) => void }) {
  const { declareAttribute } = useBuilder();
  const [name, setName] = useState('');
  const [type, setType] = useState<AttributeType>('text');
  const [error, setError] = useState<string | null>(null);
  const declare = async (): Promise<void> => {
    const trimmed = name.trim();
    if (!trimmed) return setError('Name the attribute.');
    const refused = await declareAttribute(trimmed, type);
    if (refused) return setError(refused);
    onDeclared(trimmed, type);
  };
  return (
    <div className="segment-declare segment-rule-wide" role="group" aria-label={`${label}: declare an attribute`}>
      <div className="field-row">
        <TextField label="New attribute name" value={name} maxLength={80} placeholder="e.g. loyalty_points" onChange={setName} />
        <SelectField label="Type" value={type} options={typeOptions} onChange={setType} />
      </div>
      <p className="field-hint">Declaring tells Postcard how to compare the attribute: as text, a number, a date (YYYY-MM-DD) or a list.</p>
      {error ? (
        <p className="field-error" role="alert">
          {error}
        </p>
      ) : null}
      <button type="button" className="button button-small" onClick={() => void declare()}>
        Declare
      </button>
    </div>
  );
}

