/** An object of a store read by byte ranges, for reading a parquet footer or one column without the whole object. */
import type { NamedRanges } from '@mxn/data';
import type { ObjectInfo, Store } from '@mxn/storage';

/** `info` in `store` as `read(start, end)`, end exclusive (`Store.read` ranges are inclusive at both ends). */
export function storeRanges(store: Store, info: ObjectInfo): NamedRanges {
  return {
    name: info.key,
    size: info.size,
    read: async (start, end) => {
      if (end <= start) return new Uint8Array(0);
      const chunks: Buffer[] = [];
      for await (const chunk of await store.read(info.key, { start, end: end - 1 })) chunks.push(Buffer.from(chunk as Uint8Array));
      const bytes = Buffer.concat(chunks);
      return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    },
  };
}
