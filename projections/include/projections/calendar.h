// The calendar the views and reports speak in: base's one calendar (base/civil_time.h), named in
// this namespace so that a rule reads "LocalDay(at, zone)".

#pragma once

#include "base/civil_time.h"

namespace projections {

using base::CivilDay;
using base::CivilFromDays;
using base::DaysFromCivil;
using base::FormatDay;
using base::Hours;
using base::kMillisPerDay;
using base::kMillisPerHour;
using base::kMillisPerMinute;
using base::LocalDay;
using base::LocalDayStart;
using base::LocalMonth;
using base::LocalYear;
using base::ParseDay;
using base::TimeZone;

}  // namespace projections
