// Checkpoints, proofs and receipts over real HTTP, and who may ask for them.

#include "ledger/base64.h"
#include "ledger/checkpoints.h"
#include "ledger/merkle.h"
#include "server_fixture.h"

using ledger::schema::Role;
using testing::HttpClient;
using testing::HttpReply;
using testing::ServerFixture;

namespace {

std::string Event(const std::string& id, const std::string& type, const std::string& data) {
  return "{\"eventId\":\"" + id + "\",\"type\":\"" + type + "\",\"data\":" + data + "}";
}

// Two estates, a household and a resident in each, and a complaint filed by each resident.
class District {
 public:
  District() : f({}, {}, "district.example/ledger"), c(f.Client()) {
    f.now = 1'767'225'600'000;  // 2026-01-01T00:00:00Z
    for (std::string x : {"01", "02"}) {
      Must(f.admin, "estate/e" + x, "estateRegistered",
           R"({"estateId":"estate/e)" + x + R"(","name":"区"})");
      Must(f.admin, "household/h" + x, "householdRegistered",
           R"({"householdId":"household/h)" + x + R"(","estateId":"estate/e)" + x +
               R"(","headName":"张三","phone":"13800000000"})");
      Must(f.admin, "person/p" + x, "personRegistered",
           R"({"personId":"person/p)" + x + R"(","name":"居民","phone":"13900000000",)" +
               R"("householdId":"household/h)" + x + R"("})");
    }
    resident1 = f.Token(Role::RESIDENT, "person/p01", {"estate/e01"});
    resident2 = f.Token(Role::RESIDENT, "person/p02", {"estate/e02"});
    neighbour1 = f.Token(Role::RESIDENT, "person/p03", {"estate/e01"});
    staff = f.Token(Role::COMPANY_STAFF, "person/staff", {}, "company/a");
    worker2 = f.Token(Role::COMMUNITY_WORKER, "person/worker-2", {"estate/e02"});
    c01 = Must(resident1, "complaint/c01", "complaintFiled", Complaint("01"));
    c02 = Must(resident2, "complaint/c02", "complaintFiled", Complaint("02"));
  }

  static std::string Complaint(const std::string& x) {
    return R"({"complaintId":"complaint/c)" + x + R"(","estateId":"estate/e)" + x +
           R"(","householdId":"household/h)" + x + R"(","category":"water","summary":"漏水"})";
  }

  uint64_t Must(const std::string& token, const std::string& stream, const std::string& type,
                const std::string& data) {
    auto reply = c.Send("POST", "/v1/streams/" + stream + "/events", token,
                        Event("ev-" + std::to_string(++n), type, data));
    INFO(type << ": " << reply.body);
    REQUIRE(reply.status == 201);
    return reply.json().at("seqs").as_array()[0].as_int64();
  }

  ledger::note::Verifier Verifier() {
    auto v = ledger::note::Verifier::Parse(f.checkpointer()->VerifierKey());
    REQUIRE(v.ok());
    return *v;
  }

  ServerFixture f;
  HttpClient c;
  std::string resident1, resident2, neighbour1, staff, worker2;
  uint64_t c01 = 0, c02 = 0;
  int n = 0;
};

std::vector<std::string> Hashes(const boost::json::value& list) {
  std::vector<std::string> out;
  for (const auto& h : list.as_array()) {
    auto bytes = ledger::Base64Decode(std::string(h.as_string()));
    REQUIRE(bytes.has_value());
    out.push_back(*bytes);
  }
  return out;
}

// The parts of a tlog-proof.
struct Receipt {
  std::string record;
  uint64_t index = 0;
  std::vector<std::string> path;
  std::string checkpoint;
};

Receipt ParseReceipt(const std::string& text) {
  Receipt r;
  std::istringstream in(text);
  std::string line;
  REQUIRE(std::getline(in, line));
  REQUIRE(line == "c2sp.org/tlog-proof@v1");
  REQUIRE(std::getline(in, line));
  REQUIRE(line.rfind("extra ", 0) == 0);
  r.record = ledger::Base64Decode(line.substr(6)).value();
  REQUIRE(std::getline(in, line));
  REQUIRE(line.rfind("index ", 0) == 0);
  r.index = std::stoull(line.substr(6));
  while (std::getline(in, line) && !line.empty()) r.path.push_back(*ledger::Base64Decode(line));
  r.checkpoint = text.substr(static_cast<size_t>(in.tellg()));
  return r;
}

}  // namespace

TEST_CASE("the checkpoint route serves signed checkpoints, latest and by size", "[http][proofs]") {
  District d;
  uint64_t head = d.c02;
  auto reply = d.c.Send("GET", "/v1/checkpoint", d.resident1);
  REQUIRE(reply.status == 200);
  CHECK(reply.content_type.rfind("text/plain", 0) == 0);
  auto latest = ledger::OpenCheckpoint(reply.body, d.Verifier());
  REQUIRE(latest.ok());
  // Signed at open (size 0) and not since: the interval is long; a receipt asks for more.
  CHECK(latest->body.size <= head);
  auto receipt = d.c.Send("GET", "/v1/events/" + std::to_string(d.c02) + "/receipt", d.resident2);
  REQUIRE(receipt.status == 200);
  auto now = ledger::OpenCheckpoint(d.c.Send("GET", "/v1/checkpoint", d.staff).body, d.Verifier());
  REQUIRE(now.ok());
  CHECK(now->body.size == head);
  auto by_size = d.c.Send("GET", "/v1/checkpoint?size=" + std::to_string(head), d.resident1);
  CHECK(by_size.status == 200);
  CHECK(by_size.body == now->note);
  CHECK(d.c.Send("GET", "/v1/checkpoint?size=3", d.resident1).status == 404);
  CHECK(d.c.Send("GET", "/v1/checkpoint?size=-1", d.resident1).status == 400);
  CHECK(d.c.Send("GET", "/v1/checkpoint", "").status == 401);
}

TEST_CASE("inclusion and consistency proofs verify against signed roots", "[http][proofs]") {
  District d;
  uint64_t head = d.c02;
  auto receipt = d.c.Send("GET", "/v1/events/" + std::to_string(head) + "/receipt", d.f.admin);
  REQUIRE(receipt.status == 200);
  auto checkpoint = ledger::OpenCheckpoint(ParseReceipt(receipt.body).checkpoint, d.Verifier());
  REQUIRE(checkpoint.ok());
  std::string root = ledger::merkle::Bytes(checkpoint->body.root);

  // Any token may ask: the answer is hashes only.
  auto inclusion = d.c.Send(
      "GET", "/v1/proofs/inclusion?seq=" + std::to_string(d.c01) + "&size=" + std::to_string(head),
      d.resident2);
  REQUIRE(inclusion.status == 200);
  auto proof = Hashes(inclusion.json().at("proof"));
  auto event = d.f.log().Read(d.c01);
  REQUIRE(event.ok());
  auto leaf = ledger::merkle::LeafHash(ledger::merkle::LeafInput(*event));
  CHECK(
      ledger::merkle::VerifyInclusion(d.c01 - 1, head, ledger::merkle::Bytes(*leaf), proof, root));
  CHECK_FALSE(
      ledger::merkle::VerifyInclusion(d.c02 - 1, head, ledger::merkle::Bytes(*leaf), proof, root));

  // Consistency from an earlier size to the signed one.
  auto consistency =
      d.c.Send("GET", "/v1/proofs/consistency?from=3&to=" + std::to_string(head), d.staff);
  REQUIRE(consistency.status == 200);
  auto body = consistency.json();
  auto root1 =
      ledger::merkle::RootOf(3, [&](uint32_t l, uint64_t i) { return d.f.log().TreeNode(l, i); });
  CHECK(ledger::merkle::VerifyConsistency(3, head, Hashes(body.at("proof")),
                                          ledger::merkle::Bytes(*root1), root));

  // Sizes past the head, zero, or reversed are refused with a reason.
  for (std::string bad :
       {"/v1/proofs/inclusion?seq=0&size=3", "/v1/proofs/inclusion?seq=4&size=3",
        "/v1/proofs/inclusion?seq=1&size=999", "/v1/proofs/consistency?from=0&to=3",
        "/v1/proofs/consistency?from=5&to=3", "/v1/proofs/consistency?from=1&to=999"}) {
    auto reply = d.c.Send("GET", bad, d.f.admin);
    INFO(bad << ": " << reply.body);
    CHECK(reply.status == 400);
    CHECK(reply.content_type == "application/problem+json");
  }
}

TEST_CASE("a receipt proves the event under a signed checkpoint", "[http][proofs]") {
  District d;
  auto reply = d.c.Send("GET", "/v1/events/" + std::to_string(d.c01) + "/receipt", d.resident1);
  INFO(reply.body);
  REQUIRE(reply.status == 200);
  Receipt r = ParseReceipt(reply.body);
  CHECK(r.index == d.c01 - 1);
  auto checkpoint = ledger::OpenCheckpoint(r.checkpoint, d.Verifier());
  REQUIRE(checkpoint.ok());
  CHECK(checkpoint->body.size >= d.c01);
  // The record is the event as stored: its seq leads it, big-endian.
  auto event = d.f.log().Read(d.c01);
  CHECK(r.record == ledger::merkle::LeafInput(*event));
  CHECK(static_cast<uint8_t>(r.record[7]) == d.c01);
  auto leaf = ledger::merkle::LeafHash(r.record);
  CHECK(ledger::merkle::VerifyInclusion(r.index, checkpoint->body.size,
                                        ledger::merkle::Bytes(*leaf), r.path,
                                        ledger::merkle::Bytes(checkpoint->body.root)));
  // One byte of the record changed and the receipt proves nothing.
  std::string forged = r.record;
  forged.back() ^= 1;
  CHECK_FALSE(ledger::merkle::VerifyInclusion(
      r.index, checkpoint->body.size, ledger::merkle::Bytes(*ledger::merkle::LeafHash(forged)),
      r.path, ledger::merkle::Bytes(checkpoint->body.root)));
}

TEST_CASE("a receipt is only for an event the caller recorded or may read", "[http][proofs]") {
  District d;
  std::string own = "/v1/events/" + std::to_string(d.c01) + "/receipt";
  std::string other = "/v1/events/" + std::to_string(d.c02) + "/receipt";
  // The resident of another estate, a neighbour in the same estate, and company staff are
  // refused: a receipt carries the event and its position.
  for (const std::string* token : {&d.resident2, &d.neighbour1, &d.staff}) {
    auto reply = d.c.Send("GET", own, *token);
    INFO(reply.body);
    CHECK(reply.status == 403);
    CHECK(reply.json().at("rule").as_string() == "read.receipt");
    CHECK(reply.body.find("extra") == std::string::npos);
  }
  CHECK(d.c.Send("GET", other, d.resident1).status == 403);
  // A community worker of the other estate reads only that estate's raw events.
  CHECK(d.c.Send("GET", own, d.worker2).status == 403);
  CHECK(d.c.Send("GET", other, d.worker2).status == 200);
  // The filer and the admin may.
  CHECK(d.c.Send("GET", own, d.resident1).status == 200);
  CHECK(d.c.Send("GET", own, d.f.admin).status == 200);
  // Past the head, or not a number.
  CHECK(d.c.Send("GET", "/v1/events/999/receipt", d.f.admin).status == 404);
  CHECK(d.c.Send("GET", "/v1/events/x/receipt", d.f.admin).status == 400);
  CHECK(d.c.Send("GET", own, "").status == 401);
}

TEST_CASE("without a signing key the proof routes say how to make one", "[http][proofs]") {
  ServerFixture f;
  auto c = f.Client();
  auto reply = c.Send("GET", "/v1/checkpoint", f.admin);
  CHECK(reply.status == 404);
  CHECK(reply.body.find("ledgerctl init --origin") != std::string::npos);
}

TEST_CASE("a view names the Merkle root of its position and a signed checkpoint covering it",
          "[http][proofs]") {
  District d;
  uint64_t head = d.c02;
  // A receipt makes the signer sign the head.
  REQUIRE(d.c.Send("GET", "/v1/events/" + std::to_string(head) + "/receipt", d.f.admin).status ==
          200);
  auto reply = d.c.Send("GET", "/v1/views/complaints?atLeast=" + std::to_string(head), d.f.admin);
  INFO(reply.body);
  REQUIRE(reply.status == 200);
  auto body = reply.json().as_object();
  uint64_t position = body.at("position").at("seq").as_int64();
  const auto& checkpoint = body.at("checkpoint").as_object();
  CHECK(checkpoint.at("treeSize").as_int64() == static_cast<int64_t>(position));
  auto root = ledger::merkle::RootOf(
      position, [&](uint32_t l, uint64_t i) { return d.f.log().TreeNode(l, i); });
  CHECK(std::string(checkpoint.at("root").as_string().c_str()) ==
        ledger::Base64Encode(ledger::merkle::Bytes(*root)));
  auto signed_checkpoint = ledger::OpenCheckpoint(
      std::string(checkpoint.at("signed").as_string().c_str()), d.Verifier());
  REQUIRE(signed_checkpoint.ok());
  REQUIRE(signed_checkpoint->body.size >= position);
  // The route it names proves the view's log a prefix of the signed one.
  auto proof =
      d.c.Send("GET", std::string(checkpoint.at("proof").as_string().c_str()), d.resident1);
  REQUIRE(proof.status == 200);
  CHECK(ledger::merkle::VerifyConsistency(
      position, signed_checkpoint->body.size, Hashes(proof.json().at("proof")),
      ledger::merkle::Bytes(*root), ledger::merkle::Bytes(signed_checkpoint->body.root)));
}

TEST_CASE("an append with ?receipt=true answers the receipt of its last event", "[http][proofs]") {
  District d;
  auto reply = d.c.Send("POST", "/v1/streams/complaint/c03/events?receipt=true", d.resident1,
                        Event("ev-r1", "complaintFiled",
                              R"({"complaintId":"complaint/c03","estateId":"estate/e01",)"
                              R"("householdId":"household/h01","category":"water",)"
                              R"("summary":"又漏水"})"));
  INFO(reply.body);
  REQUIRE(reply.status == 201);
  uint64_t seq = reply.json().at("seqs").as_array()[0].as_int64();
  CHECK(seq == d.c02 + 1);
  std::string text(reply.json().at("receipt").as_string());
  // The same tlog-proof as GET /v1/events/{seq}/receipt gives, and it proves the event.
  CHECK(text ==
        d.c.Send("GET", "/v1/events/" + std::to_string(seq) + "/receipt", d.resident1).body);
  Receipt r = ParseReceipt(text);
  CHECK(r.index == seq - 1);
  CHECK(r.record == ledger::merkle::LeafInput(*d.f.log().Read(seq)));
  auto checkpoint = ledger::OpenCheckpoint(r.checkpoint, d.Verifier());
  REQUIRE(checkpoint.ok());
  CHECK(checkpoint->body.size >= seq);
  CHECK(ledger::merkle::VerifyInclusion(r.index, checkpoint->body.size,
                                        ledger::merkle::Bytes(*ledger::merkle::LeafHash(r.record)),
                                        r.path, ledger::merkle::Bytes(checkpoint->body.root)));

  // Two events in one append: the receipt is the last one's (it is the later in the tree, so
  // a checkpoint that covers it covers both).
  auto two = d.c.Send(
      "POST", "/v1/streams/complaint/c03/events?receipt=true", d.resident1,
      R"({"events":[)" +
          Event("ev-r2", "followUpRecorded",
                R"({"subject":{"complaintId":"complaint/c03"},"satisfaction":"satisfied"})") +
          "," +
          Event("ev-r3", "followUpRecorded",
                R"({"subject":{"complaintId":"complaint/c03"},"satisfaction":"dissatisfied"})") +
          "]}");
  INFO(two.body);
  REQUIRE(two.status == 201);
  auto seqs = two.json().at("seqs").as_array();
  REQUIRE(seqs.size() == 2);
  Receipt last = ParseReceipt(std::string(two.json().at("receipt").as_string()));
  CHECK(last.index == uint64_t(seqs[1].as_int64()) - 1);
  CHECK(last.record == ledger::merkle::LeafInput(*d.f.log().Read(seqs[1].as_int64())));

  // Without the parameter, or with receipt=false, no receipt and no signing.
  auto plain =
      d.c.Send("POST", "/v1/streams/complaint/c03/events?receipt=false", d.resident1,
               Event("ev-r4", "followUpRecorded",
                     R"({"subject":{"complaintId":"complaint/c03"},"satisfaction":"satisfied"})"));
  REQUIRE(plain.status == 201);
  CHECK_FALSE(plain.json().as_object().contains("receipt"));
}

TEST_CASE("?receipt= refused before anything is appended", "[http][proofs]") {
  District d;
  uint64_t head = d.f.log().Head().seq;
  std::string follow_up =
      Event("ev-x", "followUpRecorded",
            R"({"subject":{"complaintId":"complaint/c01"},"satisfaction":"satisfied"})");
  // An unknown value names the allowed ones.
  auto yes =
      d.c.Send("POST", "/v1/streams/complaint/c01/events?receipt=yes", d.resident1, follow_up);
  INFO(yes.body);
  CHECK(yes.status == 400);
  CHECK(yes.body.find("receipt: \\\"yes\\\" is not allowed; use receipt=true") !=
        std::string::npos);
  CHECK(d.f.log().Head().seq == head);

  // Without a token: refused before anything else.
  CHECK(d.c.Send("POST", "/v1/streams/complaint/c01/events?receipt=true", "", follow_up).status ==
        401);
  CHECK(d.f.log().Head().seq == head);

  // A resident of another estate replaying the filer's event id with ?receipt=true is refused
  // by the rule book: nothing appended, no receipt of someone else's event.
  auto replay =
      d.c.Send("POST", "/v1/streams/complaint/c01/events?receipt=true", d.resident2, follow_up);
  INFO(replay.body);
  CHECK(replay.status == 403);
  CHECK(replay.body.find("extra ") == std::string::npos);
  CHECK(d.f.log().Head().seq == head);

  // The same event appended by its filer, then sent again (a retry): the duplicate answer
  // carries the receipt of the event already in the log.
  auto first =
      d.c.Send("POST", "/v1/streams/complaint/c01/events?receipt=true", d.resident1, follow_up);
  REQUIRE(first.status == 201);
  auto again =
      d.c.Send("POST", "/v1/streams/complaint/c01/events?receipt=true", d.resident1, follow_up);
  INFO(again.body);
  REQUIRE(again.status == 200);
  CHECK(again.json().at("duplicate").as_bool());
  CHECK(ParseReceipt(std::string(again.json().at("receipt").as_string())).index == head);
  CHECK(d.f.log().Head().seq == head + 1);

  // A log without a signing key gives no receipts: said before appending.
  ServerFixture unsigned_log;
  auto c = unsigned_log.Client();
  auto no_key =
      c.Send("POST", "/v1/streams/estate/e09/events?receipt=true", unsigned_log.admin,
             Event("ev-k", "estateRegistered", R"({"estateId":"estate/e09","name":"区"})"));
  INFO(no_key.body);
  CHECK(no_key.status == 400);
  CHECK(no_key.body.find("signs no checkpoints") != std::string::npos);
  CHECK(no_key.body.find("nothing was appended") != std::string::npos);
  CHECK(unsigned_log.log().Head().seq == 0);
}
