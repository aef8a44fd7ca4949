// A compact binary form for view records, so a view is written as plain C++ structs.
//
// A record lists its fields once, in a member template used both to write and to read:
//
//   struct Repair {
//     std::string id;
//     int64_t requested_at = 0;
//     std::vector<Step> steps;
//     template <class A> void Fields(A& a) { a(id, requested_at, steps); }
//   };
//
// Integers are varints (zig-zag for signed), text is length-prefixed, doubles are 8 raw bytes.
// Adding a field at the end is safe only together with a bump of the view's version, which
// rebuilds the view from the ledger: stored view state is derived data, never a source of truth.

#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace projections {

class ArchiveWriter {
 public:
  explicit ArchiveWriter(std::string* out) : out_(out) {}

  template <class... T>
  void operator()(const T&... values) {
    (Put(values), ...);
  }

 private:
  void Varint(uint64_t v) {
    while (v >= 0x80) {
      out_->push_back(static_cast<char>(v | 0x80));
      v >>= 7;
    }
    out_->push_back(static_cast<char>(v));
  }
  template <class T>
  void Put(const T& v) {
    if constexpr (std::is_same_v<T, bool>) {
      out_->push_back(v ? 1 : 0);
    } else if constexpr (std::is_enum_v<T>) {
      Varint(static_cast<uint64_t>(v));
    } else if constexpr (std::is_integral_v<T> && std::is_signed_v<T>) {
      int64_t s = v;
      Varint((static_cast<uint64_t>(s) << 1) ^ static_cast<uint64_t>(s >> 63));
    } else if constexpr (std::is_integral_v<T>) {
      Varint(v);
    } else if constexpr (std::is_floating_point_v<T>) {
      double d = v;
      char bytes[8];
      std::memcpy(bytes, &d, 8);
      out_->append(bytes, 8);
    } else if constexpr (std::is_same_v<T, std::string>) {
      Varint(v.size());
      out_->append(v);
    } else {
      PutComposite(v);
    }
  }
  template <class T>
  void PutComposite(const std::vector<T>& v) {
    Varint(v.size());
    for (const auto& item : v) Put(item);
  }
  template <class K, class V>
  void PutComposite(const std::map<K, V>& m) {
    Varint(m.size());
    for (const auto& [k, v] : m) {
      Put(k);
      Put(v);
    }
  }
  template <class T>
  void PutComposite(const std::optional<T>& v) {
    Put(v.has_value());
    if (v) Put(*v);
  }
  template <class A, class B>
  void PutComposite(const std::pair<A, B>& v) {
    Put(v.first);
    Put(v.second);
  }
  template <class T>
  void PutComposite(const T& record) {
    // Fields() is not const so that one member serves both directions.
    const_cast<T&>(record).Fields(*this);
  }

  std::string* out_;
};

class ArchiveReader {
 public:
  explicit ArchiveReader(std::string_view in) : in_(in) {}

  template <class... T>
  void operator()(T&... values) {
    (Get(values), ...);
  }
  // False if the bytes ran out or were malformed; the values read are then unreliable.
  bool ok() const { return ok_ && pos_ == in_.size(); }

 private:
  uint64_t Varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64 && pos_ < in_.size(); shift += 7) {
      auto byte = static_cast<unsigned char>(in_[pos_++]);
      v |= static_cast<uint64_t>(byte & 0x7F) << shift;
      if (byte < 0x80) return v;
    }
    ok_ = false;
    return 0;
  }
  template <class T>
  void Get(T& v) {
    if constexpr (std::is_same_v<T, bool>) {
      if (pos_ >= in_.size()) {
        ok_ = false;
        return;
      }
      v = in_[pos_++] != 0;
    } else if constexpr (std::is_enum_v<T>) {
      v = static_cast<T>(Varint());
    } else if constexpr (std::is_integral_v<T> && std::is_signed_v<T>) {
      uint64_t u = Varint();
      v = static_cast<T>(static_cast<int64_t>((u >> 1) ^ (~(u & 1) + 1)));
    } else if constexpr (std::is_integral_v<T>) {
      v = static_cast<T>(Varint());
    } else if constexpr (std::is_floating_point_v<T>) {
      if (pos_ + 8 > in_.size()) {
        ok_ = false;
        return;
      }
      double d;
      std::memcpy(&d, in_.data() + pos_, 8);
      pos_ += 8;
      v = static_cast<T>(d);
    } else if constexpr (std::is_same_v<T, std::string>) {
      uint64_t n = Varint();
      if (n > in_.size() - pos_) {
        ok_ = false;
        return;
      }
      v.assign(in_.data() + pos_, n);
      pos_ += n;
    } else {
      GetComposite(v);
    }
  }
  template <class T>
  void GetComposite(std::vector<T>& v) {
    uint64_t n = Varint();
    if (n > in_.size() - pos_) {  // each element takes at least one byte
      ok_ = false;
      return;
    }
    v.clear();
    v.resize(n);
    for (auto& item : v) Get(item);
  }
  template <class K, class V>
  void GetComposite(std::map<K, V>& m) {
    uint64_t n = Varint();
    m.clear();
    for (uint64_t i = 0; i < n && ok_; ++i) {
      K k{};
      V v{};
      Get(k);
      Get(v);
      m.emplace(std::move(k), std::move(v));
    }
  }
  template <class T>
  void GetComposite(std::optional<T>& v) {
    bool has = false;
    Get(has);
    if (has) {
      T inner{};
      Get(inner);
      v = std::move(inner);
    } else {
      v.reset();
    }
  }
  template <class A, class B>
  void GetComposite(std::pair<A, B>& v) {
    Get(v.first);
    Get(v.second);
  }
  template <class T>
  void GetComposite(T& record) {
    record.Fields(*this);
  }

  std::string_view in_;
  size_t pos_ = 0;
  bool ok_ = true;
};

// What a record holds on the heap beside its own size: strings past their inline buffer, the
// storage of vectors and maps, and what their items hold in turn, each allocation as glibc
// rounds it. A cache that counts its records by their stored bytes instead holds two to four
// times what it counts: a list of numbers takes a byte or two each stored, eight in memory.
class ArchiveSizer {
 public:
  template <class... T>
  void operator()(const T&... values) {
    (Add(values), ...);
  }
  size_t bytes() const { return bytes_; }

  // One allocation of `n` bytes, as malloc spends it: a header, 16-byte steps, 32 at least.
  static size_t Allocation(size_t n) {
    return n == 0 ? 0 : std::max<size_t>(32, (n + 8 + 15) & ~size_t{15});
  }
  static size_t HeapOf(const std::string& s) {
    return s.capacity() > kInlineChars ? Allocation(s.capacity() + 1) : 0;
  }

 private:
  // The characters a std::string holds without allocating (libstdc++'s and libc++'s, at least).
  static constexpr size_t kInlineChars = 15;

  template <class T>
  void Add(const T& v) {
    if constexpr (std::is_arithmetic_v<T> || std::is_enum_v<T>) {
      // held in place
    } else if constexpr (std::is_same_v<T, std::string>) {
      bytes_ += HeapOf(v);
    } else {
      AddComposite(v);
    }
  }
  template <class T>
  void AddComposite(const std::vector<T>& v) {
    bytes_ += Allocation(v.capacity() * sizeof(T));
    if constexpr (!std::is_arithmetic_v<T> && !std::is_enum_v<T>) {
      for (const auto& item : v) Add(item);
    }
  }
  template <class K, class V>
  void AddComposite(const std::map<K, V>& m) {
    // A red-black tree's node: three links and a colour before the pair.
    bytes_ += m.size() * Allocation(32 + sizeof(std::pair<const K, V>));
    for (const auto& [k, v] : m) {
      Add(k);
      Add(v);
    }
  }
  template <class T>
  void AddComposite(const std::optional<T>& v) {
    if (v) Add(*v);
  }
  template <class A, class B>
  void AddComposite(const std::pair<A, B>& v) {
    Add(v.first);
    Add(v.second);
  }
  template <class T>
  void AddComposite(const T& record) {
    const_cast<T&>(record).Fields(*this);
  }

  size_t bytes_ = 0;
};

template <class T>
size_t HeapBytesOf(const T& record) {
  ArchiveSizer sizer;
  sizer(record);
  return sizer.bytes();
}

// Appends the record's bytes to `out`.
template <class T>
void SerializeTo(const T& record, std::string* out) {
  ArchiveWriter writer(out);
  writer(record);
}

template <class T>
std::string Serialize(const T& record) {
  std::string out;
  SerializeTo(record, &out);
  return out;
}

template <class T>
bool Deserialize(std::string_view bytes, T* record) {
  ArchiveReader reader(bytes);
  reader(*record);
  return reader.ok();
}

}  // namespace projections
