import { createReadStream, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { sha256Of } from '../common/fileHash';
import { AtomicFileWriter } from '../common/atomicFile';
import type { UploadTarget } from './uploadTarget';


/** A local folder (the embedded default "cloud", or a NAS mount). Writes are atomic. */
export class DirectoryTarget implements UploadTarget {
  readonly description: string;

  constructor(private readonly dir: string) {
    this.description = `folder ${dir}`;
  }

  async put(objectName: string, file: string, sha256: string, bytes: number): Promise<void> {
    await fs.mkdir(this.dir, { recursive: true, mode: 0o700 });
    const dest = path.join(this.dir, `${objectName}.plc`);
    const writer = await AtomicFileWriter.open(dest);
    try {
      for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) await writer.write(chunk);
      await writer.commit();
    } catch (err) {
      await writer.abort();
      throw err;
    }
    const { size } = await fs.stat(dest);
    if (size !== bytes || (await sha256Of(dest)) !== sha256) throw new Error(`verification of ${dest} failed`);
  }
}


