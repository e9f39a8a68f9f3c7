// Small helpers for reading activities as JSON (the raw bodies groups receive, and compacted
// JSON-LD), where a property may be a string, an object with an id, or an array of either.

export const PUBLIC = "https://www.w3.org/ns/activitystreams#Public";
const PUBLIC_FORMS = new Set([PUBLIC, "as:Public", "Public"]);

/** The ids in a JSON-LD value: "url", {"id": "url"}, or an array of those. */
export function ids(value) {
  if (value == null) return [];
  const list = Array.isArray(value) ? value : [value];
  const out = [];
  for (const v of list) {
    if (typeof v === "string") out.push(v);
    else if (v != null && typeof v === "object" && typeof (v.id ?? v.href) === "string") out.push(v.id ?? v.href);
  }
  return out;
}

export function firstId(value) {
  return ids(value)[0] ?? null;
}

/** Everyone an activity or object is addressed to (to, cc, bto, bcc, audience). */
export function addressees(...docs) {
  const out = new Set();
  for (const doc of docs) {
    if (doc == null || typeof doc !== "object") continue;
    for (const field of ["to", "cc", "bto", "bcc", "audience"]) {
      for (const id of ids(doc[field])) out.add(PUBLIC_FORMS.has(id) ? PUBLIC : id);
    }
  }
  return out;
}

/** The `href`s of the object's Mention tags. */
export function mentionHrefs(object) {
  if (object == null || typeof object !== "object") return [];
  const tags = object.tag == null ? [] : Array.isArray(object.tag) ? object.tag : [object.tag];
  return tags
    .filter((t) => t != null && typeof t === "object" && t.type === "Mention" && typeof t.href === "string")
    .map((t) => t.href);
}

/** The object's web `url` (a string, a Link, or a list of them), or null. */
export function webUrl(object) {
  if (object == null || typeof object !== "object") return null;
  const list = Array.isArray(object.url) ? object.url : [object.url];
  for (const u of list) {
    if (typeof u === "string") return u;
    if (u != null && typeof u === "object" && typeof u.href === "string") return u.href;
  }
  return null;
}

/** `content` as a string (the first value of contentMap if there is no content). */
export function contentOf(object) {
  if (object == null || typeof object !== "object") return null;
  if (typeof object.content === "string") return object.content;
  if (object.contentMap != null && typeof object.contentMap === "object") {
    const first = Object.values(object.contentMap)[0];
    if (typeof first === "string") return first;
  }
  return null;
}

/** A copy without the JSON-LD context (what a server embeds of an activity it received). */
export function withoutContext(doc) {
  const { "@context": _context, ...rest } = doc;
  return rest;
}
