import type { ReactNode } from 'react';
import { formatBytes, meterForFile } from '../../../shared/media/meter';
import { getProfile, targetProfiles, type ProfileId, type ProfileKind } from '../../../shared/media/profiles';
import { useRendition } from '../media/MediaContext';
import { AlertIcon, CheckIcon, ErrorIcon } from '../ui/icons';

const groupLabels: Record<ProfileKind, string> = { carrier: 'Carriers', provider: 'Provider caps', channel: 'Other channels' };

/**
 * The file the send will use (the rendition for `profileId`) against every profile's budget:
 * which carriers and providers take it as it is. The send profile's own row is marked.
 */
export function SizeMeter({ assetId, profileId, isCompact = false }: { assetId: string; profileId: ProfileId; isCompact?: boolean }) {
  const entry = useRendition(assetId, profileId, false);
  const sendProfile = getProfile(profileId);
  if (!entry || entry.status === 'loading') {
    return (
      <div className="size-meter is-loading" role="status">
        <span className="spinner" aria-hidden="true" /> Optimising for {sendProfile.label}…
      </div>
    );
  }
  if (entry.status === 'error') {
    return (
      <div className="size-meter" role="alert">
        <p className="size-meter-refused">
          <ErrorIcon /> {sendProfile.label}: {entry.error.message} <code>{entry.error.code}</code>
        </p>
      </div>
    );
  }
  const { rendition } = entry;
  const rows = meterForFile({ bytes: rendition.bytes, mime: rendition.mime });
  const shown = isCompact ? rows.filter((row) => row.kind === 'carrier') : rows;
  const kinds = [...new Set(shown.map((row) => row.kind))];
  return (
    <div className="size-meter" aria-label="Size meter" role="group">
      <p className="size-meter-summary">
        Sends as <strong>{rendition.mime.replace('image/', '').replace('video/', '').toUpperCase()}</strong> {rendition.width}×{rendition.height},{' '}
        <strong data-testid="send-bytes">{formatBytes(rendition.bytes)}</strong> with the <strong>{sendProfile.label}</strong> profile
        {rendition.frames > 1 ? ` · ${rendition.frames} frames` : ''}
      </p>
      {rendition.notes.length > 0 && !isCompact ? <p className="size-meter-notes">{rendition.notes.join(' · ')}</p> : null}
      <table className="size-meter-table">
        <caption className="visually-hidden">Rendition size against each profile budget</caption>
        <tbody>
          {kinds.map((kind) => (
            <MeterGroup key={kind} title={groupLabels[kind]} isCompact={isCompact}>
              {shown
                .filter((row) => row.kind === kind)
                .map((row) => {
                  const ratio = row.bytes === null ? 0 : row.bytes / row.budgetBytes;
                  const isSend = row.profileId === profileId;
                  const isTypeRefused = row.mime !== null && !getProfile(row.profileId).accepts.includes(row.mime);
                  return (
                    <tr key={row.profileId} className={`${row.passes ? 'is-pass' : 'is-fail'}${isSend ? ' is-send' : ''}`}>
                      <th scope="row">
                        {row.label}
                        {isSend ? <span className="send-chip">Send</span> : null}
                      </th>
                      <td className="size-meter-bar-cell">
                        <span className="size-meter-bar" aria-hidden="true">
                          <span style={{ width: `${Math.min(100, ratio * 100)}%` }} />
                        </span>
                      </td>
                      <td className="numeric">{formatBytes(row.budgetBytes)}</td>
                      <td className="size-meter-verdict">
                        {row.passes ? (
                          <>
                            <CheckIcon /> <span>Fits</span>
                          </>
                        ) : isTypeRefused ? (
                          <>
                            <AlertIcon /> <span>Type refused</span>
                          </>
                        ) : (
                          <>
                            <ErrorIcon /> <span>Too big</span>
                          </>
                        )}
                      </td>
                    </tr>
                  );
                })}
            </MeterGroup>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function MeterGroup({ title, isCompact, children }: { title: string; isCompact: boolean; children: ReactNode }) {
  return (
    <>
      {isCompact ? null : (
        <tr className="size-meter-group">
          <th colSpan={4} scope="rowgroup">
            {title}
          </th>
        </tr>
      )}
      {children}
    </>
  );
}

export const mmsSendProfiles = targetProfiles.filter((profile) => profile.channel === 'mms' && profile.kind === 'carrier');
