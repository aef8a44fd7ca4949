#include "ledger/integrity.h"

#include <cstdio>

#include "ledger/merkle.h"

namespace ledger {
namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Result<IntegrityReport> CheckIntegrity(const Ledger& log) {
  IntegrityReport report;
  auto chain = log.Verify();
  if (!chain.ok()) return chain.status();
  report.checked = true;
  report.checked_at_ms = NowMs();
  if (!chain->ok) {
    report.ok = false;
    report.bad_seq = chain->first_bad_seq;
    report.problem = chain->problem;
    return report;
  }
  uint64_t size = chain->checked;
  report.size = size;
  auto nodes = [&](uint32_t level, uint64_t index) { return log.TreeNode(level, index); };
  merkle::Frontier recomputed;
  uint64_t covered = 0;  // events whose leaves the stored tree holds
  // A writable ledger holds the tree up to its head; only a read-only one may lack it.
  bool read_only = !log.Storage().writable();
  Status failed;
  Status scanned = log.Scan(1, size, [&](const RecordedEvent& e) {
    auto leaf = merkle::LeafHash(merkle::LeafInput(e));
    if (!leaf.ok()) {
      failed = leaf.status();
      return false;
    }
    auto stored = log.TreeNode(0, e.seq() - 1);
    if (!stored.ok() && stored.status().code() == Code::kNotFound && read_only) {
      // A ledger written before the tree, opened read-only, has none yet: it is built at the
      // next open for writing. The tree is checked as far as it goes.
      return false;
    }
    // Every subtree this leaf completes, recomputed, against the one stored: the proofs are
    // made of them, and a root read from higher subtrees would not notice a lower one changed.
    std::string mismatch;
    failed = recomputed.Append(*leaf, [&](uint32_t level, uint64_t index, const Hash& hash) {
      if (!mismatch.empty()) return;
      auto node = level == 0 ? stored : log.TreeNode(level, index);
      if (!node.ok()) {
        mismatch = "the Merkle tree has no node " + std::to_string(index) + " at level " +
                   std::to_string(level) + ": " + node.status().message();
      } else if (*node != hash) {
        mismatch = level == 0 ? "event " + std::to_string(e.seq()) +
                                    " does not match its leaf in the Merkle tree: stored " +
                                    ToHex(*node) + ", recomputed " + ToHex(hash)
                              : "the Merkle tree's node " + std::to_string(index) + " at level " +
                                    std::to_string(level) +
                                    " does not match the events under it (completed by event " +
                                    std::to_string(e.seq()) + ")";
      }
    });
    if (!failed.ok()) return false;
    if (!mismatch.empty()) {
      report.ok = false;
      report.bad_seq = e.seq();
      report.problem = mismatch;
      return false;
    }
    covered = e.seq();
    return failed.ok();
  });
  if (!scanned.ok()) return scanned;
  if (!failed.ok()) return failed;
  if (!report.ok) return report;
  auto root = recomputed.Root();
  auto stored_root = merkle::RootOf(covered, nodes);
  if (!root.ok()) return root.status();
  if (!stored_root.ok() || *stored_root != *root) {
    report.ok = false;
    report.bad_seq = covered;
    report.problem = "the Merkle tree's stored subtrees do not give the root of the events up to " +
                     std::to_string(covered) +
                     (stored_root.ok() ? "" : ": " + stored_root.status().message());
  }
  return report;
}

IntegrityWatch::IntegrityWatch(const Ledger* log, std::chrono::milliseconds interval,
                               std::function<void(const IntegrityReport&)> on_failure)
    : log_(log), interval_(interval), on_failure_(std::move(on_failure)) {}

std::unique_ptr<IntegrityWatch> IntegrityWatch::Start(
    const Ledger* log, std::chrono::milliseconds interval,
    std::function<void(const IntegrityReport&)> on_failure) {
  std::unique_ptr<IntegrityWatch> watch(new IntegrityWatch(log, interval, std::move(on_failure)));
  watch->CheckOnce();
  if (interval.count() > 0) watch->thread_ = std::thread([raw = watch.get()] { raw->Loop(); });
  return watch;
}

IntegrityWatch::~IntegrityWatch() {
  {
    base::MutexLock lock(&mu_);
    stopping_ = true;
  }
  cv_.SignalAll();
  if (thread_.joinable()) thread_.join();
}

IntegrityReport IntegrityWatch::Current() const {
  base::MutexLock lock(&mu_);
  return current_;
}

void IntegrityWatch::CheckOnce() {
  auto report = CheckIntegrity(*log_);
  if (!report.ok()) {
    // The store could not be read to the end (a storage failure, reported elsewhere): no verdict.
    std::fprintf(stderr, "integrity: the check could not finish: %s\n",
                 report.status().ToString().c_str());
    return;
  }
  bool first_failure = false;
  {
    base::MutexLock lock(&mu_);
    if (!current_.ok) return;  // a failure stays
    current_ = *report;
    first_failure = !report->ok;
  }
  if (first_failure) {
    std::fprintf(stderr, "integrity: event %llu: %s; appends are refused from now on\n",
                 static_cast<unsigned long long>(report->bad_seq), report->problem.c_str());
    if (on_failure_) on_failure_(*report);
  }
}

void IntegrityWatch::Loop() {
  for (;;) {
    {
      base::MutexLock lock(&mu_);
      auto deadline = std::chrono::steady_clock::now() + interval_;
      while (!stopping_ && cv_.WaitUntil(&mu_, deadline)) {
      }
      if (stopping_) return;
      if (!current_.ok) continue;
    }
    CheckOnce();
  }
}

}  // namespace ledger
