// Syntax checks for the AT Protocol's identifiers and Lexicon string formats, as the specs at
// https://atproto.com/specs and the atproto-interop-tests syntax vectors define them. They check
// shape only (no resolution, no network). Handles and DIDs are checked on every firehose event, so
// all of them scan characters by hand (no regex) and the identifier checks allocate only when they
// fail. Each returns ok or an error naming the input and the rule it breaks, e.g.
// `handle "foo": must have at least two labels separated by '.'`. All are pure and thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "bridge/base/result.h"

namespace causeway::atproto {

// A domain name such as "alice.bsky.social": at most 253 characters, two or more labels of
// [A-Za-z0-9-] (1-63 characters, no leading or trailing '-'); the last label starts with a letter.
Status validate_handle(std::string_view handle);

// "did:" METHOD ":" ID: METHOD is lowercase letters, ID is [A-Za-z0-9._:%-] and does not end in
// ':' or '%'; at most 2048 characters. Percent-encoding is not decoded, as the spec allows.
Status validate_did(std::string_view did);

// Reversed domain authority plus a name, e.g. "app.bsky.feed.post": at least 3 segments of 1-63
// characters, at most 317 in all; the first segment starts with a letter; the name is letters and
// digits starting with a letter.
Status validate_nsid(std::string_view nsid);

// The restricted AT URI of Lexicon's at-uri format: "at://" AUTHORITY ["/" COLLECTION ["/" RKEY]],
// where AUTHORITY is a handle or a DID, COLLECTION an NSID and RKEY a record key. No query, no
// fragment, no trailing '/'; at most 8 KiB.
Status validate_at_uri(std::string_view uri);

// 13 characters of base32-sortable (234567a-z), the first one of [2-7a-j] so the value fits in 64
// bits. Tid::parse (tid.h) also decodes it.
Status validate_tid(std::string_view tid);

// 1-512 characters of [A-Za-z0-9._:~-], other than "." and "..".
Status validate_record_key(std::string_view rkey);

// Lexicon datetime: the intersection of RFC 3339 and ISO 8601, "YYYY-MM-DDTHH:MM:SS" with an
// optional fraction of 1-20 digits and a "Z" or "+HH:MM"/"-HH:MM" offset ("-00:00" is refused).
// Field ranges are checked, including the days of each month; leap seconds (":60") are refused,
// and so is a value that the offset moves out of years 0000-9999 once normalised to UTC.
Status validate_datetime(std::string_view datetime);

// A well-formed BCP 47 (RFC 5646) language tag such as "en", "pt-BR" or "zh-Hant", with no repeated
// variant or extension singleton. As in the reference implementations, the primary language subtag
// must be 2-3 lowercase letters; private-use ("x-...", any case) and grandfathered tags also pass.
Status validate_language(std::string_view tag);

// The string form of a CIDv1, checked for syntax only: 8-256 characters of [A-Za-z0-9+=], not a
// CIDv0 ("Qm..."). Cid::parse (cid.h) decodes it.
Status validate_cid_string(std::string_view cid);

// A handle or a DID, as accepted where an account is named (e.g. an AT URI's authority).
Status validate_at_identifier(std::string_view identifier);

// A generic RFC 3986 URI: a scheme (a letter, then letters, digits, '+', '-', '.'), ':', and at
// least one more character; printable ASCII only, no spaces; at most 8 KiB.
Status validate_uri(std::string_view uri);

// The kind names validate_syntax accepts, as the interop vector files name them: handle, did,
// nsid, aturi, tid, rkey, datetime, language, cid, uri, atidentifier.
const std::vector<std::string>& syntax_kinds();

// Runs the validator for `kind`; an unknown kind is an error that lists the known ones.
Status validate_syntax(std::string_view kind, std::string_view value);

}  // namespace causeway::atproto
