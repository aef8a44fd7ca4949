// Paging by cursor over HTTP: `next` given back as ?after= walks a list to its end, each item
// once; a cursor does not widen what a token may read; and a cursor that is not one, that another
// list gave, or that comes with an offset, is refused with 400 naming `after`.

#include <set>
#include <string>
#include <vector>

#include "server_fixture.h"

using ledger::schema::Role;
using testing::HttpClient;
using testing::ServerFixture;

namespace {

// Complaint `id` of `estate`, filed on March `day`, 2025.
std::string Filed(const std::string& id, const std::string& estate, int day) {
  std::string date = (day < 10 ? "2025-03-0" : "2025-03-") + std::to_string(day);
  return R"({"eventId":"f-)" + id + R"(","type":"complaintFiled","occurredAt":")" + date +
         R"(T08:00:00+08:00","data":{"complaintId":")" + id + R"(","estateId":")" + estate +
         R"(","category":"lift","channel":"hotline","summary":"lift stopped"}})";
}

// Walks the complaints' pages from `first` by their `next`; the ids in the order seen.
std::vector<std::string> Walk(HttpClient& c, const std::string& token, const std::string& first,
                              int* pages) {
  std::vector<std::string> seen;
  std::string target = first;
  *pages = 0;
  for (int guard = 0; guard < 20; ++guard) {
    auto r = c.Send("GET", target, token);
    INFO(target << " -> " << r.body);
    REQUIRE(r.status == 200);
    ++*pages;
    auto result = r.json().at("result");
    for (const auto& item : result.at("items").as_array()) {
      seen.push_back(std::string(item.at("complaintId").as_string()));
    }
    if (result.at("next").is_null()) return seen;
    target = "/v1/views/complaints?limit=2&after=" + std::string(result.at("next").as_string());
  }
  FAIL("the pages did not end");
  return seen;
}

}  // namespace

TEST_CASE("complaints paged by cursor over HTTP: each once, within the token's scope",
          "[http][page_cursor]") {
  ServerFixture f;
  auto c = f.Client();
  // e-1: k1 .. k5 on March 1 .. 5; e-2: x6, x7 on March 6 and 7.
  for (int day = 1; day <= 7; ++day) {
    std::string id = (day <= 5 ? "k" : "x") + std::to_string(day);
    std::string estate = day <= 5 ? "estate/e-1" : "estate/e-2";
    auto r = c.Send("POST", "/v1/streams/complaint%2F" + id + "/events", f.admin,
                    Filed(id, estate, day));
    REQUIRE(r.status == 201);
  }
  REQUIRE(c.Send("GET", "/v1/views/complaints?atLeast=7", f.admin).status == 200);

  int pages = 0;
  auto all = Walk(c, f.admin, "/v1/views/complaints?limit=2", &pages);
  CHECK(all == std::vector<std::string>{"x7", "x6", "k5", "k4", "k3", "k2", "k1"});
  CHECK(pages == 4);  // 2 + 2 + 2 + 1

  // A resident of e-1 walks e-1's complaints only, even from a cursor an admin's page gave
  // (after x7, of e-2): the cursor is where to start, not what may be read.
  std::string resident = f.Token(Role::RESIDENT, "person/r-1", {"estate/e-1"});
  auto own = Walk(c, resident, "/v1/views/complaints?limit=2", &pages);
  CHECK(own == std::vector<std::string>{"k5", "k4", "k3", "k2", "k1"});
  auto admin_first = c.Send("GET", "/v1/views/complaints?limit=1", f.admin).json();
  std::string after_x7 = std::string(admin_first.at("result").at("next").as_string());
  auto from_admins = c.Send("GET", "/v1/views/complaints?limit=10&after=" + after_x7, resident);
  REQUIRE(from_admins.status == 200);
  std::vector<std::string> ids;
  auto from_admins_json = from_admins.json();
  for (const auto& item : from_admins_json.at("result").at("items").as_array()) {
    ids.push_back(std::string(item.at("complaintId").as_string()));
  }
  CHECK(ids == std::vector<std::string>{"k5", "k4", "k3", "k2", "k1"});

  // The lists that page by cursor say `next`, null on their last page.
  for (const char* view : {"repairs", "overdue-repairs"}) {
    auto r = c.Send("GET", std::string("/v1/views/") + view, f.admin);
    INFO(view << " -> " << r.body);
    REQUIRE(r.status == 200);
    CHECK(r.json().at("result").at("next").is_null());
  }
}

TEST_CASE("a cursor that is not one, is another list's, or comes with an offset is refused",
          "[http][page_cursor]") {
  ServerFixture f;
  auto c = f.Client();
  for (int day = 1; day <= 3; ++day) {
    std::string id = "k" + std::to_string(day);
    REQUIRE(c.Send("POST", "/v1/streams/complaint%2F" + id + "/events", f.admin,
                   Filed(id, "estate/e-1", day))
                .status == 201);
  }
  auto first = c.Send("GET", "/v1/views/complaints?limit=1&atLeast=3", f.admin);
  REQUIRE(first.status == 200);
  std::string next = std::string(first.json().at("result").at("next").as_string());
  REQUIRE_FALSE(next.empty());

  auto refused = [&](const std::string& target, const std::string& words) {
    auto r = c.Send("GET", target, f.admin);
    INFO(target << " -> " << r.body);
    CHECK(r.status == 400);
    CHECK_THAT(r.body, Catch::Contains(words));
  };
  refused("/v1/views/complaints?after=zz", "after: \\\"zz\\\" is not a page cursor");
  refused("/v1/views/complaints?after=" + std::string(5000, 'a'), "is not a page cursor");
  refused("/v1/views/complaints?after=" + next + "&offset=1", "after, offset");
  refused("/v1/views/repairs?after=" + next,
          "the cursor was given by a page of complaints, not of repairs");
  refused("/v1/views/visits?after=" + next, "visits pages with offset and limit");
  refused(
      "/v1/reports/joint-meeting?estate=estate%2Fe-1&from=2025-03-01T00:00:00Z&to=2025-04-"
      "01T00:00:00Z&after=" +
          next,
      "joint-meeting pages with offset and limit");
  // The same cursor where it belongs: the page after k3.
  auto second = c.Send("GET", "/v1/views/complaints?limit=1&after=" + next, f.admin);
  REQUIRE(second.status == 200);
  auto items = second.json().at("result").at("items").as_array();
  REQUIRE(items.size() == 1);
  CHECK(items[0].at("complaintId").as_string() == "k2");
  CHECK(second.json().at("result").at("offset").as_int64() == 1);
}
