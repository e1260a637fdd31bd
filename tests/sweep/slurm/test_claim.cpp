#include <doctest/doctest.h>

#include <algorithm>
#include <thread>
#include <vector>

#include "core/error.hpp"
#include "sweep/byte_range_lock.hpp"
#include "sweep/member_claim.hpp"
#include "sweep/sweep_spec.hpp"
#include "slurm_test_support.hpp"

using namespace expt;
using namespace expt::testing;

TEST_CASE("byte-range locks: one holder per byte, released with the holder, visible to others") {
  const TempFolder tmp;
  const auto file = tmp.path() / "members.lock";
  CHECK_FALSE(byte_is_locked(file, 3));  // no file yet: nothing held
  {
    auto first = ByteRangeLock::try_lock(file, 3);
    REQUIRE(first);
    // Another open file of the same process conflicts too (open-file-description locks).
    CHECK_FALSE(ByteRangeLock::try_lock(file, 3));
    CHECK(ByteRangeLock::try_lock(file, 4));
    CHECK(byte_is_locked(file, 3));
  }
  CHECK_FALSE(byte_is_locked(file, 3));
  CHECK(ByteRangeLock::try_lock(file, 3));
}

TEST_CASE("claims: a member is claimed by one process at a time, by id whatever the member order") {
  const TempFolder tmp;
  SweepPlan plan = tiny_plan(tmp.path(), "parameters: {training.dropout: [true, false]}\nrepeats: 2\n");
  Manifest m = manifest_for(plan, "s.yaml");
  write_manifest(manifest_path(plan.dir), m);
  const std::string id = m.members[2].id;
  auto claim = claim_member(plan.dir, m, id);
  REQUIRE(claim);
  CHECK(member_is_claimed(plan.dir, m, id));
  std::reverse(m.members.begin(), m.members.end());  // a reordered sweep file: the same bytes
  CHECK_FALSE(claim_member(plan.dir, m, id));
  for (const auto& r : m.members)
    if (r.id != id) CHECK_FALSE(member_is_claimed(plan.dir, m, r.id));
  CHECK_THROWS_AS(claim_member(plan.dir, m, "0123456789abcdef"), IoError);
  claim.reset();
  CHECK(claim_member(plan.dir, m, id));
}

TEST_CASE("manifest updates from concurrent writers are never lost") {
  const TempFolder tmp;
  const SweepPlan plan = tiny_plan(tmp.path(), "parameters: {training.dropout: [true, false]}\nrepeats: 2\n");
  Manifest m = manifest_for(plan, "s.yaml");
  write_manifest(manifest_path(plan.dir), m);
  constexpr int kUpdates = 25;
  std::vector<std::thread> writers;
  for (const auto& r : m.members)
    writers.emplace_back([&plan, id = r.id] {
      for (int k = 0; k < kUpdates; ++k) update_member(plan.dir, id, [](MemberRecord& r) { start_attempt(r, "7_1", 0); });
    });
  for (auto& w : writers) w.join();
  for (const auto& r : read_manifest(manifest_path(plan.dir)).members) {
    CHECK(r.starts == kUpdates);
    CHECK(r.attempts.size() == kUpdates);
    CHECK(r.slurm_task == "7_1");
  }
}

TEST_CASE("attempts: start and end are recorded with host, task and the epoch resumed from") {
  MemberRecord r;
  start_attempt(r, "12_3", 4);
  CHECK(r.state == MemberState::running);
  REQUIRE(r.attempts.size() == 1);
  CHECK(r.attempts[0].from_epoch == 4);
  CHECK(r.attempts[0].host == host_name());
  CHECK(r.attempts[0].ended_at.empty());
  r.state = MemberState::done;
  end_attempt(r);
  CHECK(r.attempts[0].outcome == "done");
  CHECK_FALSE(r.attempts[0].ended_at.empty());
}
