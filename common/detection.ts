import { Type, type Static } from '@sinclair/typebox';

/*
 * Object detection's shared vocabulary: what a camera sends the hub while motion lasts (a
 * picture of the moment), and what the hub's detector answers (objects with class, score and
 * box). The camera only captures; the COCO model runs on the hub (docs/detection.md says why),
 * so these types are the whole contract between the two.
 */

/** The classes an alert can be about. COCO's 80 classes map onto these (or onto none). */
export const OBJECT_LABELS = ['person', 'vehicle', 'animal'] as const;
export type ObjectLabel = (typeof OBJECT_LABELS)[number];

/** [x, y, width, height] as fractions (0..1) of the picture's width and height. */
export type Box = [number, number, number, number];

export interface DetectedObject {
  label: ObjectLabel;
  /** The model's own class name (e.g. "truck" for a vehicle). */
  cocoClass: string;
  /** 0..1 */
  score: number;
  box: Box;
}

/**
 * A picture for the detector: the camera's video at detection size, planar YUV 4:2:0 as
 * ffmpeg's `yuv420p` writes it (full-size Y, then quarter-size U and V), so the camera spends
 * no conversion on it. Width and height are even. Limited (TV) range, as the agent's ffmpeg
 * writes it whatever range the camera sends (camera-agent/detectionFrames.ts): Y 16–235.
 */
export interface DetectionFrame {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Bytes in a yuv420p picture of this size. */
export function yuv420pBytes(width: number, height: number): number {
  return width * height + 2 * (width / 2) * (height / 2);
}

/** Sent as JSON in the `x-porchlight-detection` header of a detection-frame upload; the body is the yuv420p picture. */
export const DetectionFrameMetaSchema = Type.Object(
  {
    /** The motion start this picture belongs to: its `at` (wall-clock ms), as sent to /api/device/events. */
    eventAt: Type.Integer({ minimum: 0 }),
    /** Wall-clock ms of the camera frame the picture was decoded from. */
    frameAt: Type.Integer({ minimum: 0 }),
    width: Type.Integer({ minimum: 64, maximum: 1920, multipleOf: 2 }),
    height: Type.Integer({ minimum: 64, maximum: 1080, multipleOf: 2 }),
    /** Where motion was seen, when the camera knows: the detector may look there first. */
    region: Type.Optional(Type.Tuple([Type.Number({ minimum: 0, maximum: 1 }), Type.Number({ minimum: 0, maximum: 1 }), Type.Number({ minimum: 0, maximum: 1 }), Type.Number({ minimum: 0, maximum: 1 })])),
  },
  { additionalProperties: false },
);
export type DetectionFrameMeta = Static<typeof DetectionFrameMetaSchema>;
export const DETECTION_META_HEADER = 'x-porchlight-detection';

/** The detector the hub runs: one picture in, the objects it holds out. */
export interface ObjectDetector {
  /** e.g. "centernet" */
  readonly model: string;
  /** TensorFlow.js backend in use: "tensorflow" (tfjs-node), "wasm" or "cpu". */
  readonly backend: string;
  detect(frame: DetectionFrame): Promise<DetectedObject[]>;
  /** Loads the model ahead of the first picture, where loading is worth doing early. */
  load?(): Promise<unknown>;
  /** True while the model is being loaded: answers are coming, only late (seconds on a Pi). */
  readonly loading?: boolean;
  close(): Promise<void>;
}

const Fraction = Type.Number({ minimum: 0, maximum: 1 });
export const DetectedObjectSchema = Type.Object(
  {
    label: Type.Union(OBJECT_LABELS.map((l) => Type.Literal(l))),
    cocoClass: Type.String(),
    score: Fraction,
    box: Type.Tuple([Fraction, Fraction, Fraction, Fraction]),
  },
  { additionalProperties: false },
);

/** A motion event's label: the best detection of one COCO class over the event's pictures so far. */
export const EventLabelSchema = Type.Object(
  {
    label: Type.Union(OBJECT_LABELS.map((l) => Type.Literal(l))),
    cocoClass: Type.String(),
    score: Fraction,
    box: Type.Tuple([Fraction, Fraction, Fraction, Fraction]),
    /** Wall-clock ms of the camera frame this detection was in. */
    frameAt: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);
export type EventLabel = Static<typeof EventLabelSchema>;

/** The hub's answer to a detection-frame upload: what this picture holds, and the event's labels so far. */
export const DetectionAnswerSchema = Type.Object({ objects: Type.Array(DetectedObjectSchema), labels: Type.Array(EventLabelSchema) }, { additionalProperties: false });
export type DetectionAnswer = Static<typeof DetectionAnswerSchema>;
