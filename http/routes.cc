#include "http/routes.h"

#include <charconv>
#include <cstdio>
#include <vector>

#include "codec/event_json.h"

namespace http {

namespace schema = ledger::schema;

namespace {

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool ParseUnsigned(const std::string& text, uint64_t* out) {
  if (text.empty()) return false;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return error == std::errc() && end == text.data() + text.size();
}

std::vector<ViewRoute>& Views();
std::vector<ViewRoute>& Reports();

}  // namespace

bool PercentDecode(const std::string& in, std::string* out) {
  out->clear();
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%') {
      if (i + 2 >= in.size()) return false;
      int hi = HexDigit(in[i + 1]), lo = HexDigit(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      out->push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (in[i] == '+') {
      out->push_back(' ');
    } else {
      out->push_back(in[i]);
    }
  }
  return true;
}

Target ParseTarget(const std::string& target) {
  Target t;
  size_t q = target.find('?');
  t.path = target.substr(0, q);
  if (q == std::string::npos) return t;
  std::string query = target.substr(q + 1);
  size_t start = 0;
  while (start <= query.size()) {
    size_t end = query.find('&', start);
    if (end == std::string::npos) end = query.size();
    std::string pair = query.substr(start, end - start);
    if (!pair.empty()) {
      size_t eq = pair.find('=');
      std::string key, value;
      if (!PercentDecode(pair.substr(0, eq), &key) ||
          !PercentDecode(eq == std::string::npos ? "" : pair.substr(eq + 1), &value)) {
        t.ok = false;
        t.error = "the query string is not percent-encoded properly near \"" + pair + "\"";
        return t;
      }
      t.params[key] = value;
    }
    start = end + 1;
  }
  return t;
}

std::string ParseQuery(const Target& target, int64_t now_ms, Query* q) {
  static const char* kKnown[] = {"estate", "company", "category", "channel", "status",
                                 "household", "from",  "to",       "offset",  "limit",
                                 "at",        "asOf",  "atLeast",  "wait",    "year",
                                 "person",    "entity", "actor",   "day"};
  for (const auto& [key, value] : target.params) {
    bool known = false;
    for (const char* k : kKnown) known = known || key == k;
    if (!known) {
      std::string list;
      for (const char* k : kKnown) list += (list.empty() ? "" : ", ") + std::string(k);
      return "unknown query parameter \"" + key + "\"; allowed: " + list;
    }
  }
  q->params = target.params;
  auto& f = q->filter;
  f.estate = target.Param("estate");
  f.company = target.Param("company");
  f.category = target.Param("category");
  f.channel = target.Param("channel");
  f.status = target.Param("status");
  f.household = target.Param("household");
  auto time = [&](const char* name, std::optional<int64_t>* out) -> std::string {
    std::string text = target.Param(name);
    if (text.empty()) return "";
    auto parsed = codec::ParseTimestamp(text);
    if (!parsed.ok()) return std::string(name) + ": " + parsed.status().message();
    *out = *parsed;
    return "";
  };
  if (auto e = time("from", &f.from_ms); !e.empty()) return e;
  if (auto e = time("to", &f.to_ms); !e.empty()) return e;
  std::optional<int64_t> at;
  if (auto e = time("at", &at); !e.empty()) return e;
  q->now_ms = at.value_or(now_ms);
  uint64_t n = 0;
  if (std::string s = target.Param("offset"); !s.empty()) {
    if (!ParseUnsigned(s, &n)) return "offset: \"" + s + "\" is not a number";
    f.offset = n;
  }
  if (std::string s = target.Param("limit"); !s.empty()) {
    if (!ParseUnsigned(s, &n) || n == 0 || n > 10000) {
      return "limit: \"" + s + "\" must be a number from 1 to 10000";
    }
    f.limit = n;
  }
  if (std::string s = target.Param("asOf"); !s.empty()) {
    if (ParseUnsigned(s, &n)) {
      q->as_of = n;
    } else {
      auto parsed = codec::ParseTimestamp(s);
      if (!parsed.ok()) {
        return "asOf: \"" + s + "\" is neither a sequence number nor a time such as "
               "2025-12-31T23:59:59+08:00";
      }
      q->as_of = static_cast<uint64_t>(*parsed);
      q->as_of_is_time = true;
    }
  }
  if (std::string s = target.Param("atLeast"); !s.empty()) {
    if (!ParseUnsigned(s, &n)) return "atLeast: \"" + s + "\" is not a sequence number";
    q->at_least = n;
  }
  if (std::string s = target.Param("wait"); !s.empty()) {
    if (!ParseUnsigned(s, &n)) return "wait: \"" + s + "\" is not a number of milliseconds";
    q->wait = std::chrono::milliseconds(n);
  }
  if (std::string s = target.Param("year"); !s.empty()) {
    if (!ParseUnsigned(s, &n) || n < 1900 || n > 9999) return "year: \"" + s + "\" is not a year";
    q->year = static_cast<int>(n);
  }
  return "";
}

std::string JsonEscape(const std::string& text) {
  std::string out;
  out.reserve(text.size() + 8);
  for (unsigned char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          char buffer[8];
          std::snprintf(buffer, sizeof buffer, "\\u%04x", c);
          out += buffer;
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  return out;
}

Response ProblemResponse(int status, const std::string& kind, const std::string& title,
                         const std::string& detail, const std::string& extra) {
  Response r;
  r.status = status;
  r.content_type = "application/problem+json";
  r.body = "{\"type\":\"/problems/" + kind + "\",\"title\":\"" + JsonEscape(title) +
           "\",\"status\":" + std::to_string(status) + ",\"detail\":\"" + JsonEscape(detail) +
           "\"" + extra + "}";
  return r;
}

bool HasTopLevelKey(const std::string& json, const std::string& key) {
  int depth = 0;
  bool in_string = false, escaped = false, expecting_key = false;
  std::string current;
  for (char c : json) {
    if (in_string) {
      if (escaped) {
        escaped = false;
        current.push_back(c);
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
        if (depth == 1 && expecting_key && current == key) return true;
      } else {
        current.push_back(c);
      }
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        current.clear();
        break;
      case '{':
      case '[':
        ++depth;
        expecting_key = c == '{' && depth == 1;
        break;
      case '}':
      case ']':
        --depth;
        break;
      case ',':
        if (depth == 1) expecting_key = true;
        break;
      case ':':
        if (depth == 1) expecting_key = false;
        break;
      default:
        break;
    }
  }
  return false;
}

const ViewRoute* FindViewRoute(const std::string& name) {
  for (const auto& r : Views()) {
    if (name == r.name) return &r;
  }
  return nullptr;
}

const ViewRoute* FindReportRoute(const std::string& name) {
  for (const auto& r : Reports()) {
    if (name == r.name) return &r;
  }
  return nullptr;
}

std::string ViewNames() {
  std::string out;
  for (const auto& r : Views()) out += (out.empty() ? "" : ", ") + std::string(r.name);
  return out;
}

std::string ReportNames() {
  std::string out;
  for (const auto& r : Reports()) out += (out.empty() ? "" : ", ") + std::string(r.name);
  return out;
}

namespace {

template <class T>
capnp::DynamicStruct::Reader Root(capnp::MallocMessageBuilder& message) {
  return message.getRoot<T>().asReader();
}

std::vector<ViewRoute>& Views() {
  static std::vector<ViewRoute> routes = {
      {"complaints", "counts, timings and pages of complaints",
       [](const projections::ViewSet& v, const Query& q, capnp::MallocMessageBuilder& m,
          std::string*) {
         v.complaints.Query(q.filter, m.initRoot<schema::ComplaintsView>());
         return Root<schema::ComplaintsView>(m);
       }},
      {"reply-board", "the public replies to an estate's complaints, in order",
       [](const projections::ViewSet& v, const Query& q, capnp::MallocMessageBuilder& m,
          std::string* error) {
         if (q.filter.estate.empty()) {
           *error = "estate: the reply board belongs to one estate; name it with ?estate=";
         }
         v.complaints.ReplyBoard(q.filter, m.initRoot<schema::ReplyBoard>());
         return Root<schema::ReplyBoard>(m);
       }},
  };
  return routes;
}

std::vector<ViewRoute>& Reports() {
  static std::vector<ViewRoute> routes = {};
  return routes;
}

}  // namespace

}  // namespace http
