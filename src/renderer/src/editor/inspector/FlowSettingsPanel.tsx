import { useEffect, useMemo, useState } from 'react';
import { providerLabels, type SendingAccount } from '../../../../shared/api/accounts';
import type { CategoryInfo } from '../../../../shared/api/audience';
import { DEFAULT_HELP_REPLY, HELP_REPLY_MAX_CHARS, type FlowSettings } from '../../../../shared/flow/settings';
import { countSmsSegments } from '../../../../shared/sms/segments';
import { useApi } from '../../api/ApiContext';
import type { ApiClient } from '../../api/client';
import { sendProfileOptions } from '../../media/sendProfiles';
import { useLinkDomain } from '../../preview/useTrackedLinkDomain';
import { useFlowActions, useFlowStore } from '../store/FlowEditorContext';
import { CheckboxField, EventNameField, NumberField, Section, SelectField, TextAreaField, TextField, TimeField } from './fields';

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
  const set: SetSettings = (update, merge) => actions.updateSettings(update, merge ? { merge: `settings:${merge}` } : 'record');

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
      <MeasurementSection settings={settings} set={set} />
      <CategorySection value={settings.category} onChange={(category) => set((s) => ({ ...s, category }))} />
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


const readCategories = async (api: ApiClient): Promise<CategoryInfo[] | null> => {
  const result = await api.call('audience.catalog', {});
  return result.ok ? result.value.categories : null;
};
const readAccounts = async (api: ApiClient): Promise<SendingAccount[] | null> => {
  const result = await api.call('accounts.list', {});
  return result.ok ? result.value.accounts : null;
};

/** What `read` gets once the panel opens; null until it answers, or when it fails. */
function useRead<T>(read: (api: ApiClient) => Promise<T | null>): T | null {
  const api = useApi();
  const [value, setValue] = useState<T | null>(null);
  useEffect(() => {
    let isCurrent = true;
    void read(api).then((next) => {
      if (isCurrent) setValue(next);
    });
    return () => {
      isCurrent = false;
    };
  }, [api, read]);
  return value;
}

type Choice = { value: string; label: string };

/**
 * A select's options: the "none" choice, then what the workspace has (null until read), then the
 * saved value when the workspace does not have it, so the select still shows what is saved.
 */
function choices(none: Choice, known: Choice[] | undefined, value: string | null, missingLabel: string): { options: Choice[]; isMissing: boolean } {
  const options = [none, ...(known ?? [])];
  const isMissing = !!value && !!known && !known.some((choice) => choice.value === value);
  if (isMissing) options.push({ value: value as string, label: missingLabel });
  else if (value && !known) options.push({ value, label: value });
  return { options, isMissing };
}

type SetSettings = (update: (s: FlowSettings) => FlowSettings, merge?: string) => void;

/** Click tracking, UTM tags, the attribution window and the revenue property: how this flow's results are measured. */
function MeasurementSection({ settings, set }: { settings: FlowSettings; set: SetSettings }) {
  const linkDomain = useLinkDomain();
  const tracking = settings.clickTracking;
  const setTracking = (update: Partial<FlowSettings['clickTracking']>, merge?: string): void =>
    set((s) => ({ ...s, clickTracking: { ...s.clickTracking, ...update } }), merge);
  return (
    <Section title="Measurement">
      <CheckboxField label="Track link clicks" checked={tracking.isEnabled} onChange={(isEnabled) => setTracking({ isEnabled })} />
      <p className="field-hint is-after-field" data-testid="link-domain-hint">
        {tracking.isEnabled ? (
          <>
            Links go out as <code>https://{linkDomain}/l/…</code> (a 10-character code on the workspace’s link domain); the preview and the segment
            count show them so.
          </>
        ) : (
          <>Links go out as written; clicks are not counted.</>
        )}
      </p>
      {tracking.isEnabled ? (
        <>
          <TextField label="UTM source" value={tracking.utmSource} maxLength={100} placeholder="e.g. postcard" onChange={(utmSource) => setTracking({ utmSource }, 'utm-source')} />
          <TextField
            label="UTM medium"
            value={tracking.utmMedium}
            maxLength={100}
            placeholder="the channel: sms or mms"
            onChange={(utmMedium) => setTracking({ utmMedium }, 'utm-medium')}
          />
          <TextField
            label="UTM campaign"
            value={tracking.utmCampaign}
            maxLength={100}
            placeholder="e.g. spring_sale"
            hint="Added to each destination unless its link already has them; utm_content names the step and utm_term the A/B variant."
            onChange={(utmCampaign) => setTracking({ utmCampaign }, 'utm-campaign')}
          />
        </>
      ) : null}
      <NumberField
        label="Attribution window"
        suffix="days"
        value={settings.attributionDays}
        min={1}
        max={30}
        onChange={(attributionDays) => set((s) => ({ ...s, attributionDays }), 'attribution')}
      />
      <p className="field-hint is-after-field">Last touch: a goal event within this window after a message counts as a conversion of the latest message before it.</p>
      <TextField
        label="Revenue property"
        value={settings.revenueProperty}
        maxLength={120}
        placeholder="value"
        hint="The goal event’s number that is its revenue; a currency property, if present, names the currency."
        onChange={(revenueProperty) => set((s) => ({ ...s, revenueProperty }), 'revenue')}
      />
    </Section>
  );
}

const NO_CATEGORY = '';

/** The subscription category the flow's messages belong to: contacts unsubscribed from it are not sent them. */
function CategorySection({ value, onChange }: { value: string | null; onChange: (category: string | null) => void }) {
  const { options, isMissing: isUnknown } = choices(
    { value: NO_CATEGORY, label: 'None: channel consent alone decides' },
    useRead(readCategories)?.map((category) => ({ value: category.id, label: category.label })),
    value,
    `${value ?? ''} (archived or unknown)`,
  );
  return (
    <Section title="Consent">
      <SelectField label="Subscription category" value={value ?? NO_CATEGORY} options={options} onChange={(choice) => onChange(choice === NO_CATEGORY ? null : choice)} />
      {isUnknown ? (
        <p className="field-error" role="alert">
          “{value}” is not one of the workspace’s categories (archived or deleted): this flow cannot be published until you choose another.
        </p>
      ) : (
        <p className="field-hint">
          Contacts unsubscribed from it are not sent this flow’s messages; the choices are the workspace’s subscription categories.
        </p>
      )}
    </Section>
  );
}

const SIMULATOR = 'simulator';

/** Which account sends this flow once it is live; the built-in simulator until one is chosen. */
function SendingAccountSection({ value, onChange }: { value: string | null; onChange: (accountId: string | null) => void }) {
  // A flow imported from another computer may name an account this one does not have.
  const { options } = choices(
    { value: SIMULATOR, label: 'Built-in simulator (sends nothing)' },
    useRead(readAccounts)?.map((account) => ({ value: account.id, label: `${account.name} (${providerLabels[account.provider]}, ${account.sender})` })),
    value,
    'An account not on this computer',
  );
  return (
    <Section title="Sending">
      <SelectField label="Sending account" value={value ?? SIMULATOR} options={options} onChange={(choice) => onChange(choice === SIMULATOR ? null : choice)} />
      <p className="field-hint">
        Real accounts are added in <a href="#/settings">Settings → Sending accounts</a>. Simulations always use the simulator.
      </p>
    </Section>
  );
}
