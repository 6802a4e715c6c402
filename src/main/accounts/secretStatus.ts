import { secretFieldLabels, type SecretStatus } from '../../shared/api/accounts';
import type { SecretRef, SecretStore } from '../secrets';

/** Secrets shorter than this show no last characters: four of eight would give half away. */
const MIN_CHARS_FOR_LAST4 = 12;

/** What the renderer may see of each secret: set or not, where from, and the last 4 characters. */
export async function secretStatuses(
  store: SecretStore,
  fields: readonly { field: keyof typeof secretFieldLabels; ref: SecretRef }[],
): Promise<SecretStatus[]> {
  return Promise.all(
    fields.map(async ({ field, ref }) => {
      const secret = await store.get(ref);
      return {
        field,
        label: secretFieldLabels[field],
        isSet: secret !== null,
        last4: secret && secret.value.length >= MIN_CHARS_FOR_LAST4 ? secret.value.slice(-4) : null,
        source: secret?.source ?? null,
        envName: ref.envName,
      };
    }),
  );
}
