import { createReadStream } from 'node:fs';
import * as path from 'node:path';
import { ClipDecryptor, type FootageKeyPair } from './clipEnvelope';
import { AtomicFileWriter } from './atomicFile';

/**
 * Decrypts a clip file to `output`. The MP4 appears only when the whole clip verified:
 * a damaged clip leaves no partial file that could pass for the real one.
 */
export async function decryptClipFile(keys: FootageKeyPair, input: string, output: string): Promise<number> {
  const decryptor = await ClipDecryptor.create(keys);
  const writer = await AtomicFileWriter.open(path.resolve(output), undefined, 0o600);
  try {
    for await (const chunk of createReadStream(input) as AsyncIterable<Buffer>) {
      for (const plain of decryptor.push(chunk)) await writer.write(plain);
    }
    for (const plain of decryptor.end()) await writer.write(plain);
    await writer.commit();
    return writer.bytesWritten;
  } catch (err) {
    await writer.abort();
    throw err;
  }
}
