import { useEffect, useState } from 'react';
import { DEFAULT_LINK_DOMAIN } from '../../../shared/analytics/links';
import { useApi } from '../api/ApiContext';
import { useFlowStore } from '../editor/store/FlowEditorContext';

// The workspace's link domain changes rarely (Analytics → settings); every preview shares one read.
let knownDomain: string | null = null;

/** The workspace's link domain: what tracked links go out on. */
export function useLinkDomain(): string {
  const api = useApi();
  const [domain, setDomain] = useState(knownDomain ?? DEFAULT_LINK_DOMAIN);
  useEffect(() => {
    let isCurrent = true;
    void api.call('analytics.settings', {}).then((result) => {
      if (!result.ok) return;
      knownDomain = result.value.linkDomain;
      if (isCurrent) setDomain(result.value.linkDomain);
    });
    return () => {
      isCurrent = false;
    };
  }, [api]);
  return domain;
}

/**
 * The domain the open flow's links are shortened to as the engine sends them, or null when the
 * flow does not track clicks (its links go out as written).
 */
export function useTrackedLinkDomain(): string | null {
  const isTracking = useFlowStore((s) => s.settings.clickTracking.isEnabled);
  const domain = useLinkDomain();
  return isTracking ? domain : null;
}
