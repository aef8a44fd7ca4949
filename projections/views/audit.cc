#include "projections/views/audit.h"

#include "ledger/validate.h"

#include <algorithm>

namespace projections {

namespace schema = ledger::schema;

namespace {

constexpr const char* kLateKey = "late";

bool EndsWith(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}
bool NamesId(std::string_view field) { return field == "id" || EndsWith(field, "Id"); }
bool NamesIds(std::string_view field) { return field == "ids" || EndsWith(field, "Ids"); }

std::string_view View(capnp::Text::Reader text) { return {text.cStr(), text.size()}; }

// Fixed width, so that pages sort in seq order in the store.
std::string FixedWidthKey(uint64_t number) {
  std::string key(12, '0');
  for (size_t i = key.size(); i-- > 0 && number > 0; number /= 10)
    key[i] = static_cast<char>('0' + number % 10);
  return key;
}

std::string RoleName(int role) {
  auto enumerants = capnp::Schema::from<schema::Role>().getEnumerants();
  if (role < 0 || static_cast<size_t>(role) >= enumerants.size()) return "unknown";
  return enumerants[role].getProto().getName().cStr();
}

}  // namespace

void SeqList::Append(uint64_t seq) {
  if (count > 0 && seq <= last) return;
  uint64_t delta = seq - last;
  while (delta >= 0x80) {
    deltas.push_back(static_cast<char>(delta | 0x80));
    delta >>= 7;
  }
  deltas.push_back(static_cast<char>(delta));
  last = seq;
  ++count;
}

std::vector<uint64_t> SeqList::Decode(size_t offset, size_t limit) const {
  std::vector<uint64_t> out;
  uint64_t seq = 0;
  size_t index = 0;
  for (size_t pos = 0; pos < deltas.size() && out.size() < limit;) {
    uint64_t delta = 0;
    for (int shift = 0; pos < deltas.size() && shift < 64; shift += 7) {
      auto byte = static_cast<unsigned char>(deltas[pos++]);
      delta |= static_cast<uint64_t>(byte & 0x7F) << shift;
      if (byte < 0x80) break;
    }
    seq += delta;
    if (index++ >= offset) out.push_back(seq);
  }
  return out;
}

namespace {

// The key of one page of a list: the list's key, then the page number in fixed width, so that
// no two (key, page) pairs share a stored key whatever the key holds.
void PageKey(std::string_view key, uint64_t page, std::string* out) {
  out->assign(key);
  out->push_back('/');
  out->append(FixedWidthKey(page));
}

}  // namespace

void PagedSeqLists::Append(std::string_view key, uint64_t seq) {
  SeqListHead& head = heads_.Mutable(key);
  if (head.count > 0 && seq <= head.last) return;
  head.tail.Append(seq);
  head.last = seq;
  ++head.count;
  if (head.tail.count == kSeqsPerPage) {
    PageKey(key, (head.count - 1) / kSeqsPerPage, &scratch_key_);
    pages_.Mutable(scratch_key_) = std::move(head.tail);
    head.tail = SeqList{};
  }
}

uint64_t PagedSeqLists::CountUpTo(std::string_view key, uint64_t up_to) const {
  const SeqListHead* head = heads_.Find(key);
  if (!head || head->count == 0) return 0;
  if (head->last <= up_to) return head->count;
  auto count_in = [up_to](const SeqList& list) {
    uint64_t n = 0;
    for (uint64_t seq : list.Decode(0, list.count)) n += seq <= up_to ? 1 : 0;
    return n;
  };
  const uint64_t full_pages = head->count / kSeqsPerPage;
  uint64_t in_tail = count_in(head->tail);
  if (in_tail > 0 || full_pages == 0) return full_pages * kSeqsPerPage + in_tail;
  // The first full page whose last is above `up_to` holds the boundary: the pages before it
  // are whole. Found by halving, reading about log2(pages) of them.
  std::string page_key;
  uint64_t low = 0, high = full_pages;  // the boundary page is in [low, high)
  while (low < high) {
    uint64_t mid = low + (high - low) / 2;
    PageKey(key, mid, &page_key);
    const SeqList* page = pages_.Find(page_key);
    if (!page) return low * kSeqsPerPage;  // a read error, reported by the table
    if (page->last <= up_to) {
      low = mid + 1;
    } else {
      high = mid;
    }
  }
  if (low == full_pages) return full_pages * kSeqsPerPage;
  PageKey(key, low, &page_key);
  const SeqList* page = pages_.Find(page_key);
  return low * kSeqsPerPage + (page ? count_in(*page) : 0);
}

std::vector<uint64_t> PagedSeqLists::Read(std::string_view key, size_t offset, size_t limit) const {
  std::vector<uint64_t> out;
  const SeqListHead* head = heads_.Find(key);
  if (!head) return out;
  const uint64_t full_pages = head->count / kSeqsPerPage;
  std::string page_key;
  for (uint64_t at = offset; at < head->count && out.size() < limit;) {
    uint64_t page = at / kSeqsPerPage;
    const SeqList* list = &head->tail;
    if (page < full_pages) {
      PageKey(key, page, &page_key);
      list = pages_.Find(page_key);
      if (!list) break;  // a read error, reported by the table
    }
    std::vector<uint64_t> seqs = list->Decode(at % kSeqsPerPage, limit - out.size());
    out.insert(out.end(), seqs.begin(), seqs.end());
    at = (page + 1) * kSeqsPerPage;
  }
  return out;
}

AuditIndex::AuditIndex(int64_t late_threshold_ms) : late_threshold_ms_(late_threshold_ms) {
  Register(&pages_);
  for (PagedSeqLists* lists : {&by_entity_, &by_actor_, &by_day_, &late_}) {
    Register(lists->heads());
    Register(lists->pages());
  }
  Register(&touched_);
}

bool AuditIndex::IdPlan::empty() const {
  return always.empty() &&
         std::all_of(by_discriminant.begin(), by_discriminant.end(),
                     [](const std::vector<Step>& steps) { return steps.empty(); });
}

const AuditIndex::IdPlan& AuditIndex::PlanFor(capnp::StructSchema schema) {
  auto [slot, inserted] = plans_.try_emplace(schema.getProto().getId());
  if (!inserted) return *slot->second;
  slot->second = std::make_unique<IdPlan>();
  // Stable while the map grows below: the plan lives behind its own pointer. A type that
  // contains itself (a correction's replacement is a Payload) finds its plan here unfinished,
  // and is walked anyway.
  IdPlan& plan = *slot->second;
  plan.discriminant_offset = schema.getProto().getStruct().getDiscriminantOffset();
  for (auto field : schema.getFields()) {
    auto proto = field.getProto();
    std::string_view name = View(proto.getName());
    capnp::Type type = field.getType();
    IdPlan::Step step{0, IdPlan::Kind::kText, nullptr};
    if (proto.isGroup()) {
      step.kind = IdPlan::Kind::kGroup;
      step.child = &PlanFor(type.asStruct());
    } else if (type.isText()) {
      if (!NamesId(name)) continue;
    } else if (type.isStruct()) {
      step.kind = IdPlan::Kind::kStruct;
      step.child = &PlanFor(type.asStruct());
    } else if (type.isList()) {
      capnp::Type element = type.asList().getElementType();
      if (element.isText() && NamesIds(name)) {
        step.kind = IdPlan::Kind::kTextList;
      } else if (element.isStruct()) {
        step.kind = IdPlan::Kind::kStructList;
        step.child = &PlanFor(element.asStruct());
      } else {
        continue;
      }
    } else {
      continue;
    }
    if (step.child && step.child->complete && step.child->empty()) continue;
    if (!proto.isGroup()) step.pointer = proto.getSlot().getOffset();
    uint16_t discriminant = proto.getDiscriminantValue();
    if (discriminant == capnp::schema::Field::NO_DISCRIMINANT) {
      plan.always.push_back(step);
    } else {
      if (plan.by_discriminant.size() <= discriminant) {
        plan.by_discriminant.resize(discriminant + 1);
      }
      plan.by_discriminant[discriminant].push_back(step);
    }
  }
  plan.complete = true;
  return plan;
}

void AuditIndex::AddFound(std::string_view entity) {
  if (entity.empty()) return;
  if (std::find(found_.begin(), found_.end(), entity) == found_.end()) found_.push_back(entity);
}

void AuditIndex::Collect(const IdPlan& plan, capnp::AnyStruct::Reader reader) {
  auto pointers = reader.getPointerSection();
  auto visit = [&](const IdPlan::Step& step) {
    if (step.kind == IdPlan::Kind::kGroup) {
      // A group's fields live in the enclosing struct's sections.
      Collect(*step.child, reader);
      return;
    }
    // A struct written by an older schema may lack the slot: then the field is unset.
    if (step.pointer >= pointers.size()) return;
    auto pointer = pointers[step.pointer];
    if (pointer.isNull()) return;
    switch (step.kind) {
      case IdPlan::Kind::kText:
        AddFound(View(pointer.getAs<capnp::Text>()));
        break;
      case IdPlan::Kind::kTextList:
        for (auto text : pointer.getAs<capnp::List<capnp::Text>>()) AddFound(View(text));
        break;
      case IdPlan::Kind::kStruct:
        Collect(*step.child, pointer.getAs<capnp::AnyStruct>());
        break;
      case IdPlan::Kind::kStructList:
        for (auto item : pointer.getAs<capnp::AnyList>().as<capnp::List<capnp::AnyStruct>>()) {
          Collect(*step.child, item);
        }
        break;
      case IdPlan::Kind::kGroup:
        break;
    }
  };
  for (const auto& step : plan.always) visit(step);
  if (plan.by_discriminant.empty()) return;
  // The discriminant, little-endian; absent (an older, shorter struct) reads as zero.
  auto data = reader.getDataSection();
  size_t at = size_t{plan.discriminant_offset} * 2;
  uint16_t discriminant =
      at + 1 < data.size() ? static_cast<uint16_t>(data[at] | (data[at + 1] << 8)) : 0;
  if (discriminant < plan.by_discriminant.size()) {
    for (const auto& step : plan.by_discriminant[discriminant]) visit(step);
  }
}

void AuditIndex::FindEntities(const EventContext& e) {
  found_.clear();
  AddFound(e.stream);
  if (!payload_plan_) payload_plan_ = &PlanFor(capnp::Schema::from<schema::Payload>());
  Collect(*payload_plan_, capnp::AnyStruct::Reader(e.payload));
}

void AuditIndex::RememberTouched(uint64_t seq) {
  auto& touched = touched_.Mutable(FixedWidthKey(seq));
  for (std::string_view entity : found_) {
    if (std::find(touched.entities.begin(), touched.entities.end(), entity) ==
        touched.entities.end()) {
      touched.entities.emplace_back(entity);
    }
  }
}

AuditPage* AuditIndex::MutablePage(uint64_t seq) {
  uint64_t page = seq / kAuditPageSize;
  if (page != cached_page_) {
    cached_page_ = page;
    cached_page_key_ = FixedWidthKey(page);
  }
  return &pages_.Mutable(cached_page_key_);
}

const AuditEntryRecord* AuditIndex::Entry(uint64_t seq) const {
  const AuditPage* page = pages_.Find(FixedWidthKey(seq / kAuditPageSize));
  if (!page) return nullptr;
  auto it = std::lower_bound(page->entries.begin(), page->entries.end(), seq,
                             [](const AuditEntryRecord& e, uint64_t s) { return e.seq < s; });
  return it != page->entries.end() && it->seq == seq ? &*it : nullptr;
}

void AuditIndex::Apply(const EventContext& e) {
  FindEntities(e);
  // Seqs only grow, so the event's page already holding this seq or a later one means the
  // event is a correction's replacement, applied under the original's seq: the trail keeps the
  // event as recorded, and the correction that follows is indexed under the replacement's
  // entities too.
  AuditPage* page = MutablePage(e.seq);
  if (!page->entries.empty() && page->entries.back().seq >= e.seq) {
    RememberTouched(e.seq);
    return;
  }

  uint64_t corrects = 0;
  if (e.payload.isCorrectionRecorded()) {
    uint64_t target = e.payload.getCorrectionRecorded().getCorrectsSeq();
    if (target >= 1 && target < e.seq && Entry(target)) {
      corrects = target;
      AuditPage* target_page = MutablePage(target);
      for (auto& entry : target_page->entries) {
        if (entry.seq == target) {
          entry.corrected_by.push_back(e.seq);
          AddFound(entry.stream);
          break;
        }
      }
      if (const TouchedEntities* touched = touched_.Find(FixedWidthKey(target))) {
        for (const auto& entity : touched->entities) AddFound(entity);
      }
    }
    // Kept so that a correction of this correction is indexed where this one is.
    RememberTouched(e.seq);
  }

  // Indexed before the entry joins its page: found_ may view text in that page (a corrected
  // event's stream), which growing the page would move.
  bool late = e.recorded_at - e.occurred_at > late_threshold_ms_;
  for (std::string_view entity : found_) by_entity_.Append(entity, e.seq);
  by_actor_.Append(e.actor_id, e.seq);
  int64_t day = LocalDay(e.recorded_at, TimeZone::China());
  if (day != cached_day_) {
    cached_day_ = day;
    cached_day_key_ = FormatDay(day);
  }
  by_day_.Append(cached_day_key_, e.seq);
  if (late) late_.Append(kLateKey, e.seq);

  AuditEntryRecord entry;
  entry.seq = e.seq;
  entry.type = static_cast<int>(e.payload.which());
  entry.stream.assign(e.stream);
  entry.actor.assign(e.actor_id);
  entry.role = static_cast<int>(e.role);
  entry.recorded_at = e.recorded_at;
  entry.occurred_at = e.occurred_at;
  entry.late = late;
  entry.corrects = corrects;
  page->entries.push_back(std::move(entry));
}

void AuditIndex::Void(const EventContext& e) {
  // The trail keeps the event; the correction being applied is marked on it and indexed where
  // it was, which needs its entities as recorded (or as last replaced).
  FindEntities(e);
  RememberTouched(e.seq);
}

void AuditIndex::Fill(const PagedSeqLists& lists, std::string_view key, std::string_view shown_key,
                      size_t offset, size_t limit, uint64_t up_to,
                      schema::AuditView::Builder out) const {
  out.setKey({shown_key.data(), shown_key.size()});
  out.setLateThresholdMs(late_threshold_ms_);
  out.setOffset(static_cast<uint32_t>(offset));
  uint64_t total = lists.CountUpTo(key, up_to);
  if (total == 0) return;
  out.setTotal(static_cast<uint32_t>(total));
  std::vector<uint64_t> seqs =
      offset < total ? lists.Read(key, offset, std::min<uint64_t>(limit, total - offset))
                     : std::vector<uint64_t>();
  std::vector<const AuditEntryRecord*> entries;
  for (uint64_t seq : seqs) {
    if (const AuditEntryRecord* entry = Entry(seq)) entries.push_back(entry);
  }
  auto items = out.initEntries(entries.size());
  for (size_t i = 0; i < entries.size(); ++i) {
    const AuditEntryRecord& entry = *entries[i];
    auto item = items[i];
    item.setSeq(entry.seq);
    item.setType(ledger::PayloadTypeName(entry.type));
    item.setStream(entry.stream);
    item.setActorId(entry.actor);
    item.setRole(RoleName(entry.role));
    item.setRecordedAt(entry.recorded_at);
    item.setOccurredAt(entry.occurred_at);
    item.setLate(entry.late);
    item.setLateByMs(entry.recorded_at - entry.occurred_at);
    // In ledger order: the marks of corrections recorded after `up_to` are the last ones.
    size_t marks = std::upper_bound(entry.corrected_by.begin(), entry.corrected_by.end(), up_to) -
                   entry.corrected_by.begin();
    auto corrected_by = item.initCorrectedBy(marks);
    for (size_t k = 0; k < marks; ++k) corrected_by.set(k, entry.corrected_by[k]);
    item.setCorrects(entry.corrects);
  }
}

void AuditIndex::ByEntity(const std::string& entity_id, size_t offset, size_t limit, uint64_t up_to,
                          schema::AuditView::Builder out) const {
  Fill(by_entity_, entity_id, entity_id, offset, limit, up_to, out);
}

void AuditIndex::ByActor(const std::string& actor_id, size_t offset, size_t limit, uint64_t up_to,
                         schema::AuditView::Builder out) const {
  Fill(by_actor_, actor_id, actor_id, offset, limit, up_to, out);
}

void AuditIndex::ByDay(const std::string& day, size_t offset, size_t limit, uint64_t up_to,
                       schema::AuditView::Builder out) const {
  Fill(by_day_, day, day, offset, limit, up_to, out);
}

void AuditIndex::Late(size_t offset, size_t limit, uint64_t up_to,
                      schema::AuditView::Builder out) const {
  Fill(late_, kLateKey, "", offset, limit, up_to, out);
}

}  // namespace projections
