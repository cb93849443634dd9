import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../../bin/cli';
import { startWorld, type World } from '../../sim/world';
import { addAccount, depsFor, ownedEntries, protect } from '../support/account-harness';

/**
 * The offboarding budget through the CLI in-process, as an operator meets it: every single-account run (sync, event,
 * reconcile --account) draws from the budget the stack shares with the worker, exit 3 says "held", and the
 * confirmation the message names is the one that works. Without a state table, a single account is never offboarded
 * on its own.
 */
const IN = 'ou-ab12-11111111';
const OUT = 'ou-ab12-22222222';
const DAY = 24 * 3_600_000;

let world: World;
let dir: string;
let seq = 0;

async function cli(args: string[], env: Record<string, string | undefined> = process.env) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { out: (t) => out.push(t), err: (t) => err.push(t), env });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

async function departed(n: number, base: number): Promise<string[]> {
  const deps = depsFor();
  const ids = Array.from({ length: n }, (_, i) => String(base + i));
  for (const id of ids) {
    addAccount(world, id, IN);
    await protect(deps, id);
    world.org.moveAccount(id, OUT);
  }
  return ids;
}

function moveEventFile(accountId: string): string {
  const e = JSON.parse(fs.readFileSync(path.join(__dirname, '../fixtures/move-account.json'), 'utf8')) as {
    detail: { eventID: string; requestParameters: Record<string, string> };
  };
  e.detail.eventID = `c3d4e5f6-0005-4000-8000-${String(++seq).padStart(12, '0')}`;
  e.detail.requestParameters = { accountId, sourceParentId: IN, destinationParentId: OUT };
  const file = path.join(dir, `move-${accountId}.json`);
  fs.writeFileSync(file, JSON.stringify(e));
  return file;
}

const isOffboarded = (id: string) => ownedEntries(world, id).length === 0;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'budget-cli-'));
  world = await startWorld({
    scopeOuIds: (org) => {
      org.createOu(org.rootId, IN);
      org.createOu(org.rootId, OUT);
      return [IN];
    },
  });
}, 60_000);
afterAll(async () => {
  await world.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('with the state table (STATE_TABLE_NAME): one budget for every path', () => {
  it('8 accounts, one sync at a time: 5 offboarded, each of the other 3 exits 3; reconcile --allow-offboard 8 does the rest', async () => {
    const ids = await departed(8, 750000000001);
    const codes: number[] = [];
    for (const id of ids) {
      const run = await cli(['sync', id]);
      codes.push(run.code);
      if (run.code === 3) {
        expect(run.out).toMatch(/held/);
        expect(run.out).toMatch(new RegExp(`budget is spent \\(5 of 5.*reconcile --account ${id} --allow-offboard 1`));
      }
    }
    expect(codes).toEqual([0, 0, 0, 0, 0, 3, 3, 3]);
    expect(ids.filter(isOffboarded)).toEqual(ids.slice(0, 5));

    const confirmed = await cli(['reconcile', '--allow-offboard', '8']);
    expect(confirmed.code).toBe(0);
    expect(confirmed.out).toMatch(/Offboarding confirmed: a grant names the 3 account\(s\)/);
    expect(ids.filter(isOffboarded)).toEqual(ids);
  });

  it('two reconcile --account runs of 4 cannot offboard 8: the second is held whole (exit 3); an event then takes the last unit', async () => {
    world.clock.advance(DAY + 60_000);
    const ids = await departed(8, 751000000001);
    const first = await cli(['reconcile', ...ids.slice(0, 4).flatMap((id) => ['--account', id])]);
    expect(first.code).toBe(0);
    const second = await cli(['reconcile', ...ids.slice(4).flatMap((id) => ['--account', id])]);
    expect(second.code).toBe(3);
    expect(second.out).toMatch(
      /Offboarding held: this run would offboard 4 accounts and the offboarding budget allows 5/,
    );
    expect(second.out).toMatch(/reconcile --account 751000000005 .*--account 751000000008 --allow-offboard 4/);
    expect(ids.filter(isOffboarded)).toEqual(ids.slice(0, 4));

    expect((await cli(['event', moveEventFile(ids[4]!)])).code).toBe(0);
    const held = await cli(['event', moveEventFile(ids[5]!)]);
    expect(held.code).toBe(3);
    expect(ids.filter(isOffboarded)).toEqual(ids.slice(0, 5));

    expect((await cli(['reconcile', '--allow-offboard', '8'])).code).toBe(0);
    expect(ids.filter(isOffboarded)).toEqual(ids);
  });

  it('status shows the budget: used of the limit in the window, each unit, and the grants', async () => {
    const run = await cli(['status']);
    expect(run.out).toMatch(/Offboarding budget: 5 of 5 used in the last 24 hours \(OFFBOARD_MAX_PER_RUN/);
    expect(run.out).toMatch(/751000000001 {2}offboarded .*, counts until /);
    expect(run.out).toMatch(/grant until .* for 3 account\(s\): 751000000006 751000000007 751000000008/);
  });
});

describe('without a state table (the CLI against an organization without the stack)', () => {
  const noTable = () => ({ ...process.env, STATE_TABLE_NAME: '' });

  it('a single-account run holds (exit 3) and names the way to do it on purpose, which works', async () => {
    world.clock.advance(DAY + 60_000);
    const [id] = await departed(1, 752000000001);
    const sync = await cli(['sync', id!], noTable());
    expect(sync.code).toBe(3);
    expect(sync.out).toMatch(/no state table, STATE_TABLE_NAME unset/);
    expect(sync.out).toMatch(new RegExp(`reconcile --account ${id} --allow-offboard 1`));
    const named = await cli(['reconcile', '--account', id!], noTable());
    expect(named.code).toBe(3);
    expect(ownedEntries(world, id!)).toHaveLength(2);
    expect((await cli(['reconcile', '--account', id!, '--allow-offboard', '1'], noTable())).code).toBe(0);
    expect(isOffboarded(id!)).toBe(true);
  });

  it('a whole-organization reconcile keeps the per-run limit: up to 5 proceed, 6 are held', async () => {
    const few = await departed(2, 753000000001);
    expect((await cli(['reconcile'], noTable())).code).toBe(0);
    expect(few.filter(isOffboarded)).toEqual(few);
    const many = await departed(6, 754000000001);
    const run = await cli(['reconcile'], noTable());
    expect(run.code).toBe(3);
    expect(run.out).toMatch(/this run would offboard 6 accounts and that is more than 5 per run/);
    expect(many.filter(isOffboarded)).toEqual([]);
  });
});
