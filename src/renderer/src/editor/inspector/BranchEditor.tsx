import { useShallow } from 'zustand/react/shallow';
import { unaryOperators, type BranchCondition, type ConditionSubject } from '../../../../shared/graph/nodes';
import { SegmentPicker } from '../../segments/SegmentPicker';
import { ArrowDownIcon, ArrowUpIcon, CloseIcon, PlusIcon } from '../../ui/icons';
import { useFlowStore } from '../store/FlowEditorContext';
import { EventNameField, Section, SelectField, TextField } from './fields';
import { operatorOptionsFor, subjectOptions } from './conditionOptions';
import type { ConfigEditorProps } from './types';

const nameLabel: Record<ConditionSubject, string> = {
  attribute: 'Attribute',
  event_since_entry: 'Event',
  message_outcome: 'Message step',
  mms_capable: '',
  segment: 'Segment',
};

function nextConditionId(conditions: BranchCondition[]): string {
  const taken = new Set(conditions.map((c) => c.id));
  for (let n = conditions.length + 1; ; n++) if (!taken.has(`c${n}`)) return `c${n}`;
}

export function BranchEditor({ config, onChange }: ConfigEditorProps<'branch'>) {
  const { conditions } = config;
  const messageKeys = useFlowStore(
    useShallow((s) => s.graph.nodes.filter((n) => n.kind === 'mms' || n.kind === 'sms').map((n) => `${n.id}\u0000${n.label || n.id}`)),
  );
  const messageOptions = messageKeys.map((key) => {
    const [value = '', label = ''] = key.split('\u0000');
    return { value, label };
  });

  const set = (next: BranchCondition[], merge?: string): void => onChange((c) => ({ ...c, conditions: next }), merge);
  const update = (index: number, patch: Partial<BranchCondition>, merge?: string): void =>
    set(
      conditions.map((c, i) => (i === index ? { ...c, ...patch } : c)),
      merge ? `${merge}:${index}` : undefined,
    );
  const move = (index: number, by: -1 | 1): void => {
    const next = conditions.slice();
    const [item] = next.splice(index, 1);
    if (!item) return;
    next.splice(index + by, 0, item);
    set(next);
  };
  const add = (): void => {
    const id = nextConditionId(conditions);
    set([...conditions, { id, label: `Condition ${conditions.length + 1}`, subject: 'attribute', name: '', operator: 'equals', value: '' }]);
  };

  return (
    <Section
      title="Conditions"
      actions={
        <button type="button" className="button button-small" onClick={add} disabled={conditions.length >= 20}>
          <PlusIcon /> Add condition
        </button>
      }
    >
      <p className="field-hint">Contacts take the first condition they match, top to bottom; everyone else takes “Else”.</p>
      {conditions.length === 0 ? <p className="field-hint">No conditions yet: add one, or the branch has nothing to decide.</p> : null}
      {conditions.map((condition, index) => {
        const n = index + 1;
        const needsValue = !unaryOperators.has(condition.operator) && condition.subject !== 'mms_capable' && condition.subject !== 'segment';
        return (
          <fieldset key={condition.id} className="row-card">
            <legend className="row-legend">Condition {n}</legend>
            <TextField label={`Condition ${n} label`} value={condition.label} maxLength={120} onChange={(label) => update(index, { label }, 'label')} />
            <SelectField
              label={`Condition ${n} checks`}
              value={condition.subject}
              options={subjectOptions}
              onChange={(subject) =>
                update(
                  index,
                  subject === 'mms_capable'
                    ? { subject, name: '', operator: 'equals', value: 'true' }
                    : subject === 'segment'
                      ? { subject, name: '', operator: 'exists', value: '' }
                      : operatorOptionsFor(subject).some((o) => o.value === condition.operator)
                        ? { subject }
                        : { subject, operator: 'exists', value: '' },
                )
              }
            />
            {condition.subject === 'message_outcome' ? (
              <SelectField
                label={`Condition ${n} message step`}
                value={condition.name}
                options={[{ value: '', label: 'Choose a message step' }, ...messageOptions]}
                onChange={(name) => update(index, { name })}
              />
            ) : condition.subject === 'event_since_entry' ? (
              <EventNameField
                label={`Condition ${n} event`}
                value={condition.name}
                placeholder="e.g. purchased"
                onChange={(name) => update(index, { name }, 'name')}
              />
            ) : condition.subject === 'segment' ? (
              <SegmentPicker label={`Condition ${n} segment`} value={condition.name} onChange={(name) => update(index, { name })} />
            ) : condition.subject !== 'mms_capable' ? (
              <TextField
                label={`Condition ${n} ${nameLabel[condition.subject].toLowerCase()}`}
                value={condition.name}
                maxLength={120}
                placeholder="e.g. loyalty_tier"
                onChange={(name) => update(index, { name }, 'name')}
              />
            ) : null}
            {condition.subject === 'mms_capable' ? (
              <SelectField
                label={`Condition ${n} phone takes MMS`}
                value={condition.value === 'false' ? 'false' : 'true'}
                options={[
                  { value: 'true', label: 'yes' },
                  { value: 'false', label: 'no' },
                ]}
                onChange={(value) => update(index, { value, operator: 'equals' })}
              />
            ) : condition.subject === 'segment' ? (
              <SelectField
                label={`Condition ${n} membership`}
                value={condition.operator === 'not_exists' ? 'not_exists' : 'exists'}
                options={[
                  { value: 'exists', label: 'is a member' },
                  { value: 'not_exists', label: 'is not a member' },
                ]}
                onChange={(operator) => update(index, { operator })}
              />
            ) : (
              <SelectField
                label={`Condition ${n} operator`}
                value={condition.operator}
                options={operatorOptionsFor(condition.subject)}
                onChange={(operator) => update(index, { operator })}
              />
            )}
            {needsValue ? (
              <TextField
                label={condition.subject === 'event_since_entry' ? `Condition ${n} times` : `Condition ${n} value`}
                value={condition.value}
                maxLength={500}
                placeholder={condition.subject === 'message_outcome' ? 'e.g. delivered' : condition.subject === 'event_since_entry' ? 'e.g. 2' : ''}
                onChange={(value) => update(index, { value }, 'value')}
              />
            ) : null}
            <div className="row-actions">
              <button type="button" className="icon-button" aria-label={`Move condition ${n} up`} disabled={index === 0} onClick={() => move(index, -1)}>
                <ArrowUpIcon />
              </button>
              <button
                type="button"
                className="icon-button"
                aria-label={`Move condition ${n} down`}
                disabled={index === conditions.length - 1}
                onClick={() => move(index, 1)}
              >
                <ArrowDownIcon />
              </button>
              <button
                type="button"
                className="icon-button icon-button-danger"
                aria-label={`Remove condition ${n}`}
                onClick={() => set(conditions.filter((_, i) => i !== index))}
              >
                <CloseIcon />
              </button>
            </div>
          </fieldset>
        );
      })}
    </Section>
  );
}
