/**
 * The shape of a search document (ECS names; config/elasticsearch/index-template.json maps
 * each field, test/search/document.test.ts checks both agree).
 */

/** A plain JSON object; every field is optional except the event identity. */
export interface SearchDocument {
  readonly "@timestamp": string
  readonly event: {
    readonly id: string
    readonly action: string
    readonly category: ReadonlyArray<string>
    readonly type: ReadonlyArray<string>
    readonly kind: "event"
    readonly dataset: "honeyhole.sensor"
    readonly module: "honeyhole"
    /** nanoseconds (ECS), on contact-closed */
    readonly duration?: number
  }
  readonly source?: {
    readonly ip?: string
    readonly port?: number
    readonly bytes?: number
    readonly geo?: {
      readonly country_iso_code: string
      readonly continent_code?: string
      readonly continent_name?: string
      readonly city_name?: string
      readonly location: { readonly lat: number; readonly lon: number }
    }
  }
  readonly destination?: { readonly ip?: string; readonly port?: number; readonly bytes?: number }
  readonly network?: { readonly transport?: string; readonly protocol?: string }
  readonly user?: { readonly name: string }
  readonly url?: { readonly original?: string; readonly path?: string }
  readonly http?: { readonly request?: { readonly method: string }; readonly response?: { readonly status_code: number } }
  readonly user_agent?: { readonly original: string }
  readonly dns?: { readonly question: { readonly name: string; readonly type?: string } }
  readonly observer?: { readonly name: string; readonly type: "honeypot" }
  readonly honeyhole: {
    readonly stream: string
    readonly service?: string
    readonly plugin?: string
    readonly session?: string
    readonly sensor?: string
    readonly geohash?: string
    readonly continent?: string
    readonly local_port?: number
    readonly close_reason?: string
    readonly verified_by?: string
    readonly urls?: ReadonlyArray<string>
    readonly payload?: {
      readonly text?: string
      readonly hex?: string
      readonly md5?: string
      readonly bytes?: number
      readonly truncated?: boolean
    }
    readonly sip?: { readonly method?: string; readonly dialled_number?: string; readonly user_agent?: string }
    readonly shell?: { readonly commands: ReadonlyArray<string> }
    readonly credentials?: { readonly password?: string; readonly method?: string }
    readonly facts?: Readonly<Record<string, unknown>>
  }
}
