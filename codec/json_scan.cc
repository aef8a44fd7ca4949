#include "codec/json_scan.h"

#include <capnp/message.h>

#include "json_parser.h"

namespace codec {

namespace {

constexpr std::string_view kSpace = " \t\r\n";

// The index just past the string whose opening quote is at `open`, or npos if it never ends.
size_t SkipString(std::string_view json, size_t open) {
  for (size_t i = open + 1; i < json.size(); ++i) {
    if (json[i] == '\\') {
      ++i;
    } else if (json[i] == '"') {
      return i + 1;
    }
  }
  return std::string_view::npos;
}

// The value starting at `begin`, up to the next ',' or closing bracket at its own level.
std::optional<std::string_view> ValueFrom(std::string_view json, size_t begin) {
  int depth = 0;
  for (size_t i = begin; i < json.size();) {
    char c = json[i];
    if (c == '"') {
      i = SkipString(json, i);
      if (i == std::string_view::npos) return std::nullopt;
      continue;
    }
    if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      if (depth == 0) return json.substr(begin, i - begin);
      --depth;
    } else if (c == ',' && depth == 0) {
      return json.substr(begin, i - begin);
    }
    ++i;
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string_view> RawMember(std::string_view json, std::string_view key) {
  int depth = 0;
  for (size_t i = 0; i < json.size();) {
    char c = json[i];
    if (c == '"') {
      size_t end = SkipString(json, i);
      if (end == std::string_view::npos) return std::nullopt;
      std::string_view name = json.substr(i + 1, end - i - 2);
      size_t colon = json.find_first_not_of(kSpace, end);
      if (depth == 1 && name == key && colon != std::string_view::npos && json[colon] == ':') {
        size_t begin = json.find_first_not_of(kSpace, colon + 1);
        if (begin == std::string_view::npos) return std::nullopt;
        return ValueFrom(json, begin);
      }
      i = end;
      continue;
    }
    if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      --depth;
    }
    ++i;
  }
  return std::nullopt;
}

std::optional<std::string> StrictJsonProblem(std::string_view json) {
  capnp::MallocMessageBuilder message;
  return internal::ParseJson(json, message.initRoot<capnp::JsonValue>());
}

}  // namespace codec
