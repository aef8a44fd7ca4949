// jemalloc's settings for ledgerd and ledgerctl, read by jemalloc as it starts (linked in by
// CMakeLists.txt; MALLOC_CONF in the environment still overrides them).
//
// A view set built for time travel (projections/as_of_builder.h) is freed whole once it leaves
// the cache: a few hundred MiB at 5M events, in small pieces. A thread of jemalloc's own hands
// pages unused for a second back to the system, so that the memory ledgerd holds follows what
// it uses rather than the most it ever used; the pages are released at once (no lazy "muzzy"
// stage), so that the resident size shows it.
extern "C" {
// NOLINTNEXTLINE: the name and type jemalloc looks for.
const char* malloc_conf = "background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:0";
}
