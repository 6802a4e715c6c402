import { useId, useState, type FormEvent } from 'react';
import { contactFields, headerKey, type ColumnMapping, type ContactField, type ImportColumn } from '../../../shared/api/engine';
import { attributeTypes, type AttributeType } from '../../../shared/audience/segment';
import { Dialog, DialogActions } from '../ui/Dialog';

/**
 * The column-mapping step of a contacts import: each header of the file with its first values
 * and what it becomes — a contact field, an attribute of a type (a new one is added to the
 * catalog with that type; one already there keeps its type), or nothing. Postcard's guess is
 * chosen for each to begin with.
 */
const fieldNames: Record<ContactField, string> = {
  phone: 'Phone number',
  time_zone: 'Time zone',
  mms_capable: 'Takes MMS',
  consent: 'Consent (opted in / out)',
  consent_channel: 'Consent channel',
  consent_source: 'Consent source',
  consent_at: 'Consent time',
};
const typeNames: Record<AttributeType, string> = { text: 'text', number: 'number', date: 'date', list: 'list' };

type Choice = ContactField | 'attribute' | 'ignore';

const choiceOf = (mapping: ColumnMapping): Choice => (mapping.as === 'field' ? mapping.field : mapping.as);

export function ColumnMappingDialog({
  fileName,
  rows,
  columns,
  onImport,
  onCancel,
}: {
  fileName: string;
  rows: number;
  columns: ImportColumn[];
  onImport: (mapping: ColumnMapping[]) => void;
  onCancel: () => void;
}) {
  const [mapping, setMapping] = useState<ColumnMapping[]>(() => columns.map((c) => c.guess));
  const formId = useId();
  const set = (index: number, next: ColumnMapping): void => setMapping((previous) => previous.map((m, i) => (i === index ? next : m)));
  const choose = (index: number, choice: Choice): void => {
    const column = columns[index] as ImportColumn;
    if (choice === 'ignore') set(index, { as: 'ignore' });
    else if (choice === 'attribute') set(index, column.guess.as === 'attribute' ? column.guess : { as: 'attribute', name: headerKey(column.header) || 'attribute', type: 'text' });
    else set(index, { as: 'field', field: choice });
  };
  const phones = mapping.filter((m) => m.as === 'field' && m.field === 'phone').length;
  const problem = phones === 0 ? 'Choose the column that holds the phone number.' : phones > 1 ? 'Only one column can be the phone number.' : null;
  const submit = (event: FormEvent): void => {
    event.preventDefault();
    if (!problem) onImport(mapping);
  };
  return (
    <Dialog title={`Import ${fileName}`} onClose={onCancel} className="mapping-dialog">
      <form id={formId} onSubmit={submit}>
        <div className="dialog-body">
          <p>
            {rows.toLocaleString('en-US')} {rows === 1 ? 'row' : 'rows'}. Say what each column holds; a new attribute is added with the type you choose, so segments can use it.
          </p>
        </div>
        <table className="mapping-table">
          <thead>
            <tr>
              <th scope="col">Column</th>
              <th scope="col">First values</th>
              <th scope="col">Becomes</th>
            </tr>
          </thead>
          <tbody>
            {columns.map((column, index) => {
              const current = mapping[index] as ColumnMapping;
              const label = column.header || `Column ${index + 1}`;
              return (
                <tr key={index}>
                  <th scope="row">{label}</th>
                  <td className="mapping-samples">{column.samples.length > 0 ? column.samples.join(' · ') : <span className="muted">empty</span>}</td>
                  <td>
                    <div className="mapping-choice">
                      <select className="input select" aria-label={`“${label}” becomes`} value={choiceOf(current)} onChange={(e) => choose(index, e.target.value as Choice)}>
                        {contactFields.map((field) => (
                          <option key={field} value={field}>
                            {fieldNames[field]}
                          </option>
                        ))}
                        <option value="attribute">Attribute</option>
                        <option value="ignore">Ignore</option>
                      </select>
                      {current.as === 'attribute' ? (
                        <>
                          <input
                            className="input"
                            aria-label={`Attribute name for “${label}”`}
                            value={current.name}
                            maxLength={80}
                            onChange={(e) => set(index, { ...current, name: e.target.value })}
                          />
                          <select
                            className="input select"
                            aria-label={`Type of “${label}”`}
                            value={current.type}
                            disabled={column.isDeclared && column.guess.as === 'attribute' && column.guess.name === current.name}
                            onChange={(e) => set(index, { ...current, type: e.target.value as AttributeType })}
                          >
                            {attributeTypes.map((type) => (
                              <option key={type} value={type}>
                                {typeNames[type]}
                              </option>
                            ))}
                          </select>
                        </>
                      ) : null}
                    </div>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
        {problem ? (
          <p className="field-error" role="alert">
            {problem}
          </p>
        ) : null}
        <DialogActions onCancel={onCancel} label={`Import ${rows.toLocaleString('en-US')} ${rows === 1 ? 'row' : 'rows'}`} isDisabled={problem !== null} />
      </form>
    </Dialog>
  );
}
