import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { SimCounters, SimReply, SimRequest } from './veeam-sim-process';

/** The Veeam simulator in a child process (bench/veeam-sim-process.ts), one request at a time over IPC. */
export class SimProcess {
  private readonly child: ChildProcess;
  private pending: Array<(reply: SimReply) => void> = [];

  private constructor() {
    this.child = fork(path.join(__dirname, 'veeam-sim-process.ts'), [], {
      execArgv: ['--no-warnings', '--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.child.on('message', (msg: unknown) => this.pending.shift()?.(msg as SimReply));
  }

  static async start(): Promise<SimProcess & { url: string; certSha256: string }> {
    const p = new SimProcess();
    const r = await p.ask({ type: 'start' });
    if (r.type !== 'started') throw new Error(`simulator did not start: ${JSON.stringify(r)}`);
    return Object.assign(p, { url: r.url, certSha256: r.certSha256 });
  }

  ask(req: SimRequest): Promise<SimReply> {
    return new Promise((resolve) => {
      this.pending.push(resolve);
      this.child.send(req);
    });
  }

  async counters(): Promise<SimCounters> {
    const r = await this.ask({ type: 'counters' });
    if (r.type !== 'counters') throw new Error('unexpected simulator reply');
    return r.counters;
  }

  async stop(): Promise<void> {
    await this.ask({ type: 'stop' });
  }
}
