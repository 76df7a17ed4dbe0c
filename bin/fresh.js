// Whether a built bundle is newer than every file it was built from (bin/honeyhole.js).
import { readdirSync, statSync } from "node:fs"
import { join } from "node:path"

const mtime = (path) => {
  try {
    return statSync(path).mtimeMs
  } catch {
    return null
  }
}

/** the newest mtime under a directory (recursive; the directory's own included) */
const newest = (dir) => {
  let latest = mtime(dir) ?? 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : mtime(path) ?? 0)
  }
  return latest
}

/** `bundle` exists and nothing under `dirs` nor any of `files` (paths under root) is newer. */
export const isFresh = (root, bundle, dirs, files) => {
  const built = mtime(bundle)
  if (built === null) return false
  return dirs.every((dir) => mtime(join(root, dir)) === null || newest(join(root, dir)) <= built) && files.every((file) => (mtime(join(root, file)) ?? 0) <= built)
}
