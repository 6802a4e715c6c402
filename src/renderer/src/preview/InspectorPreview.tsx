import type { MmsNodeConfig } from '../../../shared/graph/nodes';
import { ReceivedMms, ReceivedSms, SmsFacts } from './ReceivedMessage';
import { AppearanceToggle, ContactPicker, DeviceToggle } from './PreviewControls';
import { openFullPreview } from './previewDialogState';
import { useContact, usePreviewSettings } from './previewSettings';
import { SizeMeter } from './SizeMeter';

/** The compact preview in the MMS and SMS inspectors: one phone, zoomed to fit the panel. */
export function InspectorPreview({ nodeId, mms, smsBody }: { nodeId: string; mms?: MmsNodeConfig; smsBody?: string }) {
  const device = usePreviewSettings((s) => s.device);
  const appearance = usePreviewSettings((s) => s.appearance);
  const profileId = usePreviewSettings((s) => s.profileId);
  const contact = useContact();
  return (
    <div className="inspector-preview">
      <div className="inspector-preview-controls">
        <DeviceToggle />
        <AppearanceToggle />
        <button type="button" className="button button-small" onClick={() => openFullPreview(nodeId)}>
          Full preview
        </button>
      </div>
      <ContactPicker />
      <div className="phone-zoom is-compact">
        {mms ? (
          <ReceivedMms config={mms} profileId={profileId} device={device} appearance={appearance} contact={contact} />
        ) : (
          <ReceivedSms body={smsBody ?? ''} device={device} appearance={appearance} contact={contact} />
        )}
      </div>
      {mms?.mediaAssetId ? <SizeMeter assetId={mms.mediaAssetId} profileId={profileId} isCompact /> : null}
      {smsBody !== undefined ? <SmsFacts body={smsBody} contact={contact} isCompact /> : null}
    </div>
  );
}
