import { runStory, type StoryResult } from '../../sandbox/story';
import { DEFAULT_SIM_USER } from '../../sim/veeam';

describe('the sandbox story (npm run sandbox) as a test', () => {
  let result: StoryResult;
  beforeAll(async () => {
    result = await runStory(() => undefined);
  }, 60_000);

  it('reaches the expected end state at every step', () => {
    expect(result.problems).toEqual([]);
    expect(result.ok).toBe(true);
  });

  it('logged the whole story as structured JSON with the account id, and no password, token or external ID', () => {
    expect(result.logs).toContain('"accountId":"444455556666"');
    expect(result.secrets.length).toBeGreaterThan(6);
    for (const secret of [DEFAULT_SIM_USER.password, ...result.secrets]) expect(result.logs).not.toContain(secret);
  });

  it('put lifecycle events for the changes, none carrying a password, token or external ID', () => {
    expect(JSON.parse(result.events)).not.toHaveLength(0);
    for (const secret of [DEFAULT_SIM_USER.password, ...result.secrets]) expect(result.events).not.toContain(secret);
  });
});
