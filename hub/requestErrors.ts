import type { TSchema } from '@sinclair/typebox';
import { ValueErrorType, type ValueError } from '@sinclair/typebox/errors';
import { WORDS_KEYWORD } from '../common/api/words';

/*
 * The request-shape checks (the TypeBox schema of each route) answer in the API's voice: a
 * lower-case clause that names the field in words and says what is wrong with it ("the
 * radius must be a number"), which the UI turns into a sentence. The words for each field
 * are in its schema (`said(...)`, common/api/words.ts). Nothing of the schema
 * machinery (JSON pointers, "Expected string") reaches the homeowner.
 */

/** Which part of the request a schema checked: Fastify's 'body', 'querystring', 'params' or 'headers'. */
export type RequestPart = string;

/** `nightModeLevel` → "the night mode level": a field whose schema has no words, still in words. */
function spelledOut(key: string): string {
  const words = key
    .replace(/^_+/, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .toLowerCase()
    .trim();
  return `the ${words || 'value'}`;
}

/** A field's words from its schema (common/api/words.ts), else spelled out from its name. */
function fieldWords(key: string, schema: Schema | undefined): string {
  const words = schema?.[WORDS_KEYWORD];
  return typeof words === 'string' ? words : spelledOut(key);
}

/** The schema of `seg` inside `node`: a property, a list entry, or either inside an option of a union. */
function child(node: Schema | undefined, seg: string): Schema | undefined {
  if (!node) return undefined;
  if (node.anyOf) {
    for (const option of node.anyOf) {
      const found = child(option, seg);
      if (found) return found;
    }
    return undefined;
  }
  if (/^\d+$/.test(seg)) return Array.isArray(node.items) ? node.items[Number(seg)] : node.items;
  return node.properties?.[seg];
}

/** JSON pointer segments ("/home/lat" → ["home", "lat"]). */
function segments(pointer: string): string[] {
  return pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/**
 * The field a pointer names, in words: "/radiusM" → "the radius", "/home/lat" → "the
 * latitude of the home location", "/days/3" → "entry 4 of the days", "/zones/0/2/1" →
 * "a value in entry 1 of the zones".
 */
export function fieldName(pointer: string, part: RequestPart = 'body', root?: TSchema): string {
  const segs = segments(pointer);
  let node: Schema | undefined = root;
  let phrase = '';
  let i = 0;
  while (i < segs.length) {
    const seg = segs[i]!;
    if (/^\d+$/.test(seg)) {
      // A run of list indexes: name the outermost, and say when the problem is deeper still.
      let j = i;
      while (j < segs.length && /^\d+$/.test(segs[j]!)) node = child(node, segs[j++]!);
      const entry = `entry ${Number(seg) + 1} of ${phrase || 'the list'}`;
      phrase = j - i > 1 ? `a value in ${entry}` : entry;
      i = j;
      continue;
    }
    node = child(node, seg);
    phrase = phrase ? `${fieldWords(seg, node)} of ${phrase}` : fieldWords(seg, node);
    i++;
  }
  if (!phrase) phrase = part === 'body' ? 'what was sent' : 'the address';
  return part === 'params' || part === 'querystring' ? (segs.length ? `${phrase} in the address` : phrase) : phrase;
}

type Schema = TSchema & {
  type?: string | string[];
  const?: unknown;
  anyOf?: Schema[];
  properties?: Record<string, Schema>;
  items?: Schema | Schema[];
  required?: string[];
  [WORDS_KEYWORD]?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  multipleOf?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minItems?: number;
  maxItems?: number;
};

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** "a, b or c". */
function either(items: string[]): string {
  if (items.length <= 1) return items[0] ?? '';
  return `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

function quoted(v: unknown): string {
  return typeof v === 'string' ? `"${v}"` : String(v);
}

function numberExpectation(s: Schema): string {
  const noun = s.type === 'integer' ? 'a whole number' : 'a number';
  const min = s.minimum ?? s.exclusiveMinimum;
  const max = s.maximum ?? s.exclusiveMaximum;
  if (s.minimum !== undefined && s.maximum !== undefined) return `${noun} from ${s.minimum} to ${s.maximum}`;
  const parts: string[] = [];
  if (min !== undefined) parts.push(s.exclusiveMinimum !== undefined && s.minimum === undefined ? `greater than ${min}` : min === 0 ? 'not below 0' : `of at least ${min}`);
  if (max !== undefined) parts.push(s.exclusiveMaximum !== undefined && s.maximum === undefined ? `less than ${max}` : `of at most ${max}`);
  let text = parts.length ? `${noun} ${parts.join(' and ')}` : noun;
  if (s.multipleOf !== undefined && s.multipleOf !== 1) text += ` (a multiple of ${s.multipleOf})`;
  return text;
}

function lengthWords(s: Schema): string {
  const min = s.minLength ?? 0;
  const max = s.maxLength;
  if (min > 0 && max !== undefined) return min === max ? plural(min, 'character') : `${min} to ${plural(max, 'character')}`;
  if (min > 1) return `at least ${plural(min, 'character')}`;
  if (max !== undefined) return `at most ${plural(max, 'character')}`;
  return '';
}

/** What a pattern asks for, for the patterns the API uses; null for others. */
function patternWords(pattern: string): string | null {
  const digits = /^\^\[0-9\]\{(\d+)\}\$$/.exec(pattern);
  if (digits) return `${digits[1]} digits`;
  if (pattern === '^[0-9a-f-]{36}$') return 'an id as the hub gives it (36 letters, digits and dashes)';
  return null;
}

/** What a schema accepts, as the end of "… must be ___". */
export function expectation(s: Schema): string {
  if (s.const !== undefined) return quoted(s.const);
  if (s.anyOf) {
    const options = s.anyOf.filter((v) => v.type !== 'null');
    if (options.length && options.every((v) => v.const !== undefined)) return either(options.map((v) => quoted(v.const)));
    return either(options.map(expectation));
  }
  switch (s.type) {
    case 'string': {
      const pattern = s.pattern ? patternWords(s.pattern) : null;
      if (pattern) return pattern;
      const length = lengthWords(s);
      return length ? `text of ${length}` : 'text';
    }
    case 'number':
    case 'integer':
      return numberExpectation(s);
    case 'boolean':
      return 'on or off (true or false)';
    case 'array': {
      if (s.minItems !== undefined && s.maxItems !== undefined) return `a list of ${s.minItems} to ${plural(s.maxItems, 'entry', 'entries')}`;
      if (s.minItems) return `a list of at least ${plural(s.minItems, 'entry', 'entries')}`;
      if (s.maxItems !== undefined) return `a list of at most ${plural(s.maxItems, 'entry', 'entries')}`;
      return 'a list';
    }
    case 'object': {
      const keys = Object.keys(s.properties ?? {});
      const named = (s.required ?? keys).map((key) => fieldWords(key, s.properties?.[key]));
      return named.length && named.length <= 4 ? `a group of values with ${either(named).replace(/ or ([^,]*)$/, ' and $1')}` : 'a group of values';
    }
    case 'null':
      return 'empty';
    default:
      return 'a value the hub accepts';
  }
}

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function accepts(s: Schema, kind: string): boolean {
  if (s.const !== undefined) return kindOf(s.const) === kind || (kind === 'integer' && typeof s.const === 'number');
  if (s.anyOf) return s.anyOf.some((v) => accepts(v, kind));
  return s.type === kind || (s.type === 'number' && kind === 'integer');
}

/** What a top-level wrong shape means: the whole body, the whole query. */
function wholePart(part: RequestPart): string {
  if (part === 'body') return 'send the details as a JSON object, the way this page does: reload the page and try again';
  if (part === 'querystring') return 'the address of this request has options the hub does not understand';
  if (part === 'params') return 'the address of this request names something the hub does not know';
  return 'this request is not in a form the hub understands';
}

/**
 * The clause answered for the first thing wrong with a request part (TypeBox's first
 * error), e.g. "the radius must be a number", "the user name is missing",
 * 'the kind of backup must be "directory", "s3" or "config"'.
 */
export function requestErrorMessage(error: ValueError | undefined, part: RequestPart = 'body', root?: TSchema): string {
  if (!error) return wholePart(part);
  const s = error.schema as Schema;
  const field = fieldName(error.path, part, root);
  const topLevel = segments(error.path).length === 0;
  switch (error.type) {
    case ValueErrorType.ObjectRequiredProperty:
      return `${field} is missing`;
    case ValueErrorType.ObjectAdditionalProperties: {
      const raw = segments(error.path).pop() ?? '';
      const key = raw.length > 40 ? `${raw.slice(0, 40)}…` : raw;
      const where = part === 'body' ? 'here: reload the page and try again' : 'in the address of this request';
      return `the hub does not take "${key}" ${where}`;
    }
    case ValueErrorType.Object:
      return topLevel ? wholePart(part) : `${field} must be ${expectation(s)}`;
    case ValueErrorType.StringMinLength:
      return (s.minLength ?? 0) <= 1 ? `${field} is empty: fill it in` : `${field} must be at least ${plural(s.minLength!, 'character')} long`;
    case ValueErrorType.StringMaxLength:
      return `${field} is too long: it may be at most ${plural(s.maxLength!, 'character')}`;
    case ValueErrorType.StringPattern: {
      const words = s.pattern ? patternWords(s.pattern) : null;
      return words ? `${field} must be ${words}` : `${field} is not written the way the hub expects`;
    }
    case ValueErrorType.ArrayMinItems:
      return s.minItems === 1 ? `${field} must have at least one entry` : `${field} must have at least ${plural(s.minItems!, 'entry', 'entries')}`;
    case ValueErrorType.ArrayMaxItems:
      return `${field} may have at most ${plural(s.maxItems!, 'entry', 'entries')}`;
    case ValueErrorType.Union: {
      // A value of a kind only one option takes (an object for "a location or nothing"):
      // what is wrong inside that option says more than the list of options.
      const options = s.anyOf ?? [];
      const kind = kindOf(error.value);
      const matching = options.map((o, i) => [o, i] as const).filter(([o]) => o.const === undefined && accepts(o, kind));
      if (matching.length === 1) {
        const inner = error.errors[matching[0]![1]]?.First();
        if (inner) return requestErrorMessage(inner, part, root);
      }
      return `${field} must be ${expectation(s)}`;
    }
    case ValueErrorType.Literal:
    case ValueErrorType.String:
    case ValueErrorType.Number:
    case ValueErrorType.NumberMinimum:
    case ValueErrorType.NumberMaximum:
    case ValueErrorType.NumberExclusiveMinimum:
    case ValueErrorType.NumberExclusiveMaximum:
    case ValueErrorType.NumberMultipleOf:
    case ValueErrorType.Integer:
    case ValueErrorType.IntegerMinimum:
    case ValueErrorType.IntegerMaximum:
    case ValueErrorType.IntegerExclusiveMinimum:
    case ValueErrorType.IntegerExclusiveMaximum:
    case ValueErrorType.IntegerMultipleOf:
    case ValueErrorType.Boolean:
    case ValueErrorType.Array:
    case ValueErrorType.Null:
      return topLevel ? wholePart(part) : `${field} must be ${expectation(s)}`;
    default:
      return topLevel ? wholePart(part) : `${field} is not something the hub accepts`;
  }
}
