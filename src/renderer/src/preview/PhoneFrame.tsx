import type { ReactNode } from 'react';
import type { Appearance, Device } from './previewSettings';

/**
 * A handset around a message thread. The screens have the CSS widths of the phones they model
 * (iPhone 15: 390 px; Pixel 8: 412 px), so text wraps and images crop where a recipient sees
 * it; a smaller preview is the same layout zoomed, never a narrower one.
 */
export const SCREEN_WIDTH: Record<Device, number> = { iphone: 390, android: 412 };
export const deviceLabel: Record<Device, string> = { iphone: 'iPhone', android: 'Android' };

export function PhoneFrame({
  device,
  appearance,
  sender,
  channelLabel,
  label,
  children,
}: {
  device: Device;
  appearance: Appearance;
  /** Who the message comes from, as the phone shows it. */
  sender: string;
  /** "Text Message · MMS" on iPhone, "MMS" on Android. */
  channelLabel: string;
  label: string;
  children: ReactNode;
}) {
  const initials = sender
    .split(/\s+/)
    .map((word) => word[0] ?? '')
    .join('')
    .slice(0, 2)
    .toUpperCase();
  return (
    <figure className={`phone phone-${device} is-${appearance}`} aria-label={label}>
      <div className="phone-screen" style={{ width: SCREEN_WIDTH[device] }}>
        <div className="phone-status" aria-hidden="true">
          <span className="phone-time">9:41</span>
          {device === 'iphone' ? <span className="phone-island" /> : <span className="phone-camera" />}
          <span className="phone-indicators">
            <SignalGlyph />
            <WifiGlyph />
            <BatteryGlyph />
          </span>
        </div>
        {device === 'iphone' ? (
          <header className="phone-header">
            <span className="phone-back" aria-hidden="true">
              ‹
            </span>
            <span className="phone-avatar">{initials}</span>
            <span className="phone-sender">{sender} ›</span>
          </header>
        ) : (
          <header className="phone-header">
            <span className="phone-back" aria-hidden="true">
              ←
            </span>
            <span className="phone-avatar">{initials.slice(0, 1)}</span>
            <span className="phone-sender">{sender}</span>
            <span className="phone-actions" aria-hidden="true">
              ⋮
            </span>
          </header>
        )}
        <div className="phone-thread">
          <p className="phone-stamp">
            {channelLabel}
            <br />
            Today 9:41 AM
          </p>
          {children}
        </div>
        <div className="phone-composer" aria-hidden="true">
          <span className="phone-composer-plus">+</span>
          <span className="phone-composer-field">{device === 'iphone' ? 'Text Message' : 'Text message'}</span>
        </div>
        {device === 'iphone' ? <span className="phone-home" aria-hidden="true" /> : <span className="phone-gesture" aria-hidden="true" />}
      </div>
    </figure>
  );
}

function SignalGlyph() {
  return (
    <svg width="17" height="11" viewBox="0 0 17 11" aria-hidden="true">
      <rect x="0" y="7" width="3" height="4" rx="1" fill="currentColor" />
      <rect x="4.5" y="5" width="3" height="6" rx="1" fill="currentColor" />
      <rect x="9" y="2.5" width="3" height="8.5" rx="1" fill="currentColor" />
      <rect x="13.5" y="0" width="3" height="11" rx="1" fill="currentColor" />
    </svg>
  );
}
function WifiGlyph() {
  return (
    <svg width="15" height="11" viewBox="0 0 15 11" aria-hidden="true">
      <path d="M7.5 11 5.3 8.6a3.2 3.2 0 0 1 4.4 0L7.5 11zM2.9 6.2a6.6 6.6 0 0 1 9.2 0l-1.2 1.3a4.9 4.9 0 0 0-6.8 0L2.9 6.2zM.5 3.6a10 10 0 0 1 14 0l-1.2 1.3a8.2 8.2 0 0 0-11.6 0L.5 3.6z" fill="currentColor" />
    </svg>
  );
}
function BatteryGlyph() {
  return (
    <svg width="25" height="12" viewBox="0 0 25 12" aria-hidden="true">
      <rect x="0.5" y="0.5" width="21" height="11" rx="3" fill="none" stroke="currentColor" opacity="0.4" />
      <rect x="2" y="2" width="16" height="8" rx="1.5" fill="currentColor" />
      <rect x="23" y="4" width="1.5" height="4" rx="0.75" fill="currentColor" opacity="0.4" />
    </svg>
  );
}
