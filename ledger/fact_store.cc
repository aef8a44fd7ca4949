#include "fact_store.h"

#include <cstring>
#include <memory>

#include "rule_types.h"

namespace ledger::internal {

const char kFactsCheckpointKey[] = "authority/checkpoint";
const char kFactsVersionKey[] = "authority/version";
const char kFactsVersion[] = "8";

namespace {

constexpr std::string_view kEntityPrefix = "authority/e/";
constexpr std::string_view kContractPrefix = "authority/c/";

// Fields as (4-byte length, bytes): text may hold any byte.
void PutField(std::string* out, std::string_view field) {
  uint32_t n = static_cast<uint32_t>(field.size());
  out->append(reinterpret_cast<const char*>(&n), sizeof n);
  out->append(field);
}

bool GetField(std::string_view* in, std::string* field) {
  uint32_t n = 0;
  if (in->size() < sizeof n) return false;
  std::memcpy(&n, in->data(), sizeof n);
  in->remove_prefix(sizeof n);
  if (in->size() < n) return false;
  field->assign(in->data(), n);
  in->remove_prefix(n);
  return true;
}

std::string EncodeEntity(const EntityFacts& f) {
  std::string out;
  PutField(&out, f.estate);
  PutField(&out, f.filer);
  PutField(&out, f.company);
  PutField(&out, f.household);
  PutField(&out, std::to_string(f.seq));
  PutField(&out, f.person);
  PutField(&out, f.until);
  return out;
}

std::optional<EntityFacts> DecodeEntity(std::string_view in) {
  EntityFacts f;
  std::string seq;
  if (!GetField(&in, &f.estate) || !GetField(&in, &f.filer) || !GetField(&in, &f.company) ||
      !GetField(&in, &f.household) || !GetField(&in, &seq)) {
    return std::nullopt;
  }
  f.seq = std::strtoull(seq.c_str(), nullptr, 10);
  if (!in.empty() && !GetField(&in, &f.person)) return std::nullopt;  // older facts: none
  if (!in.empty() && !GetField(&in, &f.until)) return std::nullopt;
  return f;
}

std::string EncodeContract(const ContractFacts& c) {
  std::string out;
  PutField(&out, c.contract_id);
  PutField(&out, c.estate);
  PutField(&out, c.company);
  PutField(&out, c.start);
  PutField(&out, c.end);
  PutField(&out, c.voided ? "1" : "0");
  return out;
}

std::optional<ContractFacts> DecodeContract(std::string_view in) {
  ContractFacts c;
  std::string voided;
  if (!GetField(&in, &c.contract_id) || !GetField(&in, &c.estate) || !GetField(&in, &c.company) ||
      !GetField(&in, &c.start) || !GetField(&in, &c.end) || !GetField(&in, &voided)) {
    return std::nullopt;
  }
  c.voided = voided == "1";
  return c;
}

std::string EntityKey(std::string_view name) {
  return std::string(kEntityPrefix) + std::string(name);
}

// Every contract for an empty estate.
std::string ContractPrefix(std::string_view estate) {
  if (estate.empty()) return std::string(kContractPrefix);
  return std::string(kContractPrefix) + std::string(estate) + '\0';
}

}  // namespace

void ForgetCounts(rocksdb::ColumnFamilyHandle* family, rocksdb::WriteBatch* batch) {
  for (std::string_view prefix : kCountingFactPrefixes) {
    // Every name that begins with the prefix sorts below the prefix with its last byte raised.
    std::string end = EntityKey(prefix);
    ++end.back();
    batch->DeleteRange(family, EntityKey(prefix), end).PermitUncheckedError();
  }
}

std::optional<EntityFacts> FactOverlay::Entity(std::string_view name) const {
  std::string key = EntityKey(name);
  if (auto it = overlay_.find(key); it != overlay_.end()) return DecodeEntity(it->second);
  if (!db_) return std::nullopt;
  std::string value;
  if (!db_->Get(rocksdb::ReadOptions(), family_, key, &value).ok()) return std::nullopt;
  return DecodeEntity(value);
}

std::vector<ContractFacts> FactOverlay::Contracts(std::string_view estate) const {
  std::string prefix = ContractPrefix(estate);
  std::map<std::string, std::string> found;
  if (db_) {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), family_));
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
      found[it->key().ToString()] = it->value().ToString();
    }
  }
  for (auto it = overlay_.lower_bound(prefix);
       it != overlay_.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it) {
    found[it->first] = it->second;
  }
  std::vector<ContractFacts> out;
  for (const auto& [key, value] : found) {
    if (auto c = DecodeContract(value)) out.push_back(std::move(*c));
  }
  return out;
}

void FactOverlay::Put(std::string key, std::string value) {
  auto it = overlay_.find(key);
  undo_.emplace_back(key,
                     it == overlay_.end() ? std::nullopt : std::optional<std::string>(it->second));
  overlay_[std::move(key)] = std::move(value);
}

void FactOverlay::Apply(const FactChange& change) {
  switch (change.what) {
    case FactChange::What::kEntity:
      Put(EntityKey(change.name), EncodeEntity(change.entity));
      break;
    case FactChange::What::kContract:
      Put(std::string(kContractPrefix) + change.contract.estate + '\0' +
              change.contract.contract_id,
          EncodeContract(change.contract));
      break;
  }
}

void FactOverlay::Rollback(size_t mark) {
  while (undo_.size() > mark) {
    auto& [key, previous] = undo_.back();
    if (previous) {
      overlay_[key] = *previous;
    } else {
      overlay_.erase(key);
    }
    undo_.pop_back();
  }
}

void FactOverlay::MoveTo(rocksdb::WriteBatch* batch) {
  for (const auto& [key, value] : overlay_) batch->Put(family_, key, value);
  overlay_.clear();
  undo_.clear();
}

}  // namespace ledger::internal
