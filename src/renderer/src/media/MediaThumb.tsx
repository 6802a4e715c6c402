import type { MediaAssetSummary } from '../../../shared/api/media';

/** An asset's thumbnail with its kind marked: "GIF" for animations, a play badge for video. */
export function MediaThumb({ asset, size }: { asset: MediaAssetSummary; size: 'small' | 'medium' | 'large' | 'hero' }) {
  return (
    <span className={`media-thumb is-${size}${asset.hasAlpha ? ' has-alpha' : ''}`}>
      {asset.thumbnail ? <img src={asset.thumbnail} alt="" loading="lazy" decoding="async" draggable={false} /> : null}
      {asset.kind === 'animation' ? (
        <span className="media-kind-badge" title={`Animated, ${asset.frames} frames`}>
          GIF
        </span>
      ) : null}
      {asset.kind === 'video' ? <span className="media-play-badge" title="Video" aria-hidden="true" /> : null}
    </span>
  );
}
