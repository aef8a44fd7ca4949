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
