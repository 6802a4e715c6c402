import { useEffect } from 'react';
import { firstChannel, triggerSegment } from '../../../shared/audience/flowReach';
import { useApi } from '../api/ApiContext';
import { useFlowEditor } from './store/FlowEditorContext';
import type { FlowEditorState } from './store/flowStore';

/** The draft's parts the workspace facts depend on; a change of anything else asks nothing. */
function reachKey(state: Pick<FlowEditorState, 'graph' | 'settings'>): string {
  return JSON.stringify([firstChannel(state.graph), state.settings.category, triggerSegment(state.graph), state.settings.sendingAccountId]);
}

/**
 * Feeds the compliance checks what only the workspace and the database know (renders nothing):
 * the brand name, the flow's sending account's channels, and how many contacts the draft can
 * reach whose consent has no recorded source. Asked again when the draft's first channel,
 * category, segment or account changes.
 */
export function ComplianceBridge() {
  const editor = useFlowEditor();
  const api = useApi();
  useEffect(() => {
    let asked = '';
    let isCurrent = true;
    const ask = (): void => {
      const state = editor.store.getState();
      const key = reachKey(state);
      if (key === asked) return;
      asked = key;
      void api
        .call('audience.complianceFacts', {
          channel: firstChannel(state.graph),
          category: state.settings.category,
          segment: triggerSegment(state.graph),
          sendingAccountId: state.settings.sendingAccountId,
        })
        .then((result) => {
          if (!isCurrent || asked !== key || !result.ok) return;
          const { brandName, sendingAccounts, unrecordedConsentContacts } = result.value;
          editor.actions.setComplianceFacts({
            brandName,
            unrecordedConsentContacts,
            sendingAccounts: new Map(sendingAccounts.map(({ id, ...account }) => [id, account])),
          });
        });
    };
    ask();
    const stop = editor.store.subscribe((state, previous) => {
      if ((state.graph !== previous.graph && !state.isDragging) || state.settings !== previous.settings) ask();
    });
    return () => {
      isCurrent = false;
      stop();
      editor.actions.setComplianceFacts(undefined);
    };
  }, [editor, api]);
  return null;
}
