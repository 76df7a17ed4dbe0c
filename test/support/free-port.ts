import * as Dgram from "node:dgram"
import * as Net from "node:net"

/** Tests only ever bind the loopback address (see DESIGN.md, "Real peers"). */
export const loopback = "127.0.0.1"

/**
 * A TCP port on 127.0.0.1 that was free a moment ago: bind port 0, read the
 * port the kernel chose, close. Another process may take it before the caller
 * binds it; peers started with it fail loudly, which is good enough for tests.
 */
export const freeTcpPort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = Net.createServer()
    server.unref()
    server.once("error", reject)
    server.listen({ host: loopback, port: 0, exclusive: true }, () => {
      const address = server.address()
      if (address === null || typeof address === "string") {
        server.close(() => reject(new Error(`unexpected TCP address ${String(address)}`)))
        return
      }
      server.close((error) => (error === undefined ? resolve(address.port) : reject(error)))
    })
  })

/** A UDP port on 127.0.0.1 that was free a moment ago (same caveat as TCP). */
export const freeUdpPort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const socket = Dgram.createSocket("udp4")
    socket.unref()
    socket.once("error", reject)
    socket.bind({ address: loopback, port: 0, exclusive: true }, () => {
      const { port } = socket.address()
      socket.close(() => resolve(port))
    })
  })

/** A port free for both TCP and UDP at once (e.g. SIP, DNS). */
export const freePort = async (): Promise<number> => {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await freeTcpPort()
    const udpFree = await new Promise<boolean>((resolve) => {
      const socket = Dgram.createSocket("udp4")
      socket.unref()
      socket.once("error", () => resolve(false))
      socket.bind({ address: loopback, port, exclusive: true }, () => socket.close(() => resolve(true)))
    })
    if (udpFree) return port
  }
  throw new Error("no port free for both TCP and UDP on 127.0.0.1 after 20 attempts")
}
