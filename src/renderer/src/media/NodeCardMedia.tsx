import { memo } from 'react';
import { useMediaAsset, useMediaState } from './MediaContext';
import { MediaThumb } from './MediaThumb';
import { SizeBadge } from './SizeBadge';

/**
 * The media line of an MMS card: a 44 px thumbnail (the library's data URL, shared by every card
 * using the asset) and the size badge of the default profile's rendition.
 */
export const NodeCardMedia = memo(function NodeCardMedia({ assetId }: { assetId: string | null }) {
  if (!assetId) return <span className="node-meta">No media · drop a file here</span>;
  return <AttachedMedia assetId={assetId} />;
});

function AttachedMedia({ assetId }: { assetId: string }) {
  const asset = useMediaAsset(assetId);
  const isLoaded = useMediaState((s) => s.status === 'ready');
  if (!asset) return <span className="node-meta">{isLoaded ? 'Media missing from the library' : 'Media attached'}</span>;
  return (
    <span className="node-media">
      <MediaThumb asset={asset} size="small" />
      <span className="node-media-text">
        <span className="node-media-name">{asset.name}</span>
        <SizeBadge assetId={assetId} />
      </span>
    </span>
  );
}
