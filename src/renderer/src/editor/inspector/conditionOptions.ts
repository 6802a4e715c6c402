import type { ConditionOperator, ConditionSubject, DurationUnit, TriggerType, Weekday } from '../../../../shared/graph/nodes';

export const operatorOptions: ReadonlyArray<{ value: ConditionOperator; label: string }> = [
  { value: 'equals', label: 'equals' },
  { value: 'not_equals', label: 'does not equal' },
  { value: 'contains', label: 'contains' },
  { value: 'greater_than', label: 'is greater than' },
  { value: 'less_than', label: 'is less than' },
  { value: 'exists', label: 'is set' },
  { value: 'not_exists', label: 'is not set' },
];

/** An event since entry is counted: it happened, did not, or so many times; text comparisons do not apply. */
const eventOperatorOptions: ReadonlyArray<{ value: ConditionOperator; label: string }> = [
  { value: 'exists', label: 'happened' },
  { value: 'not_exists', label: 'did not happen' },
  { value: 'greater_than', label: 'happened more than' },
  { value: 'less_than', label: 'happened fewer than' },
  { value: 'equals', label: 'happened exactly' },
];

export const operatorOptionsFor = (subject: ConditionSubject): ReadonlyArray<{ value: ConditionOperator; label: string }> =>
  subject === 'event_since_entry' ? eventOperatorOptions : operatorOptions;

export const subjectOptions: ReadonlyArray<{ value: ConditionSubject; label: string }> = [
  { value: 'attribute', label: 'Contact attribute' },
  { value: 'event_since_entry', label: 'Event since entry' },
  { value: 'message_outcome', label: 'Message outcome' },
  { value: 'mms_capable', label: 'Phone takes MMS' },
  { value: 'segment', label: 'In segment (is set = a member)' },
];

export const unitOptions: ReadonlyArray<{ value: DurationUnit; label: string }> = [
  { value: 'minutes', label: 'minutes' },
  { value: 'hours', label: 'hours' },
  { value: 'days', label: 'days' },
];

export const triggerOptions: ReadonlyArray<{ value: TriggerType; label: string }> = [
  { value: 'event', label: 'An event happens' },
  { value: 'segment_entered', label: 'Contact enters a segment' },
  { value: 'date_attribute', label: 'A date comes round' },
  { value: 'keyword', label: 'Contact texts a keyword' },
  { value: 'subscribed', label: 'Contact subscribes' },
  { value: 'manual', label: 'Added manually' },
];

export const weekdays: ReadonlyArray<{ value: Weekday; label: string; short: string }> = [
  { value: 'mon', label: 'Monday', short: 'Mo' },
  { value: 'tue', label: 'Tuesday', short: 'Tu' },
  { value: 'wed', label: 'Wednesday', short: 'We' },
  { value: 'thu', label: 'Thursday', short: 'Th' },
  { value: 'fri', label: 'Friday', short: 'Fr' },
  { value: 'sat', label: 'Saturday', short: 'Sa' },
  { value: 'sun', label: 'Sunday', short: 'Su' },
];
