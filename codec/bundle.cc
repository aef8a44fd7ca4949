#include "bundle.h"

#include <capnp/message.h>
#include <kj/exception.h>

#include <exception>

#include "event_checker.h"
#include "json_parser.h"

namespace codec::internal {

using capnp::JsonValue;

Bundle::Bundle(capnp::StructSchema root) : tables_(root) {
  codec_.addTypeHandler(int64_handler_);
  codec_.addTypeHandler(uint64_handler_);
  for (const EnumInfo* info : tables_.enums()) {
    enum_handlers_.push_back(std::make_unique<EnumHandler>(*info));
    codec_.addTypeHandler(info->schema, *enum_handlers_.back());
  }
  for (auto field : tables_.time_fields()) codec_.addFieldHandler(field, time_handler_);
  // Our enum and time handlers are registered before this, so that the annotation walk leaves
  // those types to them.
  codec_.handleByAnnotation(root);
  codec_.setRejectUnknownFields(true);
  codec_.setHasMode(capnp::HasMode::NON_DEFAULT);
}

std::string Bundle::Encode(capnp::DynamicStruct::Reader value) const {
  std::string out;
  // Only a reader over malformed bytes, or a field JSON cannot hold (a capability), makes
  // JsonCodec throw here.
  kj::runCatchingExceptions([&]() {
    kj::String json = codec_.encode(value);
    out.assign(json.begin(), json.size());
  });
  return out;
}

ledger::Status Bundle::Decode(std::string_view text, const ObjectInfo& info,
                              capnp::DynamicStruct::Builder out) const {
  capnp::MallocMessageBuilder scratch;
  auto json = scratch.initRoot<JsonValue>();
  Problem problem;
  try {
    problem = ParseJson(text, json);
    if (!problem) {
      KJ_IF_MAYBE (e, kj::runCatchingExceptions([&]() { codec_.decode(json.asReader(), out); })) {
        problem = FindProblem(json.asReader(), info, /*full=*/true);
        if (!problem) problem = std::string("could not decode: ") + e->getDescription().cStr();
      } else if (info.reaches_union) {
        problem = FindProblem(json.asReader(), info, /*full=*/false);
      }
    }
  } catch (const kj::Exception& e) {  // building the scratch JsonValue; not expected
    problem = std::string("could not decode: ") + e.getDescription().cStr();
  } catch (const std::exception& e) {  // std::bad_alloc, most likely
    problem = std::string("could not decode: ") + e.what();
  } catch (...) {
    problem = "could not decode the document";
  }
  return problem ? ledger::Status::InvalidArgument(*problem) : ledger::Status::Ok();
}

}  // namespace codec::internal
