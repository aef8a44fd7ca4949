// Paging by cursor: a cursor's text and what it names; the picker starting after an item; and a
// reader walking the complaints' pages while complaints are filed between two pages, who sees
// every complaint once (by offset, the same walk shows one twice).
//
// The complaints (China Standard Time, all of estate/e1): c1 .. c7 filed on 03-01 .. 03-07 at
// 08:00, listed newest first; c0 (02-28) and c8 (03-08) are filed after the first page is read.

#include <capnp/message.h>

#include <catch2/catch.hpp>
#include <functional>
#include <string>
#include <vector>

#include "projections/page_cursor.h"
#include "projections/page_picker.h"
#include "projections/views/complaints.h"
#include "view_fixture.h"

using ledger::schema::ComplaintsView;
using ledger::schema::Payload;
using projections::DecodePageCursor;
using projections::EncodePageCursor;
using projections::PageCursor;
using testing::Cst;
using testing::ViewFixture;

namespace {

void File(ViewFixture& f, const std::string& id, const char* at) {
  f.Add("complaint/" + id, Cst(at), [&](Payload::Builder p) {
    auto c = p.initComplaintFiled();
    c.setComplaintId(id);
    c.setEstateId("estate/e1");
    c.setCategory("water");
    c.setChannel(ledger::schema::Channel::HOTLINE);
    c.setSummary("summary of " + id);
  });
}

struct Page {
  std::vector<std::string> ids;
  uint32_t offset = 0;
  uint32_t total = 0;
  std::string next;
};

Page Ask(ViewFixture& f, const projections::Filter& filter) {
  capnp::MallocMessageBuilder message;
  auto out = message.initRoot<ComplaintsView>();
  f.views().complaints.Query(filter, out);
  Page page;
  for (auto item : out.asReader().getItems()) page.ids.push_back(item.getComplaintId().cStr());
  page.offset = out.getOffset();
  page.total = out.getTotal();
  page.next = out.getNext().cStr();
  return page;
}

using Ids = std::vector<std::string>;

}  // namespace

TEST_CASE("a page cursor's text names its list, a time and an id, and nothing else decodes",
          "[page_cursor]") {
  PageCursor cursor{"complaints", 1740787200000, "complaint/c-1 二号楼"};
  std::string text = EncodePageCursor(cursor);
  // Hex: nothing in it needs escaping in a URL.
  CHECK(text.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(DecodePageCursor(text) == cursor);
  PageCursor before_1970{"overdue-repairs", -5, "r"};
  CHECK(DecodePageCursor(EncodePageCursor(before_1970)) == before_1970);

  auto hex = [](const std::string& plain) {
    return EncodePageCursor({plain, 0, "x"}).substr(0, 2 * plain.size());
  };
  CHECK_FALSE(DecodePageCursor(""));
  CHECK_FALSE(DecodePageCursor("zz"));
  CHECK_FALSE(DecodePageCursor(text.substr(1)));              // an odd number of digits
  CHECK_FALSE(DecodePageCursor(hex("complaints")));           // no time, no id
  CHECK_FALSE(DecodePageCursor(hex("complaints\n12\n")));     // no id
  CHECK_FALSE(DecodePageCursor(hex("complaints\n1x2\nid")));  // not a number
  CHECK_FALSE(DecodePageCursor(hex("complaints\n\nid")));     // no time
  CHECK_FALSE(DecodePageCursor(hex("\n12\nid")));             // no list
  CHECK_FALSE(DecodePageCursor(hex("complaints\n99999999999999999999\nid")));  // past int64
  CHECK_FALSE(DecodePageCursor(std::string(4098, 'a')));                       // too long to be one
}

TEST_CASE("a picker that starts after an item keeps the page, and knows whether more follow",
          "[page_picker][page_cursor]") {
  // 0..19 offered scrambled; the page after 7, three long.
  auto pick = [](std::optional<int> after, size_t offset, size_t limit) {
    projections::PagePicker<int, std::less<int>> picker(offset, limit, std::less<int>(), after);
    for (int i = 0; i < 20; ++i) picker.Offer((i * 7) % 20);
    struct {
      size_t begin;
      bool more;
      std::vector<int> page;
      size_t offered;
    } got{picker.begin(), picker.more(), {}, picker.offered()};
    got.page = picker.Take();
    return got;
  };
  auto a = pick(7, 0, 3);
  CHECK(a.page == std::vector<int>{8, 9, 10});
  CHECK(a.begin == 8);  // 0..7 come before the page
  CHECK(a.more);
  CHECK(a.offered == 20);  // the list's length, whatever the page

  auto last = pick(16, 0, 3);
  CHECK(last.page == std::vector<int>{17, 18, 19});
  CHECK(last.begin == 17);
  CHECK_FALSE(last.more);  // a page that ends the list exactly says so

  auto past = pick(19, 0, 3);
  CHECK(past.page.empty());
  CHECK(past.begin == 20);
  CHECK_FALSE(past.more);

  // An item that is not in the list: the page starts at the first item after it.
  projections::PagePicker<double, std::less<double>> between(0, 2, std::less<double>(), 4.5);
  for (double d : {9.0, 1.0, 5.0, 4.0, 7.0, 6.0}) between.Offer(d);
  CHECK(between.begin() == 2);
  CHECK(between.more());
  CHECK(between.Take() == std::vector<double>{5.0, 6.0});

  // No cursor: as before, by offset, and `more` while items follow the page.
  auto first = pick(std::nullopt, 0, 3);
  CHECK(first.page == std::vector<int>{0, 1, 2});
  CHECK(first.more);
  CHECK_FALSE(pick(std::nullopt, 17, 3).more);
}

TEST_CASE("a reader paging complaints by cursor sees each once while complaints are filed",
          "[views][complaints][page_cursor]") {
  // The district (streamed) and one estate (read through its ordering) page alike.
  for (std::string estate : {"", "estate/e1"}) {
    INFO("estate: \"" << estate << "\"");
    ViewFixture f;
    for (int day = 1; day <= 7; ++day) {
      std::string at = "2025-03-0" + std::to_string(day) + " 08:00";
      File(f, "c" + std::to_string(day), at.c_str());
    }
    projections::Filter filter;
    filter.estate = estate;
    filter.limit = 3;
    Page first = Ask(f, filter);
    CHECK(first.ids == Ids{"c7", "c6", "c5"});
    CHECK(first.offset == 0);
    REQUIRE_FALSE(first.next.empty());
    auto cursor = DecodePageCursor(first.next);
    REQUIRE(cursor);
    CHECK(cursor->list == "complaints");
    CHECK(cursor->id == "c5");
    CHECK(cursor->at == Cst("2025-03-05 08:00"));

    // Between two pages, a newer complaint and an older one are filed.
    File(f, "c8", "2025-03-08 08:00");
    File(f, "c0", "2025-02-28 08:00");

    // By offset, the second page now starts one place early: c5 again.
    projections::Filter by_offset = filter;
    by_offset.offset = 3;
    CHECK(Ask(f, by_offset).ids == Ids{"c5", "c4", "c3"});

    // By cursor, it starts after c5, wherever c5 now stands (fourth, after c8).
    projections::Filter second_filter = filter;
    second_filter.after = cursor;
    Page second = Ask(f, second_filter);
    CHECK(second.ids == Ids{"c4", "c3", "c2"});
    CHECK(second.offset == 4);  // c8, c7, c6, c5 come before it
    CHECK(second.total == 9);
    REQUIRE_FALSE(second.next.empty());

    projections::Filter third_filter = filter;
    third_filter.after = DecodePageCursor(second.next);
    Page third = Ask(f, third_filter);
    CHECK(third.ids == Ids{"c1", "c0"});  // the older complaint filed meanwhile is reached
    CHECK(third.offset == 7);
    CHECK(third.next.empty());  // the last page

    // A page that ends the list exactly has no next either.
    projections::Filter exact = filter;
    exact.limit = 2;
    exact.after = DecodePageCursor(second.next);
    CHECK(Ask(f, exact).next.empty());
  }
}
