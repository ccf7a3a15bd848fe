/**
 * The Node options every camera agent process runs with — the systemd unit's ExecStart, the
 * demo and the benchmarks' agent runs, so that what is measured is what a household runs
 * (test/systemd/units.test.ts holds the unit to this list).
 *
 * `--single-threaded-gc`: V8 otherwise marks and sweeps its heap on helper threads beside the
 * JavaScript thread. The agent's heap is small (about 10 MB) and turns over a few times a
 * minute (analysis frames, video fragments), so the helpers' coordination costs more than
 * the work they take off the main thread. Measured on the stand-in IP camera at 640×360
 * (medians of 3 alternated 40 s rounds, 2026-12-05): the agent's Node at 0.0245 CPU-s per s
 * without it, 0.019 with it and a 32 MB initial old space, 0.0225 with that old space alone,
 * which is within the rounds' spread and so not used. GC pauses stay a few milliseconds on a
 * heap this size. On a Pi the helper threads would also compete with ffmpeg for its cores.
 */
export const AGENT_NODE_FLAGS: readonly string[] = ['--single-threaded-gc'];
