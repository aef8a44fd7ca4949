// What the benchmark drivers share: latency samples and their percentiles, the event they append
// (the same bytes to the ledger and to PostgreSQL), and the one-line results the script reads.

#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

namespace bench {

using Clock = std::chrono::steady_clock;

inline double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// Request latencies in milliseconds. Not thread-safe: each connection keeps its own and they are
// merged at the end, so recording never takes a lock on the hot path.
class Latencies {
 public:
  void Add(double ms) { ms_.push_back(ms); }
  void Merge(const Latencies& other) { ms_.insert(ms_.end(), other.ms_.begin(), other.ms_.end()); }
  size_t count() const { return ms_.size(); }
  // The p-th percentile (0..100) by nearest rank; 0 when empty.
  double Percentile(double p) {
    if (ms_.empty()) return 0;
    std::sort(ms_.begin(), ms_.end());
    size_t rank = static_cast<size_t>(p / 100.0 * static_cast<double>(ms_.size()));
    return ms_[std::min(rank, ms_.size() - 1)];
  }
  // The share (0..1) of samples under `ms`.
  double ShareBelow(double ms) const {
    if (ms_.empty()) return 0;
    return static_cast<double>(
               std::count_if(ms_.begin(), ms_.end(), [ms](double x) { return x < ms; })) /
           static_cast<double>(ms_.size());
  }
  // " p50_ms=.. p99_ms=.. max_ms=.." for a result line.
  std::string Fields() {
    char text[128];
    std::snprintf(text, sizeof text, " p50_ms=%.2f p99_ms=%.2f max_ms=%.2f", Percentile(50),
                  Percentile(99), Percentile(100));
    return text;
  }

 private:
  std::vector<double> ms_;
};

// The event appended by the HTTP and PostgreSQL drivers: a complaint with Chinese text, the
// same fields as bench_append's, so every system stores the same content. No household is
// named: the rule book takes only a household registered in the ledger.
inline std::string ComplaintData(const std::string& complaint_id, const std::string& estate) {
  return "{\"complaintId\":\"" + complaint_id + "\",\"estateId\":\"" + estate +
         "\",\"category\":\"water\",\"channel\":"
         "\"hotline\",\"summary\":\"3号楼2单元201室厨房水管漏水，楼下天花板滴水，请尽快处理\"}";
}
// The rest of a batch: one complaint per stream, so a batch is a complaint filed and then
// escalated.
inline std::string EscalationData(const std::string& complaint_id) {
  return "{\"complaintId\":\"" + complaint_id +
         "\",\"reason\":\"超过时限未回复，居民再次来电催办\"}";
}
inline constexpr const char* kOccurredAt = "2025-12-01T21:30:00+08:00";

// Peak resident memory (VmHWM) of a process in KiB, from /proc; 0 if it cannot be read.
inline uint64_t PeakRssKiB(long pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stoull(line.substr(6));
  }
  return 0;
}

}  // namespace bench
