import type { MediaRendition } from '../../../shared/api/media';
import type { RenditionEntry } from '../media/mediaLibrary';
import { splitLinks, type RenderedText } from './messageText';

/** Message text with its links as link elements; built from strings, never from HTML. */
export function LinkedText({ text, highlight }: { text: string; highlight?: ReadonlySet<string> }) {
  return (
    <>
      {splitLinks(text).map((part, index) =>
        part.kind === 'link' ? (
          <a key={index} className="bubble-link" href={part.href} title={part.href} rel="noreferrer" onClick={(event) => event.preventDefault()}>
            {highlight ? <Highlighted text={part.text} chars={highlight} /> : part.text}
          </a>
        ) : (
          <span key={index}>{highlight ? <Highlighted text={part.text} chars={highlight} /> : part.text}</span>
        ),
      )}
    </>
  );
}

/** Marks each character in `chars` (the ones that force UCS-2). */
export function Highlighted({ text, chars }: { text: string; chars: ReadonlySet<string> }) {
  if (chars.size === 0) return <>{text}</>;
  const out: Array<string | { mark: string }> = [];
  for (const char of text) {
    if (chars.has(char)) out.push({ mark: char });
    else if (typeof out[out.length - 1] === 'string') out[out.length - 1] = `${out[out.length - 1] as string}${char}`;
    else out.push(char);
  }
  return (
    <>
      {out.map((piece, index) =>
        typeof piece === 'string' ? (
          piece
        ) : (
          <mark key={index} className="ucs2-char" title={`“${piece.mark}” (U+${(piece.mark.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}) is not in GSM-7`}>
            {piece.mark}
          </mark>
        ),
      )}
    </>
  );
}

export function TextBubble({ subject, body, isLast = true }: { subject?: string; body: RenderedText; isLast?: boolean }) {
  if (!body.ok) {
    return (
      <div className="bubble is-incoming is-error" role="alert">
        This message cannot be rendered: {body.message}
      </div>
    );
  }
  if (!body.text.trim() && !subject?.trim()) return null;
  return (
    <div className={`bubble is-incoming${isLast ? ' has-tail' : ''}`}>
      {subject?.trim() ? <strong className="bubble-subject">{subject}</strong> : null}
      {body.text.trim() ? <LinkedText text={body.text} /> : null}
    </div>
  );
}

/** The media part as received: GIFs animate (the rendition itself), video shows its poster. */
export function MediaBubble({ entry, name }: { entry: RenditionEntry | undefined; name: string }) {
  if (!entry || entry.status === 'loading' || (entry.status === 'ready' && !entry.rendition.dataUrl)) {
    return (
      <div className="bubble-media is-loading" role="status" aria-label={`Optimising ${name}`}>
        <span className="spinner" aria-hidden="true" />
      </div>
    );
  }
  if (entry.status === 'error') {
    return (
      <div className="bubble-media is-refused" role="alert">
        <strong>Media not sendable</strong>
        <span>{entry.error.message}</span>
        <code>{entry.error.code}</code>
      </div>
    );
  }
  return <RenditionImage rendition={entry.rendition} name={name} />;
}

function RenditionImage({ rendition, name }: { rendition: MediaRendition; name: string }) {
  const isVideo = rendition.mime === 'video/mp4';
  const src = isVideo ? rendition.posterDataUrl : rendition.dataUrl;
  return (
    <div className={`bubble-media${isVideo ? ' is-video' : ''}`} style={{ aspectRatio: `${rendition.width} / ${rendition.height}` }}>
      {src ? <img src={src} alt={name} width={rendition.width} height={rendition.height} draggable={false} /> : null}
      {isVideo ? <span className="media-play-badge" aria-label="Video" role="img" /> : null}
      {isVideo && rendition.durationMs ? <span className="bubble-duration">{formatDuration(rendition.durationMs)}</span> : null}
    </div>
  );
}

const formatDuration = (ms: number): string => {
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
};
