// codec::RawMember: the exact text of a top-level member, past strings, escapes and nesting.

#include <catch2/catch.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "codec/json_scan.h"

namespace {

std::string Member(std::string_view json, std::string_view key) {
  auto raw = codec::RawMember(json, key);
  return raw ? std::string(*raw) : std::string("<none>");
}

}  // namespace

TEST_CASE("a top-level member's value is returned as written", "[json_scan]") {
  CHECK(Member(R"({"type":"complaintFiled","data":{"a":1.10,"b":[1,{"c":"}"}]}})", "data") ==
        R"({"a":1.10,"b":[1,{"c":"}"}]})");
  CHECK(Member(R"({"data" :  12.50 , "x":1})", "data") == "12.50 ");
  CHECK(Member(R"({"x":"a,b","data":"q\"}, ","y":2})", "data") == R"("q\"}, ")");
  CHECK(Member(R"({"events":[]})", "events") == "[]");
}

TEST_CASE("keys inside strings or nested objects are not top-level members", "[json_scan]") {
  CHECK(Member(R"({"note":"\"data\":1","inner":{"data":2}})", "data") == "<none>");
  CHECK(Member(R"([{"data":1}])", "data") == "<none>");
  CHECK(Member(R"({"list":["data",{"data":3}]})", "data") == "<none>");
  CHECK(Member(R"({"data")", "data") == "<none>");
  CHECK(Member(R"({"data":"never closed)", "data") == "<none>");
  CHECK(Member("", "data") == "<none>");
}
