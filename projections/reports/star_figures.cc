#include "star_figures.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <utility>

namespace projections::star {

double Weight(const RatingRule& rule, Component c) {
  switch (c) {
    case kInspection:
      return rule.w_inspection;
    case kDocumentReview:
      return rule.w_document_review;
    case kComplaintRate:
      return rule.w_complaint_rate;
    case kRepairCompliance:
      return rule.w_repair_compliance;
    case kFollowUp:
      return rule.w_follow_up;
    case kSurvey:
      return rule.w_survey;
    case kComponentCount:
      break;
  }
  return 0;
}

std::string Num(double v) {
  char text[64];
  std::snprintf(text, sizeof text, "%.4f", v);
  std::string s = text;
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  if (s == "-0") s = "0";
  return s;
}

namespace {

// An instant as a person reads it in the frame's zone: "2026-12-07 10:30 (+08:00)".
std::string LocalMinute(int64_t ms, TimeZone zone) {
  int64_t local = ms + int64_t(zone.offset_minutes()) * 60'000;
  int64_t day = local >= 0 ? local / 86'400'000 : (local - 86'399'999) / 86'400'000;
  int64_t minute = (local - day * 86'400'000) / 60'000;
  int offset = zone.offset_minutes();
  char text[32];
  std::snprintf(text, sizeof text, " %02d:%02d (%c%02d:%02d)", int(minute / 60), int(minute % 60),
                offset < 0 ? '-' : '+', std::abs(offset) / 60, std::abs(offset) % 60);
  return FormatDay(day) + text;
}

}  // namespace

YearFrame FrameOf(int year, TimeZone zone, int64_t at_ms) {
  YearFrame f;
  f.year = year;
  f.zone = zone;
  f.first_day = DaysFromCivil({year, 1, 1});
  f.last_day = DaysFromCivil({year, 12, 31});
  f.days = f.last_day - f.first_day + 1;
  f.start_ms = LocalDayStart(f.first_day, zone);
  f.end_ms = LocalDayStart(f.last_day + 1, zone);
  f.judged_ms = std::min(f.end_ms, at_ms);
  return f;
}

std::string SatisfactionTally::Describe() const {
  std::string s = "satisfied " + std::to_string(satisfied) + ", basically satisfied " +
                  std::to_string(basically) + ", dissatisfied " + std::to_string(dissatisfied);
  if (unanswered) s += "; " + std::to_string(unanswered) + " without an answer not counted";
  return s;
}

Figure SatisfactionFigure(Component c, const SatisfactionTally& t, const std::string& what) {
  Figure f;
  f.name = kComponentNames[c];
  f.component = c;
  f.numerator = t.satisfied + t.basically;
  f.denominator = t.answered();
  f.has_data = t.answered() > 0;
  f.value = f.has_data ? f.numerator / f.denominator * 100 : 0;
  f.inputs = what + ": " + t.Describe() +
             "; (satisfied + basically satisfied) / answered × 100 = (" +
             std::to_string(t.satisfied) + " + " + std::to_string(t.basically) + ") / " +
             std::to_string(t.answered()) + " × 100" +
             (f.has_data ? " = " + Num(f.value) : ": no answers, left out");
  return f;
}

Figure SheetFigure(SheetKind kind, const std::vector<const ScoreSheetRecord*>& sheets, int year) {
  Component c = kind == SheetKind::kInspection ? kInspection : kDocumentReview;
  Figure f;
  f.name = kComponentNames[c];
  f.component = c;
  std::string list;
  for (const ScoreSheetRecord* s : sheets) {
    f.numerator += s->Score();
    f.denominator += s->MaxScore();
    if (!list.empty()) list += ", ";
    list += s->sheet_id + " (seq " + std::to_string(s->seq) +
            (s->estate_id.empty() ? "" : ", " + s->estate_id) + ") " + Num(s->Score()) + "/" +
            Num(s->MaxScore());
    if (size_t out = s->LeftOut()) {
      list += " (" + std::to_string(out) +
              " item(s) left out: not a score from 0 to a maximum above 0)";
    }
  }
  f.has_data = f.denominator > 0;
  f.value = f.has_data ? f.numerator / f.denominator * 100 : 0;
  const char* what = kind == SheetKind::kInspection ? "inspection" : "document-review";
  if (sheets.empty()) {
    f.inputs = std::string("no ") + what + " sheets for " + std::to_string(year) + ", left out";
  } else {
    f.inputs = std::to_string(sheets.size()) + " " + what + " sheet(s) for " +
               std::to_string(year) + ": " + list +
               "; Σ scores / Σ maxima × 100 = " + Num(f.numerator) + " / " + Num(f.denominator) +
               " × 100" + (f.has_data ? " = " + Num(f.value) : ": no maxima, left out");
  }
  return f;
}

double Exposure::Households(int64_t days_in_year) const {
  double sum = 0;
  for (const auto& p : parts) sum += double(p.households) * double(p.days) / double(days_in_year);
  return sum;
}

void RepairTally::Add(const RepairTally& o) {
  on_time += o.on_time;
  late += o.late;
  open_overdue += o.open_overdue;
  open_pending += o.open_pending;
  no_limit += o.no_limit;
}

void RepairTally::Add(const RepairRecord& r, const YearFrame& frame) {
  if (r.deadline_ms == 0) {
    ++no_limit;
    return;
  }
  RepairState s = Derive(r);
  if (s.completed()) {
    RepairMetLimit(r, s) ? ++on_time : ++late;
  } else if (r.deadline_ms < frame.judged_ms) {
    ++open_overdue;
  } else {
    ++open_pending;
  }
}

Figure RepairFigure(const RepairTally& t, const std::string& whose, const YearFrame& frame) {
  const int year = frame.year;
  // A year under way names the instant its open repairs were judged at.
  const std::string judged =
      frame.YearOver() ? "the year's end"
                       : LocalMinute(frame.judged_ms, frame.zone) + " (the year is not over)";
  Figure f;
  f.name = kComponentNames[kRepairCompliance];
  f.component = kRepairCompliance;
  f.numerator = t.on_time;
  f.denominator = t.on_time + t.late + t.open_overdue;
  f.has_data = f.denominator > 0;
  f.value = f.has_data ? f.numerator / f.denominator * 100 : 0;
  f.inputs = "repairs requested in " + std::to_string(year) + " " + whose +
             " with a time limit: completed by the deadline " + std::to_string(t.on_time) +
             ", completed late " + std::to_string(t.late) + ", still open past the deadline at " +
             judged + " " + std::to_string(t.open_overdue) + "; " + std::to_string(t.on_time) +
             " / (" + std::to_string(t.on_time) + " + " + std::to_string(t.late) + " + " +
             std::to_string(t.open_overdue) + ") × 100" +
             (f.has_data ? " = " + Num(f.value) : ": none, left out") +
             "; not counted: " + std::to_string(t.open_pending) +
             " still open with the deadline after " + (frame.YearOver() ? judged : "that") + ", " +
             std::to_string(t.no_limit) + " without a time limit";
  return f;
}

void ComplaintFigures(uint32_t complaints, const std::map<std::string, uint32_t>& by_estate,
                      const Exposure& exposure, const YearFrame& frame, const RatingRule* rule,
                      const std::string& whose, std::vector<Figure>* out) {
  double households = exposure.Households(frame.days);
  std::string served;
  for (const auto& p : exposure.parts) {
    if (!served.empty()) served += " + ";
    served += p.estate + " " + std::to_string(p.households) + " × " + std::to_string(p.days) + "/" +
              std::to_string(frame.days);
  }
  if (served.empty()) served = "none";
  std::string filed;
  for (const auto& [estate, n] : by_estate) {
    if (!filed.empty()) filed += ", ";
    filed += estate + " " + std::to_string(n);
  }

  Figure rate;
  rate.name = "complaintsPer100Households";
  rate.numerator = complaints;
  rate.denominator = households;
  rate.has_data = households > 0;
  rate.value = rate.has_data ? complaints / households * 100 : 0;
  rate.inputs = "households served in " + std::to_string(frame.year) + " " + whose +
                " = Σ households × days / " + std::to_string(frame.days) + " = " + served + " = " +
                Num(households) + "; complaints filed in " + std::to_string(frame.year) + " " +
                whose + ": " + std::to_string(complaints) +
                (filed.empty() ? "" : " (" + filed + ")") + "; " + std::to_string(complaints) +
                " / " + Num(households) + " × 100" +
                (rate.has_data ? " = " + Num(rate.value) : ": no households served");

  Figure score;
  score.name = kComponentNames[kComplaintRate];
  score.component = kComplaintRate;
  score.numerator = rate.value;
  if (!rate.has_data) {
    score.inputs = "no households served: left out";
  } else if (!rule) {
    score.inputs = "no rating policy, so no ceiling to score the rate against: left out";
  } else {
    double ceiling = rule->complaint_rate_ceiling;
    score.denominator = ceiling;
    score.has_data = true;
    if (ceiling > 0) {
      score.value = std::max(0.0, 1 - rate.value / ceiling) * 100;
      score.inputs = "max(0, 1 − rate / ceiling) × 100 = max(0, 1 − " + Num(rate.value) + " / " +
                     Num(ceiling) + ") × 100 = " + Num(score.value);
    } else {
      // A policy without a ceiling tolerates no complaint at all.
      score.value = rate.value == 0 ? 100 : 0;
      score.inputs = "the policy sets no ceiling: 100 with no complaints, else 0; rate " +
                     Num(rate.value) + " = " + Num(score.value);
    }
  }
  out->push_back(std::move(rate));
  out->push_back(std::move(score));
}

void WeighScore(const PolicyVersion* policy, Row* row) {
  Figure total;
  total.name = "score";
  if (!policy) {
    total.inputs = "no rating policy in force: no weighted score";
    row->figures.push_back(std::move(total));
    return;
  }
  const RatingRule& rule = policy->rating;
  std::string terms, weights, left_out;
  for (auto& f : row->figures) {
    if (f.component < 0) continue;
    f.weight = Weight(rule, static_cast<Component>(f.component));
    if (!f.has_data) {
      if (!left_out.empty()) left_out += ", ";
      left_out += f.name + " (weight " + Num(f.weight) + ")";
      continue;
    }
    f.counted = true;
    total.numerator += f.weight * f.value;
    total.denominator += f.weight;
    if (!terms.empty()) {
      terms += " + ";
      weights += " + ";
    }
    terms += Num(f.weight) + " × " + Num(f.value);
    weights += Num(f.weight);
  }
  total.has_data = total.denominator > 0;
  if (!total.has_data) {
    total.inputs = "no component with data carries a weight: no weighted score";
  } else {
    total.value = total.numerator / total.denominator;
    total.inputs = "Σ wᵢ·componentᵢ / Σ wᵢ = (" + terms + ") / (" + weights +
                   ") = " + Num(total.numerator) + " / " + Num(total.denominator) + " = " +
                   Num(total.value);
    row->rated = true;
    row->score = total.value;
    int stars = 0;
    for (double threshold : rule.star_thresholds) {
      if (stars < 5 && row->score >= threshold) ++stars;
    }
    row->stars = stars;
    if (row->score < rule.black_list_max_score) {
      row->list = kBlackList;
    } else if (row->score >= rule.red_list_min_score) {
      row->list = kRedList;
    }
  }
  if (!left_out.empty()) {
    total.inputs +=
        "; left out for lack of data, the weights renormalised over the rest: " + left_out;
  }
  row->figures.push_back(std::move(total));
}

}  // namespace projections::star
