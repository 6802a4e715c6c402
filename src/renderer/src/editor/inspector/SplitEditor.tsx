import type { SplitVariant } from '../../../../shared/graph/nodes';
import { CloseIcon, PlusIcon } from '../../ui/icons';
import { CheckboxField, NumberField, Section, TextField } from './fields';
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

export function SplitEditor({ config, onChange }: ConfigEditorProps<'split'>) {
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
