import { OBJECT_LABELS, type Box, type ObjectLabel } from '../common/detection';
import type { ObjectsNotice } from './motionLabels';
import { decideObjectAlert, type ObjectRules } from './objectAlertPolicy';

/*
 * What each camera's current motion event has counted so far, for Home Assistant's per-class
 * sensors (Frigate-style: "person" is on while the event that saw one lasts). Pure state, no
 * I/O: the MQTT bridge feeds it the hub's 'motion' and 'objects' events and publishes what it
 * answers. Only objects the camera's policy counts (hub/objectAlertPolicy.ts) go in, never raw
 * detections: a person below the minimum score, outside the zones or of a class the camera does
 * not detect turns nothing on.
 */

/** The best counted object of one class over the event. */
export interface CountedObject {
  label: ObjectLabel;
  cocoClass: string;
  score: number;
  box: Box;
  frameAt: number;
}

/** What one camera's event has counted, and whether the detector answered at all during it. */
interface EventState {
  eventAt: number;
  answered: boolean;
  best: Map<ObjectLabel, CountedObject>;
}

export interface EventObjectsSummary {
  eventAt: number;
  /** The counted classes, in the order person, vehicle, animal. */
  labels: ObjectLabel[];
  objects: CountedObject[];
}

export class EventObjects {
  private readonly current = new Map<string, EventState>();
  /** The last event each camera ended, so a picture answered after its event ended changes nothing. */
  private readonly ended = new Map<string, number>();

  /** A motion event started: what the camera counted before is forgotten. */
  start(deviceId: string, eventAt: number): void {
    this.current.set(deviceId, { eventAt, answered: false, best: new Map() });
  }

  /**
   * The event ended: its summary (null when no event was open or the detector never answered
   * during it, so nothing is known about its objects).
   */
  end(deviceId: string): EventObjectsSummary | null {
    const state = this.current.get(deviceId);
    if (!state) return null;
    this.current.delete(deviceId);
    this.ended.set(deviceId, state.eventAt);
    return state.answered ? summary(state) : null;
  }

  /**
   * One answer of the detector (possibly empty). Returns the classes this answer turned on
   * (counted for the first time in this event) and the event's summary when it changed, else
   * null. An answer for an event other than the open one is ignored, except that a camera with
   * no open event (the hub restarted mid-event) adopts a newer event than the last it ended.
   */
  add(notice: ObjectsNotice, rules: ObjectRules): { turnedOn: ObjectLabel[]; summary: EventObjectsSummary | null } | null {
    let state = this.current.get(notice.deviceId);
    if (!state) {
      const ended = this.ended.get(notice.deviceId);
      if (ended !== undefined && notice.eventAt <= ended) return null;
      state = { eventAt: notice.eventAt, answered: false, best: new Map() };
      this.current.set(notice.deviceId, state);
    }
    if (state.eventAt !== notice.eventAt) return null;
    const decision = decideObjectAlert({
      camera: notice.deviceName,
      detection: rules.detection,
      zones: rules.zones,
      sightings: notice.objects.map((object) => ({ object, frameAt: notice.frameAt })),
    });
    // A camera that detects no classes says nothing about objects, not "none seen".
    if (decision.basis !== 'objects') return null;
    state.answered = true;
    const turnedOn: ObjectLabel[] = [];
    let changed = false;
    for (const s of decision.best) {
      const o = s.object;
      const kept = state.best.get(o.label);
      if (!kept) turnedOn.push(o.label);
      if (!kept || o.score > kept.score) {
        state.best.set(o.label, { label: o.label, cocoClass: o.cocoClass, score: o.score, box: o.box, frameAt: s.frameAt ?? notice.frameAt });
        changed = true;
      }
    }
    return { turnedOn, summary: changed ? summary(state) : null };
  }

  /** Whether the camera's open event has counted an object of this class. */
  isOn(deviceId: string, label: ObjectLabel): boolean {
    return this.current.get(deviceId)?.best.has(label) ?? false;
  }
}

function summary(state: EventState): EventObjectsSummary {
  const objects = OBJECT_LABELS.flatMap((label) => {
    const o = state.best.get(label);
    return o ? [o] : [];
  });
  return { eventAt: state.eventAt, labels: objects.map((o) => o.label), objects };
}

/** The last-labels sensor: state "person, vehicle" ("none" for an event with nothing counted), the detail as attributes. */
export function labelsSensor(s: EventObjectsSummary): { state: string; attributes: Record<string, unknown> } {
  return {
    state: s.labels.length > 0 ? s.labels.join(', ') : 'none',
    attributes: {
      event_at: new Date(s.eventAt).toISOString(),
      objects: s.objects.map((o) => ({ label: o.label, class: o.cocoClass, score: o.score, box: o.box, time: new Date(o.frameAt).toISOString() })),
    },
  };
}
