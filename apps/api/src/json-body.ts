import type { IncomingMessage } from 'node:http';
import { json, type RequestHandler } from 'express';

/** The API's request bodies are flat DTOs; nothing legitimate nests anywhere near this deep. */
export const MAX_JSON_DEPTH = 32;

/**
 * How deeply the JSON text nests objects and arrays, counted without parsing (so without
 * recursion), stopping as soon as `limit` is passed. Brackets inside strings do not count.
 */
export function jsonDepthExceeds(text: Buffer, limit: number): boolean {
  const QUOTE = 0x22, BACKSLASH = 0x5c, OPEN_BRACE = 0x7b, CLOSE_BRACE = 0x7d, OPEN_BRACKET = 0x5b, CLOSE_BRACKET = 0x5d;
  let depth = 0;
  let inString = false;
  for (let index = 0; index < text.length; index++) {
    const byte = text[index];
    if (inString) {
      if (byte === BACKSLASH) index++; // the escaped character, whatever it is
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) {
      inString = true;
    } else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
      if (++depth > limit) return true;
    } else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
      depth--;
    }
  }
  return false;
}

/** A 400 the one exception filter says as it is (it recognises body-parser errors by status and type). */
class JsonTooDeepError extends Error {
  readonly status = 400;
  readonly statusCode = 400;
  readonly expose = true;
  readonly type = 'entity.too.deep';
  constructor(limit: number) {
    super(`The JSON body nests objects or arrays deeper than ${limit} levels`);
  }
}

/**
 * Express's JSON body parser, refusing bodies nested deeper than `maxDepth` before they are
 * parsed: JSON.parse copes, but the recursive code after it (validation, transformation,
 * logging) overflows the stack and would answer 500. Keeps Nest's `rawBody` on the request.
 */
export function depthLimitedJsonParser(maxDepth = MAX_JSON_DEPTH): RequestHandler {
  return json({
    verify: (request: IncomingMessage & { rawBody?: Buffer }, _response, body: Buffer) => {
      request.rawBody = body;
      if (jsonDepthExceeds(body, maxDepth)) throw new JsonTooDeepError(maxDepth);
    },
  });
}
