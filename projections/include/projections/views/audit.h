// The audit index: every event by the entities it touches, by actor and by day of recording,
// with late entries flagged and corrections shown beside what they correct. This is how the
// street office reconstructs who did what and when for any complaint, repair, household or
// company (DOMAIN.md, "Auditing history").
//
// Entities are found generically, by Cap'n Proto reflection over the payload: every Text field
// named "id" or "...Id" and every List(Text) named "...Ids", in nested structs, groups, the
// active union member and lists of structs, names an entity; so does the event's stream. A new
// event type therefore needs no code here. Identifiers are indexed as written: the ledger's
// convention ("household/h-1", "estate/ls-01") keeps them apart across kinds.
//
// Nothing is ever removed: this is the trail. A correction of seq N is indexed under N's
// entities (as recorded and as last replaced) besides its own, and N's entry is marked
// "corrected by" the correction; Void only notes which entities the corrected event touched. A
// correction of a correction adds another mark the same way.
//
// An entry is late when recorded_at - occurred_at exceeds the threshold (7 days unless the
// constructor is told otherwise). The flag is fixed when the event is applied, so a different
// threshold needs a rebuild: bump version() with it.

#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <capnp/any.h>
#include <capnp/schema.h>

#include "projections/calendar.h"
#include "projections/projection.h"
#include "schemas/view_audit.capnp.h"

namespace projections {

struct AuditEntryRecord {
  uint64_t seq = 0;
  int type = 0;  // schema::Payload::Which of the event as recorded
  std::string stream, actor;
  int role = 0;  // schema::Role
  int64_t recorded_at = 0, occurred_at = 0;
  bool late = false;
  uint64_t corrects = 0;               // a correction's target; 0 for other events
  std::vector<uint64_t> corrected_by;  // the corrections naming this event, in ledger order
  template <class A>
  void Fields(A& a) {
    a(seq, type, stream, actor, role, recorded_at, occurred_at, late, corrects, corrected_by);
  }
};

// The entries of kAuditPageSize consecutive seqs, in seq order: one stored row per page rather
// than per event keeps the store small and the per-event cost low.
struct AuditPage {
  std::vector<AuditEntryRecord> entries;
  template <class A>
  void Fields(A& a) {
    a(entries);
  }
};

// An ascending list of seqs, stored as varint deltas (one or two bytes a seq instead of eight).
// One record holds one page of a PagedSeqLists list.
struct SeqList {
  uint64_t count = 0;
  uint64_t last = 0;
  std::string deltas;
  // Appends `seq` if it is above the last; the index only ever grows in ledger order.
  void Append(uint64_t seq);
  std::vector<uint64_t> Decode(size_t offset, size_t limit) const;
  template <class A>
  void Fields(A& a) {
    a(count, last, deltas);
  }
};

// A paged list's own record: how many seqs it holds, its last, and the seqs of its last page
// until that page is full.
struct SeqListHead {
  uint64_t count = 0;
  uint64_t last = 0;
  SeqList tail;
  template <class A>
  void Fields(A& a) {
    a(count, last, tail);
  }
};

// Ascending seq lists by key. An actor or a busy estate holds a large share of the log: as one
// record, its list was rewritten whole at every write of the views and read whole by every
// time-travel replay that touched it. Here a list's record holds its count and its last
// kSeqsPerPage seqs at most; each full page moves to a record of its own under (key, page
// number). An append reads one record, as before, and writes a page once per kSeqsPerPage; a
// small list (most are) stays one record; a read takes the pages it shows.
class PagedSeqLists {
 public:
  static constexpr uint64_t kSeqsPerPage = 256;
  explicit PagedSeqLists(const std::string& name)
      : heads_(name + "_head"), pages_(name + "_page") {}
  TableBase* heads() { return &heads_; }
  TableBase* pages() { return &pages_; }

  // Appends `seq` to `key`'s list if it is above the list's last.
  void Append(std::string_view key, uint64_t seq);
  // How many of `key`'s seqs are at or below `up_to` (all of them for AuditIndex::kNow): they are
  // the list's first, since it only grows in ledger order. Reads the head, and a few pages when
  // `up_to` is before the last.
  uint64_t CountUpTo(std::string_view key, uint64_t up_to) const;
  // Up to `limit` seqs of `key`'s list from the `offset`th, in order.
  std::vector<uint64_t> Read(std::string_view key, size_t offset, size_t limit) const;

 private:
  Table<SeqListHead> heads_;
  Table<SeqList> pages_;     // full pages only
  std::string scratch_key_;  // reused between appends to spare allocations
};

// The entities of an event that was corrected or that is a correction: kept only for those (rare)
// events, so that a later correction of them can be indexed where they are.
struct TouchedEntities {
  std::vector<std::string> entities;
  template <class A>
  void Fields(A& a) {
    a(entities);
  }
};

class AuditIndex final : public Projection {
 public:
  static constexpr int64_t kDefaultLateThresholdMs = 7 * kMillisPerDay;
  static constexpr uint64_t kAuditPageSize = 64;

  // Takes no other view, on purpose: the audit index is applied on a lane of its own beside the
  // other views (see ViewSet::ApplyBatch), which is safe only while it reads none of them.
  explicit AuditIndex(int64_t late_threshold_ms = kDefaultLateThresholdMs);
  const char* name() const override { return "audit"; }
  uint32_t version() const override { return 3; }
  void Apply(const EventContext& event) override;
  void Void(const EventContext& event) override;

  // One page of the events under an entity id (or stream), an actor id, a local day of
  // recording "YYYY-MM-DD" (Asia/Shanghai), or of all late entries; in ledger order.
  //
  // As of `up_to`: what the index held once the event at `up_to` was applied. Nothing is ever
  // removed and every list, page and mark grows in ledger order, so that is this index with
  // everything recorded after `up_to` left out: later entries, and later corrections' marks.
  // Time travel reads it so rather than replaying it (see ViewSet::AuditIndexing).
  static constexpr uint64_t kNow = UINT64_MAX;
  void ByEntity(const std::string& entity_id, size_t offset, size_t limit, uint64_t up_to,
                ledger::schema::AuditView::Builder out) const;
  void ByActor(const std::string& actor_id, size_t offset, size_t limit, uint64_t up_to,
               ledger::schema::AuditView::Builder out) const;
  void ByDay(const std::string& day, size_t offset, size_t limit, uint64_t up_to,
             ledger::schema::AuditView::Builder out) const;
  void Late(size_t offset, size_t limit, uint64_t up_to,
            ledger::schema::AuditView::Builder out) const;

  const AuditEntryRecord* Entry(uint64_t seq) const;
  int64_t late_threshold_ms() const { return late_threshold_ms_; }

 private:
  // Where the ids of one struct type are, worked out once per type from its schema: which
  // pointer slots hold id text, id lists, or structs to look into. Events are then read through
  // AnyStruct by slot, which costs a fraction of a DynamicStruct lookup by field.
  struct IdPlan {
    enum class Kind : uint8_t { kText, kTextList, kStruct, kStructList, kGroup };
    struct Step {
      uint32_t pointer;  // slot in the pointer section; unused for a group
      Kind kind;
      const IdPlan* child;  // for kStruct, kStructList and kGroup
    };
    std::vector<Step> always;                        // fields outside the union
    std::vector<std::vector<Step>> by_discriminant;  // union members, by discriminant value
    uint32_t discriminant_offset = 0;                // in 16-bit units of the data section
    bool complete = false;
    bool empty() const;
  };
  const IdPlan& PlanFor(capnp::StructSchema schema);
  void Collect(const IdPlan& plan, capnp::AnyStruct::Reader reader);
  // Fills found_ with the stream and the payload's ids, each once.
  void FindEntities(const EventContext& event);
  void AddFound(std::string_view entity);
  void RememberTouched(uint64_t seq);

  AuditPage* MutablePage(uint64_t seq);
  void Fill(const PagedSeqLists& lists, std::string_view key, std::string_view shown_key,
            size_t offset, size_t limit, uint64_t up_to,
            ledger::schema::AuditView::Builder out) const;

  const int64_t late_threshold_ms_;

  Table<AuditPage> pages_{"pages"};
  PagedSeqLists by_entity_{"by_entity"};
  PagedSeqLists by_actor_{"by_actor"};
  PagedSeqLists by_day_{"by_day"};
  PagedSeqLists late_{"late"};                 // one list, kLateKey
  Table<TouchedEntities> touched_{"touched"};  // by seq

  // Derived from the schema, not from events: not stored, rebuilt on demand.
  std::unordered_map<uint64_t, std::unique_ptr<IdPlan>> plans_;
  const IdPlan* payload_plan_ = nullptr;
  // Scratch, reused between events to spare allocations.
  std::vector<std::string_view> found_;
  uint64_t cached_page_ = UINT64_MAX;
  std::string cached_page_key_;
  int64_t cached_day_ = INT64_MIN;
  std::string cached_day_key_;
};

}  // namespace projections
