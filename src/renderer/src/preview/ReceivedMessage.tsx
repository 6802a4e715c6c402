import { useMemo } from 'react';
import type { MmsNodeConfig } from '../../../shared/graph/nodes';
import type { ProfileId } from '../../../shared/media/profiles';
import { MAX_MESSAGE_BODY_CHARS, countSmsSegments } from '../../../shared/sms/segments';
import { useMediaAsset, useMediaState, useRendition } from '../media/MediaContext';
import { Highlighted, MediaBubble, TextBubble } from './Bubbles';
import { renderForContact } from './messageText';
import { PhoneFrame, deviceLabel } from './PhoneFrame';
import type { Appearance, Device } from './previewSettings';
import type { SampleContact } from './sampleContacts';
import { useTrackedLinkDomain } from './useTrackedLinkDomain';

/** The sender as recipients see it in the thread header. */
export const SENDER_NAME = 'Acme Outfitters';

interface Common {
  device: Device;
  appearance: Appearance;
  contact: SampleContact;
  /** Names the phone for assistive technology and tests: "MMS on iPhone". */
  label?: string;
}

/** An MMS as the contact receives it: the media part, then subject and body. */
export function ReceivedMms({ config, profileId, device, appearance, contact, label }: Common & { config: MmsNodeConfig; profileId: ProfileId }) {
  const asset = useMediaAsset(config.mediaAssetId);
  const isLibraryLoaded = useMediaState((s) => s.status === 'ready');
  const rendition = useRendition(config.mediaAssetId, profileId, true);
  const subject = useMemo(() => renderForContact(config.subject, contact), [config.subject, contact]);
  // The engine shortens the body's links only, never the subject's.
  const linkDomain = useTrackedLinkDomain();
  const body = useMemo(() => renderForContact(config.body, contact, linkDomain), [config.body, contact, linkDomain]);
  return (
    <PhoneFrame
      device={device}
      appearance={appearance}
      sender={SENDER_NAME}
      channelLabel={device === 'iphone' ? 'Text Message · MMS' : 'MMS'}
      label={label ?? `MMS on ${deviceLabel[device]}`}
    >
      <div className="thread-group">
        {config.mediaAssetId ? (
          asset || rendition || !isLibraryLoaded ? (
            <MediaBubble entry={rendition} name={asset?.name ?? 'media'} />
          ) : (
            <div className="bubble-media is-refused" role="alert">
              <strong>Media missing</strong>
              <span>This file is no longer in the library.</span>
            </div>
          )
        ) : null}
        <TextBubble subject={subject.ok ? subject.text : ''} body={body} />
      </div>
      {device === 'android' ? <p className="thread-meta">Now · MMS</p> : <p className="thread-meta">Delivered</p>}
    </PhoneFrame>
  );
}

/** An SMS as received: text only. */
export function ReceivedSms({ body: source, device, appearance, contact, label }: Common & { body: string }) {
  const linkDomain = useTrackedLinkDomain();
  const body = useMemo(() => renderForContact(source, contact, linkDomain), [source, contact, linkDomain]);
  return (
    <PhoneFrame
      device={device}
      appearance={appearance}
      sender={SENDER_NAME}
      channelLabel={device === 'iphone' ? 'Text Message · SMS' : 'SMS'}
      label={label ?? `SMS on ${deviceLabel[device]}`}
    >
      <div className="thread-group">
        {body.ok && !body.text.trim() ? <p className="thread-empty">Nothing to send: this message renders empty for {contact.name}.</p> : null}
        <TextBubble body={body} />
      </div>
      {device === 'android' ? <p className="thread-meta">Now · SMS</p> : <p className="thread-meta">Delivered</p>}
    </PhoneFrame>
  );
}

/** Encoding, segments and characters left of the text as sent, with the characters that force UCS-2 marked. */
export function SmsFacts({ body: source, contact, isCompact = false }: { body: string; contact: SampleContact; isCompact?: boolean }) {
  const linkDomain = useTrackedLinkDomain();
  const body = useMemo(() => renderForContact(source, contact, linkDomain), [source, contact, linkDomain]);
  const text = body.ok ? body.text : '';
  const info = useMemo(() => countSmsSegments(text), [text]);
  const forcing = useMemo(() => new Set(info.nonGsmCharacters), [info]);
  return (
    <div className="sms-facts" role="group" aria-label="SMS encoding and segments">
      <div className="sms-facts-chips">
        <span className={`chip ${info.encoding === 'GSM-7' ? 'is-ok' : 'is-warning'}`} data-testid="sms-encoding">
          {info.encoding}
        </span>
        <span className="chip" data-testid="sms-segments" title="The text this contact gets: the segments the provider bills">
          {info.segments} {info.segments === 1 ? 'segment' : 'segments'}
        </span>
        <span className="chip is-billed" data-testid="sms-billed">
          billed for this contact
        </span>
        <span className="chip">{info.characters} characters</span>
        <span className="chip">{info.charactersLeft} left in this segment</span>
        {info.isOverLimit ? (
          <span className="chip is-error" data-testid="sms-over-limit">
            Over {MAX_MESSAGE_BODY_CHARS.toLocaleString('en-US')} characters: not sent
          </span>
        ) : null}
      </div>
      {info.encoding === 'UCS-2' ? (
        <p className="sms-facts-why">
          {forcing.size === 1 ? 'This character forces' : 'These characters force'} UCS-2 (70 per segment instead of 160):{' '}
          {[...forcing].map((char) => (
            <mark key={char} className="ucs2-char">
              {char}
            </mark>
          ))}
        </p>
      ) : null}
      {!isCompact && info.encoding === 'UCS-2' && text ? (
        <p className="sms-facts-text">
          <Highlighted text={text} chars={forcing} />
        </p>
      ) : null}
    </div>
  );
}
