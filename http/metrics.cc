#include "http/metrics.h"

#include <cstdio>

namespace http {

void Metrics::CountError(const std::string& kind) {
  base::MutexLock lock(&mu_);
  ++errors_[kind];
}

void Metrics::CountRefusal(const std::string& rule) {
  base::MutexLock lock(&mu_);
  ++refusals_[rule.empty() ? std::string("unknown") : rule];
}

void Metrics::CountBusy(const std::string& queue) {
  base::MutexLock lock(&mu_);
  ++busy_[queue];
}

void Metrics::ObserveRequest(double seconds) {
  base::MutexLock lock(&mu_);
  ++requests_;
  request_seconds_ += seconds;
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) ++bucket_counts_[i];
  }
}

std::string Metrics::Render(uint64_t head_seq, uint64_t applied_seq,
                            const ledger::StorageHealth& storage,
                            const projections::FollowerHealth& views) const {
  std::string out;
  auto line = [&](const std::string& text) { out += text + "\n"; };
  line("# HELP ledger_appends_total Append requests that wrote events.");
  line("# TYPE ledger_appends_total counter");
  line("ledger_appends_total " + std::to_string(appends_.load()));
  line("# HELP ledger_appended_events_total Events written by appends.");
  line("# TYPE ledger_appended_events_total counter");
  line("ledger_appended_events_total " + std::to_string(appended_events_.load()));
  line("# HELP ledger_duplicate_appends_total Retries answered from an earlier append.");
  line("# TYPE ledger_duplicate_appends_total counter");
  line("ledger_duplicate_appends_total " + std::to_string(duplicates_.load()));
  line("# HELP ledger_conflicts_total Appends refused for an unexpected stream version.");
  line("# TYPE ledger_conflicts_total counter");
  line("ledger_conflicts_total " + std::to_string(conflicts_.load()));
  line("# HELP ledger_head_seq The sequence number of the last event.");
  line("# TYPE ledger_head_seq gauge");
  line("ledger_head_seq " + std::to_string(head_seq));
  line("# HELP ledger_projection_lag_events Events appended but not yet applied by the views.");
  line("# TYPE ledger_projection_lag_events gauge");
  line("ledger_projection_lag_events " +
       std::to_string(head_seq > applied_seq ? head_seq - applied_seq : 0));
  line(
      "# HELP ledger_storage_writable 1 while the ledger accepts appends; 0 while its disk is "
      "full, read-only or failing (reads go on).");
  line("# TYPE ledger_storage_writable gauge");
  line("ledger_storage_writable " + std::string(storage.writable() ? "1" : "0"));
  line("# HELP ledger_storage_state The reason appends are refused, or writable.");
  line("# TYPE ledger_storage_state gauge");
  for (auto state :
       {ledger::StorageHealth::State::kWritable, ledger::StorageHealth::State::kNoSpace,
        ledger::StorageHealth::State::kReadOnly, ledger::StorageHealth::State::kFailed}) {
    line(std::string("ledger_storage_state{state=\"") + ledger::StorageStateName(state) + "\"} " +
         (storage.state == state ? "1" : "0"));
  }
  line("# HELP ledger_storage_failures_total Writes (or opens) the ledger's store refused.");
  line("# TYPE ledger_storage_failures_total counter");
  line("ledger_storage_failures_total " + std::to_string(storage.failures));
  line("# HELP ledger_storage_recoveries_total Times the store took writes again after a failure.");
  line("# TYPE ledger_storage_recoveries_total counter");
  line("ledger_storage_recoveries_total " + std::to_string(storage.recoveries));
  line("# HELP http_connections_refused_total Connections answered 503 over the connection limit.");
  line("# TYPE http_connections_refused_total counter");
  line("http_connections_refused_total " + std::to_string(refused_connections_.load()));
  line(
      "# HELP http_idle_connections_closed_total Connections waiting for a request, closed at the "
      "connection limit to make room for a new one.");
  line("# TYPE http_idle_connections_closed_total counter");
  line("http_idle_connections_closed_total " + std::to_string(idle_closed_.load()));
  line(
      "# HELP http_accept_failures_total Accepts that failed (out of fds, say); the listener "
      "pauses briefly and goes on.");
  line("# TYPE http_accept_failures_total counter");
  line("http_accept_failures_total " + std::to_string(accept_failures_.load()));
  line(
      "# HELP http_clients_dropped_total Connections closed for not reading their responses "
      "(write-timeout) or for falling behind a stream (stream-behind).");
  line("# TYPE http_clients_dropped_total counter");
  line("http_clients_dropped_total{reason=\"write-timeout\"} " +
       std::to_string(slow_clients_.load()));
  line("http_clients_dropped_total{reason=\"stream-behind\"} " +
       std::to_string(dropped_subscribers_.load()));
  line(
      "# HELP ledger_views_failing 1 while the views cannot catch up with the ledger (their store "
      "refuses writes, say); they try again each second.");
  line("# TYPE ledger_views_failing gauge");
  line("ledger_views_failing " + std::string(views.failing ? "1" : "0"));
  line("# HELP ledger_views_failures_total Attempts of the views to catch up that failed.");
  line("# TYPE ledger_views_failures_total counter");
  line("ledger_views_failures_total " + std::to_string(views.failures));
  base::MutexLock lock(&mu_);
  line(
      "# HELP http_busy_total Requests refused at once: 503 when their queue was full, 429 when "
      "their token had its share of it (token, token-streams) or a resident's token its "
      "appends of the hour (token-appends).");
  line("# TYPE http_busy_total counter");
  for (const char* queue : {"appends", "work", "token", "token-streams", "token-appends"}) {
    auto it = busy_.find(queue);
    line(std::string("http_busy_total{queue=\"") + queue + "\"} " +
         std::to_string(it == busy_.end() ? 0 : it->second));
  }
  line("# HELP http_errors_total Requests answered with an error, by kind.");
  line("# TYPE http_errors_total counter");
  for (const auto& [kind, n] : errors_) {
    line("http_errors_total{kind=\"" + kind + "\"} " + std::to_string(n));
  }
  line("# HELP ledger_refusals_total Acts the rule book refused, by rule.");
  line("# TYPE ledger_refusals_total counter");
  for (const auto& [rule, n] : refusals_) {
    line("ledger_refusals_total{rule=\"" + rule + "\"} " + std::to_string(n));
  }
  line("# HELP http_request_duration_seconds Time to answer a request.");
  line("# TYPE http_request_duration_seconds histogram");
  char number[32];
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    std::snprintf(number, sizeof number, "%g", kBuckets[i]);
    line(std::string("http_request_duration_seconds_bucket{le=\"") + number + "\"} " +
         std::to_string(bucket_counts_[i]));
  }
  line("http_request_duration_seconds_bucket{le=\"+Inf\"} " + std::to_string(requests_));
  std::snprintf(number, sizeof number, "%.6f", request_seconds_);
  line(std::string("http_request_duration_seconds_sum ") + number);
  line("http_request_duration_seconds_count " + std::to_string(requests_));
  return out;
}

}  // namespace http
