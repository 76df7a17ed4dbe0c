/** Kibana: the shipped saved objects (config/kibana/) and the import API that loads them. */
export * from "./client.js"
export * from "./savedObjects.js"
