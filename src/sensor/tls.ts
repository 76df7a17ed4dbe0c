/**
 * TLS material for listeners served under TLS (https): the sensor's self-signed
 * certificate, loaded once per process.
 */
import { createSecureContext } from "node:tls"
import type { SecureContext } from "node:tls"
import { loadOrCreateCertificate } from "../../adapters/sensor/certificate.js"

export const secureContextFor = (dataDir: string) => {
  let context: Promise<SecureContext> | undefined
  return (): Promise<SecureContext> => {
    context ??= loadOrCreateCertificate(dataDir).then((c) => createSecureContext({ key: c.key, cert: c.cert }))
    return context
  }
}
