// bench_pg: the PostgreSQL baseline, driven through libpq the way a user's service would.
//
// The table is what a user would write for an event log (created by tools/bench.sh):
//
//   create table events (seq bigserial primary key, stream text not null, version bigint not null,
//     event_id text not null unique, type text not null, occurred_at timestamptz,
//     recorded_at timestamptz not null default now(), actor_id text, payload jsonb not null,
//     unique (stream, version));
//
//   bench_pg append --conninfo C --connections 16 --batch 1 --seconds 10 --run-id r1
//       [--query-connections 2 --query-pause-ms 50]
//   bench_pg load --conninfo C --in events.ndjson      # ledgerctl export's CloudEvents, by COPY
//   bench_pg scan --conninfo C                         # every event in order, payload included
//
// Appends are closed loop like bench_http's: one thread and one connection per client, one event
// per transaction (autocommit) with synchronous_commit on, or a batch as one multi-row insert.
// Result lines have the same form as bench_http's.

#include <libpq-fe.h>
#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tools/bench/common.h"

namespace {

using bench::Clock;

struct ConnDeleter {
  void operator()(PGconn* c) const { PQfinish(c); }
};
using Conn = std::unique_ptr<PGconn, ConnDeleter>;
struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using Result = std::unique_ptr<PGresult, ResultDeleter>;

Conn Connect(const std::string& conninfo) {
  Conn conn(PQconnectdb(conninfo.c_str()));
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    std::fprintf(stderr, "bench_pg: cannot connect: %s", PQerrorMessage(conn.get()));
    return nullptr;
  }
  return conn;
}

// Runs a command that returns no rows; false (and a message on stderr) if it failed.
bool Exec(PGconn* conn, const std::string& sql) {
  Result r(PQexec(conn, sql.c_str()));
  auto status = PQresultStatus(r.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    std::fprintf(stderr, "bench_pg: %s: %s", sql.c_str(), PQerrorMessage(conn));
    return false;
  }
  return true;
}

struct Counts {
  bench::Latencies latencies;
  uint64_t requests = 0;
  uint64_t events = 0;
  uint64_t errors = 0;
  uint64_t all_events = 0;  // committed, warm-up included: for CPU time per event
  std::string first_error;
  void Merge(const Counts& o) {
    latencies.Merge(o.latencies);
    all_events += o.all_events;
    requests += o.requests;
    events += o.events;
    errors += o.errors;
    if (first_error.empty()) first_error = o.first_error;
  }
};

struct AppendConfig {
  std::string conninfo;
  int connections = 16;
  int batch = 1;
  double seconds = 10;
  double warmup = 1;
  std::string run_id = "bench";
  std::string estate = "estate/e01";
  int query_connections = 0;
  int query_pause_ms = 50;
  std::string query_estate = "estate/e01";
  std::string query_from = "2025-11-01T00:00:00+08:00";
  std::string query_to = "2025-12-01T00:00:00+08:00";
};

// Parameters per inserted row: stream, version, event_id, type, occurred_at, payload; the actor
// is the same for every row, as it is for bench_http's token.
constexpr int kColumns = 6;

std::string InsertSql(int rows) {
  std::string sql =
      "insert into events (stream, version, event_id, type, occurred_at, payload, actor_id) "
      "values ";
  for (int r = 0; r < rows; ++r) {
    int p = r * kColumns;
    sql += (r ? ", ($" : "($") + std::to_string(p + 1) + ", $" + std::to_string(p + 2) + ", $" +
           std::to_string(p + 3) + ", $" + std::to_string(p + 4) + ", $" + std::to_string(p + 5) +
           ", $" + std::to_string(p + 6) + ", 'person/resident-0001')";
  }
  return sql;
}

void AppendClient(const AppendConfig& c, int index, Clock::time_point measure_from,
                  Clock::time_point deadline, Counts* out) {
  Conn conn = Connect(c.conninfo);
  if (!conn || !Exec(conn.get(), "set synchronous_commit = on")) {
    out->first_error = "connect";
    return;
  }
  {
    Result prepared(PQprepare(conn.get(), "ins", InsertSql(c.batch).c_str(), 0, nullptr));
    if (PQresultStatus(prepared.get()) != PGRES_COMMAND_OK) {
      out->first_error = PQerrorMessage(conn.get());
      return;
    }
  }
  std::vector<std::string> values(c.batch * kColumns);
  std::vector<const char*> params(values.size());
  for (uint64_t n = 0; Clock::now() < deadline; ++n) {
    std::string id_base = c.run_id + "-" + std::to_string(index) + "-" + std::to_string(n);
    std::string stream = "complaint/" + id_base;
    for (int i = 0; i < c.batch; ++i) {
      std::string id = c.batch == 1 ? stream : id_base + "-" + std::to_string(i);
      std::string* v = &values[i * kColumns];
      v[0] = stream;
      v[1] = std::to_string(i + 1);
      v[2] = id;
      // As the HTTP drivers send it: a complaint filed, then escalated.
      v[3] = i == 0 ? "complaintFiled" : "complaintEscalated";
      v[4] = bench::kOccurredAt;
      v[5] = i == 0 ? bench::ComplaintData(id, c.estate) : bench::EscalationData(stream);
    }
    for (size_t i = 0; i < values.size(); ++i) params[i] = values[i].c_str();
    auto start = Clock::now();
    Result r(PQexecPrepared(conn.get(), "ins", static_cast<int>(params.size()), params.data(),
                            nullptr, nullptr, 0));
    auto end = Clock::now();
    bool ok = PQresultStatus(r.get()) == PGRES_COMMAND_OK;
    if (!ok && out->first_error.empty()) out->first_error = PQerrorMessage(conn.get());
    if (PQstatus(conn.get()) != CONNECTION_OK) break;
    if (ok) out->all_events += c.batch;
    if (start < measure_from || end > deadline) continue;
    ++out->requests;
    if (ok) {
      out->events += c.batch;
      out->latencies.Add(std::chrono::duration<double, std::milli>(end - start).count());
    } else {
      ++out->errors;
    }
  }
}

// What a user holding only the event table would run for the views' questions: the figures are
// computed from the events on every request.
struct Query {
  const char* name;
  const char* sql;
};
constexpr Query kQueries[] = {
    {"complaints by category, one estate and month",
     "select payload->>'category', count(*) from events where type = 'complaintFiled' and "
     "payload->>'estateId' = $1 and occurred_at >= $2 and occurred_at < $3 group by 1"},
    {"open repairs of one estate",
     "select r.payload->>'repairId' from events r where r.type = 'repairRequested' and "
     "r.payload->>'estateId' = $1 and r.occurred_at < $3 and not exists (select 1 from events d "
     "where d.type = 'repairCompleted' and d.payload->>'repairId' = r.payload->>'repairId') "
     "limit 100"},
};

void QueryClient(const AppendConfig& c, int index, Clock::time_point measure_from,
                 Clock::time_point deadline, std::vector<Counts>* out) {
  Conn conn = Connect(c.conninfo);
  // Bounded, so a slow plan cannot hold the run past its end.
  if (!conn || !Exec(conn.get(), "set statement_timeout = '60s'")) return;
  const char* params[] = {c.query_estate.c_str(), c.query_from.c_str(), c.query_to.c_str()};
  // Typed, so that a query need not use every parameter: text, timestamptz, timestamptz.
  const Oid types[] = {25, 1184, 1184};
  for (size_t n = index; Clock::now() < deadline; ++n) {
    size_t which = n % std::size(kQueries);
    auto start = Clock::now();
    Result r(PQexecParams(conn.get(), kQueries[which].sql, 3, types, params, nullptr, nullptr, 0));
    auto end = Clock::now();
    bool ok = PQresultStatus(r.get()) == PGRES_TUPLES_OK;
    Counts& counts = (*out)[which];
    if (!ok && counts.first_error.empty()) counts.first_error = PQerrorMessage(conn.get());
    if (start >= measure_from && end <= deadline) {
      ++counts.requests;
      if (ok) {
        counts.latencies.Add(std::chrono::duration<double, std::milli>(end - start).count());
      } else {
        ++counts.errors;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(c.query_pause_ms));
  }
}

int Append(const AppendConfig& c) {
  auto start = Clock::now();
  auto measure_from =
      start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(c.warmup));
  auto deadline = measure_from + std::chrono::duration_cast<Clock::duration>(
                                     std::chrono::duration<double>(c.seconds));
  std::vector<Counts> appends(c.connections);
  std::vector<std::vector<Counts>> queries(c.query_connections,
                                           std::vector<Counts>(std::size(kQueries)));
  std::vector<std::thread> threads;
  for (int i = 0; i < c.connections; ++i) {
    threads.emplace_back(AppendClient, std::cref(c), i, measure_from, deadline, &appends[i]);
  }
  for (int i = 0; i < c.query_connections; ++i) {
    threads.emplace_back(QueryClient, std::cref(c), i, measure_from, deadline, &queries[i]);
  }
  for (auto& t : threads) t.join();
  double window = bench::Seconds(measure_from, deadline);
  std::string first_error;
  if (c.connections > 0) {
    Counts all;
    for (const auto& a : appends) all.Merge(a);
    std::printf("appends connections=%d batch=%d seconds=%.1f requests=%llu events=%llu eps=%.0f",
                c.connections, c.batch, window, (unsigned long long)all.requests,
                (unsigned long long)all.events, all.events / window);
    std::printf("%s errors=%llu all_events=%llu\n", all.latencies.Fields().c_str(),
                (unsigned long long)all.errors, (unsigned long long)all.all_events);
    first_error = all.first_error;
  }
  if (c.query_connections > 0) {
    Counts every;
    for (size_t q = 0; q < std::size(kQueries); ++q) {
      Counts one;
      for (const auto& per_client : queries) one.Merge(per_client[q]);
      std::printf("query target=\"%s\" requests=%llu%s errors=%llu\n", kQueries[q].name,
                  (unsigned long long)one.requests, one.latencies.Fields().c_str(),
                  (unsigned long long)one.errors);
      every.Merge(one);
    }
    std::printf("queries connections=%d requests=%llu qps=%.1f%s errors=%llu\n",
                c.query_connections, (unsigned long long)every.requests, every.requests / window,
                every.latencies.Fields().c_str(), (unsigned long long)every.errors);
    if (first_error.empty()) first_error = every.first_error;
  }
  if (!first_error.empty()) std::printf("first_error %s\n", first_error.c_str());
  return 0;
}

// COPY's text format: backslash, tab, newline and carriage return are escaped.
void CopyText(std::string* out, std::string_view text) {
  for (char ch : text) {
    switch (ch) {
      case '\\':
        *out += "\\\\";
        break;
      case '\t':
        *out += "\\t";
        break;
      case '\n':
        *out += "\\n";
        break;
      case '\r':
        *out += "\\r";
        break;
      default:
        *out += ch;
    }
  }
}

std::string_view Text(const boost::json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  if (v == nullptr || !v->is_string()) return {};
  return v->get_string();
}

// Loads ledgerctl export's CloudEvents into the table with COPY, keeping each event's sequence
// number, so both systems hold the same events in the same order.
int Load(const std::string& conninfo, const std::string& in_path) {
  std::ifstream in(in_path);
  if (!in) {
    std::fprintf(stderr, "bench_pg: cannot read %s\n", in_path.c_str());
    return 1;
  }
  Conn conn = Connect(conninfo);
  if (!conn) return 1;
  auto start = Clock::now();
  Result begun(PQexec(conn.get(),
                      "copy events (seq, stream, version, event_id, type, occurred_at, "
                      "recorded_at, actor_id, payload) from stdin"));
  if (PQresultStatus(begun.get()) != PGRES_COPY_IN) {
    std::fprintf(stderr, "bench_pg: copy: %s", PQerrorMessage(conn.get()));
    return 1;
  }
  std::string line, row, chunk;
  uint64_t rows = 0;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    boost::json::error_code error;
    auto value = boost::json::parse(line, error);
    if (error || !value.is_object()) {
      std::fprintf(stderr, "bench_pg: line %llu is not a JSON object\n",
                   (unsigned long long)rows + 1);
      return 1;
    }
    const auto& cloud = value.get_object();
    const auto* event_value = cloud.if_contains("data");
    if (event_value == nullptr || !event_value->is_object()) continue;
    const auto& event = event_value->get_object();
    std::string_view type = Text(cloud, "type");
    if (type.rfind("ledger.", 0) == 0) type.remove_prefix(7);
    row.clear();
    row += Text(cloud, "sequence");
    row += '\t';
    CopyText(&row, Text(cloud, "subject"));
    row += '\t';
    row += Text(cloud, "streamversion");
    row += '\t';
    CopyText(&row, Text(cloud, "id"));
    row += '\t';
    CopyText(&row, type);
    row += '\t';
    std::string_view occurred = Text(event, "occurredAt");
    row += occurred.empty() ? std::string_view("\\N") : occurred;
    row += '\t';
    row += Text(event, "recordedAt");
    row += '\t';
    std::string_view actor = Text(event, "actorId");
    if (actor.empty()) {
      row += "\\N";
    } else {
      CopyText(&row, actor);
    }
    row += '\t';
    const auto* payload = event.if_contains("data");
    CopyText(&row, payload ? boost::json::serialize(*payload) : std::string("{}"));
    row += '\n';
    chunk += row;
    ++rows;
    if (chunk.size() > (1 << 20)) {
      if (PQputCopyData(conn.get(), chunk.data(), static_cast<int>(chunk.size())) != 1) break;
      chunk.clear();
    }
  }
  if (!chunk.empty()) PQputCopyData(conn.get(), chunk.data(), static_cast<int>(chunk.size()));
  PQputCopyEnd(conn.get(), nullptr);
  Result done(PQgetResult(conn.get()));
  if (PQresultStatus(done.get()) != PGRES_COMMAND_OK) {
    std::fprintf(stderr, "bench_pg: copy: %s", PQerrorMessage(conn.get()));
    return 1;
  }
  if (!Exec(conn.get(), "select setval('events_seq_seq', (select max(seq) from events))")) return 1;
  double secs = bench::Seconds(start, Clock::now());
  std::printf("load events=%llu seconds=%.1f eps=%.0f\n", (unsigned long long)rows, secs,
              rows / secs);
  return 0;
}

// Reads every event in order through a cursor, every column including the payload, as a replay
// into a projection would.
int Scan(const std::string& conninfo, int fetch) {
  Conn conn = Connect(conninfo);
  if (!conn) return 1;
  long backend = PQbackendPID(conn.get());
  auto start = Clock::now();
  if (!Exec(conn.get(), "begin") ||
      !Exec(conn.get(),
            "declare replay no scroll cursor for select seq, stream, version, event_id, type, "
            "occurred_at, recorded_at, actor_id, payload from events order by seq")) {
    return 1;
  }
  std::string fetch_sql = "fetch " + std::to_string(fetch) + " from replay";
  uint64_t rows = 0, bytes = 0, last_seq = 0;
  bool ordered = true;
  for (;;) {
    Result r(PQexec(conn.get(), fetch_sql.c_str()));
    if (PQresultStatus(r.get()) != PGRES_TUPLES_OK) {
      std::fprintf(stderr, "bench_pg: fetch: %s", PQerrorMessage(conn.get()));
      return 1;
    }
    int n = PQntuples(r.get());
    if (n == 0) break;
    for (int i = 0; i < n; ++i) {
      uint64_t seq = std::strtoull(PQgetvalue(r.get(), i, 0), nullptr, 10);
      ordered = ordered && seq > last_seq;
      last_seq = seq;
      for (int col = 0; col < 9; ++col) bytes += PQgetlength(r.get(), i, col);
    }
    rows += n;
  }
  Exec(conn.get(), "commit");
  double secs = bench::Seconds(start, Clock::now());
  std::printf("scan events=%llu seconds=%.2f eps=%.0f bytes=%llu ordered=%s backend_hwm_kib=%llu\n",
              (unsigned long long)rows, secs, rows / secs, (unsigned long long)bytes,
              ordered ? "yes" : "no", (unsigned long long)bench::PeakRssKiB(backend));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"bench_pg: the PostgreSQL baseline for the benchmarks"};
  app.require_subcommand(1);
  std::string conninfo = "host=127.0.0.1 dbname=postgres";
  AppendConfig c;
  auto* append = app.add_subcommand("append", "closed-loop inserts (and queries)");
  append->add_option("--connections", c.connections, "inserting connections")
      ->capture_default_str();
  append->add_option("--batch", c.batch, "events per transaction (one multi-row insert)")
      ->capture_default_str();
  append->add_option("--seconds", c.seconds, "measured seconds")->capture_default_str();
  append->add_option("--warmup", c.warmup, "seconds run before measuring")->capture_default_str();
  append->add_option("--run-id", c.run_id, "prefix making this run's event ids unique")
      ->capture_default_str();
  append->add_option("--estate", c.estate, "the estate of the inserted complaints");
  append->add_option("--query-connections", c.query_connections, "connections running queries")
      ->capture_default_str();
  append->add_option("--query-pause-ms", c.query_pause_ms, "pause between one connection's queries")
      ->capture_default_str();
  append->add_option("--query-estate", c.query_estate, "the estate the queries ask about");
  append->add_option("--query-from", c.query_from, "start of the queried month");
  append->add_option("--query-to", c.query_to, "end of the queried month");
  std::string in_path;
  auto* load = app.add_subcommand("load", "COPY a CloudEvents export into the table");
  load->add_option("--in", in_path, "the NDJSON file")->required();
  int fetch = 10000;
  auto* scan = app.add_subcommand("scan", "read every event in order");
  scan->add_option("--fetch", fetch, "rows per cursor fetch")->capture_default_str();
  for (auto* sub : {append, load, scan}) {
    sub->add_option("--conninfo", conninfo, "libpq connection string")->capture_default_str();
  }
  CLI11_PARSE(app, argc, argv);
  c.conninfo = conninfo;
  if (*append) {
    if (c.batch < 1 || c.batch * kColumns > 65535) {
      std::fprintf(stderr, "bench_pg: --batch must be 1..%d\n", 65535 / kColumns);
      return 2;
    }
    return Append(c);
  }
  if (*load) return Load(conninfo, in_path);
  return Scan(conninfo, fetch);
}
