import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

/*
 * The hand-labelled sample the object detector is measured on (docs/detection.md): persons,
 * vehicles and animals boxed by eye in real footage that Debian ships (opencv-doc). This
 * module reads and checks the labels and decodes the labelled pictures; scoring a detector
 * against them is the benchmark's business.
 */

const run = promisify(execFile);

/** Where Debian's opencv-doc puts its sample pictures and videos. */
export const OPENCV_SAMPLES_DIR = '/usr/share/doc/opencv-doc/examples/data';

/** The labels, kept with the test fixtures (…/dist/bench/ → the checkout's test/fixtures/). */
export const LABELS_FILE = path.join(__dirname, '..', '..', 'test', 'fixtures', 'detection', 'labels.json');

/** Sources with these endings are videos: an item names one frame of them. Anything else is a still. */
const VIDEO_EXTENSIONS = ['.avi', '.mp4', '.mkv', '.mov'];

export function isVideo(source: string): boolean {
  return VIDEO_EXTENSIONS.includes(path.extname(source).toLowerCase());
}

const BoxSchema = Type.Tuple(
  [Type.Integer({ minimum: 0 }), Type.Integer({ minimum: 0 }), Type.Integer({ minimum: 1 }), Type.Integer({ minimum: 1 })],
  { description: '[x, y, width, height] in the picture\'s pixels, from its top-left corner' },
);

const LabelledObjectSchema = Type.Object(
  {
    label: Type.Union([Type.Literal('person'), Type.Literal('vehicle'), Type.Literal('animal')], { description: 'The alert class' }),
    kind: Type.Optional(Type.String({ minLength: 1, maxLength: 40, description: 'What it is when that helps: van, car, squirrel' })),
    box: BoxSchema,
    ignore: Type.Optional(Type.Boolean({ description: 'Counts neither as a miss nor, when detected, as a false positive' })),
    crowd: Type.Optional(Type.Boolean({ description: 'An ignored region holding many objects not boxed one by one' })),
    note: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: false },
);

const LabelledItemSchema = Type.Object(
  {
    source: Type.String({ pattern: '^[A-Za-z0-9_-][A-Za-z0-9_.-]*$', maxLength: 100, description: 'A file name in the footage folder' }),
    frame: Type.Optional(Type.Integer({ minimum: 0, description: 'For a video: the 0-based index of the decoded frame' })),
    width: Type.Integer({ minimum: 1, maximum: 10000 }),
    height: Type.Integer({ minimum: 1, maximum: 10000 }),
    split: Type.Union([Type.Literal('tuning'), Type.Literal('heldout')]),
    objects: Type.Array(LabelledObjectSchema),
  },
  { additionalProperties: false },
);

const LabelsSchema = Type.Object(
  {
    about: Type.String({ minLength: 1 }),
    items: Type.Array(LabelledItemSchema, { minItems: 1 }),
  },
  { additionalProperties: false },
);

export type Box = Static<typeof BoxSchema>;
export type LabelledObject = Static<typeof LabelledObjectSchema>;
export type LabelledItem = Static<typeof LabelledItemSchema>;
export type Labels = Static<typeof LabelsSchema>;

/** What probing a source found: its picture size and, for a video, how many frames it decodes to. */
export interface FootageInfo {
  width: number;
  height: number;
  frames?: number;
}

/** A decoded picture: width × height pixels of 3 bytes (R, G, B), row by row from the top left. */
export interface RgbPicture {
  width: number;
  height: number;
  rgb: Uint8Array;
}

export class LabelsError extends Error {}

/** "items[3].objects[1].box[2]" from "/items/3/objects/1/box/2". */
function pathName(pointer: string): string {
  const name = pointer
    .split('/')
    .slice(1)
    .map((part) => (/^\d+$/.test(part) ? `[${part}]` : `.${part}`))
    .join('')
    .replace(/^\./, '');
  return name || '(top level)';
}

/** TypeBox says only "Expected union value" for a bad enum: name the allowed values instead. */
function explain(schema: TSchema, message: string): string {
  const options = (schema as { anyOf?: { const?: unknown }[] }).anyOf;
  if (options && options.every((o) => typeof o.const === 'string')) return `must be one of ${options.map((o) => String(o.const)).join(', ')}`;
  return message;
}

/** How an item is named in errors: its source, and its frame for a video. */
export function itemName(item: unknown): string {
  const { source, frame } = typeof item === 'object' && item !== null ? (item as { source?: unknown; frame?: unknown }) : {};
  const name = typeof source === 'string' ? source : '(no source)';
  return typeof frame === 'number' ? `${name} frame ${frame}` : frame === undefined ? name : `${name} frame ${JSON.stringify(frame)}`;
}

/**
 * Checks labels read from JSON: the schema, then what a schema cannot say — a video's item names
 * a frame and a still's does not, every box lies inside its picture, a crowd region is ignored,
 * and no picture is labelled twice. Throws a LabelsError naming the item and the problem.
 */
export function validateLabels(input: unknown, origin = 'labels'): Labels {
  const first = Value.Errors(LabelsSchema, input).First();
  if (first) {
    const match = /^\/items\/(\d+)(\/.*)?$/.exec(first.path);
    const items = (input as { items?: unknown[] } | null)?.items;
    const where =
      match && Array.isArray(items)
        ? `items[${match[1]}] (${itemName(items[Number(match[1])])})${match[2] ? `: ${pathName(match[2])}` : ''}`
        : pathName(first.path);
    const found = first.value === undefined ? 'missing' : JSON.stringify(first.value);
    throw new LabelsError(`${origin}: ${where} is invalid: ${explain(first.schema, first.message)} (found ${found})`);
  }
  const labels = input as Labels;
  const seen = new Set<string>();
  labels.items.forEach((item, i) => {
    const name = `${origin}: items[${i}] (${itemName(item)})`;
    if (isVideo(item.source) && item.frame === undefined) throw new LabelsError(`${name}: a video's item needs "frame", the index of the labelled frame`);
    if (!isVideo(item.source) && item.frame !== undefined) throw new LabelsError(`${name}: "frame" is only for videos, and ${item.source} is a still`);
    const key = itemName(item);
    if (seen.has(key)) throw new LabelsError(`${name}: this picture is labelled twice`);
    seen.add(key);
    item.objects.forEach((object, j) => {
      const [x, y, w, h] = object.box;
      if (x + w > item.width || y + h > item.height) {
        throw new LabelsError(`${name}: objects[${j}].box [${object.box.join(', ')}] reaches outside the ${item.width}×${item.height} picture`);
      }
      if (object.crowd && !object.ignore) throw new LabelsError(`${name}: objects[${j}] is a crowd region, which must also be "ignore": true`);
    });
  });
  return labels;
}

/** Reads and validates a labels file (by default the project's own). */
export function readLabels(file = LABELS_FILE): Labels {
  let input: unknown;
  try {
    input = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new LabelsError(`cannot read labels ${file}: ${(err as Error).message}`);
  }
  return validateLabels(input, path.basename(file));
}

/**
 * Checks the labels against the footage as probed: every source was found, its size is the
 * labelled size, and every labelled frame exists in its video.
 */
export function checkAgainstFootage(labels: Labels, footage: ReadonlyMap<string, FootageInfo>): void {
  labels.items.forEach((item, i) => {
    const name = `items[${i}] (${itemName(item)})`;
    const info = footage.get(item.source);
    if (!info) throw new LabelsError(`${name}: footage ${item.source} was not found`);
    if (info.width !== item.width || info.height !== item.height) {
      throw new LabelsError(`${name}: labelled as ${item.width}×${item.height} but the footage is ${info.width}×${info.height}`);
    }
    if (item.frame !== undefined && info.frames !== undefined && item.frame >= info.frames) {
      throw new LabelsError(`${name}: frame ${item.frame} is out of range: the video has ${info.frames} frames (0 to ${info.frames - 1})`);
    }
  });
}

/** Size, and for a video the number of frames it decodes to (ffprobe counts them by decoding). */
export async function probeFootage(file: string): Promise<FootageInfo> {
  if (!existsSync(file)) throw new LabelsError(`footage ${file} does not exist`);
  const video = isVideo(file);
  const args = ['-v', 'error', '-select_streams', 'v:0', ...(video ? ['-count_frames'] : []), '-show_entries', 'stream=width,height,nb_read_frames', '-of', 'json', file];
  const { stdout } = await run('ffprobe', args);
  const stream = (JSON.parse(stdout) as { streams?: { width?: number; height?: number; nb_read_frames?: string }[] }).streams?.[0];
  if (!stream?.width || !stream.height) throw new LabelsError(`ffprobe found no picture in ${file}`);
  return { width: stream.width, height: stream.height, ...(video ? { frames: Number(stream.nb_read_frames) } : {}) };
}

/** Reads the labels and checks them against the footage in `dir` (probing each source once). */
export async function loadLabelledFootage(file = LABELS_FILE, dir = OPENCV_SAMPLES_DIR): Promise<Labels> {
  const labels = readLabels(file);
  const footage = new Map<string, FootageInfo>();
  for (const source of new Set(labels.items.map((item) => item.source))) {
    const full = path.join(dir, source);
    if (existsSync(full)) footage.set(source, await probeFootage(full));
  }
  checkAgainstFootage(labels, footage);
  return labels;
}

/**
 * Decodes the labelled picture as raw RGB: for a video, decoded frame number `frame` counted from
 * 0 (the select filter counts frames as the decoder delivers them, before any frame-rate
 * conversion could drop or repeat one); for a still, the picture.
 */
export async function extractPicture(item: Pick<LabelledItem, 'source' | 'frame' | 'width' | 'height'>, dir = OPENCV_SAMPLES_DIR): Promise<RgbPicture> {
  const file = path.join(dir, item.source);
  if (!existsSync(file)) throw new LabelsError(`footage ${file} does not exist`);
  const select = item.frame === undefined ? [] : ['-vf', `select=eq(n\\,${item.frame})`, '-fps_mode', 'passthrough'];
  const args = ['-v', 'error', '-nostdin', '-i', file, ...select, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'];
  const size = item.width * item.height * 3;
  const { stdout } = await run('ffmpeg', args, { encoding: 'buffer', maxBuffer: size + 1024 });
  if (stdout.length !== size) {
    const what = stdout.length === 0 ? 'no picture (is the frame past the end?)' : `${stdout.length} bytes`;
    throw new LabelsError(`${itemName(item)}: ffmpeg decoded ${what}, expected ${size} bytes for ${item.width}×${item.height} RGB`);
  }
  return { width: item.width, height: item.height, rgb: new Uint8Array(stdout.buffer, stdout.byteOffset, stdout.length) };
}
