// The worker entry: runs jobs posted by a WorkerPool and posts back progress, then the result
// (its large arrays transferred) or the error. One job at a time; an abort message aborts it.
import { ownerPort } from "./port.js";
import { run, type Job } from "./run.js";
import { toWire, type FitOutput } from "./serialize.js";
import { resolveTarget } from "./target-source.js";
import type { Reply, Request } from "./pool.js";

const port = await ownerPort();
const running = new Map<number, AbortController>();
const reply = (m: Reply, transfer?: ArrayBuffer[]) => port.post(m, transfer);

port.listen(async (message) => {
  const m = message as Request;
  if (m.type === "abort") {
    const job = running.get(m.id);
    job?.abort();
    if (job) reply({ type: "aborting", id: m.id });
    return;
  }
  const controller = new AbortController();
  if (m.aborted) controller.abort();
  running.set(m.id, controller);
  try {
    const target = m.target === null ? null : await resolveTarget(m.target);
    // a task's turn first, so that an abort posted right after the job is usually seen before it
    // starts (not always: Chromium may run the timer first; an abort already made comes with the job)
    await new Promise((resolve) => setTimeout(resolve, 0));
    reply({ type: "started", id: m.id });
    const job: Job = { method: m.method, target, matrix: m.matrix, options: m.options, snapshots: m.snapshots };
    // a snapshot is copied, not transferred: the final result may share its arrays
    const progress = (info: unknown, current?: FitOutput) => reply({ type: "progress", id: m.id, info, current: current && toWire(current).wire });
    const result = await run(job, progress, controller.signal);
    const { wire, transfer } = toWire(result);
    reply({ type: "done", id: m.id, wire }, transfer);
  } catch (e) {
    const error = e instanceof Error ? e : new Error(String(e));
    reply({ type: "error", id: m.id, name: error.name, message: error.message });
  } finally {
    running.delete(m.id);
  }
});
