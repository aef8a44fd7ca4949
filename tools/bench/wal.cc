// bench_wal: does a RocksDB write-ahead-log setting shorten a durable (synced) write here?
//
// For each setting, raw RocksDB writes the ledger's bytes (an event, its stream key and its id
// key per event, as bench_append does) with sync on: one event per write from one thread (the
// latency of one sync), one event per write from 8 threads (RocksDB's own group commit), and
// batches of 100 from one thread. Each setting starts from a store whose first log files have
// already been retired, so that recycle_log_file_num has files to reuse, as in a store that has
// run for a while.
//
//   bench_wal --seconds 2 --rounds 3 [--dir D]

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <thread>
#include <vector>

#include "ledger/ledger.h"
#include "ledger/record.h"
#include "tools/bench/common.h"

namespace {

using bench::Clock;

struct Setting {
  const char* change;  // the option as it would be written in ledger/ledger_store.cc
  std::function<void(rocksdb::Options&)> apply;
};

std::string EventValue() {
  capnp::MallocMessageBuilder message;
  auto e = message.initRoot<ledger::schema::Event>();
  e.setEventId("ev-0");
  e.setStream("complaint/x");
  e.setActorId("person/resident-0001");
  auto c = e.initPayload().initComplaintFiled();
  c.setComplaintId("complaint/x");
  c.setEstateId("estate/e-01");
  c.setHouseholdId("household/e-01-3-201");
  c.setCategory("water");
  c.setSummary("3号楼2单元201室厨房水管漏水，楼下天花板滴水，请尽快处理");
  auto words = capnp::canonicalize(e.asReader());
  std::string value(ledger::internal::kValueHeaderBytes, '\0');
  value.append(reinterpret_cast<const char*>(words.asBytes().begin()), words.asBytes().size());
  return value;
}

void PutEvent(rocksdb::WriteBatch* batch, uint64_t seq, const std::string& value) {
  batch->Put(ledger::internal::SeqKey(seq), value);
  batch->Put("stream/" + std::to_string(seq), ledger::internal::SeqKey(seq));
  batch->Put("id/" + std::to_string(seq), ledger::internal::SeqKey(seq));
}

struct Figures {
  double single_eps = 0;
  double single_p50 = 0, single_p99 = 0;
  double fast_share = 0;  // of single-event syncs, the share that took under 1 ms
  double threads8_eps = 0;
  double batch100_eps = 0;
  double recycled = 0;  // log files RocksDB reused, from its LOG: proof the setting took effect
};

// How many times RocksDB's LOG says it kept a log file for reuse.
double RecycledLogs(const std::string& dir) {
  std::ifstream log(dir + "/LOG");
  std::string line;
  double n = 0;
  while (std::getline(log, line)) {
    if (line.find("to recycle list") != std::string::npos) ++n;
  }
  return n;
}

Figures Measure(const std::string& dir, const Setting& setting, double seconds) {
  std::filesystem::remove_all(dir);
  rocksdb::Options options;
  options.create_if_missing = true;
  // As the ledger opens its store.
  options.IncreaseParallelism(2);
  options.max_total_wal_size = 256 << 20;
  setting.apply(options);
  rocksdb::DB* raw = nullptr;
  auto s = rocksdb::DB::Open(options, dir, &raw);
  if (!s.ok()) {
    std::fprintf(stderr, "bench_wal: %s: %s\n", setting.change, s.ToString().c_str());
    return {};
  }
  std::unique_ptr<rocksdb::DB> db(raw);
  const std::string value = EventValue();
  std::atomic<uint64_t> seq{0};

  // Retire the first log files, unsynced, so that later writes can land in recycled ones.
  rocksdb::WriteOptions fast;
  for (int round = 0; round < 3; ++round) {
    for (int b = 0; b < 20; ++b) {
      rocksdb::WriteBatch batch;
      for (int i = 0; i < 1000; ++i) PutEvent(&batch, ++seq, value);
      db->Write(fast, &batch);
    }
    db->Flush(rocksdb::FlushOptions());
  }

  rocksdb::WriteOptions synced;
  synced.sync = true;
  auto seconds_from_now = [&] {
    return Clock::now() +
           std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  };
  Figures f;
  {
    bench::Latencies latencies;
    auto start = Clock::now(), end = seconds_from_now();
    uint64_t n = 0;
    while (Clock::now() < end) {
      rocksdb::WriteBatch batch;
      PutEvent(&batch, ++seq, value);
      auto t0 = Clock::now();
      db->Write(synced, &batch);
      latencies.Add(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
      ++n;
    }
    f.single_eps = n / bench::Seconds(start, Clock::now());
    f.single_p50 = latencies.Percentile(50);
    f.single_p99 = latencies.Percentile(99);
    f.fast_share = latencies.ShareBelow(1.0);
  }
  {
    std::atomic<uint64_t> n{0};
    auto start = Clock::now(), end = seconds_from_now();
    std::vector<std::thread> pool;
    for (int t = 0; t < 8; ++t) {
      pool.emplace_back([&] {
        while (Clock::now() < end) {
          rocksdb::WriteBatch batch;
          PutEvent(&batch, ++seq, value);
          db->Write(synced, &batch);
          ++n;
        }
      });
    }
    for (auto& t : pool) t.join();
    f.threads8_eps = n / bench::Seconds(start, Clock::now());
  }
  {
    auto start = Clock::now(), end = seconds_from_now();
    uint64_t n = 0;
    while (Clock::now() < end) {
      rocksdb::WriteBatch batch;
      for (int i = 0; i < 100; ++i) PutEvent(&batch, ++seq, value);
      db->Write(synced, &batch);
      n += 100;
    }
    f.batch100_eps = n / bench::Seconds(start, Clock::now());
  }
  db.reset();
  f.recycled = RecycledLogs(dir);
  std::filesystem::remove_all(dir);
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"bench_wal: raw RocksDB synced writes under different WAL settings"};
  double seconds = 3;
  std::string dir = (std::filesystem::temp_directory_path() / "bench-wal").string();
  int rounds = 3;
  app.add_option("--seconds", seconds, "seconds per measurement")->capture_default_str();
  app.add_option("--rounds", rounds, "rounds; the median is printed")->capture_default_str();
  app.add_option("--dir", dir, "scratch folder (removed and recreated)");
  CLI11_PARSE(app, argc, argv);
  rounds = std::max(rounds, 1);

  const Setting settings[] = {
      {"(the ledger's options today: fdatasync)", [](rocksdb::Options&) {}},
      {"use_fsync = true", [](rocksdb::Options& o) { o.use_fsync = true; }},
      {"wal_bytes_per_sync = 1 MiB", [](rocksdb::Options& o) { o.wal_bytes_per_sync = 1 << 20; }},
      {"manual_wal_flush = true", [](rocksdb::Options& o) { o.manual_wal_flush = true; }},
      // RocksDB 7.8 turns recycling off unless the recovery mode is kSkipAnyCorruptedRecords
      // (the "logs recycled" column shows it), so the second line measures what recycling would
      // give at a price a ledger cannot pay: skipping corrupt records anywhere in the log.
      {"recycle_log_file_num = 4", [](rocksdb::Options& o) { o.recycle_log_file_num = 4; }},
      {"recycle_log_file_num = 4, wal_recovery_mode = kSkipAnyCorruptedRecords",
       [](rocksdb::Options& o) {
         o.recycle_log_file_num = 4;
         o.wal_recovery_mode = rocksdb::WALRecoveryMode::kSkipAnyCorruptedRecords;
       }},
  };

  std::printf("raw RocksDB, sync on, %.1f s per figure, median of %d rounds, cores %u\n\n", seconds,
              rounds, std::thread::hardware_concurrency());
  // The settings take turns within each round, so that a slow spell of a shared disk falls on
  // all of them rather than on one; the medians are printed.
  constexpr size_t kSettings = std::size(settings);
  std::vector<std::vector<Figures>> figures(kSettings);
  for (int round = 0; round < rounds; ++round) {
    for (size_t i = 0; i < kSettings; ++i) {
      figures[i].push_back(Measure(dir, settings[i], seconds));
    }
  }
  auto median = [](std::vector<Figures> all, double Figures::*member) {
    std::sort(all.begin(), all.end(),
              [&](const Figures& a, const Figures& b) { return a.*member < b.*member; });
    return all[all.size() / 2].*member;
  };
  std::printf(
      "| WAL setting | 1 thread, 1 event/write: events/s | sync p50 ms | sync p99 ms | syncs "
      "under 1 ms | 8 threads, 1 event/write: events/s | 1 thread, batches of 100: events/s | "
      "logs recycled |\n|---|---:|---:|---:|---:|---:|---:|---:|\n");
  for (size_t i = 0; i < kSettings; ++i) {
    const auto& f = figures[i];
    std::printf("| %s | %.0f | %.2f | %.2f | %.0f%% | %.0f | %.0f | %.0f |\n", settings[i].change,
                median(f, &Figures::single_eps), median(f, &Figures::single_p50),
                median(f, &Figures::single_p99), 100 * median(f, &Figures::fast_share),
                median(f, &Figures::threads8_eps), median(f, &Figures::batch100_eps),
                median(f, &Figures::recycled));
  }
  return 0;
}
