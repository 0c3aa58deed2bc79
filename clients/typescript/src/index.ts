/**
 * Strata's typed client for portal teams: `paths` and `components` are generated from the
 * gateway's merged OpenAPI document (`make client-ts`), calls go through openapi-fetch, so
 * every path, parameter, body and answer is checked by the compiler.
 *
 *   const strata = createStrataClient({ baseUrl: "https://strata.example", apiKey });
 *   const { data, error } = await strata.GET("/api/v1/goals/employees", { params: { query: { limit: 50 } } });
 *
 * `error` is the RFC 9457 problem details body (`Problem`) on any 4xx/5xx.
 */
import createClient, { type Client, type Middleware } from "openapi-fetch";

import type { components, paths } from "./schema.js";

export type { components, paths } from "./schema.js";
export type Schemas = components["schemas"];
export type Problem = components["schemas"]["Problem"];
export type StrataClient = Client<paths>;

export interface StrataClientOptions {
  /** The gateway's address, e.g. `http://127.0.0.1:8000` (no trailing `/api/v1`). */
  baseUrl: string;
  /** An API key `strata_<prefix>_<secret>`, or a portal user's JWT: both go as a bearer token. */
  apiKey?: string;
  token?: string;
  /** `Accept-Language` for the texts Strata renders (`en`, `zh-CN`). */
  language?: string;
  fetch?: typeof globalThis.fetch;
}

export function createStrataClient(options: StrataClientOptions): StrataClient {
  const client = createClient<paths>({
    baseUrl: options.baseUrl.replace(/\/+$/, ""),
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  const bearer = options.token ?? options.apiKey;
  const headers: Middleware = {
    onRequest({ request }) {
      if (bearer) request.headers.set("Authorization", `Bearer ${bearer}`);
      if (options.language) request.headers.set("Accept-Language", options.language);
      return request;
    },
  };
  client.use(headers);
  return client;
}

/** Whether a value is a problem details body (an `error` from any call). */
export function isProblem(value: unknown): value is Problem {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { status?: unknown }).status === "number" &&
    typeof (value as { title?: unknown }).title === "string"
  );
}

/** A page as every list operation answers it. */
export interface CursorPage<Item> {
  items: Item[];
  next_cursor?: string | null;
}

/**
 * Every item of a cursor-paginated list: `fetchPage(cursor)` gets one page (pass the cursor
 * on as the `cursor` query parameter); stops when `next_cursor` is null. Throws the problem
 * on an error answer.
 */
export async function* paginate<Item>(
  fetchPage: (cursor: string | undefined) => Promise<{ data?: CursorPage<Item>; error?: unknown }>,
): AsyncGenerator<Item> {
  let cursor: string | undefined;
  for (;;) {
    const { data, error } = await fetchPage(cursor);
    if (error !== undefined || data === undefined) throw error ?? new Error("empty answer");
    yield* data.items;
    if (!data.next_cursor) return;
    cursor = data.next_cursor;
  }
}
