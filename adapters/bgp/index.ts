/**
 * honeyhole's announce-only BGP-4 speaker (RFC 4271) with 4-octet AS (RFC 6793),
 * MP-BGP IPv4/IPv6 unicast (RFC 4760), route refresh (RFC 2918), communities
 * (RFC 1997, RFC 7999 BLACKHOLE, RFC 8092 large). Codecs are pure (codec/);
 * sessions are Effect fibers (session/); the desired table is the caller's (Rib.ts).
 */
export * from "./Rib.js"
export * from "./Speaker.js"
export { BgpRecorder, MAX_PREFIXES_PER_EVENT } from "./session/Recorder.js"
export type { BgpRecorderShape, BgpSessionEvent } from "./session/Recorder.js"
export type { PeerOptions, SpeakerOptions } from "./session/Options.js"
export type { PeerState, PeerStatus } from "./session/Status.js"
export { parseCommunities, parseCommunity, formatCommunity, BLACKHOLE, NO_EXPORT, NO_ADVERTISE } from "./codec/community.js"
