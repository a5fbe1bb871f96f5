/**
 * Thin typed layer over hyparquet (read) and hyparquet-writer (write): the column kinds LeRobot
 * datasets use, with Arrow-standard 3-level list naming (list/element) so pyarrow, pandas, HF
 * datasets and DuckDB read them as list / struct columns.
 */
import { parquetWriteBuffer } from 'hyparquet-writer';
import { parquetMetadata, parquetReadObjects, parquetSchema } from 'hyparquet';

export type ColumnKind =
  | 'int64' | 'float32' | 'float64' | 'bool' | 'string'
  | 'image' // struct {bytes: binary, path: string} (HF datasets Image)
  | 'list<float32>' | 'list<float64>' | 'list<int64>' | 'list<string>'
  | 'list<list<list<float64>>>';

export interface Column {
  name: string;
  kind: ColumnKind;
  data: unknown[];
}

type SchemaElement = Record<string, unknown>;

function listOf(name: string, leaf: SchemaElement, depth: number): SchemaElement[] {
  const out: SchemaElement[] = [];
  for (let i = 0; i < depth; i++) {
    out.push({ name: i === 0 ? name : 'element', repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 });
    out.push({ name: 'list', repetition_type: 'REPEATED', num_children: 1 });
  }
  out.push({ ...leaf, name: 'element', repetition_type: 'OPTIONAL' });
  return out;
}

function schemaFor(c: Column): SchemaElement[] {
  switch (c.kind) {
    case 'int64': return [{ name: c.name, type: 'INT64', repetition_type: 'OPTIONAL' }];
    case 'float32': return [{ name: c.name, type: 'FLOAT', repetition_type: 'OPTIONAL' }];
    case 'float64': return [{ name: c.name, type: 'DOUBLE', repetition_type: 'OPTIONAL' }];
    case 'bool': return [{ name: c.name, type: 'BOOLEAN', repetition_type: 'OPTIONAL' }];
    case 'string': return [{ name: c.name, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' }];
    case 'image': return [
      { name: c.name, repetition_type: 'OPTIONAL', num_children: 2 },
      { name: 'bytes', type: 'BYTE_ARRAY', repetition_type: 'OPTIONAL' },
      { name: 'path', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
    ];
    case 'list<float32>': return listOf(c.name, { type: 'FLOAT' }, 1);
    case 'list<float64>': return listOf(c.name, { type: 'DOUBLE' }, 1);
    case 'list<int64>': return listOf(c.name, { type: 'INT64' }, 1);
    case 'list<string>': return listOf(c.name, { type: 'BYTE_ARRAY', converted_type: 'UTF8' }, 1);
    case 'list<list<list<float64>>>': return listOf(c.name, { type: 'DOUBLE' }, 3);
  }
}

function prepare(c: Column): unknown[] {
  if (c.kind === 'int64') return c.data.map((v) => BigInt(v as number));
  if (c.kind === 'list<float32>') return c.data.map((v) => Array.from(v as ArrayLike<number>));
  if (c.kind === 'list<int64>') return c.data.map((v) => Array.from(v as ArrayLike<number>, (x) => BigInt(x)));
  return c.data;
}

export function writeParquet(columns: Column[], kv: Record<string, string> = {}): Uint8Array {
  const rows = columns[0]?.data.length ?? 0;
  for (const c of columns) {
    if (c.data.length !== rows) throw new Error(`column ${c.name} has ${c.data.length} rows, expected ${rows}`);
  }
  const buf = parquetWriteBuffer({
    columnData: columns.map((c) => ({ name: c.name, data: prepare(c) as never })),
    schema: [{ name: 'schema', num_children: columns.length }, ...columns.flatMap(schemaFor)] as never,
    kvMetadata: Object.entries(kv).map(([key, value]) => ({ key, value })),
    // Images are PNG (already compressed); the rest is small. Snappy keeps reads fast.
    codec: 'SNAPPY',
    statistics: false,
    rowGroupSize: 100_000,
  });
  return new Uint8Array(buf);
}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
    ? (bytes.buffer as ArrayBuffer)
    : (new Uint8Array(bytes).buffer as ArrayBuffer); // copy: Buffer#slice would share Node's pool
}

/** Row count and top-level column names from the footer (cheap: reads no pages). */
export function parquetInfo(bytes: Uint8Array): { rows: number; columns: string[]; kv: Record<string, string> } {
  const meta = parquetMetadata(toArrayBuffer(bytes));
  const tree = parquetSchema(meta);
  const kv: Record<string, string> = {};
  for (const e of meta.key_value_metadata ?? []) kv[e.key] = e.value ?? '';
  return { rows: Number(meta.num_rows), columns: tree.children.map((c) => c.element.name), kv };
}

/** Reads rows as objects; int64 → number; binary stays Uint8Array, strings are decoded. */
export async function readParquet(bytes: Uint8Array, columns?: string[]): Promise<Record<string, unknown>[]> {
  const file = toArrayBuffer(bytes);
  const rows = (await parquetReadObjects({ file, columns, utf8: false })) as Record<string, unknown>[];
  const meta = parquetMetadata(file);
  // Which leaves are strings (UTF8) so binary image bytes stay bytes.
  const stringLeaves = new Set<string>();
  const walk = (node: ReturnType<typeof parquetSchema>, path: string[]) => {
    const p = [...path, node.element.name];
    if (node.element.converted_type === 'UTF8' || node.element.logical_type?.type === 'STRING') stringLeaves.add(p.slice(1).filter((x) => x !== 'list' && x !== 'element').join('.'));
    node.children.forEach((c) => walk(c, p));
  };
  walk(parquetSchema(meta), []);
  const dec = new TextDecoder();
  const fix = (v: unknown, path: string): unknown => {
    if (typeof v === 'bigint') return Number(v);
    if (v instanceof Uint8Array) return stringLeaves.has(path) ? dec.decode(v) : v;
    if (Array.isArray(v)) return v.map((x) => fix(x, path));
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fix(x, `${path}.${k}`)]));
    return v;
  };
  return rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, fix(v, k)])));
}
