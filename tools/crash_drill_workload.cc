#include "crash_drill_workload.h"

#include <boost/json.hpp>

#include <cstring>
#include <iterator>

namespace crash_drill {

Request Workload::Next() {
  int dice = static_cast<int>(random_() % 100);
  if (dice < 15 && !open_.empty()) return Step();
  if (dice < 25 && !filed_.empty()) return Correction();
  return NewComplaint();
}

void Workload::Acknowledged(const Request& request, const std::string& answer) {
  boost::json::error_code ec;
  auto body = boost::json::parse(answer, ec);
  if (ec) return;
  const auto* seqs = body.as_object().if_contains("seqs");
  if (!seqs) return;
  uint64_t version = body.at("streamVersion").to_number<uint64_t>();
  // A new complaint: its version is its event count. Steps are taken once per complaint.
  if (request.stream.rfind("complaint/", 0) == 0 && version == request.ids.size()) {
    open_[request.stream] = version;
    filed_.emplace_back(seqs->as_array()[0].to_number<uint64_t>(),
                        request.stream.substr(std::strlen("complaint/")));
  }
}

std::string Workload::Event(const std::string& id, const std::string& type,
                            const std::string& data) {
  // Fixed occurrence times keep the views' figures independent of the wall clock.
  int64_t occurred = 1764595800000 + static_cast<int64_t>(n_) * 1000;
  return R"({"eventId":")" + id + R"(","type":")" + type + R"(","occurredAt":)" +
         std::to_string(occurred) + R"(,"data":)" + data + "}";
}

std::string Workload::Filed(const std::string& complaint, size_t padding) {
  static const char* categories[] = {"water", "electricity", "lighting", "lift", "noise"};
  std::string summary = "漏水 " + complaint;
  for (size_t i = 0; i < padding; ++i) summary += i % 2 ? "水" : "x";
  return R"({"complaintId":")" + complaint + R"(","estateId":")" + estate_ + R"(","category":")" +
         categories[random_() % 5] + R"(","channel":"wechatGroup",)" + R"("summary":")" + summary +
         R"("})";
}

Request Workload::Wrap(std::string stream, std::vector<std::string> events,
                       std::vector<std::string> ids, const std::string& expected) {
  Request r;
  r.stream = std::move(stream);
  if (events.size() == 1 && expected == "any") {
    r.body = events[0];
  } else {
    r.body = R"({"expectedVersion":")" + expected + R"(","events":[)";
    for (size_t i = 0; i < events.size(); ++i) r.body += (i ? "," : "") + events[i];
    r.body += "]}";
  }
  r.events = std::move(events);
  r.ids = std::move(ids);
  return r;
}

Request Workload::NewComplaint() {
  std::string complaint = prefix_ + "-" + std::to_string(++n_);
  size_t count = 1 + random_() % 3;
  std::vector<std::string> events, ids;
  for (size_t k = 0; k < count; ++k) {
    std::string id = complaint + "-" + std::to_string(k);
    ids.push_back(id);
    if (k == 0) {
      events.push_back(Event(id, "complaintFiled", Filed(complaint, random_() % 400)));
    } else if (k == 1) {
      events.push_back(Event(id, "complaintAcknowledged",
                             R"({"complaintId":")" + complaint + R"(","note":"已派单"})"));
    } else {
      events.push_back(Event(id, "complaintReplied",
                             R"({"complaintId":")" + complaint + R"(","reply":"已修好"})"));
    }
  }
  std::string expected = count == 1 && random_() % 2 ? "any" : "none";
  return Wrap("complaint/" + complaint, std::move(events), std::move(ids), expected);
}

Request Workload::Step() {
  auto it = open_.begin();
  std::advance(it, static_cast<long>(random_() % open_.size()));
  std::string stream = it->first;
  uint64_t version = it->second;
  std::string complaint = stream.substr(std::strlen("complaint/"));
  std::string id = complaint + "-s" + std::to_string(++n_);
  open_.erase(it);
  return Wrap(stream,
              {Event(id, "complaintResolved",
                     R"({"complaintId":")" + complaint + R"(","note":"住户确认"})")},
              {id}, std::to_string(version));
}

Request Workload::Correction() {
  size_t pick = random_() % filed_.size();
  auto [target, complaint] = filed_[pick];
  filed_.erase(filed_.begin() + static_cast<long>(pick));
  std::string id = prefix_ + "-c" + std::to_string(++n_);
  std::string action = random_() % 2 ? R"({"void":null})"
                                     : R"({"replacement":{"type":"complaintFiled","data":)" +
                                           Filed(complaint, 3) + "}}";
  std::string data = R"({"correctsSeq":")" + std::to_string(target) +
                     R"(","reason":"录入有误","action":)" + action + "}";
  // A correction's stream is the corrected event's; a replacement keeps its complaint.
  return Wrap("correction/" + std::to_string(target), {Event(id, "correctionRecorded", data)}, {id},
              "any");
}

}  // namespace crash_drill
