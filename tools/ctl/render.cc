// Reports as JSON, as CSV a spreadsheet opens (UTF-8 with a byte-order mark, so Chinese shows),
// and as one self-contained HTML page that prints well, with its figures drawn as inline SVG.

#include <capnp/dynamic.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "cloudevents.h"
#include "codec/response_json.h"
#include "report_checkpoint.h"

namespace ctl {

namespace {

const char kBom[] = "\xEF\xBB\xBF";

std::string Html(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

std::string Csv(const std::string& text) {
  if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += "\"";
    out.push_back(c);
  }
  return out + "\"";
}

std::string Number(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.2f", v);
  return buffer;
}

std::string Scalar(const capnp::DynamicValue::Reader& v) {
  switch (v.getType()) {
    case capnp::DynamicValue::TEXT:
      return v.as<capnp::Text>().cStr();
    case capnp::DynamicValue::BOOL:
      return v.as<bool>() ? "true" : "false";
    case capnp::DynamicValue::INT:
      return std::to_string(v.as<int64_t>());
    case capnp::DynamicValue::UINT:
      return std::to_string(v.as<uint64_t>());
    case capnp::DynamicValue::FLOAT:
      return Number(v.as<double>());
    case capnp::DynamicValue::ENUM: {
      auto e = v.as<capnp::DynamicEnum>();
      KJ_IF_MAYBE (enumerant, e.getEnumerant()) {
        return enumerant->getProto().getName().cStr();
      }
      return std::to_string(e.getRaw());
    }
    default:
      return "";
  }
}

// Every leaf of a struct as (path, value), lists of structs with [i].
void Flatten(capnp::DynamicStruct::Reader s, const std::string& path,
             std::vector<std::pair<std::string, std::string>>* out) {
  for (auto field : s.getSchema().getFields()) {
    if (!s.has(field, capnp::HasMode::NON_DEFAULT)) continue;
    std::string here = (path.empty() ? "" : path + ".") + field.getProto().getName().cStr();
    auto value = s.get(field);
    if (value.getType() == capnp::DynamicValue::STRUCT) {
      Flatten(value.as<capnp::DynamicStruct>(), here, out);
    } else if (value.getType() == capnp::DynamicValue::LIST) {
      auto list = value.as<capnp::DynamicList>();
      for (uint i = 0; i < list.size(); ++i) {
        std::string item = here + "[" + std::to_string(i) + "]";
        if (list[i].getType() == capnp::DynamicValue::STRUCT) {
          Flatten(list[i].as<capnp::DynamicStruct>(), item, out);
        } else {
          out->emplace_back(item, Scalar(list[i]));
        }
      }
    } else {
      out->emplace_back(here, Scalar(value));
    }
  }
}

// The first list of structs named `name` anywhere in `s`, depth first.
std::optional<capnp::DynamicList::Reader> FindList(capnp::DynamicStruct::Reader s,
                                                   const std::string& name) {
  for (auto field : s.getSchema().getFields()) {
    auto type = field.getType();
    if (type.isList() && name == field.getProto().getName().cStr()) {
      return s.get(field).as<capnp::DynamicList>();
    }
  }
  for (auto field : s.getSchema().getFields()) {
    if (field.getType().isStruct() && s.has(field)) {
      if (auto found = FindList(s.get(field).as<capnp::DynamicStruct>(), name)) return found;
    }
  }
  return std::nullopt;
}

// A horizontal bar chart as inline SVG.
std::string BarChart(const std::string& title,
                     const std::vector<std::pair<std::string, double>>& bars, double max_value,
                     const std::string& unit) {
  if (bars.empty()) return "";
  double top = max_value > 0 ? max_value : 1;
  for (const auto& [label, v] : bars) top = std::max(top, v);
  int row = 22, width = 640, label_width = 200;
  int height = static_cast<int>(bars.size()) * row + 30;
  std::string svg = "<figure><figcaption>" + Html(title) +
                    "</figcaption><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" +
                    std::to_string(width) + "\" height=\"" + std::to_string(height) +
                    "\" role=\"img\">";
  for (size_t i = 0; i < bars.size(); ++i) {
    int y = static_cast<int>(i) * row + 10;
    int w = static_cast<int>((width - label_width - 80) * bars[i].second / top);
    svg += "<text x=\"0\" y=\"" + std::to_string(y + 14) + "\" font-size=\"12\">" +
           Html(bars[i].first) + "</text><rect x=\"" + std::to_string(label_width) + "\" y=\"" +
           std::to_string(y) + "\" width=\"" + std::to_string(std::max(w, 1)) +
           "\" height=\"16\" fill=\"#b22222\"/><text x=\"" + std::to_string(label_width + w + 6) +
           "\" y=\"" + std::to_string(y + 13) + "\" font-size=\"12\">" + Number(bars[i].second) +
           unit + "</text>";
  }
  return svg + "</svg></figure>";
}

std::string Page(const std::string& title, const std::string& stamp, const std::string& body) {
  return "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>" + Html(title) +
         "</title><style>body{font-family:'Noto Sans CJK SC','Microsoft YaHei',sans-serif;"
         "margin:2em;color:#222}h1{color:#b22222}table{border-collapse:collapse;margin:1em 0}"
         "td,th{border:1px solid #ccc;padding:3px 8px;font-size:12px;text-align:left}"
         "figure{margin:1em 0;page-break-inside:avoid}figcaption{font-weight:bold}"
         ".stamp{color:#666;font-size:12px}@media print{body{margin:0}}</style></head><body><h1>" +
         Html(title) + "</h1><p class=\"stamp\">" + Html(stamp) + "</p>" + body +
         "</body></html>\n";
}

std::string FlatTable(capnp::DynamicStruct::Reader s, size_t max_rows) {
  std::vector<std::pair<std::string, std::string>> rows;
  Flatten(s, "", &rows);
  std::string table = "<table><tr><th>figure</th><th>value</th></tr>";
  for (size_t i = 0; i < rows.size() && i < max_rows; ++i) {
    table += "<tr><td>" + Html(rows[i].first) + "</td><td>" + Html(rows[i].second) + "</td></tr>";
  }
  if (rows.size() > max_rows) {
    table += "<tr><td colspan=2>… " + std::to_string(rows.size() - max_rows) +
             " more in the JSON or CSV form</td></tr>";
  }
  return table + "</table>";
}

}  // namespace

std::string RenderStarEvaluation(ledger::schema::StarEvaluation::Reader r,
                                 const std::string& format, const CheckpointStamp* checkpoint) {
  if (format == "json") return codec::EncodeResponse(r) + "\n";
  std::string stamp = "ledger position " + std::to_string(r.getPositionSeq()) + " · " +
                      r.getPositionHash().cStr() + " · policy " + r.getPolicyId().cStr() + " v" +
                      std::to_string(r.getPolicyVersion());
  if (format == "csv") {
    std::string out = kBom;
    out += "# star evaluation " + std::to_string(r.getYear()) + ", " + stamp + "\n";
    if (checkpoint) out += CsvCheckpointLines(*checkpoint);
    out += "subjectKind,subjectId,subjectName,score,stars,list,replacementRecommended";
    std::vector<std::string> figure_names;
    if (r.getRows().size() > 0) {
      for (auto f : r.getRows()[0].getFigures()) figure_names.push_back(f.getName().cStr());
    }
    for (const auto& name : figure_names) out += "," + Csv(name);
    out += "\n";
    for (auto row : r.getRows()) {
      out += Csv(row.getSubjectKind().cStr()) + "," + Csv(row.getSubjectId().cStr()) + "," +
             Csv(row.getSubjectName().cStr()) + "," + Number(row.getScore()) + "," +
             std::to_string(row.getStars()) + "," + Csv(row.getList().cStr()) + "," +
             (row.getReplacementRecommended() ? "yes" : "no");
      for (const auto& name : figure_names) {
        std::string cell;
        for (auto f : row.getFigures()) {
          if (name == f.getName().cStr() && f.getHasData()) cell = Number(f.getValue());
        }
        out += "," + cell;
      }
      out += "\n";
    }
    return out;
  }
  if (format != "html") return "";
  std::vector<std::pair<std::string, double>> scores;
  std::string table =
      "<table><tr><th>subject</th><th>score</th><th>stars</th><th>list</th><th>replacement "
      "procedure (启动退出程序)</th></tr>";
  for (auto row : r.getRows()) {
    std::string name =
        row.getSubjectName().size() ? row.getSubjectName().cStr() : row.getSubjectId().cStr();
    if (std::string(row.getSubjectKind().cStr()) == "company")
      scores.emplace_back(name, row.getScore());
    std::string stars(row.getStars() * 3, ' ');
    stars.clear();
    for (int i = 0; i < row.getStars(); ++i) stars += "★";
    table +=
        "<tr><td>" + Html(name) + " <small>(" + Html(row.getSubjectKind().cStr()) +
        ")</small></td><td>" + Number(row.getScore()) + "</td><td>" + stars + "</td><td>" +
        Html(row.getList().cStr()) + "</td><td>" +
        (row.getReplacementRecommended() ? "<b>" + Html(row.getRecommendation().cStr()) + "</b>"
                                         : "") +
        "</td></tr>";
  }
  table += "</table>";
  std::string figures;
  for (auto row : r.getRows()) {
    figures += "<h3>" + Html(row.getSubjectId().cStr()) +
               "</h3><table><tr><th>figure</th><th>value</th><th>inputs</th></tr>";
    for (auto f : row.getFigures()) {
      figures += "<tr><td>" + Html(f.getName().cStr()) + "</td><td>" +
                 (f.getHasData() ? Number(f.getValue()) : "—") + "</td><td>" +
                 Html(f.getInputs().cStr()) + "</td></tr>";
    }
    figures += "</table>";
  }
  return Page("星级评价 Star evaluation " + std::to_string(r.getYear()), stamp,
              BarChart("Scores by company", scores, 100, "") + table +
                  "<h2>Every figure and its inputs</h2>" + figures + "<p>" +
                  Html(r.getNotes().cStr()) + "</p>" +
                  (checkpoint ? HtmlCheckpointFooter(*checkpoint) : ""));
}

std::string RenderJointMeeting(ledger::schema::JointMeetingReport::Reader r,
                               const std::string& format,
                               const std::vector<std::pair<std::string, double>>& monthly,
                               const CheckpointStamp* checkpoint) {
  capnp::DynamicStruct::Reader s = r;
  if (format == "json") return codec::EncodeResponse(s) + "\n";
  std::vector<std::pair<std::string, std::string>> rows;
  Flatten(s, "", &rows);
  if (format == "csv") {
    std::string out = kBom;
    if (checkpoint) out += CsvCheckpointLines(*checkpoint);
    out += "figure,value\n";
    for (const auto& [k, v] : rows) out += Csv(k) + "," + Csv(v) + "\n";
    return out;
  }
  if (format != "html") return "";
  std::string stamp;
  for (const auto& [k, v] : rows) {
    if (k.find("position") != std::string::npos && k.find('.') == std::string::npos) {
      stamp += k + " " + v + " · ";
    }
  }
  std::string charts;
  auto section = [&](const char* name) -> std::optional<capnp::DynamicStruct::Reader> {
    KJ_IF_MAYBE (field, s.getSchema().findFieldByName(name)) {
      if (field->getType().isStruct()) return s.get(*field).as<capnp::DynamicStruct>();
    }
    return std::nullopt;
  };
  if (auto complaints = section("complaints")) {
    if (auto categories = FindList(*complaints, "byCategory")) {
      std::vector<std::pair<std::string, double>> bars;
      for (auto item : *categories) {
        auto c = item.as<capnp::DynamicStruct>();
        bars.emplace_back(c.get("key").as<capnp::Text>().cStr(),
                          static_cast<double>(c.get("count").as<uint64_t>()));
      }
      charts += BarChart("Complaints by category", bars, 0, "");
    }
  }
  if (auto repairs = section("repairs")) {
    if (auto categories = FindList(*repairs, "byCategory")) {
      std::vector<std::pair<std::string, double>> bars;
      for (auto item : *categories) {
        auto c = item.as<capnp::DynamicStruct>();
        bars.emplace_back(c.get("key").as<capnp::Text>().cStr(), 100 * c.get("rate").as<double>());
      }
      charts += BarChart("Repair time-limit compliance by category", bars, 100, "%");
    }
  }
  if (!monthly.empty()) {
    std::vector<std::pair<std::string, double>> bars;
    for (const auto& [month, rate] : monthly) bars.emplace_back(month, 100 * rate);
    charts += BarChart("Repair time-limit compliance by month", bars, 100, "%");
  }
  if (charts.empty()) charts = "<p>No complaints or repairs in this period.</p>";
  return Page("联席会议报告 Joint-meeting report", stamp,
              charts + FlatTable(s, 400) + (checkpoint ? HtmlCheckpointFooter(*checkpoint) : ""));
}

}  // namespace ctl
