/**
 * Effect's default logger writes through `console.log`, i.e. to stdout, where the
 * standalone benchmarks print their Markdown section. While `f` runs, console.log goes
 * to stderr instead (the sensor's and the ban reactor's info lines stay visible there,
 * and are still written: logging is part of what the pipeline costs).
 */
import { format } from "node:util"

export const logsToStderr = async <A>(f: () => Promise<A>): Promise<A> => {
  const original = console.log
  console.log = (...args: Array<unknown>) => void process.stderr.write(`${format(...args)}\n`)
  try {
    return await f()
  } finally {
    console.log = original
  }
}
