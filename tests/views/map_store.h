// A view store in a map, for the tests of a table kept in the store (table.h): what a table
// writes, it reads back. It counts the records asked for one at a time.

#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "projections/table.h"

namespace test_views {

class MapStore final : public projections::RowSource, public projections::StateSink {
 public:
  void Put(std::string_view key, std::string_view value) override {
    rows_[std::string(key)] = std::string(value);
  }
  void Delete(std::string_view key) override { rows_.erase(std::string(key)); }
  Found Get(std::string_view key, std::string* value) const override {
    ++gets_;
    auto it = rows_.find(std::string(key));
    if (it == rows_.end()) return Found::kNo;
    *value = it->second;
    return Found::kYes;
  }
  std::string Scan(
      std::string_view start, std::string_view prefix, std::string_view end,
      const std::function<bool(std::string_view, std::string_view)>& visit) const override {
    for (auto it = rows_.lower_bound(std::string(start));
         it != rows_.end() && std::string_view(it->first).starts_with(prefix) &&
         (end.empty() || it->first < end);
         ++it) {
      if (!visit(it->first, it->second)) break;
    }
    return "";
  }
  // The bytes of the keys and values in [start, end), as a store estimates them.
  uint64_t ApproximateBytes(std::string_view start, std::string_view end) const override {
    uint64_t bytes = 0;
    for (auto it = rows_.lower_bound(std::string(start)); it != rows_.end() && it->first < end;
         ++it) {
      bytes += it->first.size() + it->second.size();
    }
    return bytes;
  }
  // How many times Get() was called.
  int gets() const { return gets_; }

 private:
  std::map<std::string, std::string> rows_;
  mutable int gets_ = 0;
};

}  // namespace test_views
