// The dashboard's only way to the server: the /v1/ API, with the token from this tab's
// sessionStorage in the Authorization header (never in a URL). Errors come back as the server's
// problem documents (RFC 9457), so a form can show the message beside the field it names.

const KEY = 'ledger.token';

export function token() {
  return sessionStorage.getItem(KEY) || '';
}
export function setToken(value) {
  if (value) sessionStorage.setItem(KEY, value);
  else sessionStorage.removeItem(KEY);
}

// A failed request: the HTTP status and the problem document ({title, detail, ...}).
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

async function call(method, path, body) {
  const headers = { Authorization: `Bearer ${token()}`, Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response;
  try {
    response = await fetch(path, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store', credentials: 'omit', referrerPolicy: 'no-referrer',
    });
  } catch (e) {
    throw new ApiError(0, { title: 'Network', detail: String(e.message || e) });
  }
  const text = await response.text();
  let json = {};
  try { json = text ? JSON.parse(text) : {}; } catch { json = { detail: text }; }
  if (!response.ok) throw new ApiError(response.status, json);
  return json;
}

// GET /v1/{path} with query parameters (empty ones left out).
export function get(path, params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) {
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  }
  const qs = q.toString();
  return call('GET', `/v1/${path}${qs ? `?${qs}` : ''}`);
}

// Appends one event to its entity's stream. The event id makes a retry harmless: the server
// answers a repeated id with the first result.
export function append(stream, type, data) {
  const eventId = `web-${crypto.randomUUID()}`;
  return call('POST', `/v1/streams/${encodeURIComponent(stream)}/events`,
              { eventId, stream, type, data });
}

// Reads /v1/subscribe (Server-Sent Events) with the token in a header, which EventSource cannot
// send. Calls onEvent(seq) for each event; returns a function that stops it.
export function subscribe(from, onEvent, onEnd) {
  const controller = new AbortController();
  (async () => {
    try {
      const response = await fetch(`/v1/subscribe?from=${from}`, {
        headers: { Authorization: `Bearer ${token()}`, Accept: 'text/event-stream' },
        signal: controller.signal, cache: 'no-store', credentials: 'omit',
      });
      if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let cut;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const id = /^id: ?(\d+)/m.exec(block);
          if (id) onEvent(Number(id[1]));
        }
      }
      if (onEnd) onEnd(null);
    } catch (e) {
      if (!controller.signal.aborted && onEnd) onEnd(e);
    }
  })();
  return () => controller.abort();
}
