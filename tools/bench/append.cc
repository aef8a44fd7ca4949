// bench_append: durable appends to the ledger against raw RocksDB writing the same bytes, side by
// side in one run, printed as a markdown table with the ratio. Figures are printed, never
// asserted: the machine is shared and noisy.
//
//   bench_append --events 100000 --seconds 30 --threads 1,8,32 --batches 100,1000 [--no-sync]
//       [--verify] [--dir D]
//
// Each run stops at --events or --seconds, whichever comes first, so that one thread appending
// one event per sync stays bounded.

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>
#include <CLI/CLI.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>
#include <vector>

#include "ledger/ledger.h"
#include "ledger/record.h"
#include "schemas/events.capnp.h"
#include "tools/bench/common.h"
#include "tools/bench/sample_event.h"

namespace {

using bench::Clock;
using bench::Seconds;

using bench::MakeComplaint;
using bench::Sample;

struct Run {
  double eps = 0;
  uint64_t events = 0;
  bench::Latencies latencies;  // per append (or per raw write), ms
};

Clock::time_point Deadline(double seconds) {
  return Clock::now() +
         std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
}

// Appends up to `events` events as single-event appends (or batches of `batch`) from `threads`
// threads, stopping early at `seconds` so that slow shapes (one thread, one event per sync) stay
// bounded.
Run RunLedger(const std::string& dir, uint64_t events, double seconds, int threads, size_t batch,
              bool sync, bool verify = false) {
  std::filesystem::remove_all(dir);
  ledger::Options options;
  options.sync = sync;
  auto log = std::move(ledger::Ledger::Open(dir, options)).value();
  std::atomic<uint64_t> next{0};
  std::atomic<uint64_t> failures{0};
  std::vector<bench::Latencies> latencies(threads);
  auto start = Clock::now();
  auto deadline = Deadline(seconds);
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      while (Clock::now() < deadline) {
        uint64_t first = next.fetch_add(batch);
        if (first >= events) break;
        uint64_t n = std::min<uint64_t>(batch, events - first);
        std::string stream = "complaint/t" + std::to_string(t) + "-" + std::to_string(first);
        std::vector<Sample> samples;
        std::vector<ledger::schema::Event::Reader> readers;
        for (uint64_t i = 0; i < n; ++i) {
          samples.push_back(MakeComplaint("ev-" + std::to_string(first + i), stream));
          readers.push_back(samples.back().reader);
        }
        auto t0 = Clock::now();
        auto r = log->Append(stream, ledger::ExpectedVersion::NoStream(), readers);
        latencies[t].Add(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
        if (!r.ok()) ++failures;
      }
    });
  }
  for (auto& th : pool) th.join();
  double secs = Seconds(start, Clock::now());
  auto head = log->Head();
  Run run;
  for (const auto& l : latencies) run.latencies.Merge(l);
  run.events = head.seq;
  run.eps = head.seq / secs;
  if (failures > 0) {
    std::fprintf(stderr, "ledger run failed: %llu failures, head %llu\n",
                 (unsigned long long)failures.load(), (unsigned long long)head.seq);
  }
  if (verify) {
    auto verify_start = Clock::now();
    auto report = log->Verify();
    std::printf("verify: %s, %llu events checked, head %llu, %.1f s\n",
                report.ok() && report->ok ? "ok" : "FAILED",
                report.ok() ? (unsigned long long)report->checked : 0ULL,
                (unsigned long long)head.seq, Seconds(verify_start, Clock::now()));
  }
  return run;
}

// Raw RocksDB: the same value bytes under the same keys, `batch` events per synced WriteBatch,
// from `threads` threads each writing on its own (RocksDB then groups concurrent writes into one
// log write and sync itself). One thread with batches of 100 is the ceiling a single durable log
// writer can reach here.
Run RunRaw(const std::string& dir, uint64_t events, double seconds, int threads, size_t batch,
           bool sync) {
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  rocksdb::Options options;
  options.create_if_missing = true;
  rocksdb::DB* raw = nullptr;
  if (!rocksdb::DB::Open(options, dir, &raw).ok()) return {};
  std::unique_ptr<rocksdb::DB> db(raw);
  auto sample = MakeComplaint("ev-0", "complaint/x");
  auto words = capnp::canonicalize(sample.reader);
  std::string value(ledger::internal::kValueHeaderBytes, '\0');
  value.append(reinterpret_cast<const char*>(words.asBytes().begin()), words.asBytes().size());
  rocksdb::WriteOptions wo;
  wo.sync = sync;
  std::atomic<uint64_t> next{0};
  std::atomic<uint64_t> written{0};
  std::vector<bench::Latencies> latencies(threads);
  auto start = Clock::now();
  auto deadline = Deadline(seconds);
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      while (Clock::now() < deadline) {
        uint64_t first = next.fetch_add(batch);
        if (first >= events) break;
        uint64_t last = std::min<uint64_t>(events, first + batch);
        rocksdb::WriteBatch wb;
        for (uint64_t i = first; i < last; ++i) {
          wb.Put(ledger::internal::SeqKey(i + 1), value);
          wb.Put("stream" + std::to_string(i), ledger::internal::SeqKey(i + 1));
          wb.Put("ev-" + std::to_string(i), ledger::internal::SeqKey(i + 1));
        }
        auto t0 = Clock::now();
        if (db->Write(wo, &wb).ok()) written += last - first;
        latencies[t].Add(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
      }
    });
  }
  for (auto& th : pool) th.join();
  Run run;
  for (const auto& l : latencies) run.latencies.Merge(l);
  run.events = written;
  run.eps = written / Seconds(start, Clock::now());
  return run;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"bench_append: durable ledger appends against raw RocksDB, side by side"};
  uint64_t events = 100000;
  std::vector<int> threads = {1, 8, 32};
  std::vector<size_t> batches = {100, 1000};
  bool no_sync = false;
  bool verify = false;
  std::string dir = (std::filesystem::temp_directory_path() / "bench-append").string();
  double seconds = 30;
  app.add_option("--events", events, "at most this many events per run")->capture_default_str();
  app.add_option("--seconds", seconds, "at most this long per run")->capture_default_str();
  app.add_option("--threads", threads, "appending threads, single-event appends")->delimiter(',');
  app.add_option("--batches", batches, "batch sizes, from one thread")->delimiter(',');
  app.add_flag("--no-sync", no_sync, "acknowledge before the disk sync");
  app.add_flag("--verify", verify, "verify the chain after each threaded run");
  app.add_option("--dir", dir, "scratch folder (removed and recreated)");
  CLI11_PARSE(app, argc, argv);
  bool sync = !no_sync;

  std::printf("cores %u, at most %llu events or %.0f s per run, sync %s\n\n",
              std::thread::hardware_concurrency(), (unsigned long long)events, seconds,
              sync ? "on" : "off");
  // The physical ceiling: raw RocksDB, synced batches as large as the ledger's groups can be.
  Run ceiling = RunRaw(dir + "/raw", events, seconds, 1, 100, sync);
  std::printf(
      "| run | ledger events/s | append p50/p99 ms | raw RocksDB, same shape, events/s | ratio "
      "| raw ceiling (1 thread, synced batches of 100) | ratio to ceiling |\n"
      "|---|---:|---:|---:|---:|---:|---:|\n");
  auto row = [&](const std::string& name, Run& ours, Run& same) {
    std::printf("| %s | %.0f | %.2f / %.2f | %.0f | %.2f | %.0f | %.2f |\n", name.c_str(), ours.eps,
                ours.latencies.Percentile(50), ours.latencies.Percentile(99), same.eps,
                ours.eps / same.eps, ceiling.eps, ours.eps / ceiling.eps);
    std::fflush(stdout);
  };
  for (int t : threads) {
    Run ours = RunLedger(dir + "/ledger", events, seconds, t, 1, sync, verify);
    Run same = RunRaw(dir + "/raw", events, seconds, t, 1, sync);
    row(std::to_string(t) + (t == 1 ? " thread" : " threads") + ", single events", ours, same);
  }
  for (size_t b : batches) {
    Run ours = RunLedger(dir + "/ledger", events, seconds, 1, b, sync);
    Run same = RunRaw(dir + "/raw", events, seconds, 1, b, sync);
    row("1 thread, batches of " + std::to_string(b), ours, same);
  }
  std::filesystem::remove_all(dir);
  return 0;
}
