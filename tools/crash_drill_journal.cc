#include "crash_drill_journal.h"

#include <boost/json.hpp>

#include <cctype>
#include <fstream>

namespace crash_drill {

std::string PercentEncode(const std::string& text) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.') {
      out.push_back(static_cast<char>(c));
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::optional<std::string> Journal::Record(const Request& request, const std::string& answer) {
  boost::json::error_code ec;
  auto body = boost::json::parse(answer, ec);
  if (ec || !body.is_object()) return "an acknowledgement that is not JSON: " + answer;
  try {
    const auto& seqs = body.at("seqs").as_array();
    uint64_t version = body.at("streamVersion").to_number<uint64_t>();
    uint64_t head_seq = body.at("head").at("seq").to_number<uint64_t>();
    std::string head_hash(body.at("head").at("hash").as_string());
    if (seqs.size() != request.ids.size()) {
      return "an append of " + std::to_string(request.ids.size()) + " events was answered with " +
             std::to_string(seqs.size()) + " sequence numbers: " + answer;
    }
    base::MutexLock lock(&mu_);
    for (size_t i = 0; i < seqs.size(); ++i) {
      Ack a;
      a.seq = seqs[i].to_number<uint64_t>();
      a.stream = request.stream;
      a.version = version - (seqs.size() - 1 - i);
      a.id = request.ids[i];
      a.head_seq = head_seq;
      a.head_hash = head_hash;
      a.json = request.events[i];
      pending_.push_back(std::move(a));
    }
  } catch (const std::exception& e) {
    return std::string("an acknowledgement without seqs, streamVersion or head (") + e.what() +
           "): " + answer;
  }
  return std::nullopt;
}

size_t Journal::Save() {
  base::MutexLock lock(&mu_);
  std::ofstream out(path_, std::ios::app);
  for (const Ack& a : pending_) {
    out << a.seq << '\t' << a.stream << '\t' << a.version << '\t' << a.id << '\t' << a.head_seq
        << '\t' << a.head_hash << '\t' << a.json << '\n';
  }
  out.flush();
  if (!out) throw DrillError{"cannot write the journal " + path_};
  size_t n = pending_.size();
  total_ += n;
  pending_.clear();
  return n;
}

std::vector<Ack> Journal::Load(const std::string& path) {
  std::vector<Ack> acks;
  std::ifstream in(path);
  std::string line;
  size_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    std::vector<std::string> fields;
    size_t start = 0;
    for (int i = 0; i < 6; ++i) {
      size_t tab = line.find('\t', start);
      if (tab == std::string::npos) break;
      fields.push_back(line.substr(start, tab - start));
      start = tab + 1;
    }
    if (fields.size() != 6) {
      throw Violation{"journal line " + std::to_string(number) + " is malformed"};
    }
    Ack a;
    try {
      a.seq = std::stoull(fields[0]);
      a.version = std::stoull(fields[2]);
      a.head_seq = std::stoull(fields[4]);
    } catch (const std::exception&) {
      throw Violation{"journal line " + std::to_string(number) + " has a malformed number"};
    }
    a.stream = fields[1];
    a.id = fields[3];
    a.head_hash = fields[5];
    a.json = line.substr(start);
    acks.push_back(std::move(a));
  }
  return acks;
}

}  // namespace crash_drill
