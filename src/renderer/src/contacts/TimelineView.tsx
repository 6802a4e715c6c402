import type { ContactTimeline, MessageContent, TimelineEntry } from '../../../shared/engine/types';
import { useMediaAsset, useMediaState } from '../media/MediaContext';
import { MediaThumb } from '../media/MediaThumb';
import { formatInstant, localiseInstants } from './timeFormat';

/** Names for the ids a timeline carries; a missing name falls back to the id. */
export interface TimelineNames {
  /** A dry-run has no published versions worth naming. */
  isSimulated?: boolean;
  flowName(flowId: string): string;
  nodeLabel(flowId: string, nodeId: string): string;
}

const consentKinds: Record<string, string> = { opt_in: 'Opted in', opt_out: 'Opted out', keyword: 'Keyword' };
const channelNames: Record<string, string> = { sms: 'SMS', mms: 'MMS', all: 'all channels' };
const statusNames: Record<string, string> = {
  queued: 'queued',
  sending: 'sending',
  sent: 'sent to the carrier',
  delivered: 'delivered',
  undelivered: 'undelivered',
  failed: 'failed',
  cancelled: 'cancelled',
  skipped: 'skipped',
  deferred: 'held for quiet hours',
};

/** The message as sent: the image (from the media library), the MMS subject and the text. */
function SentMessage({ content }: { content: MessageContent }) {
  const asset = useMediaAsset(content.mediaAssetId);
  const isLibraryReady = useMediaState((s) => s.status === 'ready');
  return (
    <figure className="timeline-message" aria-label="Message sent">
      {content.mediaAssetId ? (
        asset ? (
          <span className="timeline-message-media">
            <MediaThumb asset={asset} size="medium" />
            <span className="timeline-message-media-name">{asset.name}</span>
          </span>
        ) : (
          <span className="muted">{isLibraryReady ? 'An image no longer in the media library' : 'An image'}</span>
        )
      ) : null}
      {content.subject ? <strong className="timeline-message-subject">{content.subject}</strong> : null}
      <blockquote className="timeline-message-body">{content.body}</blockquote>
    </figure>
  );
}

function describe(entry: TimelineEntry, names: TimelineNames, zone: string | null): { kind: string; title: string; detail: string | null } {
  switch (entry.type) {
    case 'enrolled':
      return { kind: 'enrolled', title: `Entered “${names.flowName(entry.flowId)}”`, detail: entry.version && !names.isSimulated ? `published version ${entry.version}` : null };
    case 'step': {
      const path = entry.nodeIds.map((id) => names.nodeLabel(entry.flowId, id)).join(' → ');
      return { kind: 'step', title: path, detail: entry.note ? localiseInstants(entry.note, zone) : null };
    }
    case 'exited':
      return { kind: 'exited', title: `Left “${names.flowName(entry.flowId)}”`, detail: entry.reason || null };
    case 'message': {
      const status = statusNames[entry.status] ?? entry.status;
      const detail = [entry.detail, entry.providerCode ? `code ${entry.providerCode}` : null].filter(Boolean).join(' · ');
      return {
        kind: `message status-${entry.status}`,
        title: `${entry.channel.toUpperCase()} “${names.nodeLabel(entry.flowId, entry.nodeId)}”: ${status}`,
        detail: detail ? localiseInstants(detail, zone) : null,
      };
    }
    case 'consent': {
      const what = entry.kind === 'keyword' ? `Keyword ${entry.keyword ?? ''}`.trim() : (consentKinds[entry.kind] ?? entry.kind);
      const keyword = entry.kind !== 'keyword' && entry.keyword ? ` (${entry.keyword})` : '';
      return { kind: `consent consent-${entry.kind}`, title: `${what}${keyword}: ${channelNames[entry.channel] ?? entry.channel}`, detail: `source: ${entry.source}` };
    }
    case 'event': {
      const props = Object.keys(entry.properties).length > 0 ? JSON.stringify(entry.properties) : null;
      return { kind: 'event', title: `Event “${entry.name}”`, detail: props && props.length > 160 ? `${props.slice(0, 160)}…` : props };
    }
  }
}

/**
 * One contact's journey, oldest first: every step, message status, consent record and event,
 * stamped in the contact's own zone (what quiet hours go by) and, when asked, in the viewer's.
 */
export function TimelineView({
  timeline,
  names,
  isViewerTimeShown,
  label,
}: {
  timeline: ContactTimeline;
  names: TimelineNames;
  isViewerTimeShown: boolean;
  label: string;
}) {
  const zone = timeline.contact.timeZone;
  if (timeline.entries.length === 0) {
    return <p className="muted">Nothing has happened to this contact yet.</p>;
  }
  return (
    <ol className="timeline" aria-label={label}>
      {timeline.entries.map((entry, index) => {
        const { kind, title, detail } = describe(entry, names, zone);
        return (
          <li key={index} className={`timeline-entry is-${kind}`}>
            <span className="timeline-dot" aria-hidden="true" />
            <div className="timeline-times">
              <time dateTime={entry.at} title={`${zone ?? 'UTC'} (the contact's time)`}>
                {formatInstant(entry.at, zone)}
              </time>
              {isViewerTimeShown ? (
                <time dateTime={entry.at} className="timeline-viewer-time" title="Your time">
                  {formatInstant(entry.at)} (you)
                </time>
              ) : null}
            </div>
            <div className="timeline-what">
              <span className="timeline-title">{title}</span>
              {detail ? <span className="timeline-detail">{detail}</span> : null}
              {entry.type === 'message' && entry.content ? <SentMessage content={entry.content} /> : null}
            </div>
          </li>
        );
      })}
    </ol>
  );
}
