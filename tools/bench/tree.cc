// bench_tree: what the Merkle tree costs. Printed, never asserted.
//
//   bench_tree --events 100000 [--proofs 2000] [--dir D]
//
// - append CPU per event: the process CPU time of appending --events events (batches of 100,
//   sync off, so the disk does not hide the CPU) beside the CPU time of the tree's own work for
//   the same records (leaf hash, completed subtrees, their batch entries), measured alone; the
//   share is tree / (append - tree), i.e. what the tree adds to an append without it;
// - proof latency: inclusion proofs of random events and consistency proofs of random sizes
//   against the stored tree, and the root of a random size, p50/p99;
// - disk per event: stored tree entries per event and their bytes (key + value), and the size of
//   the whole store per event, before compression.

#include <rocksdb/write_batch.h>
#include <sys/resource.h>
#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>
#include <random>

#include "ledger/ledger.h"
#include "ledger/merkle.h"
#include "ledger/record.h"
#include "ledger/tree_store.h"
#include "tools/bench/common.h"
#include "tools/bench/sample_event.h"

namespace {

double CpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

using bench::MakeComplaint;
using bench::Sample;

uint64_t FolderBytes(const std::string& dir) {
  uint64_t total = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file()) total += entry.file_size();
  }
  return total;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"bench_tree: the Merkle tree's cost in append CPU, proof latency and disk"};
  uint64_t events = 100000;
  size_t proofs = 2000;
  std::string dir = (std::filesystem::temp_directory_path() / "bench-tree").string();
  app.add_option("--events", events)->capture_default_str();
  app.add_option("--proofs", proofs)->capture_default_str();
  app.add_option("--dir", dir)->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  std::filesystem::remove_all(dir);

  ledger::Options options;
  options.sync = false;
  auto opened = ledger::Ledger::Open(dir, options);
  if (!opened.ok()) {
    std::fprintf(stderr, "bench_tree: %s\n", opened.status().ToString().c_str());
    return 1;
  }
  auto log = std::move(opened).value();

  // Appends, 100 events a batch, each batch its own stream.
  constexpr uint64_t kBatch = 100;
  double cpu0 = CpuSeconds();
  auto t0 = bench::Clock::now();
  for (uint64_t done = 0; done < events; done += kBatch) {
    std::string stream = "complaint/b-" + std::to_string(done);
    std::vector<Sample> samples;
    std::vector<ledger::schema::Event::Reader> readers;
    for (uint64_t i = 0; i < kBatch; ++i) {
      samples.push_back(MakeComplaint("ev-" + std::to_string(done + i), stream));
      readers.push_back(samples.back().reader);
    }
    auto r = log->Append(stream, ledger::ExpectedVersion::Any(), readers);
    if (!r.ok()) {
      std::fprintf(stderr, "bench_tree: %s\n", r.status().ToString().c_str());
      return 1;
    }
  }
  double append_cpu = CpuSeconds() - cpu0;
  double append_wall = bench::Seconds(t0, bench::Clock::now());
  uint64_t size = log->Head().seq;

  // The tree's own work for the same records, alone.
  std::vector<std::string> records;
  records.reserve(size);
  auto s = log->Scan(1, size, [&](const ledger::RecordedEvent& e) {
    records.push_back(ledger::RecordOf(e));
    return true;
  });
  if (!s.ok()) return 1;
  ledger::merkle::Frontier frontier;
  rocksdb::WriteBatch batch;
  uint64_t nodes = 0, node_bytes = 0;
  double tree0 = CpuSeconds();
  for (const std::string& record : records) {
    auto leaf = ledger::merkle::LeafHash(record);
    (void)frontier.Append(*leaf, [&](uint32_t level, uint64_t index, const ledger::Hash& h) {
      std::string key = ledger::internal::TreeNodeKey(level, index);
      batch.Put(key, rocksdb::Slice(reinterpret_cast<const char*>(h.data()), h.size()));
      ++nodes;
      node_bytes += key.size() + h.size();
    });
    if (batch.Count() >= 1000) batch.Clear();
  }
  double tree_cpu = CpuSeconds() - tree0;

  // Proofs against the stored tree.
  auto source = [&](uint32_t level, uint64_t index) { return log->TreeNode(level, index); };
  std::mt19937_64 rng(7);
  bench::Latencies inclusion, consistency, roots;
  for (size_t i = 0; i < proofs; ++i) {
    uint64_t seq = 1 + rng() % size;
    auto a = bench::Clock::now();
    auto p = ledger::merkle::InclusionProof(seq - 1, size, source);
    auto b = bench::Clock::now();
    uint64_t m = 1 + rng() % size;
    auto c = ledger::merkle::ConsistencyProof(m, size, source);
    auto d = bench::Clock::now();
    auto r = ledger::merkle::RootOf(m, source);
    auto e = bench::Clock::now();
    if (!p.ok() || !c.ok() || !r.ok()) return 1;
    inclusion.Add(bench::Seconds(a, b) * 1000);
    consistency.Add(bench::Seconds(b, d) * 1000);
    roots.Add(bench::Seconds(d, e) * 1000);
  }
  log.reset();
  uint64_t store = FolderBytes(dir);

  double per_event_us = append_cpu / static_cast<double>(size) * 1e6;
  double tree_us = tree_cpu / static_cast<double>(size) * 1e6;
  std::printf("| measure | value |\n|---|---|\n");
  std::printf("| events appended (batches of %llu, sync off) | %llu in %.2f s |\n",
              static_cast<unsigned long long>(kBatch), static_cast<unsigned long long>(size),
              append_wall);
  std::printf("| append CPU per event, with the tree | %.2f us |\n", per_event_us);
  std::printf("| the tree's CPU per event (leaf, subtrees, batch entries) | %.3f us |\n", tree_us);
  std::printf("| append CPU per event without the tree (difference) | %.2f us |\n",
              per_event_us - tree_us);
  std::printf("| what the tree adds to an append | %.1f %% |\n",
              100.0 * tree_us / (per_event_us - tree_us));
  std::printf("| inclusion proof (size %llu) |%s |\n", static_cast<unsigned long long>(size),
              inclusion.Fields().c_str());
  std::printf("| consistency proof |%s |\n", consistency.Fields().c_str());
  std::printf("| root of a size |%s |\n", roots.Fields().c_str());
  std::printf("| tree entries per event | %.2f (%.1f bytes of key and value) |\n",
              static_cast<double>(nodes) / static_cast<double>(size),
              static_cast<double>(node_bytes) / static_cast<double>(size));
  std::printf("| whole store per event, on disk | %.1f bytes |\n",
              static_cast<double>(store) / static_cast<double>(size));
  // One line for tools/bench.sh: appends per CPU second with the tree and with its own work
  // taken out, and the proofs' latencies.
  std::fprintf(
      stderr,
      "tree events=%llu append_cpu_us=%.3f tree_cpu_us=%.3f eps_with=%.0f eps_without=%.0f "
      "inclusion_p50_ms=%.3f inclusion_p99_ms=%.3f consistency_p99_ms=%.3f\n",
      static_cast<unsigned long long>(size), per_event_us, tree_us, 1e6 / per_event_us,
      1e6 / (per_event_us - tree_us), inclusion.Percentile(50), inclusion.Percentile(99),
      consistency.Percentile(99));
  std::filesystem::remove_all(dir);
  return 0;
}
