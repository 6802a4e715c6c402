import { createStore } from 'zustand/vanilla';
import { useStore } from 'zustand';
import { DEFAULT_PROFILE_ID, type ProfileId } from '../../../shared/media/profiles';
import { sampleContacts, type SampleContact } from './sampleContacts';

/**
 * Preview choices shared by every preview in the window (inspector and full view): switching
 * the contact in one place re-renders the other, as a creative would expect.
 */
export type Device = 'iphone' | 'android';
export type Appearance = 'light' | 'dark';

export interface PreviewSettings {
  contactId: string;
  device: Device;
  appearance: Appearance;
  /** The profile the send uses: its rendition is what the phones show. */
  profileId: ProfileId;
  /** Real contacts looked up by phone in this session, beside the samples. */
  lookedUp: SampleContact[];
}

export const previewSettings = createStore<PreviewSettings>()(() => ({
  contactId: sampleContacts[0]?.id ?? '',
  device: 'iphone',
  appearance: 'light',
  profileId: DEFAULT_PROFILE_ID,
  lookedUp: [],
}));

export const setPreview = (patch: Partial<PreviewSettings>): void => previewSettings.setState(patch);

export function usePreviewSettings<T>(selector: (state: PreviewSettings) => T): T {
  return useStore(previewSettings, selector);
}

export function allContacts(state: PreviewSettings): SampleContact[] {
  return [...sampleContacts, ...state.lookedUp];
}

export function useContact(): SampleContact {
  const contactId = usePreviewSettings((s) => s.contactId);
  const lookedUp = usePreviewSettings((s) => s.lookedUp);
  return [...sampleContacts, ...lookedUp].find((c) => c.id === contactId) ?? (sampleContacts[0] as SampleContact);
}
