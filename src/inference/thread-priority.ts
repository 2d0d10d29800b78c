import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';

/** The lowest scheduling priority (nice 19). */
const LOWEST = 19;

/**
 * Gives the calling worker thread the lowest CPU priority, so that when decoding saturates
 * the cores the event loop still gets the CPU whenever it has work. Linux only: there a
 * thread has its own kernel id (read from /proc/thread-self) and its own nice value.
 * Elsewhere the call would renice the whole process, so nothing is done.
 */
export function lowerThreadPriority(): void {
  let tid: number;
  try {
    tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
  } catch {
    return;
  }
  if (!Number.isInteger(tid) || tid <= 0 || tid === process.pid) return;
  try {
    setPriority(tid, LOWEST);
  } catch {
    // A container may forbid it; decoding is still off the event loop.
  }
}
