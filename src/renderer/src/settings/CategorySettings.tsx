import { useEffect, useState, type FormEvent } from 'react';
import type { CategoryInfo } from '../../../shared/api/audience';
import { useApi } from '../api/ApiContext';
import { refusalInFormWords } from '../ui/refusal';
import { Field, SettingsSection, settingsFieldLabel } from './fields';

type Editing = { mode: 'add' } | { mode: 'edit'; category: CategoryInfo } | null;

const categoryFieldLabel = settingsFieldLabel({ id: 'ID', label: 'Name', description: 'Description' });

/** A category id from its name: "Back in stock" → "back-in-stock". */
export function categoryIdOf(label: string): string {
  return label
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60);
}

/**
 * Settings → Subscription categories: the list contacts subscribe to and flows declare
 * (promotions, order updates, back in stock…). Add, rename and describe, archive. An archived
 * category keeps its place in the consent ledger, and flows that declared it stop sending.
 */
export function CategorySettings() {
  const api = useApi();
  const [categories, setCategories] = useState<CategoryInfo[] | null>(null);
  const [editing, setEditing] = useState<Editing>(null);
  const [message, setMessage] = useState<{ isOk: boolean; text: string } | null>(null);
  const open = (next: Exclude<Editing, null>) => {
    setMessage(null);
    setEditing(next);
  };

  useEffect(() => {
    let isCurrent = true;
    void api.call('audience.catalog', {}).then((result) => {
      if (!isCurrent) return;
      if (result.ok) setCategories(result.value.categories);
      else setMessage({ isOk: false, text: result.error.message });
    });
    return () => {
      isCurrent = false;
    };
  }, [api]);

  const archive = async (category: CategoryInfo) => {
    if (!window.confirm(`Archive the category “${category.label}”? Flows that declare it stop sending; the consent ledger keeps it.`)) return;
    const result = await api.call('audience.archiveCategory', { id: category.id });
    if (!result.ok) return setMessage({ isOk: false, text: result.error.message });
    setCategories(result.value.categories);
    setMessage({ isOk: true, text: `Archived “${category.label}”.` });
  };

  return (
    <SettingsSection
      id="categories-title"
      title="Subscription categories"
      hint="What contacts can subscribe to or leave on their own (promotions, order updates, back in stock…). Each flow declares one; it sends only to contacts subscribed to it."
      add={editing === null ? { label: 'Add category', onClick: () => open({ mode: 'add' }) } : null}
    >
      {editing ? (
        <CategoryForm
          editing={editing}
          existing={categories ?? []}
          onCancel={() => setEditing(null)}
          onSaved={(next, label) => {
            setCategories(next);
            setEditing(null);
            setMessage({ isOk: true, text: `Saved “${label}”.` });
          }}
        />
      ) : null}
      {message ? (
        <p role={message.isOk ? 'status' : 'alert'} className={message.isOk ? 'callout' : 'callout callout-error'}>
          {message.text}
        </p>
      ) : null}
      {categories?.length === 0 ? <p className="muted">No categories yet: every flow sends to anyone who consented to the channel.</p> : null}
      <ul className="category-list">
        {categories?.map((category) => (
          <li key={category.id} className="category-row" aria-label={category.label}>
            <div>
              <strong>{category.label}</strong> <code className="category-id">{category.id}</code>
              <p className="field-hint">
                {category.description ? `${category.description} · ` : ''}
                {category.isDefaultSubscribed ? 'Contacts are in it unless they leave it' : 'Only contacts who subscribe'}
              </p>
            </div>
            <div className="row-actions">
              <button type="button" className="button" onClick={() => open({ mode: 'edit', category })} disabled={editing !== null}>
                Edit
              </button>
              <button type="button" className="button" onClick={() => void archive(category)}>
                Archive
              </button>
            </div>
          </li>
        ))}
      </ul>
    </SettingsSection>
  );
}

function CategoryForm({
  editing,
  existing,
  onCancel,
  onSaved,
}: {
  editing: Exclude<Editing, null>;
  existing: CategoryInfo[];
  onCancel: () => void;
  onSaved: (categories: CategoryInfo[], label: string) => void;
}) {
  const api = useApi();
  const category = editing.mode === 'edit' ? editing.category : null;
  const [label, setLabel] = useState(category?.label ?? '');
  const [id, setId] = useState(category?.id ?? '');
  const [isIdTyped, setIsIdTyped] = useState(false);
  const [description, setDescription] = useState(category?.description ?? '');
  const [isDefaultSubscribed, setIsDefaultSubscribed] = useState(category?.isDefaultSubscribed ?? false);
  const [error, setError] = useState<string | null>(null);
  const shownId = category ? category.id : isIdTyped ? id : categoryIdOf(label);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!label.trim()) return setError('Name: give the category a name');
    const clash = category ? null : existing.find((c) => c.id === shownId || c.label.trim().toLowerCase() === label.trim().toLowerCase());
    if (clash) return setError(`There is already a category “${clash.label}” (${clash.id}): edit it instead.`);
    const result = await api.call('audience.saveCategory', { id: shownId, label: label.trim(), description: description.trim(), isDefaultSubscribed });
    if (!result.ok) return setError(refusalInFormWords(result.error, categoryFieldLabel));
    onSaved(result.value.categories, label.trim());
  };

  return (
    <form className="settings-form" onSubmit={(event) => void submit(event)} aria-label={category ? `Edit ${category.label}` : 'Add a category'}>
      <div className="field-row">
        <Field label="Name" value={label} onChange={setLabel} maxLength={80} placeholder="e.g. Back in stock" />
        {category ? (
          <div className="field">
            <span className="field-label">ID</span>
            <p className="field-hint">
              <code className="category-id">{category.id}</code> (kept: the ledger, flows and segments name it so)
            </p>
          </div>
        ) : (
          <Field
            label="ID"
            value={shownId}
            onChange={(value) => {
              setIsIdTyped(true);
              setId(value);
            }}
            maxLength={60}
            hint="How flows, segments and CSV imports name it: lower-case letters, digits, - and _."
          />
        )}
      </div>
      <Field label="Description (optional)" value={description} onChange={setDescription} maxLength={400} placeholder="e.g. Restocks of items you looked at" />
      <label className="checkbox">
        <input type="checkbox" checked={isDefaultSubscribed} onChange={(event) => setIsDefaultSubscribed(event.target.checked)} /> Contacts are in it
        unless they leave it (otherwise only those who subscribe)
      </label>
      {error ? (
        <p role="alert" className="callout callout-error">
          {error}
        </p>
      ) : null}
      <div className="row-actions">
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="button button-primary">
          {category ? 'Save' : 'Add category'}
        </button>
      </div>
    </form>
  );
}
