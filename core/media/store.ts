/**
 * The media store port: objects of up to 100 MB written and read as a sequence of chunks. The
 * store behind it is a Dapr output binding (a local folder or an S3-compatible bucket), whose
 * requests pass through the sidecar's request-body limit (4 MiB by default), so nothing larger
 * than one chunk ever crosses it; the caller never holds more than one chunk in memory either.
 */

/** Bytes per stored chunk: 2 MiB, base64 2.67 MiB plus JSON, under daprd's 4 MiB body limit. */
export const MEDIA_CHUNK_BYTES = 2 * 1024 * 1024;

/** Where one media object's chunk lives: `<account>/<media id>/<n>`, n from 0. */
export function mediaChunkKey(accountId: string, mediaId: string, index: number): string {
  return `${accountId}/${mediaId}/${index}`;
}

export interface MediaStore {
  /** Writes one chunk under `key` (overwrites). */
  putChunk(key: string, bytes: Buffer): Promise<void>;
  /** Reads one chunk; throws MediaNotStoredError when the store has no such object. */
  getChunk(key: string): Promise<Buffer>;
  /** Deletes one chunk; a missing one is not an error. */
  deleteChunk(key: string): Promise<void>;
}

export class MediaNotStoredError extends Error {
  constructor(readonly key: string) {
    super(`media chunk ${key} is not in the store`);
    this.name = "MediaNotStoredError";
  }
}

/** Reads an object's chunks in order, one at a time. */
export async function* readMediaChunks(
  store: MediaStore,
  accountId: string,
  mediaId: string,
  chunkCount: number,
): AsyncGenerator<Buffer> {
  for (let i = 0; i < chunkCount; i++) yield await store.getChunk(mediaChunkKey(accountId, mediaId, i));
}

/** Deletes an object's chunks (all of them, even when one fails; then throws, the first failure as cause). */
export async function deleteMediaChunks(
  store: MediaStore,
  accountId: string,
  mediaId: string,
  chunkCount: number,
): Promise<void> {
  const failures: unknown[] = [];
  for (let i = 0; i < chunkCount; i++) {
    await store.deleteChunk(mediaChunkKey(accountId, mediaId, i)).catch((err: unknown) => failures.push(err));
  }
  if (failures.length > 0) throw new Error(`${failures.length} media chunk(s) not deleted`, { cause: failures[0] });
}

/** An in-memory store for unit tests and the API's own tests. */
export class MemoryMediaStore implements MediaStore {
  readonly objects = new Map<string, Buffer>();
  async putChunk(key: string, bytes: Buffer): Promise<void> {
    this.objects.set(key, Buffer.from(bytes));
  }
  async getChunk(key: string): Promise<Buffer> {
    const b = this.objects.get(key);
    if (!b) throw new MediaNotStoredError(key);
    return b;
  }
  async deleteChunk(key: string): Promise<void> {
    this.objects.delete(key);
  }
}
