/**
 * Node adapter: reads an MJCF file from disk together with every file it references (nested
 * includes, meshes, textures, height fields, skins), resolving paths the way MuJoCo does —
 * includes relative to the main file's folder, assets relative to compiler meshdir / texturedir /
 * assetdir — and keys them by that relative path for MuJoCo's virtual file system.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, normalize } from 'node:path';
import { ModelLoadError } from '../errors.ts';
import type { MjcfFiles, MjcfSource } from '../sim/sim.ts';

const ATTR = (name: string) => new RegExp(`\\b${name}\\s*=\\s*"([^"]*)"`);
const ASSET_TAGS: Record<string, 'mesh' | 'texture'> = { mesh: 'mesh', skin: 'mesh', hfield: 'mesh', texture: 'texture' };
const TEXTURE_FILE_ATTRS = ['file', 'fileright', 'fileleft', 'fileup', 'filedown', 'filefront', 'fileback'];

function readOrFail(path: string, what: string): Uint8Array {
  if (!existsSync(path)) throw new ModelLoadError(`${what} not found: ${path}`, 'check the path; MJCF includes resolve from the main file\'s folder, meshes from compiler meshdir');
  if (!statSync(path).isFile()) throw new ModelLoadError(`${what} is not a file: ${path}`);
  return readFileSync(path);
}

/** Loads `path` and its referenced files into an MjcfSource for Sim.fromMjcf. */
export function readMjcfFile(path: string): MjcfSource {
  const base = dirname(path);
  const xml = new TextDecoder().decode(readOrFail(path, 'MJCF file'));
  const files: MjcfFiles = {};
  const dirs = { mesh: '', texture: '' };
  const queue: string[] = [xml];
  for (let doc = queue.shift(); doc !== undefined; doc = queue.shift()) {
    for (const m of doc.matchAll(/<compiler\b[^>]*>/g)) {
      const tag = m[0];
      const asset = ATTR('assetdir').exec(tag)?.[1];
      if (asset !== undefined) dirs.mesh = dirs.texture = asset;
      dirs.mesh = ATTR('meshdir').exec(tag)?.[1] ?? dirs.mesh;
      dirs.texture = ATTR('texturedir').exec(tag)?.[1] ?? dirs.texture;
    }
    for (const m of doc.matchAll(/<(include|mesh|skin|hfield|texture)\b[^>]*>/g)) {
      const kind = m[1]!;
      const attrs = kind === 'texture' ? TEXTURE_FILE_ATTRS : ['file'];
      for (const a of attrs) {
        const ref = ATTR(a).exec(m[0])?.[1];
        if (!ref) continue;
        const rel = kind === 'include' || isAbsolute(ref) ? ref : join(dirs[ASSET_TAGS[kind]!], ref);
        const key = normalize(rel);
        if (key in files) continue;
        const body = readOrFail(isAbsolute(key) ? key : join(base, key), `file '${ref}' referenced by ${path}`);
        files[key] = body;
        if (kind === 'include') queue.push(new TextDecoder().decode(body));
      }
    }
  }
  return { xml, files };
}
