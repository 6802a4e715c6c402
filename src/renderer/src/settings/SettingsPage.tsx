import '../styles/settings.css';
import { CategorySettings } from './CategorySettings';
import { MediaHosting } from './MediaHosting';
import { SendingAccounts } from './SendingAccounts';
import { WorkspaceSettings } from './WorkspaceSettings';

/** Settings: the workspace (brand, time zone, keywords), where real messages go out from, and where their media is hosted. */
export function SettingsPage() {
  return (
    <div className="page settings-page">
      <header className="page-header">
        <div>
          <h1 className="page-title">Settings</h1>
          <p className="page-subtitle">Credentials typed here are kept encrypted by this computer and never shown again.</p>
        </div>
      </header>
      <WorkspaceSettings />
      <CategorySettings />
      <SendingAccounts />
      <MediaHosting />
    </div>
  );
}
