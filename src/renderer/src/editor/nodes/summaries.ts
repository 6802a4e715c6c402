import type { NodeConfigByKind, Weekday } from '../../../../shared/graph/nodes';

/** One-line descriptions shown on node cards, so a flow reads without opening the inspector. */

const dayNames: Record<Weekday, string> = { mon: 'Mon', tue: 'Tue', wed: 'Wed', thu: 'Thu', fri: 'Fri', sat: 'Sat', sun: 'Sun' };
const plural = (n: number, unit: string): string => `${n} ${n === 1 ? unit.replace(/s$/, '') : unit}`;
const orBlank = (value: string, blank: string): string => (value.trim() ? value.trim() : blank);

export function triggerSummary(config: NodeConfigByKind['trigger']): string {
  switch (config.type) {
    case 'event':
      return `When ${orBlank(config.event, '(event not set)')} happens${config.filters.length ? ` · ${plural(config.filters.length, 'filters')}` : ''}`;
    case 'segment_entered':
      return `Enters segment ${orBlank(config.segment, '(not set)')}`;
    case 'date_attribute': {
      const when = config.offsetDays === 0 ? 'On' : config.offsetDays < 0 ? `${plural(-config.offsetDays, 'days')} before` : `${plural(config.offsetDays, 'days')} after`;
      return `${when} ${orBlank(config.attribute, '(date not set)')} at ${config.at}`;
    }
    case 'keyword':
      return `Texts ${config.keywords.filter((k) => k.trim()).join(', ') || '(no keyword)'}`;
    case 'subscribed':
      return `Subscribes to ${config.channel.toUpperCase()}`;
    case 'manual':
      return 'Added manually';
  }
}

export function waitSummary(config: NodeConfigByKind['wait']): string {
  switch (config.type) {
    case 'duration':
      return `Wait ${plural(config.amount, config.unit)}`;
    case 'window':
      return `Until ${config.days.map((d) => dayNames[d]).join(' ') || '(no days)'} ${config.start}–${config.end}`;
    case 'event':
      return `Until ${orBlank(config.event, '(event not set)')} · timeout ${plural(config.timeoutAmount, config.timeoutUnit)}`;
  }
}

export function excerpt(text: string, max = 90): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
