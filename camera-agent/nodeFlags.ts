/**
 * The Node options every camera agent process runs with — the systemd unit's ExecStart, the
 * demo and the benchmarks' agent runs, so that what is measured is what a household runs
 * (test/systemd/units.test.ts holds the unit to this list).
 *
 * `--single-threaded-gc`: V8 otherwise marks and sweeps its heap on helper threads beside the
 * JavaScript thread. The agent's heap is small (about 10 MB) and turns over a few times a
 * minute (analysis frames, video fragments), so the helpers' coordination costs more than
 * the work they take off the main thread: measured on the stand-in IP camera at 640×360,
 * the agent's Node used about a fifth less CPU with it (BENCHMARKS.md, "Camera agent on an
 * IP camera"). GC pauses stay a few milliseconds on a heap this size. On a Pi the helper
 * threads would also compete with ffmpeg for the same cores.
 */
export const AGENT_NODE_FLAGS: readonly string[] = ['--single-threaded-gc'];
