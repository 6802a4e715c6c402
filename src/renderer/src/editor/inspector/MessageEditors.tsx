import { useMemo } from 'react';
import { SegmentedMessage } from 'sms-segments-calculator';
import { findLinks, previewShortened } from '../../../../shared/analytics/links';
import { MediaSlot } from '../../media/MediaSlot';
import { LazyInspectorPreview as InspectorPreview } from '../../preview/LazyInspectorPreview';
import { useTrackedLinkDomain } from '../../preview/useTrackedLinkDomain';
import { NumberField, Section, TextAreaField, TextField } from './fields';
import { SendTestSection } from './SendTestSection';
import type { ConfigEditorProps } from './types';

const bodyHint = 'Personalise with {{ first_name }}; add a fallback with {{ first_name | default: "there" }}.';

export function MmsEditor({ nodeId, config, onChange }: ConfigEditorProps<'mms'>) {
  return (
    <>
      <Section title="MMS message">
        <TextField label="Subject" value={config.subject} maxLength={80} onChange={(subject) => onChange((c) => ({ ...c, subject }), 'subject')} />
        <TextAreaField
          label="Message"
          value={config.body}
          maxLength={4000}
          rows={6}
          onChange={(body) => onChange((c) => ({ ...c, body }), 'body')}
          footer={
            <>
              <span aria-live="polite">{config.body.length} characters</span> · {bodyHint}
            </>
          }
        />
        <MediaSlot assetId={config.mediaAssetId} onChange={(mediaAssetId) => onChange((c) => ({ ...c, mediaAssetId }))} />
        <NumberField
          label="Fall back to SMS after"
          suffix="hours"
          value={config.fallbackAfterHours}
          min={0}
          max={168}
          isInteger={false}
          onChange={(fallbackAfterHours) => onChange((c) => ({ ...c, fallbackAfterHours }), 'fallback')}
        />
        <p className="field-hint">Without a delivery receipt by then, the contact takes the “Fallback” output.</p>
      </Section>
      <Section title="Preview">
        <InspectorPreview nodeId={nodeId} mms={config} />
      </Section>
      <SendTestSection body={config.body} subject={config.subject} mediaAssetId={config.mediaAssetId} />
    </>
  );
}

export function SmsEditor({ nodeId, config, onChange }: ConfigEditorProps<'sms'>) {
  // With click tracking on, the links are counted as the short links the contact gets.
  const linkDomain = useTrackedLinkDomain();
  const hasTrackedLinks = linkDomain !== null && findLinks(config.body).length > 0;
  const stats = useMemo(() => {
    const message = new SegmentedMessage(linkDomain ? previewShortened(config.body, linkDomain) : config.body);
    return { characters: message.numberOfCharacters, segments: message.segments.length, encoding: message.encodingName };
  }, [config.body, linkDomain]);
  const isEmpty = config.body.length === 0;
  return (
    <>
      <Section title="SMS message">
        <TextAreaField
          label="Message"
          value={config.body}
          maxLength={4000}
          rows={6}
          onChange={(body) => onChange((c) => ({ ...c, body }), 'body')}
          footer={
            <>
              <span className="sms-count" aria-live="polite">
                {stats.characters} {stats.characters === 1 ? 'character' : 'characters'} · {isEmpty ? 0 : stats.segments}{' '}
                {stats.segments === 1 && !isEmpty ? 'segment' : 'segments'} · {stats.encoding}
              </span>
              {stats.encoding === 'UCS-2' ? (
                <span className="field-warning"> Emoji or special characters switch the message to UCS-2: 70 characters per segment.</span>
              ) : null}
              <br />
              <span className="segment-note">
                An estimate from the template as written. The preview counts the text each contact gets: that count is what is billed.
                {hasTrackedLinks ? <> Links count as the short links click tracking sends (https://{linkDomain}/l/…).</> : null}
              </span>
              <br />
              {bodyHint}
            </>
          }
        />
      </Section>
      <Section title="Preview">
        <InspectorPreview nodeId={nodeId} smsBody={config.body} />
      </Section>
      <SendTestSection body={config.body} />
    </>
  );
}
