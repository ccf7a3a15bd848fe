import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';

/** SHA-256 of a file, streamed (constant memory), as hex. */
export async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

export interface FileDigests {
  bytes: number;
  sha256: string;
  /** The ETag an S3 server gives this file as one PUT: the hex MD5 of its bytes. */
  singleEtag: string;
  /** The ETag S3 gives it as a multipart upload in parts of `partSize`: MD5 of the parts' MD5s, "-", the part count. */
  multipartEtag: string;
}

/**
 * Everything needed to verify an upload end to end, in one read of the file. The ETags
 * let the relay check that the server holds exactly the bytes sent, not only the size.
 */
export async function digestFile(file: string, partSize: number): Promise<FileDigests> {
  const sha = createHash('sha256');
  const whole = createHash('md5');
  const partDigests: Buffer[] = [];
  let part = createHash('md5');
  let inPart = 0;
  let bytes = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 256 * 1024 }) as AsyncIterable<Buffer>) {
    sha.update(chunk);
    whole.update(chunk);
    bytes += chunk.length;
    let offset = 0;
    while (offset < chunk.length) {
      const take = Math.min(partSize - inPart, chunk.length - offset);
      part.update(chunk.subarray(offset, offset + take));
      inPart += take;
      offset += take;
      if (inPart === partSize) {
        partDigests.push(part.digest());
        part = createHash('md5');
        inPart = 0;
      }
    }
  }
  if (inPart > 0 || partDigests.length === 0) partDigests.push(part.digest());
  const multipart = createHash('md5').update(Buffer.concat(partDigests)).digest('hex');
  return { bytes, sha256: sha.digest('hex'), singleEtag: whole.digest('hex'), multipartEtag: `${multipart}-${partDigests.length}` };
}
