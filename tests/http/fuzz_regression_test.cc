// Inputs the fuzzers (fuzz/) found to break the service, replayed over real HTTP. Each test names
// what was wrong; the bytes are the minimised input or a readable equivalent.

#include <string>

#include "server_fixture.h"

using testing::HttpReply;
using testing::ServerFixture;

namespace {

// Strict JSON: boost::json refuses malformed UTF-8, as RFC 8259 requires.
bool IsJson(const std::string& body) {
  boost::json::error_code ec;
  boost::json::parse(body, ec);
  return !ec;
}

}  // namespace

TEST_CASE("problem documents stay UTF-8 when the request target is not", "[http][fuzz]") {
  ServerFixture f;
  auto c = f.Client();

  // The minimised input: a route of one byte 0xFF, echoed into "there is no route ...".
  c.WriteRaw("G \xff HTTP/1.1\r\nHost: x\r\n\r\n");
  HttpReply route = c.Receive();
  CHECK(route.status == 404);
  INFO(route.body);
  CHECK(IsJson(route.body));
  CHECK(route.json().at("detail").as_string() ==
        "there is no route \xef\xbf\xbd; the API lives "
        "under /v1/ (see the README)");

  // Where the fuzzer met it first: a view name; and the same through percent-decoding, with a
  // truncated sequence and a surrogate, into a stream id.
  HttpReply view = c.Send("GET", "/v1/views/\xe6\x97\xa5\xff\xfe", f.admin);
  CHECK(view.status == 404);
  INFO(view.body);
  CHECK(IsJson(view.body));
  CHECK(view.json().at("detail").as_string().starts_with(
      "there is no view \"\xe6\x97\xa5\xef\xbf\xbd\xef\xbf\xbd\""));

  HttpReply stream = c.Send("GET", "/v1/streams/a%E6%97%ED%A0%80/events", f.admin);
  CHECK(stream.status == 404);
  INFO(stream.body);
  CHECK(IsJson(stream.body));
}

TEST_CASE("a query parameter that is not UTF-8 is refused rather than echoed", "[http][fuzz]") {
  ServerFixture f;
  auto c = f.Client();
  // Found by the fuzzer: the reply board names its estate, taken from ?estate=, so its answer
  // was a 200 whose JSON carried the bytes E3 CF and could not be read.
  for (const char* target : {"/v1/views/reply-board?estate=estate%2F%E3%CF1",
                             "/v1/views/complaints?estate=estate/\xe3\xcf"
                             "1",
                             "/v1/views/complaints?%FF=1"}) {
    HttpReply reply = c.Send("GET", target, f.admin);
    INFO(target << " -> " << reply.body);
    CHECK(reply.status == 400);
    REQUIRE(IsJson(reply.body));
    CHECK(reply.json().at("detail").as_string().starts_with("the query string is not UTF-8"));
  }
  // Chinese, percent-encoded or not, is UTF-8 and welcome.
  HttpReply chinese = c.Send("GET", "/v1/views/reply-board?estate=%E9%98%B3%E5%85%89", f.admin);
  CHECK(chinese.status == 200);
  CHECK(IsJson(chinese.body));
}
