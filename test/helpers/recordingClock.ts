import { ManualClock } from '../../common/clock';

/** A ManualClock that also remembers every wait asked of it, so a test can read a loop's backoff. */
export class RecordingClock extends ManualClock {
  readonly waits: number[] = [];

  override sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.waits.push(ms);
    return super.sleep(ms, signal);
  }
}
