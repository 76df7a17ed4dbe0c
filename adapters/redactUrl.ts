/** A URL with its password replaced (`scheme://user:***@host…`), for status output, logs and `config print`. */
export const redactUrl = (url: string): string => url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:@/?]*):[^@/?]*@/i, "$1:***@")
