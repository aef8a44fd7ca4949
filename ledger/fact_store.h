// The rule book's facts as the ledger stores them. Internal to ledger/.
//
// Kept in the ledger's default column family, written in the same WriteBatch as the events that
// taught them, so the facts are always those of the stored head:
//
//   authority/e/{entity name}                    value: EntityFacts
//   authority/c/{estate} 0x00 {contract id}      value: ContractFacts
//   authority/checkpoint                         value: the last seq learned (8 bytes, BE)
//   authority/version                            value: kFactsVersion, as text
//
// A ledger written before the rule book has no facts; opening it learns them from the log once
// (CatchUpFacts in ledger_store.cc). So does a ledger whose facts are of an older version: Learn
// is idempotent, and the facts of a later event win as they did when it was committed.

#pragma once

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ledger/rule_book.h"

namespace ledger::internal {

extern const char kFactsCheckpointKey[];
extern const char kFactsVersionKey[];
// 6: whose hours a claim is (EntityFacts::person); 5: how many repair requests a resident filed
// in a day (FiledOfDayName); 4: how many complaints a resident filed in a
// day; 3: which households
// answered a survey online in which year (OnlineAnswerName); 2: which
// households answered which survey (SurveyAnswerName).
extern const char kFactsVersion[];

// Deletes, in `batch`, every fact that counts (kCountingFactPrefixes): before the facts are
// learned again from the first event.
void ForgetCounts(rocksdb::ColumnFamilyHandle* family, rocksdb::WriteBatch* batch);

// Facts committed in `db` plus the writer's changes not yet committed. Reading while the writer
// changes the store is the caller's business: the writer reads it on its own thread, others under
// the store's shared lock with no overlay.
class FactOverlay final : public FactSource {
 public:
  FactOverlay(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* family) : db_(db), family_(family) {}

  std::optional<EntityFacts> Entity(std::string_view name) const override;
  std::vector<ContractFacts> Contracts(std::string_view estate) const override;

  // Adds a change to the overlay; the undo log remembers what it replaced.
  void Apply(const FactChange& change);
  // The undo log's length now; Rollback(mark) takes back every change made since.
  size_t Mark() const { return undo_.size(); }
  void Rollback(size_t mark);
  // Puts every change into `batch` and forgets them (the caller writes the batch).
  void MoveTo(rocksdb::WriteBatch* batch);
  bool empty() const { return overlay_.empty(); }

 private:
  void Put(std::string key, std::string value);

  rocksdb::DB* db_;
  rocksdb::ColumnFamilyHandle* family_;
  std::map<std::string, std::string, std::less<>> overlay_;
  std::vector<std::pair<std::string, std::optional<std::string>>> undo_;
};

}  // namespace ledger::internal
