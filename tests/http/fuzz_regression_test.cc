// Inputs the fuzzers (fuzz/) found to break the service, replayed over real HTTP. Each test names
// what was wrong; the bytes are the minimised input or a readable equivalent.

#include <capnp/message.h>
#include <capnp/serialize.h>

#include <string>

#include "schemas/api.capnp.h"
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

// A binary AppendRequest of one complaint in which the text `text` (which must occur once) has
// lost its closing NUL byte.
std::string UnterminatedText(const std::string& text) {
  capnp::MallocMessageBuilder message;
  auto request = message.initRoot<ledger::schema::AppendRequest>();
  request.setExpectedVersion("any");
  auto event = request.initEvents(1)[0];
  event.setEventId("bin-1");
  auto complaint = event.initPayload().initComplaintFiled();
  complaint.setComplaintId("complaint/bin-1");
  complaint.setEstateId("estate/e-1");
  complaint.setCategory("water");
  complaint.setSummary("binary");
  auto words = capnp::messageToFlatArray(message);
  std::string bytes(words.asChars().begin(), words.asChars().size());
  size_t at = bytes.find(text + '\0');
  REQUIRE(at != std::string::npos);
  REQUIRE(bytes.find(text + '\0', at + 1) == std::string::npos);
  bytes[at + text.size()] = 'x';
  return bytes;
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

TEST_CASE("binary text without its closing NUL byte does not end the server", "[http][fuzz]") {
  ServerFixture f;
  auto c = f.Client();
  // Found by the fuzzer in the expected version of a binary append; the same holds for any text
  // of the events, which the permission check reads. Copying the message does not look inside
  // text and reading it later threw where nothing caught it: std::terminate, for every client.
  // A resident's token, so that the permission check reads the estate.
  std::string resident = f.Token(ledger::schema::Role::RESIDENT, "person/r-1", {"estate/e-1"});
  for (const char* text : {"any", "estate/e-1"}) {
    HttpReply reply = c.Send("POST", "/v1/streams/complaint%2Fbin-1/events", resident,
                             UnterminatedText(text), "application/x-capnp");
    INFO(text << " -> " << reply.status << " " << reply.body);
    CHECK(reply.status == 400);
    CHECK(reply.content_type == "application/problem+json");
    CHECK(IsJson(reply.body));
  }
  // Still serving, and nothing was appended.
  HttpReply head = f.Client().Send("GET", "/v1/head", f.admin);
  REQUIRE(head.status == 200);
  CHECK(head.json().at("seq").as_int64() == 0);
}
