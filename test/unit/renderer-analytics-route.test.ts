import { describe, expect, it } from 'vitest';
import { parseRoute } from '../../src/renderer/src/app/useRoute';

describe('analytics route', () => {
  it('opens a flow’s analytics from #/flows/<id>/analytics and still opens the flow itself from #/flows/<id>', () => {
    expect(parseRoute('#/flows/abc_1/analytics')).toEqual({ name: 'analytics', flowId: 'abc_1' });
    expect(parseRoute('#/flows/abc_1')).toEqual({ name: 'flow', flowId: 'abc_1' });
    expect(parseRoute('#/flows/abc_1/analytics/extra')).toEqual({ name: 'list' });
  });
});
