/** @module The scan kernels (kernels.wat, WebAssembly SIMD) bound to one index's shared memory. */
import { kernelsBase64 } from './kernels-wasm.js';

/** Dot products of one query with `count` vectors stored back to back; all arguments are byte addresses in the memory. */
export type DotKernel = (query: number, base: number, count: number, dims: number, out: number) => void;

/** The kernels over one memory. */
export interface Kernels {
  /** int16 query × packed 4-bit codes → int32 scores (`dims` here is the bytes per vector, a multiple of 16). */
  dotU4: DotKernel;
  /** float32 query × float32 vectors → float32 scores (`dims` a multiple of 16). */
  dotF32: DotKernel;
}

/** A shared WebAssembly memory (the project's TypeScript libs leave out the DOM, where the WebAssembly types live). */
export interface WasmMemory {
  readonly buffer: SharedArrayBuffer;
}

/** The part of the WebAssembly API used here. */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
}

const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
let compiled: object | null = null;

/** The compiled module, once per thread (compiling is the costly part; instantiating it per memory is cheap). */
function kernelModule(): object {
  compiled ??= new wasm.Module(Buffer.from(kernelsBase64, 'base64'));
  return compiled;
}

/** A shared WebAssembly memory of at least `bytes` bytes, fixed in size: an index never grows in place. */
export function createMemory(bytes: number): WasmMemory {
  const pages = Math.max(1, Math.ceil(bytes / 65536));
  if (pages > 65536) throw new Error(`A vector index of ${bytes} bytes exceeds the 4 GiB a WebAssembly memory can hold`);
  return new wasm.Memory({ initial: pages, maximum: pages, shared: true });
}

/** Binds the kernels to `memory`. */
export function kernelsFor(memory: WasmMemory): Kernels {
  const instance = new wasm.Instance(kernelModule(), { env: { memory } });
  const exports = instance.exports as unknown as Kernels;
  return { dotU4: exports.dotU4, dotF32: exports.dotF32 };
}
