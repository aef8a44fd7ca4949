#include "publication.h"

#include <capnp/message.h>
#include <cmath>

#include "local_time.h"
#include "projections/reports/star_evaluation.h"

namespace simulate::internal {

Publication::Publication(DistrictState& d)
    : d_(d), views_([log = d.log](uint64_t seq) { return log->Read(seq); }) {}

Status Publication::Publish(int year, int64_t at) {
  ledger::Position head = d_.log->Head();
  Status failed;
  Status scanned =
      d_.log->Scan(views_.position().seq + 1, head.seq, [&](const ledger::RecordedEvent& e) {
        failed = views_.Apply(e);
        return failed.ok();
      });
  if (!scanned.ok()) return scanned;
  if (!failed.ok()) return failed;
  capnp::MallocMessageBuilder message;
  auto evaluation = message.initRoot<schema::StarEvaluation>();
  projections::ComputeStarEvaluation(views_, year, at, evaluation);
  auto ev = evaluation.asReader();

  // The figures' readable inputs make the event large; a big district has them shortened
  // (anyone can recompute them in full from computedAtSeq) so that the event fits the ledger.
  for (size_t clip : {size_t(100000), size_t(400), size_t(160), size_t(0)}) {
    auto fill = [&](schema::Payload::Builder p) {
      auto s = p.initStarRatingPublished();
      s.setYear(static_cast<uint16_t>(year));
      auto rows = ev.getRows();
      auto ratings = s.initRatings(rows.size());
      for (size_t i = 0; i < rows.size(); ++i) {
        auto row = rows[i];
        auto r = ratings[i];
        auto subject = r.initSubject();
        std::string kind = row.getSubjectKind().cStr();
        subject.setKind(kind == "propertyManager"   ? schema::SubjectKind::PROPERTY_MANAGER
                        : kind == "ownersCommittee" ? schema::SubjectKind::OWNERS_COMMITTEE
                                                    : schema::SubjectKind::COMPANY);
        subject.setId(row.getSubjectId());
        r.setScore(std::round(row.getScore() * 100) / 100);
        r.setStars(row.getStars());
        std::string list = row.getList().cStr();
        r.setList(list == "red"     ? schema::ListMark::RED
                  : list == "black" ? schema::ListMark::BLACK
                                    : schema::ListMark::NONE);
        r.setReplacementRecommended(row.getReplacementRecommended());
        auto figures = row.getFigures();
        auto out = r.initFigures(figures.size());
        for (size_t k = 0; k < figures.size(); ++k) {
          out[k].setName(figures[k].getName());
          out[k].setValue(figures[k].getValue());
          if (clip > 0) out[k].setInputs(Clip(figures[k].getInputs().cStr(), clip));
        }
      }
      s.setComputedAtSeq(ev.getPositionSeq());
      s.setComputedAtHash(ev.getPositionHash());
      s.setPolicyId(ev.getPolicyId());
      s.setPolicyVersion(ev.getPolicyVersion());
    };
    capnp::MallocMessageBuilder probe;
    fill(probe.initRoot<schema::Payload>());
    bool fits = probe.sizeInWords() * sizeof(capnp::word) < 56 * 1024;
    if (!fits && clip > 0) continue;
    std::vector<Draft> drafts;
    drafts.push_back({at, d_.Street(), fill});
    return d_.emit.AppendNow(at, "rating/" + std::to_string(year), std::move(drafts));
  }
  return Status::Ok();
}

}  // namespace simulate::internal
