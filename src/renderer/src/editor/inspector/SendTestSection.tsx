import { useEffect, useState } from 'react';
import type { SendingAccount } from '../../../../shared/api/accounts';
import { useApi } from '../../api/ApiContext';
import { useContact } from '../../preview/previewSettings';
import { TestSendForm } from '../../settings/TestSendForm';
import { useFlowStore } from '../store/FlowEditorContext';
import { Section } from './fields';

/**
 * "Send a test to my phone" for the step being edited: the message as it stands in the editor,
 * rendered for the preview's contact, through the flow's sending account.
 */
export function SendTestSection({ body, subject = '', mediaAssetId = null }: { body: string; subject?: string; mediaAssetId?: string | null }) {
  const api = useApi();
  const accountId = useFlowStore((s) => s.settings.sendingAccountId);
  const sendProfileId = useFlowStore((s) => s.settings.sendProfileId);
  const contact = useContact();
  const [account, setAccount] = useState<SendingAccount | null>(null);
  const [isOpen, setIsOpen] = useState(false);

  useEffect(() => {
    if (!accountId || !isOpen) return;
    let isCurrent = true;
    void api.call('accounts.list', {}).then((result) => {
      if (isCurrent && result.ok) setAccount(result.value.accounts.find((candidate) => candidate.id === accountId) ?? null);
    });
    return () => {
      isCurrent = false;
    };
  }, [api, accountId, isOpen]);

  return (
    <Section title="Send a test">
      {!accountId ? (
        <p className="field-hint">
          This flow sends through the simulator. Choose a sending account in the flow’s settings to send this message to your phone.
        </p>
      ) : !isOpen ? (
        <button type="button" className="button" onClick={() => setIsOpen(true)}>
          Send a test to my phone…
        </button>
      ) : account ? (
        <>
          <p className="field-hint">
            As {contact.name} would get it, through {account.name}.
          </p>
          <TestSendForm account={account} message={{ body, subject, mediaAssetId, sendProfileId, attributes: contact.attributes }} />
        </>
      ) : (
        <p className="field-hint">Looking up the flow’s sending account…</p>
      )}
    </Section>
  );
}
