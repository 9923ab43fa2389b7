// The stream's journal: sequence numbers and the resume buffer. Pure and bounded.
//
// Every batch of delta ops gets the next sequence number and is serialised once (fan-out sends
// the same string to every client). The last `maxEntries` batches (and at most `maxBytes` of
// them) are kept, so a client that reconnects to the same stream with its last seq is sent
// exactly the batches after it. Anything older, newer than the head, or from another stream
// (the hub restarted, or another replica answered) gets a fresh snapshot instead.

import type { DeltaOp } from '../../protocol/messages.ts';

export interface JournalEntry {
  seq: number;
  /** The serialised `delta` frame, shared by every client. */
  frame: string;
}

export type ResumePlan =
  | { kind: 'replay'; entries: JournalEntry[] }
  | { kind: 'snapshot'; reason: 'new-client' | 'other-stream' | 'too-old' | 'ahead' };

export interface JournalLimits {
  maxEntries: number;
  maxBytes: number;
}

export class Journal {
  readonly streamId: string;
  private head = 0;
  private entries: JournalEntry[] = [];
  private bytes = 0;
  private readonly limits: JournalLimits;

  constructor(streamId: string, limits: JournalLimits = { maxEntries: 10_000, maxBytes: 32 << 20 }) {
    this.streamId = streamId;
    this.limits = limits;
  }

  /** Sequence number of the newest batch (0 before any). */
  get seq(): number {
    return this.head;
  }

  /** Oldest seq a client may resume from (it then gets every batch after it). */
  get oldestResumable(): number {
    return this.entries.length ? this.entries[0].seq - 1 : this.head;
  }

  get size(): { entries: number; bytes: number } {
    return { entries: this.entries.length, bytes: this.bytes };
  }

  append(ops: DeltaOp[]): JournalEntry {
    const seq = ++this.head;
    const e = { seq, frame: JSON.stringify({ type: 'delta', seq, ops }) };
    this.entries.push(e);
    this.bytes += e.frame.length;
    let drop = 0;
    while (
      this.entries.length - drop > 1 &&
      (this.entries.length - drop > this.limits.maxEntries || this.bytes > this.limits.maxBytes)
    ) {
      this.bytes -= this.entries[drop].frame.length;
      drop++;
    }
    if (drop) this.entries.splice(0, drop);
    return e;
  }

  plan(resume: { streamId: string; seq: number } | undefined): ResumePlan {
    if (!resume) return { kind: 'snapshot', reason: 'new-client' };
    if (resume.streamId !== this.streamId) return { kind: 'snapshot', reason: 'other-stream' };
    if (resume.seq > this.head) return { kind: 'snapshot', reason: 'ahead' };
    if (resume.seq < this.oldestResumable) return { kind: 'snapshot', reason: 'too-old' };
    // entries are contiguous: index of seq+1 is (seq+1 - first.seq)
    const first = this.entries.length ? this.entries[0].seq : this.head + 1;
    return { kind: 'replay', entries: this.entries.slice(resume.seq + 1 - first) };
  }
}
