#include <capnp/message.h>

#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "cloudevents.h"
#include "codec/event_json.h"
#include "commands.h"
#include "common.h"
#include "projections/engine.h"
#include "projections/reports/joint_meeting.h"
#include "projections/reports/star_evaluation.h"
#include "report_checkpoint.h"

namespace ctl {
namespace {

// The checkpoint a CSV or HTML report names (the JSON is the figures alone, as served in a
// /v1/reports answer's "result"; it names its position in positionSeq).
ledger::Result<std::optional<CheckpointStamp>> StampFor(ledger::Ledger* log,
                                                        const std::string& data,
                                                        const std::string& format,
                                                        uint64_t position) {
  if (format != "csv" && format != "html") return std::optional<CheckpointStamp>();
  auto stamp = CheckpointStampOf(log, data, position);
  if (!stamp.ok()) return stamp.status();
  return std::optional<CheckpointStamp>(std::move(stamp).value());
}

// The joint-meeting report in `request.format`, into `*output`; an exit code.
int JointMeetingReport(const std::string& data, ledger::Ledger* log, projections::Engine* engine,
                       const ReportRequest& request, std::string* output) {
  auto from_ms = codec::ParseTimestamp(request.from);
  auto to_ms = codec::ParseTimestamp(request.to);
  if (request.estate.empty()) return Fail("--estate is required for a joint-meeting report");
  if (!from_ms.ok()) return Fail("--from: " + from_ms.status().message());
  if (!to_ms.ok()) return Fail("--to: " + to_ms.status().message());
  capnp::MallocMessageBuilder message;
  auto report = message.initRoot<ledger::schema::JointMeetingReport>();
  std::vector<std::pair<std::string, double>> monthly;
  engine->Read([&](const projections::ViewSet& views) {
    projections::ComputeJointMeetingReport(views, request.estate, *from_ms, *to_ms, report);
    // The page also charts compliance month by month, from the repairs view.
    projections::Filter f;
    f.estate = request.estate;
    f.from_ms = *from_ms;
    f.to_ms = *to_ms;
    capnp::MallocMessageBuilder repairs_message;
    auto repairs = repairs_message.initRoot<ledger::schema::RepairsView>();
    views.repairs.Query(f, *to_ms, repairs);
    for (auto month : repairs.getComplianceByMonth()) {
      monthly.emplace_back(month.getKey().cStr(), month.getRate());
    }
    return 0;
  });
  auto checkpoint = StampFor(log, data, request.format, report.getPositionSeq());
  if (!checkpoint.ok()) return Fail(checkpoint.status());
  *output = RenderJointMeeting(report.asReader(), request.format, monthly,
                               checkpoint->has_value() ? &**checkpoint : nullptr);
  return 0;
}

// The star evaluation in `request.format`, into `*output`; an exit code.
int StarEvaluationReport(const std::string& data, ledger::Ledger* log, projections::Engine* engine,
                         const ReportRequest& request, std::string* output) {
  if (request.year == 0) return Fail("--year is required for a star-evaluation report");
  // As ledgerd judges: a year over, at its end; one under way, at --at or now.
  const int64_t now = base::SystemMillis();
  int64_t at_ms = now;
  if (!request.at.empty()) {
    auto parsed = codec::ParseTimestamp(request.at);
    if (!parsed.ok()) return Fail("--at: " + parsed.status().message());
    at_ms = *parsed;
  }
  if (projections::LocalYear(now, projections::TimeZone::China()) > request.year) {
    at_ms = projections::kYearsEnd;
  }
  capnp::MallocMessageBuilder message;
  auto report = message.initRoot<ledger::schema::StarEvaluation>();
  engine->Read([&](const projections::ViewSet& views) {
    projections::ComputeStarEvaluation(views, request.year, at_ms, report);
    return 0;
  });
  auto checkpoint = StampFor(log, data, request.format, report.getPositionSeq());
  if (!checkpoint.ok()) return Fail(checkpoint.status());
  *output = RenderStarEvaluation(report.asReader(), request.format,
                                 checkpoint->has_value() ? &**checkpoint : nullptr);
  return 0;
}

}  // namespace

int WriteReport(const std::string& data, const ReportRequest& request) {
  auto log = OpenLedger(data, false);
  if (!log.ok()) return Fail(log.status());
  auto engine = projections::Engine::Open(log->get(), data + "/views", {});
  if (!engine.ok()) return Fail(engine.status());
  auto caught_up = (*engine)->CatchUp();
  if (!caught_up.ok()) return Fail(caught_up);
  std::string output;
  int failed = request.kind == "joint-meeting"
                   ? JointMeetingReport(data, log->get(), engine->get(), request, &output)
                   : StarEvaluationReport(data, log->get(), engine->get(), request, &output);
  if (failed != 0) return failed;
  if (output.empty()) {
    return Fail("--format \"" + request.format + "\" is not one of json, csv, html");
  }
  if (request.out_path == "-") {
    std::cout << output;
  } else {
    std::ofstream out(request.out_path, std::ios::binary | std::ios::trunc);
    out << output;
    if (!out) return Fail("cannot write " + request.out_path);
  }
  return 0;
}

}  // namespace ctl
