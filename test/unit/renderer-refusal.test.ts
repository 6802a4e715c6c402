import { describe, expect, it } from 'vitest';
import { contract } from '../../src/shared/api/contract';
import { fail } from '../../src/shared/api/result';
import { refusalInFormWords } from '../../src/renderer/src/ui/refusal';
import { settingsFieldLabel } from '../../src/renderer/src/settings/fields';

/** Refusals as the settings forms show them, from the real contract's validation. */
function refusalOf(method: keyof typeof contract, input: unknown) {
  const parsed = contract[method].input.safeParse(input);
  if (parsed.success) throw new Error('expected the input to be refused');
  const result = fail('INVALID_INPUT', `${method}: …`, { issues: parsed.error.issues.map((issue) => ({ path: issue.path.map(String), message: issue.message })) });
  if (result.ok) throw new Error('unreachable');
  return result.error;
}

const accountLabel = settingsFieldLabel({ name: 'Name', sender: 'Sender', messagesPerSecond: 'Messages per second', dailyCap: 'Daily cap' });

describe('a refused settings form names its own fields', () => {
  it('by label, credentials by their own names, and never the method or the API path', () => {
    const error = refusalOf('accounts.add', {
      provider: 'twilio',
      name: 'Main store',
      sender: '+14155550100',
      channels: ['sms'],
      messagesPerSecond: 0,
      dailyCap: 2.5,
      secrets: { accountSid: 'AC00000000000000000000000000000000', authToken: '' },
    });
    const text = refusalInFormWords(error, accountLabel);
    expect(text).toContain('Messages per second: must be more than 0');
    expect(text).toContain('Daily cap: must be a whole number');
    expect(text).not.toMatch(/accounts\.add|messagesPerSecond|dailyCap/);
  });

  it('keeps any other refusal as it is, and a path the form does not show as the bare message', () => {
    const other = fail('NOT_FOUND', 'there is no account "acc_x"');
    if (other.ok) throw new Error('unreachable');
    expect(refusalInFormWords(other.error, accountLabel)).toBe('there is no account "acc_x"');
    const unknown = fail('INVALID_INPUT', 'x: bad', { issues: [{ path: ['elsewhere'], message: 'is wrong' }, 'not an issue'] });
    if (unknown.ok) throw new Error('unreachable');
    expect(refusalInFormWords(unknown.error, accountLabel)).toBe('is wrong');
  });
});
