#include "sweep/member_claim.hpp"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <vector>

#include <fmt/format.h>

#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "experiment/run_recorder.hpp"

namespace expt {
namespace {

namespace fs = std::filesystem;

constexpr off_t kManifestByte = 0;

off_t claim_byte(const Manifest& manifest, const std::string& id) {
  std::vector<std::string> ids;
  for (const auto& r : manifest.members) ids.push_back(r.id);
  std::sort(ids.begin(), ids.end());
  const auto it = std::lower_bound(ids.begin(), ids.end(), id);
  if (it == ids.end() || *it != id) throw IoError(fmt::format("{} is not a member of sweep {}", id, manifest.name));
  return 1 + static_cast<off_t>(it - ids.begin());
}

}  // namespace

fs::path members_lock_path(const fs::path& sweep_dir) { return sweep_dir / "members.lock"; }
fs::path manifest_path(const fs::path& sweep_dir) { return sweep_dir / "sweep.json"; }

ManifestLock::ManifestLock(const fs::path& sweep_dir)
    : lock_(ByteRangeLock::wait(members_lock_path(sweep_dir), kManifestByte)) {}

Manifest update_member(const fs::path& sweep_dir, const std::string& id, const std::function<void(MemberRecord&)>& change) {
  const ManifestLock lock(sweep_dir);
  Manifest manifest = read_manifest(manifest_path(sweep_dir));
  MemberRecord* r = find_member(manifest, id);
  if (!r) throw IoError(fmt::format("{} lists no member {}", manifest_path(sweep_dir).string(), id));
  change(*r);
  write_manifest(manifest_path(sweep_dir), manifest);
  return manifest;
}

Manifest read_manifest_locked(const fs::path& sweep_dir) {
  const ManifestLock lock(sweep_dir);
  return read_manifest(manifest_path(sweep_dir));
}

void remove_abandoned_sweep_temporaries(const fs::path& sweep_dir) {
  {
    const ManifestLock lock(sweep_dir);
    remove_abandoned_temporaries_of(manifest_path(sweep_dir));
  }
  std::error_code ec;
  if (fs::is_directory(sweep_dir / "slurm", ec)) remove_abandoned_temporaries(sweep_dir / "slurm");
}

std::optional<ByteRangeLock> claim_member(const fs::path& sweep_dir, const Manifest& manifest, const std::string& id) {
  return ByteRangeLock::try_lock(members_lock_path(sweep_dir), claim_byte(manifest, id));
}

bool member_is_claimed(const fs::path& sweep_dir, const Manifest& manifest, const std::string& id) {
  return byte_is_locked(members_lock_path(sweep_dir), claim_byte(manifest, id));
}

void start_attempt(MemberRecord& r, const std::string& slurm_task, int64_t from_epoch) {
  r.state = MemberState::running;
  r.message.clear();
  ++r.starts;
  if (!slurm_task.empty()) r.slurm_task = slurm_task;
  r.attempts.push_back({utc_now_iso8601(), "", host_name(), slurm_task, from_epoch, ""});
}

void end_attempt(MemberRecord& r) {
  if (r.attempts.empty() || !r.attempts.back().ended_at.empty()) return;
  r.attempts.back().ended_at = utc_now_iso8601();
  r.attempts.back().outcome = to_string(r.state);
}

std::string host_name() {
  std::array<char, 256> name{};
  if (::gethostname(name.data(), name.size() - 1) != 0) return "";
  return name.data();
}

}  // namespace expt
