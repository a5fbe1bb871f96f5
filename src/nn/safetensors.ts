/**
 * safetensors encode/decode (the format is an 8-byte little-endian header length, a JSON header
 * of name → {dtype, shape, data_offsets} plus "__metadata__" (string → string), then raw
 * little-endian tensor bytes). Browser-safe; file I/O lives in src/node/checkpoint.ts.
 */
import { InputError } from '../errors.ts';

export type SafeDtype = 'F32' | 'F64' | 'I32' | 'U32' | 'U8' | 'BOOL';
export type TensorData = Float32Array | Float64Array | Int32Array | Uint32Array | Uint8Array;

export interface Tensor {
  dtype: SafeDtype;
  shape: number[];
  data: TensorData;
}

const BYTES: Record<SafeDtype, number> = { F32: 4, F64: 8, I32: 4, U32: 4, U8: 1, BOOL: 1 };

export function encodeSafetensors(tensors: Record<string, Tensor>, metadata: Record<string, string> = {}): Uint8Array {
  const names = Object.keys(tensors).sort();
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const name of names) {
    const t = tensors[name]!;
    const size = t.data.byteLength;
    const expect = t.shape.reduce((a, b) => a * b, 1) * BYTES[t.dtype];
    if (size !== expect) throw new Error(`tensor ${name}: ${size} bytes for shape [${t.shape}] ${t.dtype}`);
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + size] };
    offset += size;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const pad = (8 - (json.length % 8)) % 8; // spaces keep the data 8-byte aligned
  if (pad) json = new TextEncoder().encode(JSON.stringify(header) + ' '.repeat(pad));
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let o = 8 + json.length;
  for (const name of names) {
    const d = tensors[name]!.data;
    out.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), o);
    o += d.byteLength;
  }
  return out;
}

export function decodeSafetensors(bytes: Uint8Array, what = 'safetensors file'): { tensors: Record<string, Tensor>; metadata: Record<string, string> } {
  if (bytes.length < 8) throw new InputError(`${what} is truncated (${bytes.length} bytes)`);
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  if (8 + n > bytes.length) throw new InputError(`${what} is truncated: header says ${n} bytes, file has ${bytes.length - 8}`);
  let header: Record<string, { dtype: SafeDtype; shape: number[]; data_offsets: [number, number] } | Record<string, string>>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  } catch {
    throw new InputError(`${what} has a corrupt header`);
  }
  const base = 8 + n;
  const tensors: Record<string, Tensor> = {};
  for (const [name, e] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const { dtype, shape, data_offsets } = e as { dtype: SafeDtype; shape: number[]; data_offsets: [number, number] };
    if (!(dtype in BYTES)) throw new InputError(`${what}: tensor ${name} has unsupported dtype ${dtype}`);
    const [a, b] = data_offsets;
    if (base + b > bytes.length) throw new InputError(`${what} is truncated at tensor ${name}`);
    const raw = new Uint8Array(bytes.subarray(base + a, base + b)); // a copy (Buffer#slice would be a view): aligned, own buffer
    const data = dtype === 'F32' ? new Float32Array(raw.buffer) : dtype === 'F64' ? new Float64Array(raw.buffer)
      : dtype === 'I32' ? new Int32Array(raw.buffer) : dtype === 'U32' ? new Uint32Array(raw.buffer) : raw;
    tensors[name] = { dtype, shape, data };
  }
  return { tensors, metadata: (header.__metadata__ as Record<string, string> | undefined) ?? {} };
}
