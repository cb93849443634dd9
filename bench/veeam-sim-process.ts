/*
 * The Veeam simulator in a process of its own for the bench (forked by bench/sim-client.ts): the appliance is
 * another machine in production, so neither its CPU (TLS, listing, JSON) nor its memory should count against the
 * service. Driven over the IPC channel.
 */
import { startVeeamSimulator, type SimEntry, type VeeamSimulator } from '../sim/veeam';

export type SimRequest =
  | { type: 'start' }
  | { type: 'add'; entries: Array<Pick<SimEntry, 'name' | 'description' | 'accountId' | 'roleName'>> }
  | { type: 'latency'; ms: number }
  | { type: 'counters' }
  | { type: 'stop' };

export interface SimCounters {
  logins: number;
  refreshes: number;
  requests: number;
  writes: number;
  entries: number;
  byRoute: Record<string, number>;
}

export type SimReply =
  { type: 'started'; url: string; certSha256: string } | { type: 'counters'; counters: SimCounters } | { type: 'ok' };

let sim: VeeamSimulator | undefined;

/**
 * The simulator sorts every entry by name (localeCompare) on every GET, i.e. per page of a full listing. A real
 * appliance answers from an indexed store; handing the sort an already sorted array keeps the simulator's own CPU
 * out of the figures (TimSort on sorted input is one pass).
 */
function presortListing(s: VeeamSimulator): void {
  const state = s.state;
  const map = state.entries;
  let sorted: SimEntry[] | undefined;
  const set = map.set.bind(map);
  const del = map.delete.bind(map);
  map.set = (k, v) => {
    sorted = undefined;
    return set(k, v);
  };
  map.delete = (k) => {
    sorted = undefined;
    return del(k);
  };
  state.list = () => {
    sorted ??= [...map.values()].sort((a, b) => a.name.localeCompare(b.name));
    return [...sorted];
  };
}

function reply(msg: SimReply): void {
  process.send?.(msg);
}

process.on('message', (raw: unknown) => {
  const msg = raw as SimRequest;
  void (async () => {
    switch (msg.type) {
      case 'start': {
        sim = await startVeeamSimulator({ sessionRunningPolls: 0 });
        presortListing(sim);
        reply({ type: 'started', url: sim.url, certSha256: sim.certSha256 });
        return;
      }
      case 'add':
        for (const e of msg.entries) sim!.state.addEntry(e);
        reply({ type: 'ok' });
        return;
      case 'latency':
        sim!.faults.latencyMs = msg.ms;
        reply({ type: 'ok' });
        return;
      case 'counters': {
        const s = sim!.state;
        reply({
          type: 'counters',
          counters: {
            logins: s.counters.logins,
            refreshes: s.counters.refreshes,
            requests: s.counters.requests,
            writes: s.writes(),
            entries: s.entries.size,
            byRoute: { ...s.counters.byRoute },
          },
        });
        return;
      }
      case 'stop':
        await sim?.stop();
        reply({ type: 'ok' });
        process.exit(0);
    }
  })();
});
