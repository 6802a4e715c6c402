import { useEffect, useId, useState } from 'react';
import type { AutoWinnerStatus } from '../../../../shared/api/analytics';
import { useApi } from '../../api/ApiContext';
import { useFlowStore } from '../store/FlowEditorContext';
import { type SplitAutoWinner, type SplitNodeConfig, type SplitVariant } from '../../../../shared/graph/nodes';
import { CloseIcon, PlusIcon } from '../../ui/icons';
import { CheckboxField, NumberField, Section, SelectField, TextField } from './fields';
import type { ConfigEditorProps } from './types';

const letters = 'abcdefghijklmnopqrstuvwxyz';

function nextVariantId(variants: SplitVariant[]): string {
  const taken = new Set(variants.map((v) => v.id));
  for (const letter of letters) if (!taken.has(`v${letter}`)) return `v${letter}`;
  for (let n = 1; ; n++) if (!taken.has(`v${n}`)) return `v${n}`;
}

/** Even weights that still add up to exactly 100 (the remainder goes to the first variants). */
function evenWeights(count: number): number[] {
  const base = Math.floor(100 / count);
  return Array.from({ length: count }, (_, i) => base + (i < 100 - base * count ? 1 : 0));
}

export function SplitEditor({ nodeId, config, onChange }: ConfigEditorProps<'split'>) {
  const { variants } = config;
  const total = Math.round(variants.reduce((sum, v) => sum + v.weight, 0) * 100) / 100;
  const isBalanced = Math.abs(total - 100) < 1e-9;
  const set = (next: SplitVariant[], merge?: string): void => onChange((c) => ({ ...c, variants: next }), merge);
  const update = (index: number, patch: Partial<SplitVariant>, merge?: string): void =>
    set(
      variants.map((v, i) => (i === index ? { ...v, ...patch } : v)),
      merge ? `${merge}:${index}` : undefined,
    );

  return (
    <>
      <VariantsSection variants={variants} total={total} isBalanced={isBalanced} set={set} update={update} />
      <AutoWinnerSection nodeId={nodeId} config={config} onChange={onChange} />
    </>
  );
}

function VariantsSection({
  variants,
  total,
  isBalanced,
  set,
  update,
}: {
  variants: SplitVariant[];
  total: number;
  isBalanced: boolean;
  set: (next: SplitVariant[], merge?: string) => void;
  update: (index: number, patch: Partial<SplitVariant>, merge?: string) => void;
}) {
  return (
    <Section
      title="Variants"
      actions={
        <button
          type="button"
          className="button button-small"
          disabled={variants.length >= 10}
          onClick={() => {
            const id = nextVariantId(variants);
            set([...variants, { id, label: id.slice(1).toUpperCase(), weight: 0, isHoldout: false }]);
          }}
        >
          <PlusIcon /> Add variant
        </button>
      }
    >
      {variants.map((variant, index) => {
        const n = index + 1;
        return (
          <fieldset key={variant.id} className="row-card">
            <legend className="row-legend">Variant {variant.label || n}</legend>
            <div className="field-row">
              <TextField label={`Variant ${n} label`} value={variant.label} maxLength={120} onChange={(label) => update(index, { label }, 'label')} />
              <NumberField
                label={`Variant ${n} weight`}
                suffix="%"
                value={variant.weight}
                min={0}
                max={100}
                isInteger={false}
                onChange={(weight) => update(index, { weight }, 'weight')}
              />
            </div>
            <CheckboxField
              label={`Variant ${n} is a holdout`}
              checked={variant.isHoldout}
              onChange={(isHoldout) => update(index, { isHoldout })}
              hint={variant.isHoldout ? 'Receives nothing: these contacts are the control group.' : undefined}
            />
            <button
              type="button"
              className="icon-button icon-button-danger row-remove"
              aria-label={`Remove variant ${n}`}
              disabled={variants.length <= 1}
              onClick={() => set(variants.filter((_, i) => i !== index))}
            >
              <CloseIcon />
            </button>
          </fieldset>
        );
      })}
      <div className={`split-total${isBalanced ? ' is-ok' : ' is-error'}`} role="status" aria-live="polite">
        <span>
          Total: <strong>{total}%</strong>
          {isBalanced ? '' : ' — weights must add up to 100%'}
        </span>
        {isBalanced ? null : (
          <button
            type="button"
            className="button button-small"
            onClick={() => {
              const weights = evenWeights(variants.length);
              set(variants.map((v, i) => ({ ...v, weight: weights[i] ?? 0 })));
            }}
          >
            Split evenly
          </button>
        )}
      </div>
    </Section>
  );
}

const OFF: SplitAutoWinner = { when: 'off', sendsPerVariant: 1000, date: '', metric: 'conversion' };

/** `datetime-local` shows the viewer's local time; the flow stores an ISO instant. */
function toLocalInput(iso: string): string {
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return '';
  const d = new Date(at);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** What the runner decided for this split, if anything: a switch, or that no variant is clearly ahead. */
function useAutoWinnerStatus(nodeId: string): AutoWinnerStatus | null {
  const api = useApi();
  const flowId = useFlowStore((s) => s.meta.id);
  const [status, setStatus] = useState<AutoWinnerStatus | null>(null);
  useEffect(() => {
    let isCurrent = true;
    void api.call('analytics.history', { flowId }).then((result) => {
      if (isCurrent && result.ok) setStatus(result.value.autoWinners.find((a) => a.splitNodeId === nodeId) ?? null);
    });
    return () => {
      isCurrent = false;
    };
  }, [api, flowId, nodeId]);
  return status;
}

function AutoWinnerSection({ nodeId, config, onChange }: { nodeId: string; config: SplitNodeConfig; onChange: ConfigEditorProps<'split'>['onChange'] }) {
  const auto = config.autoWinner ?? OFF;
  const status = useAutoWinnerStatus(nodeId);
  const dateId = useId();
  const patch = (next: Partial<SplitAutoWinner>, merge?: string): void => onChange((c) => ({ ...c, autoWinner: { ...(c.autoWinner ?? OFF), ...next } }), merge);
  return (
    <Section title="Auto-winner">
      <SelectField
        label="Pick a winner automatically"
        value={auto.when}
        options={[
          { value: 'off', label: 'Off' },
          { value: 'sends', label: 'After a number of sends per variant' },
          { value: 'date', label: 'On a date' },
        ]}
        onChange={(when) => patch({ when })}
      />
      {auto.when === 'sends' ? (
        <NumberField
          label="Sends per variant"
          value={auto.sendsPerVariant}
          // The smallest fair sample is validateFlow's rule (SPLIT_AUTO_WINNER_TOO_FEW_SENDS), said in the problems list.
          min={1}
          max={100_000_000}
          isInteger
          onChange={(sendsPerVariant) => patch({ sendsPerVariant }, 'auto-sends')}
        />
      ) : null}
      {auto.when === 'date' ? (
        <div className="field">
          <label htmlFor={dateId}>Decide on</label>
          <input
            id={dateId}
            className="input"
            type="datetime-local"
            value={toLocalInput(auto.date)}
            onChange={(event) => {
              const at = Date.parse(event.target.value);
              patch({ date: Number.isNaN(at) ? '' : new Date(at).toISOString() }, 'auto-date');
            }}
          />
        </div>
      ) : null}
      {auto.when !== 'off' ? (
        <>
          <SelectField
            label="Judge the variants on"
            value={auto.metric}
            options={[
              { value: 'conversion', label: 'Conversions (the flow’s goal event)' },
              { value: 'click', label: 'Clicks on tracked links' },
              { value: 'delivery', label: 'Delivery' },
            ]}
            onChange={(metric) => patch({ metric })}
          />
          <p className="field-hint">
            When the time comes, a variant at least 95 % likely to beat every other gets all the traffic that is not held out, as a new published
            version with a note. If none is that clear, nothing changes and the split says so.
          </p>
          {status ? (
            <p className="field-hint" role="status" aria-label="Auto-winner decision">
              {status.note}
            </p>
          ) : null}
        </>
      ) : null}
    </Section>
  );
}
