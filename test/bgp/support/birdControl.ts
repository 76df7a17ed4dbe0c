/**
 * BIRD's control socket spoken directly (what birdc does): one persistent
 * connection, one command at a time. Polling a count every few milliseconds
 * through `birdc` would spawn a process each time and steal the CPU being measured.
 *
 * Protocol: the reply is lines "NNNN-text" (more follows), " text" (continues the
 * previous code) and a final "NNNN text"; codes 0xxx are OK, 8xxx/9xxx errors.
 */
import * as Net from "node:net"

export interface BirdControl {
  readonly command: (line: string) => Promise<string>
  readonly close: () => void
}

export const connectBird = (socketPath: string): Promise<BirdControl> =>
  new Promise((resolve, reject) => {
    const socket = Net.createConnection(socketPath)
    let buffer = ""
    let waiting: { resolve: (text: string) => void; reject: (e: Error) => void } | null = null
    let lines: Array<string> = []
    let greeted = false
    let queue: Promise<unknown> = Promise.resolve()
    socket.setEncoding("utf8")
    socket.on("error", (e) => (waiting !== null ? waiting.reject(e) : reject(e)))
    socket.on("data", (chunk: string) => {
      buffer += chunk
      let nl: number
      while ((nl = buffer.indexOf("\n")) >= 0) {
        const line = buffer.slice(0, nl)
        buffer = buffer.slice(nl + 1)
        const final = /^\d{4} /.test(line)
        lines.push(/^\d{4}[ -]/.test(line) ? line.slice(5) : line.slice(1))
        if (!final) continue
        const text = lines.join("\n")
        lines = []
        if (!greeted) {
          greeted = true
          resolve({ command, close: () => socket.destroy() })
        } else if (waiting !== null) {
          const w = waiting
          waiting = null
          if (/^[89]\d{3} /.test(line)) w.reject(new Error(`bird: ${text}`))
          else w.resolve(text)
        }
      }
    })
    const command = (line: string): Promise<string> => {
      const next = queue.then(() =>
        new Promise<string>((res, rej) => {
          waiting = { resolve: res, reject: rej }
          socket.write(`${line}\n`)
        })
      )
      queue = next.catch(() => undefined)
      return next
    }
  })
