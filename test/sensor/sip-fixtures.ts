/**
 * SIP messages from the seed thesis (../shared/seed, ch. 4.5 Ilustración 21 and ch. 5.2
 * Ilustración 37), with the capture's ".." line ends restored to CRLF.
 */

const crlf = (lines: ReadonlyArray<string>, body = ""): string => `${lines.join("\r\n")}\r\n\r\n${body}`

const registerHeaders = (cseq: number, branch: string) => [
  "REGISTER sip:217.18.237.142:5060 SIP/2.0",
  `Via: SIP/2.0/UDP 83.57.133.10:60668;rport;branch=${branch}`,
  "Max-Forwards: 70",
  "From: <sip:test@test>;tag=2a45bc572cca4c60be74886da06bd971",
  "To: <sip:test@test>",
  "Call-ID: f7077217cf14465dabc80b58b520e23e",
  `CSeq: ${cseq} REGISTER`,
  "User-Agent: MicroSIP/3.14.5",
  "Contact: <sip:test@83.57.133.10:60668;ob>",
  "Expires: 300",
  "Allow: PRACK, INVITE, ACK, BYE, CANCEL, UPDATE, INFO, SUBSCRIBE, NOTIFY, REFER, MESSAGE, OPTIONS"
]

/** MicroSIP's first REGISTER, as captured */
export const seedRegister = crlf([...registerHeaders(25809, "z9hG4bKpj8e2bec46d72f45cda961d9bf39976849"), "Content-Length: 0"])

/**
 * MicroSIP's second REGISTER, answering the 401; `nonce` is the one the server issued
 * (the capture's was ea9c8e88df84f1cec4341ae6cbe5a359; its response is kept as printed).
 */
export const seedRegisterAuthorized = (nonce: string): string =>
  crlf([
    ...registerHeaders(25810, "z9hG4bKpj4ee5c34abb924fe3a5d243a9feb591a6"),
    `Authorization: Digest username="test", realm="sipplugin.com", nonce="${nonce}", uri="sip:217.18.237.142", response="fba4e96b1c04fb13cfbcd9a318be6b8"`,
    "Content-Length: 0"
  ])

const sdp = (address: string) =>
  ["v=0", `o=- 0 0 IN IP4 ${address}`, "s=-", `c=IN IP4 ${address}`, "t=0 0", "m=audio 10000 RTP/AVP 0 8 18 101", "a=sendrecv", ""].join("\r\n")

/**
 * A toll-fraud INVITE as in Ilustración 37 (the thesis prints these headers; the
 * Max-Forwards, Content-Type and SDP body are added as such tools send them).
 */
export const fraudInvite = (options: { readonly number: string; readonly branch: string; readonly cseq?: number; readonly extra?: ReadonlyArray<string> }): string => {
  const body = sdp("195.154.181.112")
  return crlf(
    [
      `INVITE sip:${options.number}@217.18.237.142 SIP/2.0`,
      `To: ${options.number}<sip:${options.number}@217.18.237.142>`,
      "From: 1000<sip:1000@217.18.237.142>;tag=d221643d",
      `Via: SIP/2.0/UDP 195.154.181.112:5071;branch=${options.branch};rport`,
      "Call-ID: 008c99d7c5cb666637b2a55f05221468",
      `CSeq: ${options.cseq ?? 1} INVITE`,
      "Contact: <sip:1000@195.154.181.112:5071>",
      "Max-Forwards: 70",
      ...(options.extra ?? []),
      "Content-Type: application/sdp",
      `Content-Length: ${Buffer.byteLength(body)}`
    ],
    body
  )
}

export const seedInvite = fraudInvite({ number: "0009970592168426", branch: "z9hG4bK-008c99d7c5cb666637b2a55f05221468" })
