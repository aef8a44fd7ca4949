// Every reading of an API field goes through here. The API follows one JSON convention (README,
// "The JSON convention"): numbers are numbers (beyond 2^53 a decimal string), times RFC 3339 or
// null, every field present, null for "none". The readers stay tolerant all the same (a number may
// come as 70 or "70", a time as RFC 3339 or milliseconds, null or missing reads as the zero
// value), so that a change in how the API spells a value changes nothing elsewhere.

// The member `key` of `obj` (a dotted path "a.b.c" is allowed), or undefined.
function pick(obj, key) {
  let v = obj;
  for (const part of String(key).split('.')) {
    if (v === null || typeof v !== 'object') return undefined;
    v = v[part];
  }
  return v;
}

// A number: 70, "70", "70.5"; anything else (missing, null, "") is 0.
export function num(obj, key) {
  const v = key === undefined ? obj : pick(obj, key);
  if (typeof v === 'number') return Number.isFinite(v) ? v : 0;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v);
    return Number.isFinite(n) ? n : 0;
  }
  return 0;
}

// Text; numbers become their decimal text; missing is "".
export function str(obj, key) {
  const v = key === undefined ? obj : pick(obj, key);
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  return '';
}

export function bool(obj, key) {
  const v = key === undefined ? obj : pick(obj, key);
  return v === true || v === 'true';
}

// A list; missing or not a list is [].
export function list(obj, key) {
  const v = key === undefined ? obj : pick(obj, key);
  return Array.isArray(v) ? v : [];
}

// An object; missing is {} (so its fields read as zero values).
export function obj(o, key) {
  const v = key === undefined ? o : pick(o, key);
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? v : {};
}

// A time as milliseconds since the epoch, or 0 ("not yet", "never"): accepts RFC 3339 text
// ("2025-07-01T21:30:00+08:00"), a number of milliseconds, or a string of digits.
export function time(o, key) {
  const v = key === undefined ? o : pick(o, key);
  if (typeof v === 'number') return Number.isFinite(v) ? v : 0;
  if (typeof v !== 'string' || v === '') return 0;
  if (/^-?\d+$/.test(v)) return Number(v);
  const ms = Date.parse(v);
  return Number.isFinite(ms) ? ms : 0;
}

// The ledger position a view or report answer was computed at: {seq, hash}.
export function position(answer) {
  const p = obj(answer, 'position');
  return { seq: num(p, 'seq'), hash: str(p, 'hash') };
}

// The "result" member of a view or report answer.
export function result(answer) {
  return obj(answer, 'result');
}

// [{key, count}] lists as a Map key -> count.
export function counts(items) {
  const m = new Map();
  for (const c of list(items)) m.set(str(c, 'key'), num(c, 'count'));
  return m;
}

// The stream (and audit entity) of an entity: ids may be given bare ("c-1") or with their kind
// ("complaint/2025-000085"), as the ledger's own ids are.
export function entityName(kind, id) {
  return id.startsWith(`${kind}/`) ? id : `${kind}/${id}`;
}
