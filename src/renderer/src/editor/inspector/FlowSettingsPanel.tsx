import { useEffect, useMemo, useState } from 'react';
import { providerLabels, type SendingAccount } from '../../../../shared/api/accounts';
import { DEFAULT_HELP_REPLY, HELP_REPLY_MAX_CHARS, type FlowSettings } from '../../../../shared/flow/settings';
import { countSmsSegments } from '../../../../shared/sms/segments';
import { useApi } from '../../api/ApiContext';
import { sendProfileOptions } from '../../media/sendProfiles';
import { useFlowActions, useFlowStore } from '../store/FlowEditorContext';
import { CheckboxField, EventNameField, NumberField, Section, SelectField, TextAreaField, TimeField } from './fields';

const reentryOptions: ReadonlyArray<{ value: FlowSettings['reentry']['mode']; label: string }> = [
  { value: 'never', label: 'Never: once per contact' },
  { value: 'after_exit', label: 'After leaving the flow' },
  { value: 'always', label: 'Any time, even while in the flow' },
];

function timeZones(current: string): string[] {
  const zones = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  return zones.includes(current) ? zones : [current, ...zones];
}

/** Settings of the whole flow, shown when no step is selected. */
export function FlowSettingsPanel() {
  const settings = useFlowStore((s) => s.settings);
  const actions = useFlowActions();
  // Some 400 options: opening a flow shows this panel, and the list holds only the current zone
  // until the user reaches for it (focus or press), when all of them are there before it opens.
  const [isZoneListWanted, setIsZoneListWanted] = useState(false);
  const zones = useMemo(
    () => (isZoneListWanted ? timeZones(settings.defaultTimeZone) : [settings.defaultTimeZone]),
    [isZoneListWanted, settings.defaultTimeZone],
  );
  const help = useMemo(() => countSmsSegments(settings.helpReply), [settings.helpReply]);
  const set = (update: (s: FlowSettings) => FlowSettings, merge?: string): void =>
    actions.updateSettings(update, merge ? { merge: `settings:${merge}` } : 'record');

  return (
    <div className="inspector" role="region" aria-label="Flow settings">
      <header className="inspector-header">
        <div>
          <h2 className="panel-title">Flow settings</h2>
          <p className="panel-hint">Apply to every step. Select a step on the canvas to edit it.</p>
        </div>
      </header>
      <Section title="Quiet hours">
        <CheckboxField
          label="Hold messages during quiet hours"
          checked={settings.quietHours.isEnabled}
          onChange={(isEnabled) => set((s) => ({ ...s, quietHours: { ...s.quietHours, isEnabled } }))}
        />
        <div className="field-row">
          <TimeField label="Quiet from" value={settings.quietHours.start} onChange={(start) => set((s) => ({ ...s, quietHours: { ...s.quietHours, start } }))} />
          <TimeField label="Quiet until" value={settings.quietHours.end} onChange={(end) => set((s) => ({ ...s, quietHours: { ...s.quietHours, end } }))} />
        </div>
        <p className="field-hint">In each recipient’s local time.</p>
      </Section>
      <Section title="Frequency cap">
        <CheckboxField
          label="Limit how often a contact hears from this flow"
          checked={settings.frequencyCap.isEnabled}
          onChange={(isEnabled) => set((s) => ({ ...s, frequencyCap: { ...s.frequencyCap, isEnabled } }))}
        />
        <div className="field-row">
          <NumberField
            label="At most"
            suffix="messages"
            value={settings.frequencyCap.maxMessages}
            min={1}
            max={100}
            onChange={(maxMessages) => set((s) => ({ ...s, frequencyCap: { ...s.frequencyCap, maxMessages } }), 'cap-max')}
          />
          <NumberField
            label="Per"
            suffix="hours"
            value={settings.frequencyCap.perHours}
            min={1}
            max={720}
            onChange={(perHours) => set((s) => ({ ...s, frequencyCap: { ...s.frequencyCap, perHours } }), 'cap-per')}
          />
        </div>
      </Section>
      <Section title="Re-entry">
        <SelectField
          label="Contacts may enter again"
          value={settings.reentry.mode}
          options={reentryOptions}
          onChange={(mode) => set((s) => ({ ...s, reentry: { ...s.reentry, mode } }))}
        />
        {settings.reentry.mode === 'never' ? null : (
          <NumberField
            label="Minimum gap between entries"
            suffix="hours"
            value={settings.reentry.minGapHours}
            min={0}
            max={24 * 365}
            isInteger={false}
            onChange={(minGapHours) => set((s) => ({ ...s, reentry: { ...s.reentry, minGapHours } }), 'gap')}
          />
        )}
      </Section>
      <Section title="Goal">
        <EventNameField
          label="Goal event"
          value={settings.goalEvent}
          placeholder="e.g. purchased"
          hint="When this event happens, the contact leaves the flow wherever they are."
          onChange={(goalEvent) => set((s) => ({ ...s, goalEvent }), 'goal')}
        />
      </Section>
      <Section title="HELP reply">
        <TextAreaField
          label="Reply to HELP and INFO"
          value={settings.helpReply}
          maxLength={HELP_REPLY_MAX_CHARS}
          rows={3}
          placeholder={DEFAULT_HELP_REPLY}
          onChange={(helpReply) => set((s) => ({ ...s, helpReply }), 'help')}
          footer={
            <>
              {help.characters}/{HELP_REPLY_MAX_CHARS} · {help.segments} {help.segments === 1 ? 'segment' : 'segments'} ({help.encoding}). Name the
              brand, how often messages come, “Msg &amp; data rates may apply” and how to STOP. Sent at once, even in quiet hours; blank uses
              the default.
            </>
          }
        />
      </Section>
      <SendingAccountSection value={settings.sendingAccountId} onChange={(sendingAccountId) => set((s) => ({ ...s, sendingAccountId }))} />
      <Section title="Media">
        <SelectField
          label="Send profile"
          value={settings.sendProfileId}
          options={sendProfileOptions()}
          onChange={(sendProfileId) => set((s) => ({ ...s, sendProfileId }))}
        />
        <p className="field-hint">Images and video in this flow’s MMS are sized for these limits when you publish; the phone preview shows the same.</p>
      </Section>
      <Section title="Time zone">
        <SelectField
          label="Default time zone"
          value={settings.defaultTimeZone}
          options={zones.map((zone) => ({ value: zone, label: zone.replace(/_/g, ' ') }))}
          onEngage={() => setIsZoneListWanted(true)}
          onChange={(defaultTimeZone) => set((s) => ({ ...s, defaultTimeZone }))}
        />
        <p className="field-hint">Used for contacts whose own time zone is unknown.</p>
      </Section>
    </div>
  );
}

const SIMULATOR = 'simulator';

/** Which account sends this flow once it is live; the built-in simulator until one is chosen. */
function SendingAccountSection({ value, onChange }: { value: string | null; onChange: (accountId: string | null) => void }) {
  const api = useApi();
  const [accounts, setAccounts] = useState<SendingAccount[] | null>(null);
  useEffect(() => {
    let isCurrent = true;
    void api.call('accounts.list', {}).then((result) => {
      if (isCurrent && result.ok) setAccounts(result.value.accounts);
    });
    return () => {
      isCurrent = false;
    };
  }, [api]);
  const options = [
    { value: SIMULATOR, label: 'Built-in simulator (sends nothing)' },
    ...(accounts ?? []).map((account) => ({ value: account.id, label: `${account.name} (${providerLabels[account.provider]}, ${account.sender})` })),
  ];
  // A flow imported from another computer may name an account this one does not have.
  if (value && accounts && !accounts.some((account) => account.id === value)) options.push({ value, label: 'An account not on this computer' });
  return (
    <Section title="Sending">
      <SelectField label="Sending account" value={value ?? SIMULATOR} options={options} onChange={(choice) => onChange(choice === SIMULATOR ? null : choice)} />
      <p className="field-hint">
        Real accounts are added in <a href="#/settings">Settings → Sending accounts</a>. Simulations always use the simulator.
      </p>
    </Section>
  );
}
