// Progress: on a TTY a live block (one line per running node: state, elapsed, last log line)
// and a summary; elsewhere (CI) plain timestamped lines.
import type { NodeResult } from '../graph/realize.js';

export interface Reporter {
  nodeStarted(name: string, kind: string, action: 'build' | 'substitute' | 'check'): void;
  nodeLine(name: string, line: string): void;
  nodeFinished(result: NodeResult): void;
  message(text: string): void;
  close(): void;
}

const STATUS_WORD: Record<NodeResult['status'], string> = {
  cached: 'CACHED',
  built: 'BUILT',
  substituted: 'FETCHED',
  failed: 'FAIL',
  skipped: 'SKIP',
};

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

/** One line for a finished node. */
export function finishedLine(result: NodeResult): string {
  const head = `${STATUS_WORD[result.status].padEnd(7)} ${result.name}`;
  if (result.status === 'skipped') return `${head} (because ${result.because?.startsWith('an ') ? result.because : `dependency ${result.because} failed`})`;
  if (result.status === 'failed') return `${head} after ${seconds(result.durationMs)}: ${result.failure?.message.split('\n')[0] ?? ''}`;
  if (result.status === 'cached') return head;
  return `${head} in ${seconds(result.durationMs)}`;
}

/** Plain lines with a UTC time stamp: what CI logs keep. */
export class PlainReporter implements Reporter {
  constructor(private readonly out: NodeJS.WritableStream = process.stderr, private readonly verbose = false) {}
  private say(text: string): void {
    this.out.write(`[${new Date().toISOString().slice(11, 19)}] ${text}\n`);
  }
  nodeStarted(name: string, kind: string, action: string): void {
    this.say(`${action.toUpperCase().padEnd(7)} ${name} (${kind})`);
  }
  nodeLine(name: string, line: string): void {
    if (this.verbose) this.say(`${name}> ${line}`);
  }
  nodeFinished(result: NodeResult): void {
    this.say(finishedLine(result));
  }
  message(text: string): void {
    this.say(text);
  }
  close(): void {}
}

interface Running {
  kind: string;
  action: string;
  started: number;
  last: string;
}

/** The live block for terminals, redrawn four times a second. */
export class TtyReporter implements Reporter {
  private readonly running = new Map<string, Running>();
  private drawn = 0;
  private readonly timer: NodeJS.Timeout;
  constructor(private readonly out: NodeJS.WriteStream = process.stderr) {
    this.timer = setInterval(() => this.redraw(), 250);
    this.timer.unref();
  }
  private clear(): void {
    if (this.drawn) this.out.write(`\x1b[${this.drawn}A\x1b[J`);
    this.drawn = 0;
  }
  private redraw(): void {
    this.clear();
    const width = this.out.columns || 100;
    const lines = [...this.running].map(([name, r]) => {
      const text = `  ${r.action} ${name} ${seconds(Date.now() - r.started)}  ${r.last.replace(/\s+/g, ' ')}`;
      return text.length > width - 1 ? text.slice(0, width - 2) + '…' : text;
    });
    if (lines.length) this.out.write(lines.join('\n') + '\n');
    this.drawn = lines.length;
  }
  private print(text: string): void {
    this.clear();
    this.out.write(text + '\n');
    this.redraw();
  }
  nodeStarted(name: string, kind: string, action: string): void {
    this.running.set(name, { kind, action, started: Date.now(), last: '' });
    this.redraw();
  }
  nodeLine(name: string, line: string): void {
    const r = this.running.get(name);
    if (r && line.trim()) r.last = line;
  }
  nodeFinished(result: NodeResult): void {
    this.running.delete(result.name);
    this.print(finishedLine(result));
  }
  message(text: string): void {
    this.print(text);
  }
  close(): void {
    clearInterval(this.timer);
    this.clear();
  }
}

/** The reporter for this process: live on a TTY, plain otherwise (or when CI is set). */
export function makeReporter(verbose = false): Reporter {
  return process.stderr.isTTY && !process.env.CI ? new TtyReporter() : new PlainReporter(process.stderr, verbose);
}
