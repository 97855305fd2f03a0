import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const LOCK_FILE = 'runtime.lock';
/** A killed process takes a moment to be torn down and reaped; wait that long for it. */
const DYING_OWNER_WAIT_MS = 2000;

interface LockOwner {
  pid: number;
  /** The owner's start time (/proc), so a recycled pid is not taken for the owner. */
  started?: string;
}

/**
 * One local runtime per data folder: dynalite's store cannot be opened twice, and a second
 * opener fails later with an uncaught "Database is closed". A lock file with the owner's pid
 * turns that into a clear message at start. A lock whose owner is gone is taken over: a pid
 * that no longer exists, a zombie (killed, not yet reaped by its parent), or a pid recycled by
 * another process; an owner still exiting gets a moment to finish.
 */
export async function lockDataFolder(dataDir: string): Promise<() => void> {
  const path = join(dataDir, LOCK_FILE);
  const deadline = Date.now() + DYING_OWNER_WAIT_MS;
  for (;;) {
    try {
      const me: LockOwner = { pid: process.pid, ...startTimeOf(process.pid) };
      writeFileSync(path, JSON.stringify(me), { flag: 'wx' });
      return () => rmSync(path, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = readOwner(path);
      if (owner && ownerAlive(owner)) {
        if (owner.pid !== process.pid && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 50));
          continue;
        }
        throw new Error(
          `the data folder ${dataDir} is in use by another local runtime (pid ${owner.pid}); ` +
            'stop it, or start this one with --data <another folder> or --memory',
        );
      }
      rmSync(path, { force: true }); // stale: its process is gone
    }
  }
}

function readOwner(path: string): LockOwner | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined; // removed meanwhile: try again
  }
  try {
    const parsed = JSON.parse(text) as LockOwner | number;
    // Older runtimes wrote the bare pid.
    const owner = typeof parsed === 'number' ? { pid: parsed } : parsed;
    return Number.isInteger(owner.pid) && owner.pid > 0 ? owner : undefined;
  } catch {
    return undefined; // a lock cut short by a crash while it was written
  }
}

function ownerAlive(owner: LockOwner): boolean {
  if (owner.pid === process.pid) return true;
  try {
    process.kill(owner.pid, 0); // signal 0 only asks whether the process exists
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const stat = procStat(owner.pid);
  if (!stat) return true; // no /proc (not Linux): existence is all we can tell
  if (stat.state === 'Z' || stat.state === 'X') return false;
  return owner.started === undefined || owner.started === stat.started;
}

function startTimeOf(pid: number): { started?: string } {
  const stat = procStat(pid);
  return stat ? { started: stat.started } : {};
}

/** State and start time (clock ticks since boot) of a process, from /proc/<pid>/stat. */
function procStat(pid: number): { state: string; started: string } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: split after it.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0]!, started: fields[19]! };
  } catch {
    return undefined;
  }
}
